//! How the process asks the system and the allocator for memory: settings made once, at the start
//! of a command, that change its speed and resident size but never its results. Where a request is
//! refused, nothing changes.

/// Asks Linux not to back the process with transparent huge pages. mimalloc marks its arenas for
/// them, so every fresh 2 MiB region is faulted in and zeroed whole, and regions it returns and
/// takes again are zeroed again.
/// - `query -f seed-failed-signins.kql` over the bench's 1M sign-ins, 6 interleaved pairs: system
///   time 0.55–0.93 s → 0.42–0.52 s, peak RSS 271–284 → 254–257 MiB, and the pair's wall time
///   lower in 5 of 6.
/// - 1 day of tenant-large.yaml generated on 2 threads: 144 → 119 MiB peak RSS.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Keeps a streaming run's resident memory near what it holds. Generation fills and empties a
/// few buffers over and over, and its volume check's estimate frees what it used just before.
/// - No transparent huge pages ([`without_huge_pages`]).
/// - mimalloc returns freed pages to the system after 10 ms instead of its default 1 s
///   (`purge_delay`; `MIMALLOC_PURGE_DELAY` still overrides it): 1 day of tenant-large.yaml on
///   2 threads peaked at 102–103 MiB with the default and 89–90 MiB with 10 ms, in the same time.
pub fn keep_flat() {
    without_huge_pages();
    // mimalloc's `mi_option_purge_delay` (its option list's 16th entry, in v2 and v3 alike).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: a plain integer option, set before this run starts any thread of its own; the
        // collection purges now what is pending, whose purge an arena had already scheduled 1 s
        // ahead (it keeps the first deadline it is given).
        unsafe {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
            libmimalloc_sys::mi_collect(true);
        }
    }
}
