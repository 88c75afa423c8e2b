//! Running one program and measuring it: wall time and its own peak resident memory.

use super::error::BenchError;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A finished child process, measured.
#[derive(Debug, Clone)]
pub struct ChildRun {
    /// Wall time from spawn to exit.
    pub seconds: f64,
    /// The child's own peak RSS (`ru_maxrss` from `wait4`), in MiB.
    pub peak_rss_mib: f64,
    /// Its exit code; `None` when a signal ended it.
    pub code: Option<i32>,
}

/// Runs `command` with stdout and stderr in files under `scratch` (a pipe could fill and stall a
/// child that prints a long report), and waits for it with `wait4`: `RUSAGE_CHILDREN` would give the
/// peak of every child so far, not this one's.
pub fn run_measured(command: &mut Command, scratch: &Path, label: &str) -> Result<(ChildRun, String, String), BenchError> {
    let out_path = scratch.join(format!("{label}.stdout"));
    let err_path = scratch.join(format!("{label}.stderr"));
    let out = std::fs::File::create(&out_path).map_err(|e| BenchError::io(&out_path, e))?;
    let err = std::fs::File::create(&err_path).map_err(|e| BenchError::io(&err_path, e))?;
    let program = command.get_program().to_string_lossy().into_owned();
    let start = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|source| BenchError::Spawn {
            program,
            source,
            hint: "check that it is installed and on PATH",
        })?;
    let parent_kib = super::peak_rss_mib().map_or(0.0, |m| m * 1024.0);
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let poller = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || poll_hwm(pid, &done))
    };
    let (status, rss_kib) = wait4(pid);
    let seconds = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let polled_kib = poller.join().unwrap_or(0);
    let peak_kib = own_peak_kib(rss_kib as f64, parent_kib, polled_kib as f64);
    let stdout = std::fs::read_to_string(&out_path).map_err(|e| BenchError::io(&out_path, e))?;
    let stderr = std::fs::read_to_string(&err_path).map_err(|e| BenchError::io(&err_path, e))?;
    let code = (libc::WIFEXITED(status)).then(|| libc::WEXITSTATUS(status));
    Ok((
        ChildRun {
            seconds,
            peak_rss_mib: peak_kib / 1024.0,
            code,
        },
        stdout,
        stderr,
    ))
}

/// The child's own peak. Linux records, when the child execs, the high-water mark of the memory it
/// leaves (this process's, shared by posix_spawn, or a fork's copy of it) in the child's
/// `ru_maxrss`; so `wait4`'s figure is the child's own only when it exceeds this process's peak at
/// spawn. Otherwise the child's `VmHWM` (its new image's alone), polled while it ran, is the figure:
/// it can miss only growth in the last poll interval before exit.
fn own_peak_kib(wait4_kib: f64, parent_kib: f64, polled_kib: f64) -> f64 {
    if wait4_kib > parent_kib { wait4_kib } else { polled_kib }
}

/// The largest `VmHWM` of `/proc/PID/status` seen until `done`, in KiB (0 where /proc is absent).
fn poll_hwm(pid: u32, done: &AtomicBool) -> u64 {
    let path = format!("/proc/{pid}/status");
    let mut peak = 0;
    while !done.load(Ordering::Relaxed) {
        let status = std::fs::read_to_string(&path).unwrap_or_default();
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
        peak = peak.max(kib.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    peak
}

/// Waits for `pid` and returns its wait status and peak RSS in KiB (Linux reports `ru_maxrss` in KiB).
fn wait4(pid: u32) -> (i32, i64) {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills; a zeroed one is a valid initial value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std's Child is never waited on here).
        let done = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        // EINTR (a signal arrived while waiting) is not the child's end: wait again.
        if done >= 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return (status, usage.ru_maxrss);
        }
    }
}

/// The error of `command`, which ended with exit `code` (`None`: a signal) and wrote `stderr`.
pub fn child_failed(command: &Command, code: Option<i32>, stderr: &str) -> BenchError {
    BenchError::Child {
        command: display(command),
        status: code.map_or_else(|| "a signal".into(), |c| c.to_string()),
        stderr: tail(stderr, 20),
    }
}

/// The last lines of a child's stderr, for an error message that stays readable.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A command line as the user would type it, for messages.
pub fn display(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_and_keeps_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; sleep 0.2; exit 3"]);
        let (run, stdout, stderr) = run_measured(&mut command, dir.path(), "sh").unwrap();
        assert_eq!(run.code, Some(3));
        assert_eq!(stdout, "out\n");
        assert_eq!(stderr, "err\n");
        assert!(run.peak_rss_mib > 0.0, "a running shell holds some memory");
    }

    #[test]
    fn a_child_below_this_process_peak_is_measured_by_its_own_high_water_mark() {
        assert_eq!(own_peak_kib(9_000.0, 4_000.0, 8_500.0), 9_000.0);
        // wait4 says no more than this process's own peak: that is the inherited figure.
        assert_eq!(own_peak_kib(4_000.0, 4_000.0, 1_200.0), 1_200.0);
    }

    #[test]
    fn a_small_child_is_not_charged_with_this_process_memory() {
        // Grow this process well past what `sh` needs, then measure `sh`.
        let ballast = vec![1u8; 256 << 20];
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 0.3"]);
        let (run, _, _) = run_measured(&mut command, dir.path(), "sh").unwrap();
        assert!(ballast.iter().step_by(4096).all(|b| *b == 1));
        assert!(run.peak_rss_mib < 64.0, "sh charged with {} MiB", run.peak_rss_mib);
    }

    #[test]
    fn a_missing_program_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = run_measured(&mut Command::new("no-such-program-tenantless"), dir.path(), "x").unwrap_err();
        assert!(e.to_string().contains("no-such-program-tenantless"), "{e}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
