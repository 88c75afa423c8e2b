//! Independent pieces of work spread over threads, with their results in order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The cores this process may use (1 when the system cannot say): every command's default number of
/// threads.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `f` of every item, on up to `workers` threads that each take the next item when done with
/// one (so uneven items balance), returned in the items' order. A panic in `f` is resumed here.
pub fn map<T: Sync, R: Send>(items: &[T], workers: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { return done };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Drops `value` on a thread of its own, so that freeing a large structure (a million loaded rows
/// take a tenth of a second to free) overlaps the work that follows instead of delaying it. A
/// process that exits first simply leaves the memory to the system.
pub fn drop_aside<T: Send + 'static>(value: T) {
    // Where the thread cannot start, the closure, and the value with it, is dropped right here.
    let _ = std::thread::Builder::new().name("drop".into()).spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_workers() {
        let items: Vec<u64> = (0..1000).collect();
        // Uneven work: later items finish first on other threads.
        let slow_square = |n: &u64| (0..(1000 - n) * 10).fold(*n * n, |acc, _| std::hint::black_box(acc));
        let expected: Vec<u64> = items.iter().map(|n| n * n).collect();
        for workers in [0, 1, 2, 7] {
            assert_eq!(map(&items, workers, slow_square), expected, "{workers} workers");
        }
        assert!(map(&[] as &[u64], 4, slow_square).is_empty());
    }

    #[test]
    fn a_value_dropped_aside_is_dropped() {
        struct Flag(std::sync::mpsc::Sender<()>);
        impl Drop for Flag {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        drop_aside(Flag(tx));
        assert_eq!(rx.recv_timeout(std::time::Duration::from_secs(10)), Ok(()));
    }
}
