//! Lexer: query text → tokens with byte spans. UTF-8 clean (string literals may hold any character).

use super::error::{KqlError, Span};
use super::value::{parse_timespan_literal, timespan_unit_ticks};

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// Identifier or keyword, including hyphenated operators (`mv-expand`), `$left`, and negated
    /// string operators (`!has`, `!in~`).
    Ident(String),
    Long(i64),
    Real(f64),
    Str(String),
    /// A timespan literal like `1.5h`, in ticks.
    TimeSpan(i64),
    /// `datetime(...)`, `time(...)`/`timespan(...)` with their raw inner text.
    TypedLit(String, String),
    /// Punctuation and symbolic operators.
    Sym(&'static str),
    Eof,
}

impl Tok {
    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Long(v) => format!("number {v}"),
            Tok::Real(v) => format!("number {v}"),
            Tok::Str(_) => "string literal".to_string(),
            Tok::TimeSpan(_) => "timespan literal".to_string(),
            Tok::TypedLit(k, _) => format!("{k}(...) literal"),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Eof => "end of query".to_string(),
        }
    }
}

/// A token with its span.
#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

const SYMBOLS: &[&str] = &[
    "..", "==", "!=", "<>", "<=", ">=", "=~", "!~", "=>", "|", "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "=", "<", ">", "+", "-",
    "*", "/", "%", "!", "?",
];

