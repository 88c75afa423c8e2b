//! A validating scan of one NDJSON record's top-level fields, building nothing: it finds each
//! field's key and the text of its value, so that the loader parses only the values of the columns
//! a query reads and steps over the rest at the speed of a byte scan.
//!
//! The scan accepts a subset of what `serde_json` accepts (it never lets through a line that
//! `serde_json` refuses): anything it is unsure of — a key with escapes, a lone surrogate, deep
//! nesting, any syntax error — makes it give up, and the caller parses the line with `serde_json`,
//! which then reports the error, located, or reads the line. `tests` pin that subset relation.

/// Deeper nesting than this is left to `serde_json` (its own limit is 128).
const MAX_DEPTH: usize = 100;

/// A field's value as the scan saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Raw<'a> {
    /// A string without escapes: its contents, without the quotes.
    Plain(&'a str),
    /// Any other value: its JSON text, for `serde_json` to read.
    Json(&'a str),
}

/// A field's key as the scan saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Key<'a> {
    /// Exactly the key the caller expected (see [`Record::key`]).
    Expected,
    /// Another key, without escapes.
    Other(&'a str),
}

/// Calls `each(key, value)` for every top-level field of `line`, in order; `None` when the line is
/// not certainly one valid JSON object (the caller then parses it the slow way).
#[cfg(test)]
pub(super) fn fields<'a>(line: &'a str, mut each: impl FnMut(&'a str, Raw<'a>)) -> Option<()> {
    let mut record = Record::open(line, 0)?;
    while let Some(key) = record.key(None)? {
        let Key::Other(key) = key else {
            unreachable!("no key was expected")
        };
        each(key, record.value()?);
    }
    (record.end()? == line.len()).then_some(())
}

/// A cursor over the top-level fields of the record that starts at a byte of a text, which may
/// hold more lines after it. A line end is never whitespace to the scan (it skips only spaces,
/// tabs and `\r`, and strings stop at control characters), so a record the scan accepts never
/// reaches into the next line.
pub(super) struct Record<'a> {
    text: &'a str,
    at: usize,
    /// Whether a field was read: a comma must come before the next key.
    after_field: bool,
    /// The line end after the closing brace, once the record is read.
    end: Option<usize>,
    /// The text of the value last read, as a byte range of `text`.
    value_span: (usize, usize),
}

/// The text of the value last read at each place of a record, over the records of one text: the
/// records of a log file repeat most of their values from one line to the next (tenant ids,
/// categories, the same JSON of processing details), and comparing a value's bytes with the same
/// value accepted before costs less than scanning it again.
pub(super) struct Earlier<'a> {
    text: &'a str,
    spans: Vec<(usize, usize)>,
    /// Whether values are remembered: not for a lone line, which no record follows.
    remembers: bool,
}

