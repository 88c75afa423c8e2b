//! The closed sets of words operators take (`join kind=…`, `parse kind=…`, `asc`/`desc`, …), each
//! an enum with its spellings, so that an unknown word is a parse error at its location listing
//! the valid ones, and the evaluator matches on variants rather than on strings.

use super::Span;

/// A closed set of words: each member with its spellings, the canonical one first.
pub trait Keyword: Sized + Copy + PartialEq + 'static {
    /// What the word is, for messages (`join kind`).
    const WHAT: &'static str;
    /// Every member with its spellings (case-insensitive), canonical first.
    const ALL: &'static [(Self, &'static [&'static str])];

    /// The member `word` spells, if any.
    fn from_word(word: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(word)))
            .map(|(k, _)| *k)
    }

    /// The canonical spelling, as printed.
    fn word(self) -> &'static str {
        Self::ALL.iter().find(|(k, _)| *k == self).map_or("", |(_, names)| names[0])
    }

    /// The canonical spellings, for "expected one of".
    fn words() -> Vec<&'static str> {
        Self::ALL.iter().map(|(_, names)| names[0]).collect()
    }
}

/// `join kind=…` (…/join-operator#returns): the default is `innerunique`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JoinKind {
    /// Left rows de-duplicated by key, then matched (Kusto's default).
    #[default]
    InnerUnique,
    /// Every matching pair.
    Inner,
    /// Every left row; unmatched ones with nulls on the right.
    LeftOuter,
    /// Every right row; unmatched ones with nulls on the left.
    RightOuter,
    /// Every row of both sides.
    FullOuter,
    /// Left rows that have a match, left columns only.
    LeftSemi,
    /// Right rows that have a match, right columns only.
    RightSemi,
    /// Left rows without a match.
    LeftAnti,
    /// Right rows without a match.
    RightAnti,
}

impl Keyword for JoinKind {
    const WHAT: &'static str = "join kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (JoinKind::InnerUnique, &["innerunique"]),
        (JoinKind::Inner, &["inner"]),
        (JoinKind::LeftOuter, &["leftouter"]),
        (JoinKind::RightOuter, &["rightouter"]),
        (JoinKind::FullOuter, &["fullouter"]),
        (JoinKind::LeftSemi, &["leftsemi"]),
        (JoinKind::RightSemi, &["rightsemi"]),
        (JoinKind::LeftAnti, &["leftanti", "anti", "leftantisemi"]),
        (JoinKind::RightAnti, &["rightanti", "rightantisemi"]),
    ];
}

/// `lookup kind=…` (…/lookup-operator): `leftouter` (default) or `inner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LookupKind {
    /// Every left row, extended where the right side has its key.
    #[default]
    LeftOuter,
    /// Only left rows whose key the right side has.
    Inner,
}

impl Keyword for LookupKind {
    const WHAT: &'static str = "lookup kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(LookupKind::LeftOuter, &["leftouter"]), (LookupKind::Inner, &["inner"])];
}

impl From<LookupKind> for JoinKind {
    fn from(kind: LookupKind) -> JoinKind {
        match kind {
            LookupKind::LeftOuter => JoinKind::LeftOuter,
            LookupKind::Inner => JoinKind::Inner,
        }
    }
}

/// `mv-expand kind=…` / `bagexpansion=…` (…/mv-expand-operator): how a bag's entries expand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MvExpandKind {
    /// Each entry as a one-entry bag (the default).
    #[default]
    Bag,
    /// Each entry as a `[key, value]` array.
    Array,
}

impl Keyword for MvExpandKind {
    const WHAT: &'static str = "mv-expand kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(MvExpandKind::Bag, &["bag"]), (MvExpandKind::Array, &["array"])];
}

/// `make-series kind=…` (…/make-series-operator): only `nonempty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MakeSeriesKind {
    /// A row of default values when the input is empty, instead of no row.
    NonEmpty,
}

impl Keyword for MakeSeriesKind {
    const WHAT: &'static str = "make-series kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(MakeSeriesKind::NonEmpty, &["nonempty"])];
}

/// `parse kind=…` (…/parse-operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseKind {
    /// Literals are text, captures must match their type (the default).
    #[default]
    Simple,
    /// Literals are regular-expression fragments.
    Regex,
    /// Like `simple`, but a capture whose text does not convert is null instead of a miss.
    Relaxed,
}

impl Keyword for ParseKind {
    const WHAT: &'static str = "parse kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[
        (ParseKind::Simple, &["simple"]),
        (ParseKind::Regex, &["regex"]),
        (ParseKind::Relaxed, &["relaxed"]),
    ];
}

/// `union kind=…` (…/union-operator): which columns the result has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnionKind {
    /// Every column of any input (the default).
    #[default]
    Outer,
    /// Only the columns every input has.
    Inner,
}

impl Keyword for UnionKind {
    const WHAT: &'static str = "union kind";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(UnionKind::Outer, &["outer"]), (UnionKind::Inner, &["inner"])];
}

/// `asc` / `desc` of a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest first (Kusto's default for `sort` and `top`).
    Desc,
}

impl Keyword for SortOrder {
    const WHAT: &'static str = "sort order";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(SortOrder::Asc, &["asc"]), (SortOrder::Desc, &["desc"])];
}

/// `nulls first` / `nulls last` of a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsPlacement {
    /// Nulls before every value.
    First,
    /// Nulls after every value.
    Last,
}

impl Keyword for NullsPlacement {
    const WHAT: &'static str = "nulls placement";
    const ALL: &'static [(Self, &'static [&'static str])] = &[(NullsPlacement::First, &["first"]), (NullsPlacement::Last, &["last"])];
}

/// A name as written in the query, with where it was written: column names of `project-away`,
/// `project-rename` and join conditions, so that an unknown one gets a caret.
/// Equality ignores where it was written, as every span's does.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The name (or wildcard pattern) as written, brackets resolved.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

impl Name {
    /// A name at `span`.
    pub fn new(text: impl Into<String>, span: Span) -> Name {
        Name { text: text.into(), span }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_are_case_insensitive_and_aliases_map_to_one_member() {
        assert_eq!(JoinKind::from_word("LeftAntiSemi"), Some(JoinKind::LeftAnti));
        assert_eq!(JoinKind::from_word("anti"), Some(JoinKind::LeftAnti));
        assert_eq!(JoinKind::LeftAnti.word(), "leftanti");
        assert_eq!(JoinKind::from_word("weird"), None);
        assert_eq!(LookupKind::words(), ["leftouter", "inner"]);
    }
}