/// Splits `src` into tokens, ending with `Eof`.
pub fn lex(src: &str) -> Result<Vec<Token>, KqlError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        out: Vec::new(),
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    out: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.out.push(Token {
            tok,
            span: Span::new(start, self.pos),
        });
    }

    fn err(&self, start: usize, msg: &str) -> KqlError {
        KqlError::syntax(self.src, Span::new(start, self.pos.max(start + 1).min(self.src.len())), msg)
    }

    fn run(&mut self) -> Result<(), KqlError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else if self.src[self.pos..].starts_with("//") {
                let end = self.src[self.pos..].find('\n').map(|e| self.pos + e).unwrap_or(self.src.len());
                self.pos = end;
            } else if c == '"' || c == '\'' {
                let s = self.string(c, false)?;
                self.push(Tok::Str(s), start);
            } else if (c == '@' || c == 'h' || c == 'H') && matches!(self.peek_at(1), Some('"' | '\'')) {
                self.pos += 1;
                let q = self.peek().unwrap_or('"');
                let s = self.string(q, c == '@')?;
                self.push(Tok::Str(s), start);
            } else if (c == 'h' || c == 'H') && self.peek_at(1) == Some('@') && matches!(self.peek_at(2), Some('"' | '\'')) {
                // An obfuscated verbatim string (`h@'…'`, …/scalar-data-types/string#obfuscated-string-literals).
                self.pos += 2;
                let q = self.peek().unwrap_or('"');
                let s = self.string(q, true)?;
                self.push(Tok::Str(s), start);
            } else if self.src[self.pos..].starts_with("```") {
                self.pos += 3;
                let end = self.src[self.pos..]
                    .find("```")
                    .ok_or_else(|| self.err(start, "unterminated ``` string literal"))?;
                let s = self.src[self.pos..self.pos + end].to_string();
                self.pos += end + 3;
                self.push(Tok::Str(s), start);
            } else if c.is_ascii_digit() || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) && !self.prev_is_dot()) {
                self.number(start)?;
            } else if is_ident_start(c) {
                self.ident(start)?;
            } else if c == '!' && self.peek_at(1).is_some_and(|d| d.is_alphabetic()) {
                // Negated string operators: !has, !contains, !in, !in~, !startswith, !between …
                self.pos += 1;
                while self.peek().is_some_and(is_ident_char) {
                    self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
                }
                if self.peek() == Some('~') {
                    self.pos += 1;
                }
                let word = self.src[start..self.pos].to_string();
                self.push(Tok::Ident(word), start);
            } else {
                let rest = &self.src[self.pos..];
                match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
                    Some(sym) => {
                        self.pos += sym.len();
                        self.push(Tok::Sym(sym), start);
                    }
                    None => {
                        self.pos += c.len_utf8();
                        return Err(self.err(start, &format!("unexpected character `{c}`")));
                    }
                }
            }
        }
        let end = self.src.len();
        self.out.push(Token {
            tok: Tok::Eof,
            span: Span::new(end, end),
        });
        Ok(())
    }

    fn prev_is_dot(&self) -> bool {
        matches!(self.out.last(), Some(Token { tok: Tok::Sym("."), .. }))
    }

    fn string(&mut self, quote: char, verbatim: bool) -> Result<String, KqlError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or_else(|| self.err(start, "unterminated string literal"))?;
            self.pos += c.len_utf8();
            if c == quote {
                if verbatim && self.peek() == Some(quote) {
                    self.pos += 1;
                    out.push(quote);
                    continue;
                }
                return Ok(out);
            }
            if c == '\n' {
                return Err(self.err(start, "unterminated string literal"));
            }
            if c == '\\' && !verbatim {
                let e = self.peek().ok_or_else(|| self.err(start, "unterminated string literal"))?;
                self.pos += e.len_utf8();
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    other => out.push(other),
                }
                continue;
            }
            out.push(c);
        }
    }

    fn number(&mut self, start: usize) -> Result<(), KqlError> {
        let bytes = self.src.as_bytes();
        if self.src[self.pos..].starts_with("0x") {
            self.pos += 2;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_hexdigit() {
                self.pos += 1;
            }
            let v = i64::from_str_radix(&self.src[start + 2..self.pos], 16).map_err(|_| self.err(start, "invalid hex literal"))?;
            self.push(Tok::Long(v), start);
            return Ok(());
        }
        let mut is_real = false;
        while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        if self.pos + 1 < bytes.len() && bytes[self.pos] == b'.' && bytes[self.pos + 1].is_ascii_digit() {
            is_real = true;
            self.pos += 1;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
        }
        if self.pos < bytes.len() && (bytes[self.pos] == b'e' || bytes[self.pos] == b'E') {
            let mut p = self.pos + 1;
            if p < bytes.len() && (bytes[p] == b'+' || bytes[p] == b'-') {
                p += 1;
            }
            if p < bytes.len() && bytes[p].is_ascii_digit() {
                is_real = true;
                self.pos = p;
                while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        let num_end = self.pos;
        // A unit suffix directly after the number makes a timespan literal (`1d`, `1.5h`, `100ms`).
        let mut unit_end = self.pos;
        while unit_end < bytes.len() && (bytes[unit_end] as char).is_ascii_alphabetic() {
            unit_end += 1;
        }
        if unit_end > num_end {
            let unit = &self.src[num_end..unit_end];
            if timespan_unit_ticks(unit).is_some() {
                self.pos = unit_end;
                let ticks =
                    parse_timespan_literal(&self.src[start..unit_end]).ok_or_else(|| self.err(start, "invalid timespan literal"))?;
                self.push(Tok::TimeSpan(ticks), start);
                return Ok(());
            }
            self.pos = unit_end;
            return Err(self.err(start, &format!("invalid number suffix `{unit}`")));
        }
        let text = &self.src[start..num_end];
        if is_real {
            let v: f64 = text.parse().map_err(|_| self.err(start, "invalid number"))?;
            self.push(Tok::Real(v), start);
        } else {
            match text.parse::<i64>() {
                Ok(v) => self.push(Tok::Long(v), start),
                Err(_) => {
                    let v: f64 = text.parse().map_err(|_| self.err(start, "invalid number"))?;
                    self.push(Tok::Real(v), start);
                }
            }
        }
        Ok(())
    }

    fn ident(&mut self, start: usize) -> Result<(), KqlError> {
        self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
        while self.peek().is_some_and(is_ident_char) {
            self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
        }
        let mut word = self.src[start..self.pos].to_string();
        // Hyphenated operator names (the parser's operator table has them), lexed as one word.
        if self.peek() == Some('-') {
            let after = &self.src[self.pos + 1..];
            let next_len = after.find(|c: char| !is_ident_char(c)).unwrap_or(after.len());
            let candidate = format!("{word}-{}", &after[..next_len]);
            let hyphenated = super::parser::tabular_operators().flat_map(|(names, _)| names.iter());
            if hyphenated.filter(|n| n.contains('-')).any(|h| h.eq_ignore_ascii_case(&candidate)) {
                self.pos += 1 + next_len;
                word = candidate;
            }
        }
        if matches!(word.as_str(), "in" | "has_any" | "has_all") && self.peek() == Some('~') && word == "in" {
            self.pos += 1;
            word.push('~');
        }
        // datetime(...) / time(...) / timespan(...) literals keep their raw text.
        if matches!(word.as_str(), "datetime" | "time" | "timespan" | "guid") {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start();
            if trimmed.starts_with('(') {
                let open = self.pos + (rest.len() - trimmed.len());
                if let Some(close) = self.src[open..].find(')') {
                    let inner = &self.src[open + 1..open + close];
                    // Only raw when the content is not a nested expression (e.g. `datetime(null)` is fine).
                    // A quoted `guid('…')` stays a call; an unquoted one is a literal (`guid(5a1b…)`
                    // would not lex as tokens).
                    let quoted_guid = word == "guid" && inner.trim_start().starts_with(['\'', '"']);
                    if !(inner.contains('(') || quoted_guid) {
                        self.pos = open + close + 1;
                        let kind = match word.as_str() {
                            "datetime" => "datetime",
                            "guid" => "guid",
                            _ => "timespan",
                        };
                        self.push(Tok::TypedLit(kind.to_string(), inner.trim().to_string()), start);
                        return Ok(());
                    }
                }
            }
        }
        self.push(Tok::Ident(word), start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).expect("lexes").into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_operators_and_literals() {
        let toks = kinds("T | mv-expand x | where a !has 'b' and c in~ (1) and d == 1.5h");
        assert!(toks.contains(&Tok::Ident("mv-expand".into())));
        assert!(toks.contains(&Tok::Ident("!has".into())));
        assert!(toks.contains(&Tok::Ident("in~".into())));
        assert!(toks.contains(&Tok::TimeSpan(54_000_000_000)));
    }

    #[test]
    fn utf8_strings_and_ranges() {
        let toks = kinds("\"Update application – Certificates\" | x between (1 .. 2)");
        assert_eq!(toks[0], Tok::Str("Update application – Certificates".into()));
        assert!(toks.contains(&Tok::Sym("..")));
        assert!(toks.contains(&Tok::Long(2)));
    }

    #[test]
    fn typed_literals() {
        let toks = kinds("datetime(2017-01-01 10:00) + time(1.00:00:00)");
        assert_eq!(toks[0], Tok::TypedLit("datetime".into(), "2017-01-01 10:00".into()));
        assert_eq!(toks[2], Tok::TypedLit("timespan".into(), "1.00:00:00".into()));
    }
}