impl<'a> Earlier<'a> {
    /// No values yet, for the records of `text`.
    pub(super) fn new(text: &'a str) -> Earlier<'a> {
        Earlier {
            text,
            spans: Vec::new(),
            remembers: true,
        }
    }

    /// Nothing to remember, for a lone line: no record follows it in the same text.
    pub(super) fn none(line: &'a str) -> Earlier<'a> {
        Earlier {
            remembers: false,
            ..Earlier::new(line)
        }
    }

    /// Remembers the value `record` last read as the one at `place`.
    #[inline]
    pub(super) fn remember(&mut self, place: usize, record: &Record<'a>) {
        if !self.remembers {
            return;
        }
        if place < self.spans.len() {
            self.spans[place] = record.value_span;
        } else if place == self.spans.len() {
            self.spans.push(record.value_span);
        }
    }
}

impl<'a> Record<'a> {
    /// The record starting at byte `at` of `text`; `None` when no object starts there.
    pub(super) fn open(text: &'a str, at: usize) -> Option<Record<'a>> {
        let bytes = text.as_bytes();
        let at = skip_ws(bytes, at);
        (bytes.get(at) == Some(&b'{')).then(|| Record {
            text,
            at: skip_ws(bytes, at + 1),
            after_field: false,
            end: None,
            value_span: (0, 0),
        })
    }

    /// The next field's key, up to its colon: [`Key::Expected`] when it is exactly `expected`
    /// (which must be a key the scan once gave as [`Key::Other`]: the records of a file mostly
    /// list the same fields in the same order, and comparing the text with the key expected costs
    /// less than scanning it); `Some(None)` after the last field; `None` when the scan gives up.
    #[inline]
    pub(super) fn key(&mut self, expected: Option<&str>) -> Option<Option<Key<'a>>> {
        let bytes = self.text.as_bytes();
        match (bytes.get(self.at), self.after_field) {
            (Some(b'}'), _) => {
                self.end = Some(line_end(bytes, self.at + 1)?);
                return Some(None);
            }
            (Some(b','), true) => self.at = skip_ws(bytes, self.at + 1),
            (_, true) => return None,
            (_, false) => {}
        }
        let (key, after_key) = match expected {
            Some(name) if is_key_at(bytes, self.at, name) => (Key::Expected, self.at + name.len() + 2),
            _ => plain_string(self.text, self.at).map(|(key, end)| (Key::Other(key), end))?,
        };
        let at = skip_ws(bytes, after_key);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        self.at = skip_ws(bytes, at + 1);
        Some(Some(key))
    }

    /// The value of the field whose key was just read.
    #[inline]
    pub(super) fn value(&mut self) -> Option<Raw<'a>> {
        let start = self.at;
        let (raw, end) = match plain_string(self.text, start) {
            Some((text, end)) => (Raw::Plain(text), end),
            None => {
                let end = value(self.text.as_bytes(), start, 0)?;
                (Raw::Json(&self.text[start..end]), end)
            }
        };
        self.value_span = (start, end);
        self.at = skip_ws(self.text.as_bytes(), end);
        self.after_field = true;
        Some(raw)
    }

    /// Steps over the value of the field whose key was just read when its text is the value
    /// `earlier` remembers at `place`, a value the scan accepted in the same text: a value is
    /// whole once its bytes end, but for a number, which ends at the next delimiter (`12` is not
    /// `123`). Gives false, and reads nothing, otherwise.
    #[inline]
    pub(super) fn repeats(&mut self, earlier: &Earlier<'a>, place: usize) -> bool {
        let Some(&(start, end)) = earlier.spans.get(place) else {
            return false;
        };
        let bytes = self.text.as_bytes();
        let stop = self.at + (end - start);
        let delimited = matches!(bytes.get(stop), Some(b',' | b'}' | b' ' | b'\t' | b'\r'));
        if !delimited || !std::ptr::eq(self.text, earlier.text) || !same_bytes(&bytes[self.at..stop], &bytes[start..end]) {
            return false;
        }
        self.value_span = (self.at, stop);
        self.at = skip_ws(bytes, stop);
        self.after_field = true;
        true
    }

    /// The index of the line end (`\n`, or the end of the text) after the record, once
    /// [`Self::key`] has found its closing brace.
    pub(super) fn end(&self) -> Option<usize> {
        self.end
    }
}

/// Whether the string at `at` is `"name"`, for a `name` without escapes.
#[inline]
fn is_key_at(bytes: &[u8], at: usize, name: &str) -> bool {
    let close = at + 1 + name.len();
    bytes.get(at) == Some(&b'"') && bytes.get(close) == Some(&b'"') && same_bytes(&bytes[at + 1..close], name.as_bytes())
}

/// `a == b` for slices of one length, eight bytes at a time and inline: keys are short, and a
/// call to `memcmp` for each was a visible share of loading.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    // Whole words, then the last eight bytes (which may overlap the words already compared).
    (0..n / 8).all(|w| word(a, w * 8) == word(b, w * 8)) && word(a, n - 8) == word(b, n - 8)
}

/// The line end after a record's closing brace at `at - 1`: only whitespace may come before it.
fn line_end(bytes: &[u8], at: usize) -> Option<usize> {
    let end = skip_ws(bytes, at);
    matches!(bytes.get(end), None | Some(b'\n')).then_some(end)
}

/// JSON whitespace but the line end, which ends an NDJSON record.
#[inline]
fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\r')) {
        at += 1;
    }
    at
}

/// A string without escapes starting at `at` (its opening quote): its contents and the index after
/// its closing quote.
#[inline]
fn plain_string(line: &str, at: usize) -> Option<(&str, usize)> {
    let bytes = line.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let stop = string_stop(bytes, at + 1);
    if bytes.get(stop) != Some(&b'"') {
        return None;
    }
    // Quotes are ASCII, so they lie on character boundaries of the line.
    Some((line.get(at + 1..stop)?, stop + 1))
}

