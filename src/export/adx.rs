//! `tenantless export adx`: a kit that loads generated tables into a real Azure Data Explorer (or
//! Fabric Eventhouse) database. `tables.kql` creates each table with its documented Kusto types
//! (dynamic columns stay dynamic) and any column the data holds beyond them; `mappings.kql`
//! creates a JSON ingestion mapping per table covering every column; `data/` holds the records
//! in gzip files of at most a given uncompressed size, split at record boundaries; `ingest.kql`
//! ingests each file from blob storage, and `upload.sh` puts the files there with `az` and fills
//! the storage URL into `ingest.kql`.

use super::ExportError;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to export and how.
#[derive(Debug, Clone)]
pub struct AdxOptions {
    /// A `generate` output directory.
    pub data: PathBuf,
    /// The kit directory to write (must not exist, or be empty).
    pub out: PathBuf,
    /// Largest uncompressed size of one data file, bytes.
    pub file_bytes: u64,
}

/// One table of the kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableKit {
    /// The table's name.
    pub name: String,
    /// Its columns and Kusto types, in order: the documented ones, then any others the data holds.
    pub columns: Vec<(String, String)>,
    /// Its data files, relative to the kit, with their records.
    pub files: Vec<(String, u64)>,
}

/// Writes the kit and returns what it holds.
pub fn export(options: &AdxOptions) -> Result<Vec<TableKit>, ExportError> {
    if options.file_bytes == 0 {
        return Err(ExportError::Usage("--file-mb must be above 0".into()));
    }
    let staged = super::Staging::create(&options.out)?;
    let mut kits = Vec::new();
    for (table, path) in super::tables_in(&options.data)? {
        kits.push(split_table(&table, &path, staged.path(), options.file_bytes)?);
    }
    let write = |name: &str, text: String| staged.write(name, &text);
    write("tables.kql", kits.iter().map(create_table).collect::<Vec<_>>().join("\n\n") + "\n")?;
    write(
        "mappings.kql",
        kits.iter().map(create_mapping).collect::<Vec<_>>().join("\n\n") + "\n",
    )?;
    write(
        "ingest.kql",
        kits.iter().flat_map(ingest_commands).collect::<Vec<_>>().join("\n\n") + "\n",
    )?;
    staged.write_script("upload.sh", UPLOAD_SH)?;
    staged.finish()?;
    Ok(kits)
}

/// Splits one table's records into gzip files under `kit/data/<table>/`, noting every field the
/// records hold.
fn split_table(table: &str, path: &Path, kit: &Path, file_bytes: u64) -> Result<TableKit, ExportError> {
    let dir = kit.join("data").join(table);
    std::fs::create_dir_all(&dir).map_err(|e| ExportError::io(&dir, e))?;
    let mut columns: Vec<(String, String)> = crate::kql::table::documented_columns(table).unwrap_or_default();
    let mut files = Vec::new();
    let mut current: Option<(flate2::write::GzEncoder<std::fs::File>, u64, u64)> = None;
    super::for_each_record(path, |_, line, record| {
        super::note_columns(&mut columns, record);
        let needs_new = current
            .as_ref()
            .is_none_or(|(_, bytes, _)| *bytes > 0 && *bytes + line.len() as u64 + 1 > file_bytes);
        if needs_new {
            if let Some(done) = current.take() {
                finish_file(done, &mut files)?;
            }
            let name = format!("data/{table}/{table}-{:04}.json.gz", files.len() + 1);
            let file = std::fs::File::create(kit.join(&name)).map_err(|e| ExportError::io(kit.join(&name), e))?;
            files.push((name, 0));
            current = Some((flate2::write::GzEncoder::new(file, flate2::Compression::default()), 0, 0));
        }
        if let Some((encoder, bytes, records)) = &mut current {
            encoder
                .write_all(line.as_bytes())
                .and_then(|()| encoder.write_all(b"\n"))
                .map_err(|e| ExportError::io(&dir, e))?;
            *bytes += line.len() as u64 + 1;
            *records += 1;
        }
        Ok(())
    })?;
    if let Some(done) = current.take() {
        finish_file(done, &mut files)?;
    }
    Ok(TableKit {
        name: table.to_owned(),
        columns,
        files,
    })
}

fn finish_file(
    (encoder, _, records): (flate2::write::GzEncoder<std::fs::File>, u64, u64),
    files: &mut [(String, u64)],
) -> Result<(), ExportError> {
    let file = encoder
        .finish()
        .map_err(|e| ExportError::Input(format!("compressing a data file: {e}")))?;
    file.sync_all()
        .map_err(|e| ExportError::Input(format!("writing a data file: {e}")))?;
    if let Some(last) = files.last_mut() {
        last.1 = records;
    }
    Ok(())
}

