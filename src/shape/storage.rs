//! Storage delivery: each category's container as a directory, one append blob per resource and
//! hour, one record per line (JSON Lines since the format change of 1 November 2018):
//! `insights-logs-<category>/resourceId=/SUBSCRIPTIONS/…/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json`
//! (AMD resource-logs.md, activity-log.md). Entra's tenant-level categories are under
//! `tenantId=<tenant>/` instead (an Event Grid subject of a real sign-in blob,
//! `insights-logs-signinlogs/blobs/tenantId=…/y=2024/m=06/d=20/h=05/m=00/PT1H.json`); the Activity
//! log is per subscription. Azure appends by the time it receives a record; tenantless by the
//! record's `time`.

use super::{Delivered, ShapeError, destination};
use crate::compress::{Compression, FileEncoder};
use crate::tables::Category;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Blobs kept open at once: those of the current hour, within a bound on file handles (a blob
/// closed early is reopened for appending, which a compressed blob takes as one more frame).
const MAX_OPEN: usize = 64;

/// One category's container being written.
pub struct Container {
    out: PathBuf,
    category: Category,
    compression: Compression,
    open: BTreeMap<String, FileEncoder>,
    /// The `y=…/h=…` of the blobs open.
    hour: String,
    blobs: BTreeSet<String>,
    delivered: Delivered,
}

/// The record's text field `name`, which every shaped record of the category has.
fn text<'r>(category: Category, record: &'r Map<String, Value>, name: &str) -> Result<&'r str, ShapeError> {
    record.get(name).and_then(Value::as_str).ok_or_else(|| ShapeError::Column {
        table: category.table().name(),
        column: name.to_owned(),
        problem: "is missing from its diagnostic-settings record",
    })
}

/// The blob's path below the container: the resource's folder and the hour's.
pub fn blob_path(category: Category, record: &Map<String, Value>) -> Result<(String, String), ShapeError> {
    let resource = match category {
        Category::ManagedIdentitySignInLogs | Category::ServicePrincipalSignInLogs | Category::AuditLogs => {
            format!("tenantId={}", text(category, record, "tenantId")?)
        }
        Category::KeyVaultAuditEvent => format!("resourceId={}", text(category, record, "resourceId")?),
        // The workflow's diagnostic setting sends them; the records' ids go down to runs and actions.
        Category::LogicAppsWorkflowRuntime => format!("resourceId={}", text(category, record, "workflowId")?),
        Category::ActivityLog => {
            let id = text(category, record, "resourceId")?;
            let subscription: Vec<&str> = id.split('/').take(3).collect();
            format!("resourceId={}", subscription.join("/"))
        }
    };
    let time = text(category, record, "time")?;
    let at = crate::timefmt::parse_ts(time).ok_or_else(|| ShapeError::Column {
        table: category.table().name(),
        column: "time".into(),
        problem: "is not an RFC 3339 instant",
    })?;
    use chrono::{Datelike, Timelike};
    let hour = format!("y={:04}/m={:02}/d={:02}/h={:02}", at.year(), at.month(), at.day(), at.hour());
    Ok((resource, hour))
}

impl Container {
    /// A container for `category` in the output directory `out`, created with its first blob.
    pub fn new(out: &Path, category: Category, compression: Compression) -> Self {
        Self {
            out: out.to_owned(),
            category,
            compression,
            open: BTreeMap::new(),
            hour: String::new(),
            blobs: BTreeSet::new(),
            delivered: Delivered::default(),
        }
    }

    /// Appends a record (its JSON text) to its blob.
    pub fn push(&mut self, record: &Map<String, Value>, line: &[u8]) -> Result<(), ShapeError> {
        let (resource, hour) = blob_path(self.category, record)?;
        if hour > self.hour {
            self.close_all()?;
            self.hour.clone_from(&hour);
        }
        let name = format!(
            "{}/{resource}/{hour}/m=00/PT1H.json{}",
            destination(self.category),
            self.compression.suffix()
        );
        if !self.open.contains_key(&name) {
            if self.open.len() >= MAX_OPEN {
                self.close_all()?;
            }
            let file = self.open_blob(&name)?;
            self.open.insert(name.clone(), file);
            self.blobs.insert(name.clone());
        }
        let path = self.out.join(&name);
        let Some(file) = self.open.get_mut(&name) else {
            return Err(ShapeError::Io {
                path,
                source: std::io::Error::other("the blob just opened is gone"),
            });
        };
        file.write_all(line)
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|source| ShapeError::Io { path, source })?;
        self.delivered.records += 1;
        Ok(())
    }

    fn open_blob(&self, name: &str) -> Result<FileEncoder, ShapeError> {
        if name.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            return Err(ShapeError::UnsafePath(name.to_owned()));
        }
        let path = self.out.join(name);
        let io = |source| ShapeError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
        FileEncoder::new(file, self.compression).map_err(io)
    }

    fn close_all(&mut self) -> Result<(), ShapeError> {
        for (name, file) in std::mem::take(&mut self.open) {
            self.delivered.bytes += file.finish().map_err(|source| ShapeError::Io {
                path: self.out.join(name),
                source,
            })?;
        }
        Ok(())
    }

    /// Closes every blob; the counts of what the container holds.
    pub fn finish(mut self) -> Result<Delivered, ShapeError> {
        self.close_all()?;
        self.delivered.pieces = self.blobs.len() as u64;
        Ok(self.delivered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blobs_are_per_resource_and_hour() {
        let record = |v: Value| v.as_object().unwrap().clone();
        let vault = record(
            json!({"time": "2026-11-27T05:59:59.9999999Z", "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV"}),
        );
        assert_eq!(
            blob_path(Category::KeyVaultAuditEvent, &vault).unwrap(),
            (
                "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV".to_owned(),
                "y=2026/m=11/d=27/h=05".to_owned()
            )
        );
        let activity = record(json!({"time": "2026-01-02T00:00:00Z", "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG"}));
        assert_eq!(
            blob_path(Category::ActivityLog, &activity).unwrap().0,
            "resourceId=/SUBSCRIPTIONS/S"
        );
        let signin = record(json!({"time": "2026-01-02T00:00:00Z", "tenantId": "T"}));
        assert_eq!(blob_path(Category::AuditLogs, &signin).unwrap().0, "tenantId=T");
    }

    #[test]
    fn a_resource_named_dot_dot_cannot_leave_the_container() {
        let dir = tempfile::tempdir().unwrap();
        let mut container = Container::new(dir.path(), Category::KeyVaultAuditEvent, Compression::None);
        let record = json!({"time": "2026-01-02T00:00:00Z", "resourceId": "/SUBSCRIPTIONS/S/../../x"});
        let error = container.push(record.as_object().unwrap(), b"{}").unwrap_err();
        assert!(matches!(error, ShapeError::UnsafePath(_)), "{error}");
    }
}
