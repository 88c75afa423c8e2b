//! Stable identifiers: every GUID, IP address and random stream is derived from a hash of
//! (seed, entity path, purpose), never from a global RNG, so that adding an entity to a scenario
//! leaves every other entity's IDs and timestamps unchanged.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::net::Ipv4Addr;
use uuid::Uuid;

/// The RNG type used everywhere in the simulation.
pub type SimRng = ChaCha8Rng;

/// Derives stable values from the run's seed.
#[derive(Debug, Clone, Copy)]
pub struct IdSource {
    seed: u64,
}

impl IdSource {
    /// A source for the run with this seed.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn digest(&self, path: &str, purpose: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.seed.to_le_bytes());
        // Length prefixes keep ("ab","c") and ("a","bc") apart.
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((purpose.len() as u64).to_le_bytes());
        hasher.update(purpose.as_bytes());
        hasher.finalize().into()
    }

    /// An independent random stream for one entity and purpose.
    pub fn rng(&self, path: &str, purpose: &str) -> SimRng {
        SimRng::from_seed(self.digest(path, purpose))
    }

    /// A stable version-4-shaped GUID for one entity and purpose.
    pub fn guid(&self, path: &str, purpose: &str) -> Uuid {
        let d = self.digest(path, purpose);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&d[..16]);
        guid_from_bytes(bytes)
    }

    /// `len` lower-case hex digits derived from `key` with a fast non-cryptographic hash: for
    /// per-record values (secret versions) where a SHA-256 per record would cost too much.
    pub fn hex_id(&self, key: &str, len: usize) -> String {
        let bytes = stretch(&[&self.seed.to_le_bytes(), key.as_bytes()], len.div_ceil(2));
        let mut out: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        out.truncate(len);
        out
    }

    /// A stable public IP address in one of `prefixes` (first two octets).
    pub fn public_ip(&self, path: &str, purpose: &str, prefixes: &[[u8; 2]]) -> Ipv4Addr {
        ip_in(&mut self.rng(path, purpose), prefixes)
    }
}

/// Draws a random version-4 GUID from `rng`.
pub fn random_guid(rng: &mut impl Rng) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    guid_from_bytes(bytes)
}

/// `len` bytes derived from `parts` with a fast non-cryptographic hash (FNV-1a over the parts,
/// each length-prefixed, stretched by splitmix64): stable values per record — opaque claims,
/// secret versions — where a SHA-256 each would cost a noticeable share of generation.
pub fn stretch(parts: &[&[u8]], len: usize) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in (part.len() as u64).to_le_bytes().iter().chain(part.iter()) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A stable version-4-shaped GUID derived from `parent` and an index: a child identifier (one per
/// Logic Apps action of a run) that costs no draw from the run's random stream.
pub fn child_guid(parent: Uuid, index: u64) -> Uuid {
    let digest = Sha256::new()
        .chain_update(parent.as_bytes())
        .chain_update(index.to_le_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    guid_from_bytes(bytes)
}

fn guid_from_bytes(mut bytes: [u8; 16]) -> Uuid {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// A random host address (never .0 or .255) in one of the given /16 prefixes.
pub fn ip_in(rng: &mut impl Rng, prefixes: &[[u8; 2]]) -> Ipv4Addr {
    let [a, b] = prefixes[rng.random_range(0..prefixes.len())];
    Ipv4Addr::new(a, b, rng.random_range(0..=255), rng.random_range(1..=254))
}

/// Upper-case hex of `n` random bytes (certificate thumbprints are 20 bytes).
pub fn random_hex_upper(rng: &mut impl Rng, n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(n * 2);
    for _ in 0..n {
        let byte: u8 = rng.random();
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 15) as usize] as char);
    }
    out
}

/// Base64url without padding, the shape of Entra's `uti` token claim / `UniqueTokenIdentifier`.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_distinct_per_path_and_purpose() {
        let ids = IdSource::new(7);
        assert_eq!(ids.guid("identity/a", "object"), ids.guid("identity/a", "object"));
        assert_ne!(ids.guid("identity/a", "object"), ids.guid("identity/b", "object"));
        assert_ne!(ids.guid("identity/a", "object"), ids.guid("identity/a", "app"));
        assert_ne!(ids.guid("identity/a", "object"), IdSource::new(8).guid("identity/a", "object"));
        assert_ne!(ids.guid("ab", "c"), ids.guid("a", "bc"));
        assert_eq!(ids.guid("x", "y").get_version_num(), 4);
    }

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        // RFC 4648 §10 test vectors, URL-safe alphabet without padding.
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(&[0u8; 16]).len(), 22);
    }

    #[test]
    fn ips_stay_in_their_prefix() {
        let mut rng = IdSource::new(1).rng("p", "ip");
        for _ in 0..100 {
            let ip = ip_in(&mut rng, &[[20, 103]]);
            assert_eq!(&ip.octets()[..2], &[20, 103]);
            assert!(ip.octets()[3] != 0 && ip.octets()[3] != 255);
        }
    }
}