/// The index of the first byte at or after `at` that is a quote, a backslash or a control
/// character (which JSON strings may not hold raw), or the end.
#[inline]
fn string_stop(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time: a byte is flagged when it is below 0x20 or equal to `"` or `\`.
    while let Some(word) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let below_space = x.wrapping_sub(ONES * 0x20) & !x;
        let quote = (x ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(x ^ (ONES * u64::from(b'"')));
        let slash = (x ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(x ^ (ONES * u64::from(b'\\')));
        let flagged = (below_space | quote | slash) & HIGHS;
        if flagged != 0 {
            // The lowest flag is exact (a borrow can only flag bytes above a true match).
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return at;
        }
        at += 1;
    }
    at
}

/// The index just after the JSON value starting at `at`, checking its syntax.
fn value(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' => string(bytes, at),
        b'{' => container(bytes, at, depth, b'}', true),
        b'[' => container(bytes, at, depth, b']', false),
        b't' => literal(bytes, at, b"true"),
        b'f' => literal(bytes, at, b"false"),
        b'n' => literal(bytes, at, b"null"),
        b'-' | b'0'..=b'9' => number(bytes, at),
        _ => None,
    }
}

/// A string with any valid escapes; a `\u` escape of a surrogate is left to `serde_json`.
fn string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        at = string_stop(bytes, at);
        match *bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => {
                at = match *bytes.get(at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at + 2,
                    b'u' => {
                        let hex = std::str::from_utf8(bytes.get(at + 2..at + 6)?).ok()?;
                        let code = u16::from_str_radix(hex, 16).ok()?;
                        if hex.starts_with(['+', '-']) || (0xD800..=0xDFFF).contains(&code) {
                            return None;
                        }
                        at + 6
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// An object (`object`: string keys and `:`) or an array, up to its `close` byte.
fn container(bytes: &[u8], at: usize, depth: usize, close: u8, object: bool) -> Option<usize> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let mut at = skip_ws(bytes, at + 1);
    if bytes.get(at) == Some(&close) {
        return Some(at + 1);
    }
    loop {
        if object {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            at = skip_ws(bytes, string(bytes, at)?);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_ws(bytes, at + 1);
        }
        at = skip_ws(bytes, value(bytes, at, depth + 1)?);
        match *bytes.get(at)? {
            b',' => at = skip_ws(bytes, at + 1),
            b if b == close => return Some(at + 1),
            _ => return None,
        }
    }
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    (bytes.get(at..at + word.len())? == word).then_some(at + word.len())
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, of a size a float surely holds:
/// `serde_json` refuses a number beyond `f64`'s range (`1e309`, or 400 digits), so a long
/// integer part or a large exponent is left to it.
fn number(bytes: &[u8], at: usize) -> Option<usize> {
    /// Fewer integer digits and a smaller exponent than this cannot pass `f64::MAX` (1.8e308).
    const SURELY_IN_RANGE: usize = 150;
    let digits = |from: usize| from + bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut at = at + usize::from(bytes[at] == b'-');
    match *bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => {
            let end = digits(at);
            if end - at >= SURELY_IN_RANGE {
                return None;
            }
            at = end;
        }
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        let end = digits(at + 1);
        if end == at + 1 {
            return None;
        }
        at = end;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let end = digits(at);
        // Leading zeros do not change the exponent, but they are not worth telling apart.
        if end == at || end - at > 2 {
            return None;
        }
        at = end;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scanned(line: &str) -> Option<Vec<(String, Raw<'_>)>> {
        let mut out = Vec::new();
        fields(line, |k, v| out.push((k.to_owned(), v)))?;
        Some(out)
    }

    #[test]
    fn fields_come_with_plain_strings_unquoted_and_other_values_as_text() {
        let line = r#" {"a": "x y", "b":1.5e3, "c" : {"d":[true,null,"\u00e9\n"]}, "e":"q\"q"} "#;
        let got = scanned(line).expect("valid");
        assert_eq!(
            got,
            vec![
                ("a".to_owned(), Raw::Plain("x y")),
                ("b".to_owned(), Raw::Json("1.5e3")),
                ("c".to_owned(), Raw::Json(r#"{"d":[true,null,"\u00e9\n"]}"#)),
                ("e".to_owned(), Raw::Json(r#""q\"q""#)),
            ]
        );
        assert_eq!(scanned("{}"), Some(vec![]));
    }

    #[test]
    fn what_serde_json_refuses_or_the_scan_is_unsure_of_is_given_up() {
        for line in [
            r#"{"a": nope}"#,
            "[1]",
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"k\"ey":1}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":1} x"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            r#"{"a":"\u+123"}"#,
            r#"{"a": -1E00309}"#,
            r#"{"a": 1e400}"#,
        ] {
            assert_eq!(scanned(line), None, "{line}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(scanned(&deep), None);
    }

    #[test]
    fn an_expected_key_is_recognised_only_when_it_is_the_whole_key() {
        let line = r#"{"TimeGenerated":1,"Type":"x","TypeX":2,"Type":3}"#;
        let mut record = Record::open(line, 0).expect("an object");
        let mut keys = Vec::new();
        for expected in [Some("TimeGenerated"), Some("TypeX"), Some("Type"), None] {
            keys.push(record.key(expected).expect("valid").expect("a field"));
            record.value().expect("a value");
        }
        assert_eq!(keys, [Key::Expected, Key::Other("Type"), Key::Other("TypeX"), Key::Other("Type")]);
        assert_eq!(record.key(Some("Type")), Some(None), "the record ends");
        assert_eq!(record.end(), Some(line.len()));
        // A key with escapes is never taken for the name it starts with: the scan gives up.
        let escaped = r#"{"a\"b":1}"#;
        assert_eq!(Record::open(escaped, 0).expect("an object").key(Some("a")), None);
    }

    /// Reads every field of the record at `at`, stepping over the values that repeat; gives the
    /// values read (`None` where one repeated) and the line end.
    fn read_repeating<'a>(text: &'a str, at: usize, earlier: &mut Earlier<'a>) -> (Vec<Option<Raw<'a>>>, usize) {
        let mut record = Record::open(text, at).expect("an object");
        let mut values = Vec::new();
        while record.key(None).expect("valid").is_some() {
            let place = values.len();
            if record.repeats(earlier, place) {
                values.push(None);
            } else {
                values.push(Some(record.value().expect("a value")));
                earlier.remember(place, &record);
            }
        }
        (values, record.end().expect("read"))
    }

    #[test]
    fn a_value_repeats_only_as_the_whole_value_remembered_at_its_place_in_the_same_text() {
        let text =
            "{\"a\":\"x\",\"n\":12,\"o\":{\"b\":[1]}}\n{\"a\":\"x\",\"n\":123,\"o\":{\"b\":[1]}}\n{\"a\":\"x y\",\"n\":123 ,\"o\":1}";
        let mut earlier = Earlier::new(text);
        let (first, end) = read_repeating(text, 0, &mut earlier);
        assert_eq!(
            first,
            [Some(Raw::Plain("x")), Some(Raw::Json("12")), Some(Raw::Json("{\"b\":[1]}"))]
        );
        let (second, end) = read_repeating(text, end + 1, &mut earlier);
        assert_eq!(second, [None, Some(Raw::Json("123")), None], "12 is not 123");
        let (third, _) = read_repeating(text, end + 1, &mut earlier);
        assert_eq!(third, [Some(Raw::Plain("x y")), None, Some(Raw::Json("1"))]);
        // The same bytes in another text are not taken for a value read before.
        let copy = text.to_owned();
        let mut record = Record::open(&copy, 0).expect("an object");
        record.key(None).expect("valid");
        assert!(!record.repeats(&earlier, 0));
        assert_eq!(record.value(), Some(Raw::Plain("x")));
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..=text.len() {
            let a = &text[..len];
            assert!(same_bytes(a, a));
            for i in 0..len {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same_bytes(a, &b), "{len} {i}");
            }
            assert!(!same_bytes(a, &text[..len.saturating_sub(1)]) || len == 0);
        }
    }

    /// Text near JSON: valid records, and the same with a byte changed, dropped or repeated.
    fn near_json() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            (-1e6f64..1e6).prop_map(|f| format!("{f:?}")),
            "[ -~é\t]{0,12}".prop_map(|s| serde_json::to_string(&s).expect("a string serializes")),
            Just(r#""\ud83d\ude00""#.to_owned()),
        ];
        let value = leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec(("[a-c]{1,2}", inner), 0..4).prop_map(|kv| format!(
                    "{{{}}}",
                    kv.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
                )),
            ]
        });
        let record = prop::collection::vec(("[a-d\\\\]{1,3}", value), 0..5).prop_map(|kv| {
            format!(
                "{{{}}}",
                kv.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect::<Vec<_>>().join(", ")
            )
        });
        (record, any::<prop::sample::Index>(), 0..4u8, any::<char>()).prop_map(|(text, at, how, c)| {
            let mut chars: Vec<char> = text.chars().collect();
            let i = at.index(chars.len().max(1)).min(chars.len().saturating_sub(1));
            match how {
                0 if !chars.is_empty() => {
                    chars.remove(i);
                }
                1 => chars.insert(i, c),
                2 if !chars.is_empty() => chars.insert(i, chars[i]),
                _ => {}
            }
            chars.into_iter().collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Whatever the scan accepts, serde_json reads, with the same fields in the same order and
        /// each value the same JSON.
        #[test]
        fn the_scan_accepts_only_what_serde_json_reads_the_same_way(line in near_json()) {
            if let Some(got) = scanned(&line) {
                let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
                    .map_err(|e| TestCaseError::fail(format!("scan accepted {line:?}, serde_json says {e}")))?;
                let mut last = serde_json::Map::new();
                for (key, raw) in &got {
                    let value = match raw {
                        Raw::Plain(s) => serde_json::Value::String((*s).to_owned()),
                        Raw::Json(text) => serde_json::from_str(text).map_err(|e| TestCaseError::fail(e.to_string()))?,
                    };
                    last.insert(key.clone(), value);
                }
                prop_assert_eq!(last, parsed);
            }
        }
    }
}
