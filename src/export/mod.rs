//! `tenantless export`: kits that take generated tables into other systems ([`adx`]: Azure Data
//! Explorer and Fabric Eventhouse; [`log_analytics`]: a Log Analytics lab workspace).

pub mod adx;
pub mod log_analytics;

use std::path::{Path, PathBuf};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The data directory or a table file could not be read, or holds no tables.
    #[error("{0}")]
    Input(String),
    /// The kit directory exists and holds files.
    #[error("{} exists and is not empty: choose a new directory for the kit, or remove it", .0.display())]
    Exists(PathBuf),
    /// An option is out of range.
    #[error("{0}")]
    Usage(String),
    /// Writing the kit failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl ExportError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// A kit written beside its target and renamed into place when complete, so that a failed export
/// leaves no half-written kit (and removes what it wrote).
pub struct Staging {
    target: PathBuf,
    staging: PathBuf,
    done: bool,
}

impl Staging {
    /// Starts a kit at `target`, which must not exist or be an empty directory.
    pub fn create(target: &Path) -> Result<Staging, ExportError> {
        if target.exists() {
            let empty = std::fs::read_dir(target).map_err(|e| ExportError::io(target, e))?.next().is_none();
            if !empty {
                return Err(ExportError::Exists(target.to_owned()));
            }
        }
        let name = target
            .file_name()
            .map_or_else(|| "kit".into(), |n| n.to_string_lossy().into_owned());
        let staging = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        std::fs::create_dir_all(&staging).map_err(|e| ExportError::io(&staging, e))?;
        Ok(Staging {
            target: target.to_owned(),
            staging,
            done: false,
        })
    }

    /// Where the kit is being written.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the finished kit into place.
    pub fn finish(mut self) -> Result<(), ExportError> {
        if self.target.exists() {
            std::fs::remove_dir(&self.target).map_err(|e| ExportError::io(&self.target, e))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(|e| ExportError::io(&self.target, e))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}
