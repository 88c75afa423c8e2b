//! Storage delivery: each category's container as a directory, one append blob per resource and
//! hour, one record per line (JSON Lines since the format change of 1 November 2018):
//! `insights-logs-<category>/resourceId=/SUBSCRIPTIONS/…/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json`
//! (AMD resource-logs.md, activity-log.md). Entra's tenant-level categories are under
//! `tenantId=<tenant>/` instead (an Event Grid subject of a real sign-in blob,
//! `insights-logs-signinlogs/blobs/tenantId=…/y=2024/m=06/d=20/h=05/m=00/PT1H.json`); the Activity
//! log is per subscription. Azure appends by the time it receives a record; tenantless by the
//! record's `time`.

use super::stream::Route;
use super::{Delivered, ShapeError, destination};
use crate::compress::{Compression, FileEncoder};
use crate::tables::Category;
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

/// Where a record's blob is below the container: the resource's folder and the hour's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobPath {
    /// `tenantId=<tenant>` or `resourceId=<id>`.
    pub resource: String,
    /// `y=YYYY/m=MM/d=DD/h=HH`.
    pub hour: String,
}

/// The blob a record of `category` goes into.
pub fn blob_path(category: Category, route: &Route<'_>) -> Result<BlobPath, ShapeError> {
    let missing = |column: &str| ShapeError::Column {
        table: category.table().name(),
        column: column.to_owned(),
        problem: "is missing from its diagnostic-settings record",
    };
    let resource = match category {
        Category::ManagedIdentitySignInLogs | Category::ServicePrincipalSignInLogs | Category::AuditLogs => {
            format!("tenantId={}", route.tenant_id.as_deref().ok_or_else(|| missing("tenantId"))?)
        }
        Category::KeyVaultAuditEvent => format!("resourceId={}", route.resource_id),
        // The workflow's diagnostic setting sends them; the records' ids go down to runs and actions.
        Category::LogicAppsWorkflowRuntime => {
            format!("resourceId={}", route.workflow_id.as_deref().ok_or_else(|| missing("workflowId"))?)
        }
        Category::ActivityLog => {
            let subscription: Vec<&str> = route.resource_id.split('/').take(3).collect();
            format!("resourceId={}", subscription.join("/"))
        }
    };
    let at = crate::timefmt::parse_ts(&route.time).ok_or_else(|| ShapeError::Column {
        table: category.table().name(),
        column: "time".into(),
        problem: "is not an RFC 3339 instant",
    })?;
    use chrono::{Datelike, Timelike};
    let hour = format!("y={:04}/m={:02}/d={:02}/h={:02}", at.year(), at.month(), at.day(), at.hour());
    Ok(BlobPath { resource, hour })
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
    pub fn push(&mut self, blob: &BlobPath, line: &[u8]) -> Result<(), ShapeError> {
        if blob.hour > self.hour {
            self.close_all()?;
            self.hour.clone_from(&blob.hour);
        }
        let name = format!(
            "{}/{}/{}/m=00/PT1H.json{}",
            destination(self.category),
            blob.resource,
            blob.hour,
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

    fn route(text: &str) -> Route<'_> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn blobs_are_per_resource_and_hour() {
        let vault = route(
            r#"{"time": "2026-11-27T05:59:59.9999999Z", "category": "AuditEvent", "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV"}"#,
        );
        assert_eq!(
            blob_path(Category::KeyVaultAuditEvent, &vault).unwrap(),
            BlobPath {
                resource: "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV".to_owned(),
                hour: "y=2026/m=11/d=27/h=05".to_owned()
            }
        );
        let activity =
            route(r#"{"time": "2026-01-02T00:00:00Z", "category": "Administrative", "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG"}"#);
        assert_eq!(
            blob_path(Category::ActivityLog, &activity).unwrap().resource,
            "resourceId=/SUBSCRIPTIONS/S"
        );
        let audit = route(r#"{"time": "2026-01-02T00:00:00Z", "category": "AuditLogs", "resourceId": "/tenants/T", "tenantId": "T"}"#);
        assert_eq!(blob_path(Category::AuditLogs, &audit).unwrap().resource, "tenantId=T");
    }

    #[test]
    fn a_resource_named_dot_dot_cannot_leave_the_container() {
        let dir = tempfile::tempdir().unwrap();
        let mut container = Container::new(dir.path(), Category::KeyVaultAuditEvent, Compression::None);
        let record = route(r#"{"time": "2026-01-02T00:00:00Z", "category": "AuditEvent", "resourceId": "/SUBSCRIPTIONS/S/../../x"}"#);
        let blob = blob_path(Category::KeyVaultAuditEvent, &record).unwrap();
        let error = container.push(&blob, b"{}").unwrap_err();
        assert!(matches!(error, ShapeError::UnsafePath(_)), "{error}");
    }
}