/// A column or table name as a Kusto bracketed identifier.
fn quoted(name: &str) -> String {
    format!("['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `.create-merge table`: creates the table, or adds the columns it lacks.
fn create_table(kit: &TableKit) -> String {
    let columns: Vec<String> = kit
        .columns
        .iter()
        .map(|(name, ty)| format!("{}:{}", quoted(name), type_of(ty)))
        .collect();
    format!(".create-merge table {} ({})", quoted(&kit.name), columns.join(", "))
}

fn type_of(ty: &str) -> &str {
    if ty == "?" { "string" } else { ty }
}

/// The table's JSON ingestion mapping's name.
pub fn mapping_name(table: &str) -> String {
    format!("{table}_mapping")
}

/// `.create-or-alter … ingestion json mapping`: every column from the record field of its name.
fn create_mapping(kit: &TableKit) -> String {
    let identifier = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let entries: Vec<Value> = kit
        .columns
        .iter()
        .map(|(name, ty)| {
            let path = if identifier(name) {
                format!("$.{name}")
            } else {
                format!("$['{}']", name.replace('\'', "\\'"))
            };
            serde_json::json!({"column": name, "path": path, "datatype": type_of(ty)})
        })
        .collect();
    let json = Value::Array(entries).to_string();
    // A verbatim string: only `'` needs doubling.
    format!(
        ".create-or-alter table {} ingestion json mapping '{}' @'{}'",
        quoted(&kit.name),
        mapping_name(&kit.name),
        json.replace('\'', "''")
    )
}

/// The placeholder `upload.sh` replaces with the container's URL (and SAS token).
pub const CONTAINER_PLACEHOLDER: &str = "https://STORAGE_ACCOUNT.blob.core.windows.net/CONTAINER";
/// The placeholder for the SAS token.
pub const SAS_PLACEHOLDER: &str = "?SAS_TOKEN";

/// `.ingest into table` per data file, from the container `upload.sh` fills in.
fn ingest_commands(kit: &TableKit) -> Vec<String> {
    kit.files
        .iter()
        .map(|(file, _)| {
            format!(
                ".ingest into table {} (h'{CONTAINER_PLACEHOLDER}/{file}{SAS_PLACEHOLDER}') with (format='multijson', ingestionMappingReference='{}')",
                quoted(&kit.name),
                mapping_name(&kit.name)
            )
        })
        .collect()
}

/// The script that uploads the data files and fills the storage URL into `ingest.kql`.
const UPLOAD_SH: &str = r#"#!/usr/bin/env bash
# Uploads data/ to a blob container and writes ingest.final.kql with its URL and a read SAS token.
# Then run, in the cluster's database (Azure Data Explorer web UI, Fabric KQL queryset, or
# Kusto.Cli "https://<cluster>.kusto.windows.net/<database>;Fed=True" -script:FILE):
# tables.kql, mappings.kql, ingest.final.kql.
# Usage: ./upload.sh STORAGE_ACCOUNT CONTAINER   (after `az login`)
set -euo pipefail
cd "$(dirname "$0")"
account="$1"; container="$2"
az storage container create --account-name "$account" --name "$container" --auth-mode login >/dev/null
az storage blob upload-batch --account-name "$account" --destination "$container" --source data --destination-path data --auth-mode login --overwrite
expiry="$(date -u -d '+1 day' '+%Y-%m-%dT%H:%MZ')"
sas="$(az storage container generate-sas --account-name "$account" --name "$container" --permissions r --expiry "$expiry" --auth-mode login --as-user -o tsv)"
sed -e "s#https://STORAGE_ACCOUNT.blob.core.windows.net/CONTAINER#https://$account.blob.core.windows.net/$container#g" \
    -e "s#?SAS_TOKEN#?$sas#g" ingest.kql > ingest.final.kql
echo "wrote ingest.final.kql: run tables.kql, mappings.kql, then ingest.final.kql in your database"
"#;

#[cfg(test)]
mod tests {
    use super::super::note_columns;
    use super::*;

    #[test]
    fn columns_beyond_the_schema_are_typed_by_their_values() {
        let mut columns = vec![("TimeGenerated".to_owned(), "datetime".to_owned())];
        let record = |text: &str| serde_json::from_str::<serde_json::Map<String, Value>>(text).unwrap();
        note_columns(
            &mut columns,
            &record(r#"{"TimeGenerated": "x", "n": 1, "r": 1.5, "o": {"a": 1}, "z": null}"#),
        );
        note_columns(&mut columns, &record(r#"{"z": "now a string"}"#));
        let types: Vec<&str> = columns.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(types, ["datetime", "long", "real", "dynamic", "string"]);
    }

    #[test]
    fn commands_quote_names_and_escape_the_mapping() {
        let kit = TableKit {
            name: "T".into(),
            columns: vec![("a".into(), "string".into()), ("it's".into(), "dynamic".into())],
            files: vec![("data/T/T-0001.json.gz".into(), 3)],
        };
        assert_eq!(create_table(&kit), r".create-merge table ['T'] (['a']:string, ['it\'s']:dynamic)");
        assert!(
            create_mapping(&kit).contains(r#"{"column":"a","path":"$.a","datatype":"string"}"#),
            "{}",
            create_mapping(&kit)
        );
        assert!(ingest_commands(&kit)[0].contains("ingestionMappingReference='T_mapping'"));
    }
}
