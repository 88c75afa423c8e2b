//! `--functions DIR|FILE`: stored functions (Sentinel's ASIM parsers, workspace functions) that
//! queries call by name, shared by `query` and `verify`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::exit::Failure;
use crate::kql::stored::StoredFunctions;

/// Where stored functions are read from.
#[derive(Debug, Args, Default)]
pub struct FunctionArgs {
    /// Load stored functions from a folder (searched recursively) or file (repeatable): ASIM
    /// parser / function YAML (`ParserName` + `ParserQuery`, `FunctionName` + `FunctionQuery`) or
    /// `NAME.kql` files; queries call them by name.
    #[arg(long = "functions", value_name = "DIR|FILE")]
    pub functions: Vec<PathBuf>,
}

impl FunctionArgs {
    /// The functions, or the first file that does not load, located.
    pub fn load(&self) -> Result<Arc<StoredFunctions>, Failure> {
        if self.functions.is_empty() {
            return Ok(Arc::default());
        }
        crate::function_files::load(&self.functions, &mut |warning| eprintln!("{warning}"))
            .map(Arc::new)
            .map_err(|e| Failure::Input(e.to_string()))
    }
}
