//! Output directories. tenantless only ever deletes what it wrote: the files a previous output's
//! manifest lists, and its own staging directories.
//!
//! A run writes into `.<name>.tmp-<pid>/data` beside the target; `.<name>.tmp-<pid>` also holds a
//! marker naming the process. When complete, `data` and the previous output are swapped in one
//! step (`renameat2(RENAME_EXCHANGE)` on Linux), so the target always holds a whole output, and the
//! staging directory, now holding the old output, is removed. Where the exchange is unsupported,
//! the previous output is renamed into the staging directory first; a run killed between the two
//! renames is recovered by the next one, which also removes staging directories of dead runs.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

/// Files that may sit in an output directory without making it "someone else's" (e.g. the
/// repository's `output/.gitkeep`). They are carried over when the directory is replaced.
const KEEP_FILES: &[&str] = &[".gitkeep"];
/// Written inside every staging directory; its content names the process that owns it.
pub const MARKER_FILE: &str = ".tenantless-staging";
/// Inside a staging directory: the new output being written.
const DATA_DIR: &str = "data";
/// Inside a staging directory: the previous output, moved aside when the exchange is unsupported.
const OLD_DIR: &str = "old";
/// How many foreign entries an error names.
const SHOWN_ENTRIES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{0} exists and is not a directory; choose another --out")]
    NotADirectory(PathBuf),
    #[error(
        "{path} holds {} that tenantless did not write: {}; it only ever replaces its own output, \
         also with --force, so nothing was deleted. Move them away, or choose another --out",
        plural(.entries.len() + .more, "entry", "entries"), list(.entries, *.more)
    )]
    Foreign { path: PathBuf, entries: Vec<String>, more: usize },
    #[error(
        "{path} holds files named like tenantless output ({}) but no manifest.json listing them as \
         written with these sizes (an older version's output, or changed since); pass --force to \
         replace them, or choose another --out",
        list(.files, 0)
    )]
    Unlisted { path: PathBuf, files: Vec<String> },
    #[error("--out {link} is a symbolic link to {target}, which does not exist; create that directory or remove the link")]
    DanglingLink { link: PathBuf, target: PathBuf },
    #[error("--out {0} does not name a directory (it ends in `..` or is a root); name the output directory itself")]
    NoName(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(names: &[String], more: usize) -> String {
    let mut text = names.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SinkError + '_ {
    move |source| SinkError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What tenantless may replace in an output directory.
pub struct OwnFiles<'a> {
    /// Every file name a run writes (the tables and `manifest.json`).
    pub names: &'a [String],
    /// Every directory name a run writes (the diagnostic-settings shape's storage containers):
    /// ours only when the manifest lists it, also with `force`, since a directory may hold
    /// anything.
    pub dirs: &'a [String],
    /// The files a manifest in the directory lists, with their sizes (`None` for "any size");
    /// `None` when there is no readable tenantless manifest.
    pub listed: Option<Vec<(String, Option<u64>)>>,
}

/// Where the output goes: the target itself, or what the `--out` symbolic link points to, so that
/// the link is kept and its target updated.
pub fn resolve_target(out: &Path) -> Result<PathBuf, SinkError> {
    let meta = match fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return out
                .file_name()
                .map(|_| out.to_owned())
                .ok_or_else(|| SinkError::NoName(out.to_owned()));
        }
        other => other.map_err(io_err(out))?,
    };
    let resolved = fs::canonicalize(out).map_err(|source| match fs::read_link(out) {
        Ok(target) if meta.file_type().is_symlink() => SinkError::DanglingLink {
            link: out.to_owned(),
            target,
        },
        _ => SinkError::Io {
            path: out.to_owned(),
            source,
        },
    })?;
    if resolved.file_name().is_none() {
        return Err(SinkError::NoName(out.to_owned()));
    }
    Ok(resolved)
}

