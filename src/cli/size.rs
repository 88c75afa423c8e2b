//! Sizes on the command line (`20GB`, `512M`, `4GiB`): one parser for every size option.

/// What a unit without `i` means: disk and billing sizes are decimal (GB = 10^9 bytes, as
/// Log Analytics bills), memory sizes binary (G = 2^30 bytes, as memory is counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// K, M, G, T are powers of 1000.
    Decimal,
    /// K, M, G, T are powers of 1024.
    Binary,
}

/// Parses a number (fractions allowed) with an optional unit: K, M, G or T, each optionally followed
/// by `B`; `KiB`, `MiB`, … are always powers of 1024.
pub fn parse(text: &str, base: Base) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let unit = unit.trim().to_ascii_uppercase();
    let (prefix, binary) = match unit.strip_suffix("IB") {
        Some(prefix) => (prefix, true),
        None => (unit.strip_suffix('B').unwrap_or(&unit), base == Base::Binary),
    };
    let power = match prefix {
        "" => 0,
        "K" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        _ => return Err(format!("`{text}` is not a size; write e.g. 500MB, 20GB or 4GiB")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 500MB, 20GB or 4GiB"))?;
    let scale = if binary { 1024f64 } else { 1000f64 }.powi(power);
    let bytes = value * scale;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{text}` is too large a size"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_base_unless_they_say_ib() {
        assert_eq!(parse("2G", Base::Decimal), Ok(2_000_000_000));
        assert_eq!(parse("2G", Base::Binary), Ok(2 << 30));
        assert_eq!(parse("2GiB", Base::Decimal), Ok(2 << 30));
        assert_eq!(parse("1.5 kb", Base::Binary), Ok(1536));
        assert!(parse("2 parsecs", Base::Binary).is_err());
    }
}
