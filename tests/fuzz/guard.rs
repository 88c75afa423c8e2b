//! Shared harness of the fuzz targets (`tests/fuzz/kql.rs`, `tests/fuzz/inputs.rs`): the number of
//! cases from `TENANTLESS_FUZZ_CASES`, and a guard that turns a slow or memory-hungry case into a
//! failure that names its input. Panics need no guard: proptest catches them, shrinks the input
//! and reports it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::test_runner::Config;

/// A case this slow is a hang: every input is a few KiB, and the slowest seed parses in well under
/// a second in a debug build; the margin is for a loaded CI machine. Issue 8's ceiling is 60 s.
pub const CASE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Issue 8's ceiling for the memory of one case. Inputs are a few KiB, so live heap this large
/// means an input blew up; the allocator refuses to go past it (the process aborts), and the
/// watchdog names the running cases a little before that.
pub const MEMORY_LIMIT: usize = 1 << 30;
const MEMORY_WARN: usize = MEMORY_LIMIT / 4 * 3;

/// Counts live heap bytes so that the watchdog can see a case's memory without OS help.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size() > MEMORY_LIMIT {
            // Refusing makes Rust abort with "memory allocation of N bytes failed".
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Live heap bytes of the whole test process.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Cases per fuzz target: `TENANTLESS_FUZZ_CASES` if set (local runs use 100× the CI default),
/// else `default`, sized so that the four targets stay near a minute in a debug build.
pub fn cases(default: u32) -> u32 {
    std::env::var("TENANTLESS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A proptest configuration running [`cases`] cases.
pub fn config(default_cases: u32) -> Config {
    Config {
        cases: cases(default_cases),
        // A shrink that runs long is not worth a stuck CI job; the unshrunk input is reported.
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Cases running now, by id: when each started and what its input was.
fn running() -> &'static Mutex<HashMap<u64, (Instant, String)>> {
    static RUNNING: OnceLock<Mutex<HashMap<u64, (Instant, String)>>> = OnceLock::new();
    RUNNING.get_or_init(|| {
        std::thread::spawn(watchdog);
        Mutex::new(HashMap::new())
    })
}

/// Aborts the process, naming the inputs, once a case runs past [`CASE_TIME_LIMIT`] or the heap
/// nears [`MEMORY_LIMIT`]. Aborting rather than failing the case: a hung case cannot be stopped,
/// and proptest would go on shrinking next to it.
fn watchdog() {
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let cases = running().lock().unwrap_or_else(|e| e.into_inner());
        let slow: Vec<&String> = cases
            .values()
            .filter(|(t, _)| t.elapsed() > CASE_TIME_LIMIT)
            .map(|(_, i)| i)
            .collect();
        let heap = live_bytes();
        if slow.is_empty() && heap < MEMORY_WARN {
            continue;
        }
        // Straight to stderr: `eprintln!` here would go to the test harness's capture, which the
        // abort throws away.
        let mut err = std::io::stderr().lock();
        let inputs: Vec<&String> = if slow.is_empty() {
            let _ = writeln!(err, "fuzz: {heap} bytes live; the cases running now:");
            cases.values().map(|(_, i)| i).collect()
        } else {
            let _ = writeln!(err, "fuzz: a case ran over {CASE_TIME_LIMIT:?}; its input:");
            slow
        };
        inputs.iter().for_each(|i| {
            let _ = writeln!(err, "---\n{i}\n---");
        });
        std::process::abort();
    }
}

/// Runs one case under the watchdog; `input` is what to print if it hangs or eats memory.
pub fn guard<R>(input: &str, case: impl FnOnce() -> R) -> R {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    running()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, (Instant::now(), input.to_owned()));
    // Unregisters on unwind too, so that a panicking case is not later taken for a hung one.
    struct Done(u64);
    impl Drop for Done {
        fn drop(&mut self) {
            running().lock().unwrap_or_else(|e| e.into_inner()).remove(&self.0);
        }
    }
    let _done = Done(id);
    case()
}