/// Refuses a target holding anything tenantless did not write, with or without `force`; without
/// `force`, also one whose files the manifest does not list with their sizes. `out` is resolved.
pub fn check_target(out: &Path, own: &OwnFiles<'_>, force: bool) -> Result<(), SinkError> {
    let meta = match fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other.map_err(io_err(out))?,
    };
    if !meta.is_dir() {
        return Err(SinkError::NotADirectory(out.to_owned()));
    }
    let mut foreign = Vec::new();
    let mut ours = Vec::new();
    for entry in fs::read_dir(out).map_err(io_err(out))? {
        let entry = entry.map_err(io_err(out))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map_err(io_err(&entry.path()))?.is_file();
        if KEEP_FILES.contains(&name.as_str()) {
            continue;
        }
        let is_dir = entry.file_type().map_err(io_err(&entry.path()))?.is_dir();
        if is_file && own.names.contains(&name) {
            ours.push(name);
        } else if is_dir && own.dirs.contains(&name) && is_listed_dir(&name, own.listed.as_deref()) {
            continue;
        } else {
            foreign.push(if is_file { name } else { format!("{name}/") });
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        let more = foreign.len().saturating_sub(SHOWN_ENTRIES);
        foreign.truncate(SHOWN_ENTRIES);
        return Err(SinkError::Foreign {
            path: out.to_owned(),
            entries: foreign,
            more,
        });
    }
    if ours.is_empty() || force || is_listed(out, &ours, own.listed.as_deref()) {
        return Ok(());
    }
    ours.sort();
    Err(SinkError::Unlisted {
        path: out.to_owned(),
        files: ours,
    })
}

/// True when the manifest lists the directory `name`.
fn is_listed_dir(name: &str, listed: Option<&[(String, Option<u64>)]>) -> bool {
    listed.is_some_and(|listed| listed.iter().any(|(n, size)| n == name && size.is_none()))
}

/// True when the manifest lists every present file, with the size it has now.
fn is_listed(dir: &Path, present: &[String], listed: Option<&[(String, Option<u64>)]>) -> bool {
    let Some(listed) = listed else { return false };
    present.iter().all(|name| {
        listed
            .iter()
            .any(|(n, size)| n == name && size.is_none_or(|size| fs::metadata(dir.join(name)).is_ok_and(|m| m.len() == size)))
    })
}

/// The parent directory of `target` and its file name, as text.
fn split(target: &Path) -> (PathBuf, String) {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    (parent, name)
}

fn marker_text(pid: u32) -> String {
    format!("tenantless staging directory of process {pid}; removed by the next run once that process is gone\n")
}

/// A staging directory being written; removed on drop unless [`StagedDir::commit`] succeeded.
pub struct StagedDir {
    root: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// What [`StagedDir::commit`] could not finish: the new output is in place regardless.
#[derive(Debug, Default)]
pub struct Committed {
    /// The staging directory holding the replaced output, when removing it failed.
    pub leftover: Option<(PathBuf, io::Error)>,
}

impl StagedDir {
    /// Creates `.<name>.tmp-<pid>/data` beside the (resolved) target, with the marker.
    pub fn create(target: &Path) -> Result<Self, SinkError> {
        let (parent, name) = split(target);
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let pid = std::process::id();
        let root = parent.join(format!(".{name}.tmp-{pid}"));
        fs::create_dir(&root).map_err(io_err(&root))?;
        let staged = Self {
            root,
            target: target.to_owned(),
            committed: false,
        };
        let marker = staged.root.join(MARKER_FILE);
        fs::write(&marker, marker_text(pid)).map_err(io_err(&marker))?;
        fs::create_dir(staged.path()).map_err(io_err(&staged.path()))?;
        Ok(staged)
    }

