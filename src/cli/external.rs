//! `--external URL=FILE` and `--external-dir DIR`: where `externaldata` reads its URLs from, shared
//! by `query` and `verify`.

use std::path::PathBuf;

use clap::Args;

use super::exit::Failure;
use crate::kql::external::ExternalFiles;

/// Local copies of the files queries' `externaldata` names.
#[derive(Debug, Args, Default)]
pub struct ExternalArgs {
    /// Read `externaldata`'s URL from FILE (repeatable); tenantless never reaches the network.
    #[arg(long = "external", value_name = "URL=FILE")]
    pub external: Vec<String>,
    /// A folder of downloaded `externaldata` files, each named as its URL's last path segment.
    #[arg(long = "external-dir", value_name = "DIR")]
    pub external_dir: Option<PathBuf>,
}

impl ExternalArgs {
    /// The mapping, or a usage error naming the malformed `--external`.
    pub fn files(&self) -> Result<ExternalFiles, Failure> {
        let mut files = ExternalFiles {
            dir: self.external_dir.clone(),
            ..ExternalFiles::default()
        };
        for pair in &self.external {
            // The URL may hold `=` (query strings): the file is after the last one.
            let (url, file) = pair
                .rsplit_once('=')
                .filter(|(u, f)| !u.is_empty() && !f.is_empty())
                .ok_or_else(|| Failure::Input(format!("--external `{pair}` must be URL=FILE")))?;
            files.map.insert(url.to_owned(), PathBuf::from(file));
        }
        Ok(files)
    }
}
