//! The header of the benchmark output: on which machine and when the figures were measured, since
//! absolute times mean nothing without it.

/// One line naming the date, the cores, the CPU model and the memory.
pub fn header() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let model = field(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into());
    let listed = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
    let memory = field(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(|| "? GiB".into(), |kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0));
    format!(
        "Measured {} on {cores} usable cores ({listed} in /proc/cpuinfo, {model}), {memory} RAM; tenantless {}.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        env!("CARGO_PKG_VERSION")
    )
}

/// The value of the first `name : value` line of a /proc file.
fn field(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == name))
        .map(|(_, v)| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_from_proc_style_text() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n";
        assert_eq!(field(text, "model name").as_deref(), Some("AMD EPYC 7763 64-Core Processor"));
        assert_eq!(field(text, "MemTotal"), None);
    }

    #[test]
    fn the_header_names_the_cores() {
        assert!(header().contains("usable cores"), "{}", header());
    }
}