    /// The directory the output files go into.
    pub fn path(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    /// The staging directory as a whole (removed on drop).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a buffered file inside the staging directory. A chunk hands each table's records
    /// over in one write of tens of kilobytes to megabytes, which a buffer passes straight through
    /// when it is larger than the buffer; 256 KiB collects the small ones (a 1 MiB buffer per
    /// table cost `generate` 8 MiB of peak RSS for nothing measurable).
    pub fn file(&self, name: &str) -> Result<BufWriter<File>, SinkError> {
        let path = self.path().join(name);
        Ok(BufWriter::with_capacity(256 << 10, File::create(&path).map_err(io_err(&path))?))
    }

    /// Puts the finished output in place, replacing a previous output in one step where the
    /// filesystem can exchange two directories.
    pub fn commit(self) -> Result<Committed, SinkError> {
        self.commit_with(true, |dir| fs::remove_dir_all(dir))
    }

    /// `remove` deletes the staging directory once the output is in place (a parameter so that
    /// tests can make it fail).
    fn commit_with(mut self, try_exchange: bool, remove: impl Fn(&Path) -> io::Result<()>) -> Result<Committed, SinkError> {
        let data = self.path();
        let present = fs::symlink_metadata(&self.target).is_ok();
        if present {
            for keep in KEEP_FILES {
                let src = self.target.join(keep);
                if src.is_file() {
                    fs::copy(&src, data.join(keep)).map_err(io_err(&src))?;
                }
            }
            let exchanged = try_exchange && exchange(&data, &self.target).map_err(io_err(&self.target))?;
            if !exchanged {
                self.rename_twice(&data)?;
            }
        } else {
            fs::rename(&data, &self.target).map_err(io_err(&self.target))?;
        }
        self.committed = true;
        // The staging directory now holds the replaced output (or nothing): ours to delete.
        let leftover = remove(&self.root).err().map(|e| (self.root.clone(), e));
        Ok(Committed { leftover })
    }

    /// The fallback: previous output aside into the staging directory, then the new one in. A
    /// kill between the two leaves `old/` with the marker, which the next run renames back.
    fn rename_twice(&self, data: &Path) -> Result<(), SinkError> {
        let old = self.root.join(OLD_DIR);
        fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
        if let Err(source) = fs::rename(data, &self.target) {
            // Put the previous output back rather than leave nothing.
            let _ = fs::rename(&old, &self.target);
            return Err(SinkError::Io {
                path: self.target.clone(),
                source,
            });
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

/// Swaps two directories atomically; `Ok(false)` when the OS or filesystem cannot.
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 {
        return Ok(true);
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        // Old kernels (ENOSYS) and filesystems without the flag (EINVAL, e.g. some network ones).
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(error),
    }
}

#[cfg(not(all(target_os = "linux", any(target_env = "gnu", target_env = "musl"))))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Whether process `pid` may still be running; `true` where that cannot be told.
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
        // SAFETY: signal 0 only checks that the process exists and may be signalled.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// What a directory entry beside the target is to the stale-staging cleanup.
enum Staging {
    /// Ours: the name pattern, a real directory (not a link), a marker naming the same pid.
    Marked(u32),
    /// The name pattern but no such marker (e.g. left by a version before the marker): not ours
    /// to delete, but worth telling about.
    Unmarked,
    Other,
}

fn classify(entry: &fs::DirEntry, name: &str) -> Staging {
    let file_name = entry.file_name();
    let Some(digits) = file_name.to_str().and_then(|n| n.strip_prefix(&format!(".{name}.tmp-"))) else {
        return Staging::Other;
    };
    let Ok(pid) = digits.parse::<u32>() else { return Staging::Other };
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
        return Staging::Other;
    }
    match fs::read_to_string(entry.path().join(MARKER_FILE)) {
        Ok(marker) if marker == marker_text(pid) => Staging::Marked(pid),
        _ => Staging::Unmarked,
    }
}

/// Removes the staging directories that runs for `target` left when they were killed, and puts
/// back a previous output a killed fallback commit had moved aside. Returns notes for the user,
/// also for what failed: a leftover must not stop the run. Only directories of dead processes that
/// match the name pattern and hold our marker are touched.
pub fn clean_stale(target: &Path) -> Vec<String> {
    let (parent, name) = split(target);
    let Ok(entries) = fs::read_dir(&parent) else { return Vec::new() };
    let me = std::process::id();
    let mut notes = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let pid = match classify(&entry, &name) {
            Staging::Marked(pid) => pid,
            Staging::Unmarked => {
                let path = entry.path();
                notes.push(format!(
                    "{} looks like an old staging directory but holds no {MARKER_FILE} marker, so it was left alone; delete it by hand if no run is writing it",
                    path.display()
                ));
                continue;
            }
            Staging::Other => continue,
        };
        // A directory with our own pid is from an earlier process that had it: not us yet.
        if pid != me && alive(pid) {
            continue;
        }
        let root = entry.path();
        let old = root.join(OLD_DIR);
        if fs::symlink_metadata(target).is_err() && old.is_dir() {
            notes.push(match fs::rename(&old, target) {
                Ok(()) => format!(
                    "restored the previous output {} that an interrupted run (process {pid}) had moved aside",
                    target.display()
                ),
                Err(e) => format!("could not restore {} to {}: {e}", old.display(), target.display()),
            });
        }
        notes.push(match fs::remove_dir_all(&root) {
            Ok(()) => format!("removed {}, left by an interrupted run (process {pid})", root.display()),
            Err(e) => format!(
                "could not remove {}, left by an interrupted run (process {pid}): {e}",
                root.display()
            ),
        });
    }
    notes
}

/// The signal (SIGINT or SIGTERM) received since [`install_signal_handlers`], if any.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    // A second signal means "stop now": leave at once (the next run removes the staging).
    if SIGNAL.swap(signal, Ordering::SeqCst) != 0 {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
}

/// Makes SIGINT and SIGTERM set a flag that the writer checks, so that a run stops, removes its
/// staging directory and exits with 128 + the signal instead of dying with it.
pub fn install_signal_handlers() {
    #[cfg(unix)]
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only touches an atomic and calls the async-signal-safe _exit.
        unsafe { libc::signal(signal, on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t) };
    }
}

/// The signal number that asked the run to stop, if one did.
pub fn interrupted() -> Option<i32> {
    Some(SIGNAL.load(Ordering::Relaxed)).filter(|&s| s != 0)
}

/// The name of a signal the handlers catch.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// A writer that counts the bytes passing through it.
pub struct CountingWriter<W> {
    inner: W,
    pub bytes: u64,
}

impl<W: Write> CountingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self { inner, bytes: 0 }
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tenantless-sink-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A previous output with `.gitkeep`, and a finished staging directory holding `new.jsonl`.
    fn previous_and_staged(root: &Path) -> (PathBuf, StagedDir) {
        let target = root.join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(".gitkeep"), "").unwrap();
        fs::write(target.join("old.jsonl"), "x").unwrap();
        let staged = StagedDir::create(&target).unwrap();
        staged.file("new.jsonl").unwrap().flush().unwrap();
        (target, staged)
    }

    /// Where the filesystem supports it (as Linux's tmpfs and ext4 do), the swap is one step.
    #[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
    #[test]
    fn exchange_swaps_two_directories() {
        let root = temp("exchange");
        fs::create_dir_all(root.join("a/x")).unwrap();
        fs::create_dir_all(root.join("b/y")).unwrap();
        assert!(
            exchange(&root.join("a"), &root.join("b")).unwrap(),
            "RENAME_EXCHANGE unsupported here"
        );
        assert!(root.join("a/y").is_dir() && root.join("b/x").is_dir());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn dropped_staging_leaves_nothing() {
        let root = temp("drop");
        {
            let staged = StagedDir::create(&root.join("out")).unwrap();
            staged.file("a.jsonl").unwrap();
            assert!(staged.root().join(MARKER_FILE).is_file(), "the marker is written first");
        }
        assert!(names(&root).is_empty(), "an abandoned run leaves no directory");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn commit_exchanges_keeping_gitkeep_and_both_commit_paths_agree() {
        for exchange in [true, false] {
            let root = temp(&format!("commit-{exchange}"));
            let (target, staged) = previous_and_staged(&root);
            let done = staged.commit_with(exchange, |d| fs::remove_dir_all(d)).unwrap();
            assert!(done.leftover.is_none());
            assert_eq!(names(&target), [".gitkeep", "new.jsonl"], "exchange: {exchange}");
            assert_eq!(names(&root), ["out"], "no staging directory remains");
            fs::remove_dir_all(&root).unwrap();
        }
    }

    #[test]
    fn a_failed_removal_of_the_replaced_output_is_reported_with_the_new_output_in_place() {
        let root = temp("leftover");
        let (target, staged) = previous_and_staged(&root);
        let done = staged.commit_with(true, |_| Err(io::Error::other("injected"))).unwrap();
        let (path, error) = done.leftover.expect("the failure is reported");
        assert_eq!(error.to_string(), "injected");
        assert!(path.join(DATA_DIR).join("old.jsonl").is_file(), "{path:?} holds the old output");
        assert_eq!(names(&target), [".gitkeep", "new.jsonl"]);
        // The next run removes it: its process is gone... here it is us, which counts as gone.
        let notes = clean_stale(&target);
        assert!(notes.iter().any(|n| n.contains("removed")), "{notes:?}");
        assert_eq!(names(&root), ["out"]);
        fs::remove_dir_all(&root).unwrap();
    }

    /// A pid that no process has: one of a child that has exited and been reaped.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    }

    #[test]
    fn a_fallback_commit_killed_between_the_renames_is_restored_by_the_next_run() {
        let root = temp("restore");
        let pid = dead_pid();
        let stale = root.join(format!(".out.tmp-{pid}"));
        fs::create_dir_all(stale.join(OLD_DIR)).unwrap();
        fs::create_dir_all(stale.join(DATA_DIR)).unwrap();
        fs::write(stale.join(OLD_DIR).join("manifest.json"), "{}").unwrap();
        fs::write(stale.join(MARKER_FILE), marker_text(pid)).unwrap();
        let notes = clean_stale(&root.join("out"));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(names(&root), ["out"]);
        assert_eq!(names(&root.join("out")), ["manifest.json"]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn only_marked_staging_directories_of_dead_processes_are_removed() {
        let root = temp("stale");
        let dead = dead_pid();
        let make = |name: &str, marker: Option<String>| {
            fs::create_dir(root.join(name)).unwrap();
            if let Some(text) = marker {
                fs::write(root.join(name).join(MARKER_FILE), text).unwrap();
            }
        };
        make(&format!(".out.tmp-{dead}"), Some(marker_text(dead)));
        make(&format!(".out.tmp-{}", dead + 1_000_000), None); // no marker
        make(&format!(".out.tmp-{dead}x"), Some(marker_text(dead))); // not the pattern
        make(&format!(".other.tmp-{dead}"), Some(marker_text(dead))); // another target
        let other = dead_pid();
        make(&format!(".out.tmp-{other}"), Some(marker_text(dead))); // marker of another pid
        make(
            &format!(".out.tmp-{}", std::os::unix::process::parent_id()),
            Some(marker_text(std::os::unix::process::parent_id())),
        ); // alive
        let before = names(&root);
        let notes = clean_stale(&root.join("out"));
        let removed: Vec<_> = notes.iter().filter(|n| n.starts_with("removed")).collect();
        assert_eq!(removed.len(), 1, "{notes:?}");
        assert_eq!(
            notes.iter().filter(|n| n.contains("no .tenantless-staging marker")).count(),
            2,
            "{notes:?}"
        );
        let after = names(&root);
        assert_eq!(after.len(), before.len() - 1);
        assert!(!after.contains(&format!(".out.tmp-{dead}")));
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn only_files_tenantless_writes_may_be_replaced() {
        let root = temp("check");
        let own_names = vec!["A.jsonl".to_owned(), "manifest.json".to_owned()];
        let listed = |size| OwnFiles {
            names: &own_names,
            dirs: &[],
            listed: Some(vec![("A.jsonl".to_owned(), Some(size)), ("manifest.json".to_owned(), None)]),
        };
        let unlisted = OwnFiles {
            names: &own_names,
            dirs: &[],
            listed: None,
        };
        fs::write(root.join(".gitkeep"), "").unwrap();
        assert!(check_target(&root, &unlisted, false).is_ok(), "a .gitkeep alone is not foreign");
        fs::write(root.join("A.jsonl"), "12345").unwrap();
        fs::write(root.join("manifest.json"), "{}").unwrap();
        assert!(check_target(&root, &listed(5), false).is_ok());
        assert!(matches!(check_target(&root, &listed(4), false), Err(SinkError::Unlisted { .. })));
        assert!(matches!(check_target(&root, &unlisted, false), Err(SinkError::Unlisted { .. })));
        assert!(check_target(&root, &unlisted, true).is_ok(), "--force replaces unlisted own files");
        for i in 0..7 {
            fs::write(root.join(format!("note{i}.txt")), "mine").unwrap();
        }
        for force in [false, true] {
            let error = check_target(&root, &listed(5), force).unwrap_err().to_string();
            assert!(
                error.contains("7 entries") && error.contains("note0.txt") && error.contains("and 2 more"),
                "{error}"
            );
        }
        fs::remove_dir_all(&root).unwrap();
    }
}
