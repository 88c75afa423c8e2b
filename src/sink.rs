//! Output directories: NDJSON files written into a temporary directory beside the target and
//! renamed into place only when complete, so a failed run never leaves a half-written output.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Files that may sit in an output directory without making it "someone else's" (e.g. the
/// repository's `output/.gitkeep`). They are carried over when the directory is replaced.
const KEEP_FILES: &[&str] = &[".gitkeep"];

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{0} exists and is not a directory; choose another --out")]
    NotADirectory(PathBuf),
    #[error("{0} is not empty and holds no tenantless output (no manifest.json); pass --force to replace it, or choose another --out")]
    ForeignDirectory(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SinkError + '_ {
    move |source| SinkError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Refuses to overwrite a non-empty directory that is not a previous tenantless output.
pub fn check_target(out: &Path, is_previous_output: impl Fn(&Path) -> bool, force: bool) -> Result<(), SinkError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(SinkError::NotADirectory(out.to_owned()));
    }
    let foreign = fs::read_dir(out)
        .map_err(io_err(out))?
        .filter_map(Result::ok)
        .any(|e| !KEEP_FILES.iter().any(|k| e.file_name() == *k));
    if foreign && !force && !is_previous_output(out) {
        return Err(SinkError::ForeignDirectory(out.to_owned()));
    }
    Ok(())
}

/// A directory being written; removed on drop unless [`StagedDir::commit`] succeeded.
pub struct StagedDir {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedDir {
    pub fn create(target: &Path) -> Result<Self, SinkError> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        fs::create_dir(&staging).map_err(io_err(&staging))?;
        Ok(Self {
            staging,
            target: target.to_owned(),
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Creates a buffered file inside the staging directory.
    pub fn file(&self, name: &str) -> Result<BufWriter<File>, SinkError> {
        let path = self.staging.join(name);
        Ok(BufWriter::with_capacity(1 << 20, File::create(&path).map_err(io_err(&path))?))
    }

    /// Moves the finished directory into place, replacing a previous output.
    pub fn commit(mut self) -> Result<PathBuf, SinkError> {
        let old = self
            .staging
            .with_file_name(format!("{}.old", self.staging.file_name().unwrap_or_default().to_string_lossy()));
        if self.target.exists() {
            for keep in KEEP_FILES {
                let src = self.target.join(keep);
                if src.exists() {
                    fs::copy(&src, self.staging.join(keep)).map_err(io_err(&src))?;
                }
            }
            fs::rename(&self.target, &old).map_err(io_err(&self.target))?;
        }
        if let Err(source) = fs::rename(&self.staging, &self.target) {
            // Put the previous output back rather than leave nothing.
            if old.exists() {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(SinkError::Io {
                path: self.target.clone(),
                source,
            });
        }
        self.committed = true;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
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

    #[test]
    fn dropped_staging_leaves_nothing_and_commit_replaces_keeping_gitkeep() {
        let root = temp("commit");
        let target = root.join("out");
        {
            let staged = StagedDir::create(&target).unwrap();
            staged.file("a.jsonl").unwrap();
        }
        assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "an abandoned run leaves no directory");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(".gitkeep"), "").unwrap();
        fs::write(target.join("old.jsonl"), "x").unwrap();
        let staged = StagedDir::create(&target).unwrap();
        staged.file("new.jsonl").unwrap().flush().unwrap();
        staged.commit().unwrap();
        assert!(target.join("new.jsonl").exists());
        assert!(target.join(".gitkeep").exists());
        assert!(!target.join("old.jsonl").exists());
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn foreign_directories_are_refused_without_force() {
        let root = temp("foreign");
        fs::write(root.join("notes.txt"), "mine").unwrap();
        assert!(matches!(check_target(&root, |_| false, false), Err(SinkError::ForeignDirectory(_))));
        assert!(check_target(&root, |_| false, true).is_ok());
        assert!(check_target(&root, |_| true, false).is_ok());
        fs::remove_file(root.join("notes.txt")).unwrap();
        fs::write(root.join(".gitkeep"), "").unwrap();
        assert!(
            check_target(&root, |_| false, false).is_ok(),
            "a .gitkeep alone does not make it foreign"
        );
        fs::remove_dir_all(&root).unwrap();
    }
}
