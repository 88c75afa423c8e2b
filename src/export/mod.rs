//! `tenantless export`: kits that take generated tables into other systems ([`adx`]: Azure Data
//! Explorer and Fabric Eventhouse; [`log_analytics`]: a Log Analytics lab workspace).

pub mod adx;
pub mod log_analytics;
pub mod parquet;

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The table files of a `generate` output directory, by table name; an error when it holds none.
pub fn tables_in(data: &Path) -> Result<Vec<(String, PathBuf)>, ExportError> {
    let files = crate::compress::table_files(data).map_err(|e| ExportError::Input(e.to_string()))?;
    if files.is_empty() {
        return Err(ExportError::Input(format!(
            "{} holds no table files: point --data at a directory written by `tenantless generate`",
            data.display()
        )));
    }
    Ok(files.into_iter().map(|(table, path, _)| (table, path)).collect())
}

/// Calls `each` with every record of a table file (plain or compressed): its line number, its
/// NDJSON line and its fields; blank lines are skipped.
pub fn for_each_record(
    path: &Path,
    mut each: impl FnMut(usize, &str, &serde_json::Map<String, serde_json::Value>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let reader = crate::compress::open_table_reader(path).map_err(|e| ExportError::Input(e.to_string()))?;
    for (i, line) in std::io::BufReader::with_capacity(1 << 20, reader).lines().enumerate() {
        let line = line.map_err(|e| ExportError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record =
            serde_json::from_str(&line).map_err(|e| ExportError::Input(format!("{}:{}: not a JSON record: {e}", path.display(), i + 1)))?;
        each(i + 1, &line, &record)?;
    }
    Ok(())
}

/// Adds the fields of `record` that `columns` lacks, typed by their value (a null leaves the type
/// to a later record; a field only ever null is a string).
pub(crate) fn note_columns(columns: &mut Vec<(String, String)>, record: &serde_json::Map<String, serde_json::Value>) {
    for (key, value) in record {
        let ty = match value {
            serde_json::Value::Null => None,
            serde_json::Value::Bool(_) => Some("bool"),
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some("long"),
            serde_json::Value::Number(_) => Some("real"),
            serde_json::Value::String(_) => Some("string"),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => Some("dynamic"),
        };
        match columns.iter_mut().find(|(name, _)| name == key) {
            Some((_, existing)) if existing == "?" => {
                if let Some(ty) = ty {
                    *existing = ty.to_owned();
                }
            }
            Some(_) => {}
            None => columns.push((key.clone(), ty.unwrap_or("?").to_owned())),
        }
    }
}

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

    /// Writes `text` to `name` inside the kit, creating its folders.
    pub fn write(&self, name: &str, text: &str) -> Result<(), ExportError> {
        let path = self.staging.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ExportError::io(parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| ExportError::io(&path, e))
    }

    /// Writes a shell script inside the kit, executable.
    pub fn write_script(&self, name: &str, text: &str) -> Result<(), ExportError> {
        self.write(name, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = self.staging.join(name);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| ExportError::io(&path, e))?;
        }
        Ok(())
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
