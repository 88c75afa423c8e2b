//! `--shard K/N`: which share of the records this process writes.
//!
//! The simulation's event stream is cut into chunks of `CHUNK_EVENTS` consecutive events, and
//! shard K of N writes chunks K, K+N, K+2N, … (K counts from 0, as a Kubernetes Indexed Job's
//! `JOB_COMPLETION_INDEX` does). Each shard simulates everything (the simulation is cheap next to
//! rendering and writing, and its token cache and merge order need every event) but renders only
//! its chunks: the work splits evenly, each shard's files keep the simulation's order, and the
//! per-chunk record counts in each shard's manifest let `merge` rebuild the single run byte for byte.

use super::chunk::CHUNK_EVENTS;
pub use crate::manifest::ShardInfo;

/// One share of a sharded run: shard `index` of `count`, `index` in `0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, from 0.
    pub index: u32,
    /// How many shares.
    pub count: u32,
}

/// Why a `--shard` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// Not two numbers with a slash between them.
    #[error("--shard `{0}` is not K/N (e.g. 0/4: the first of four shards; K counts from 0)")]
    Syntax(String),
    /// N is 0.
    #[error("--shard {0}/0: N must be at least 1")]
    NoShards(u32),
    /// K is N or more.
    #[error("--shard {0}/{1}: K counts from 0, so it must be below N (0 to {last})", last = .1 - 1)]
    OutOfRange(u32, u32),
}

impl Shard {
    /// The whole output: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N` with `K` in `0..N`.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(text.to_owned());
        let (k, n) = text.trim().split_once('/').ok_or_else(syntax)?;
        let index: u32 = k.trim().parse().map_err(|_| syntax())?;
        let count: u32 = n.trim().parse().map_err(|_| syntax())?;
        if count == 0 {
            return Err(ShardError::NoShards(index));
        }
        if index >= count {
            return Err(ShardError::OutOfRange(index, count));
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard writes chunk `chunk` (counted over the whole event stream).
    pub fn owns(self, chunk: u64) -> bool {
        chunk % u64::from(self.count) == u64::from(self.index)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardInfo {
    /// An empty record of `shard`'s chunks.
    pub fn new(shard: Shard) -> Self {
        Self {
            index: shard.index,
            count: shard.count,
            chunk_events: CHUNK_EVENTS,
            chunks: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_from_zero_and_name_the_fix_when_wrong() {
        assert_eq!(Shard::parse("0/1"), Ok(Shard::ALL));
        assert_eq!(Shard::parse(" 2/3 "), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard::parse("3/3"), Err(ShardError::OutOfRange(3, 3)));
        assert!(Shard::parse("3/3").unwrap_err().to_string().contains("0 to 2"));
        assert_eq!(Shard::parse("0/0"), Err(ShardError::NoShards(0)));
        assert!(matches!(Shard::parse("1-3"), Err(ShardError::Syntax(_))));
        assert!(matches!(Shard::parse("a/3"), Err(ShardError::Syntax(_))));
        assert!(matches!(Shard::parse("-1/3"), Err(ShardError::Syntax(_))));
    }

    #[test]
    fn every_chunk_belongs_to_exactly_one_shard() {
        for count in 1..=4 {
            for chunk in 0..20 {
                let owners = (0..count).filter(|&index| Shard { index, count }.owns(chunk)).count();
                assert_eq!(owners, 1, "chunk {chunk} of {count} shards");
            }
        }
    }
}
