//! `--functions DIR|FILE`: stored functions read from the files teams keep them in — Sentinel's
//! ASIM parser and function YAML (`ParserName`/`ParserParams`/`ParserQuery`, or `FunctionName`/
//! `FunctionParams`/`FunctionQuery`, with their `EquivalentBuiltIn…` aliases) and plain `.kql`
//! files named after the function. Errors inside a function's query point at its line in the
//! YAML file.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::kql::stored::{self, StoredFunctions};
use crate::verify::error::FileError;

/// The largest function file read (ASIM's biggest parsers are tens of KiB).
const MAX_FUNCTION_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The fields of a function YAML file tenantless uses; the rest (titles, references) is ignored.
#[derive(Deserialize)]
struct FunctionFile {
    #[serde(rename = "ParserName")]
    parser_name: Option<String>,
    #[serde(rename = "EquivalentBuiltInParser")]
    builtin_parser: Option<String>,
    #[serde(rename = "FunctionName")]
    function_name: Option<String>,
    #[serde(rename = "FunctionAlias")]
    function_alias: Option<String>,
    #[serde(rename = "EquivalentBuiltInFunction")]
    builtin_function: Option<String>,
    #[serde(rename = "ParserParams", alias = "FunctionParams")]
    params: Option<Vec<ParamEntry>>,
    #[serde(rename = "ParserQuery", alias = "FunctionQuery")]
    query: Option<Spanned<String>>,
}

/// One declared parameter: `- Name: starttime`, `Type: datetime`, `Default: datetime(null)`.
#[derive(Deserialize)]
struct ParamEntry {
    #[serde(rename = "Name")]
    name: Spanned<String>,
    #[serde(rename = "Type")]
    ty: String,
    #[serde(rename = "Default")]
    default: Option<DefaultValue>,
}

/// A default as YAML types it: `false`, `0`, `'*'`, `datetime(null)`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DefaultValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Reads every function file under `paths` (folders are searched recursively, in name order, so
/// a later file's definition of a name wins predictably). A file named itself must load; a file
/// found in a folder that is not valid YAML is skipped with a warning handed to `warn`: a folder
/// of published parsers holds the odd broken file, which should not keep the others out. (A file
/// that is YAML but not a valid function is an error wherever it is: it was meant as one.)
pub fn load(paths: &[PathBuf], warn: &mut dyn FnMut(String)) -> Result<StoredFunctions, FileError> {
    let mut functions = StoredFunctions::default();
    for path in paths {
        let in_folder = path.is_dir();
        for file in function_files(path)? {
            match load_file(&file, &mut functions)? {
                Loaded::NotYaml(e) if in_folder => warn(format!("warning: skipped {} of {}: {e}", file.display(), path.display())),
                Loaded::NotYaml(e) => return Err(e),
                Loaded::Done => {}
            }
        }
    }
    Ok(functions)
}

/// What reading one function file came to, short of an error.
enum Loaded {
    Done,
    /// The file is not valid YAML: an error when named, skipped in a folder.
    NotYaml(FileError),
}

/// `path` itself, or the function files under the folder `path`.
fn function_files(path: &Path) -> Result<Vec<PathBuf>, FileError> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| FileError::invalid(&dir, "", None, format!("cannot read the folder: {e}")))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if FileKind::of(&p).is_some() {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The kinds of function file.
#[derive(Clone, Copy)]
enum FileKind {
    /// Sentinel's parser/function YAML.
    Yaml,
    /// A function body on its own, named by the file's stem.
    Kql,
}

impl FileKind {
    fn of(path: &Path) -> Option<FileKind> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Some(FileKind::Yaml),
            "kql" | "csl" => Some(FileKind::Kql),
            _ => None,
        }
    }
}

fn load_file(path: &Path, functions: &mut StoredFunctions) -> Result<Loaded, FileError> {
    let text = crate::input::read_text(path, MAX_FUNCTION_FILE_BYTES)?;
    match FileKind::of(path) {
        Some(FileKind::Kql) => {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            functions.define(&[name], Vec::new(), text, path);
            Ok(Loaded::Done)
        }
        _ => match serde_saphyr::from_str::<FunctionFile>(&text) {
            Ok(file) => load_yaml(path, &text, file, functions).map(|()| Loaded::Done),
            Err(e) if !is_yaml(&text) => Ok(Loaded::NotYaml(crate::verify::rule::yaml_error(path, &text, &e))),
            Err(e) => Err(crate::verify::rule::yaml_error(path, &text, &e)),
        },
    }
}

/// Whether the text is YAML at all (a file that is, but is not a function, was meant as one).
fn is_yaml(text: &str) -> bool {
    serde_saphyr::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

fn load_yaml(path: &Path, text: &str, file: FunctionFile, functions: &mut StoredFunctions) -> Result<(), FileError> {
    // A YAML file in a parsers folder that defines no function (an ARM template's sibling, a
    // test fixture) is not an error: it is simply not a function.
    let Some(query) = file.query else { return Ok(()) };
    let names: Vec<String> = [
        file.parser_name,
        file.builtin_parser,
        file.function_name,
        file.function_alias,
        file.builtin_function,
    ]
    .into_iter()
    .flatten()
    .filter(|n| !n.trim().is_empty())
    .collect();
    if names.is_empty() {
        let at = Some((query.referenced.line() as usize, 1));
        return Err(FileError::invalid(
            path,
            text,
            at,
            "the function has no name: add `ParserName:` (or `FunctionName:`) naming how queries call it",
        ));
    }
    let params = file
        .params
        .unwrap_or_default()
        .iter()
        .map(|p| param(path, text, p))
        .collect::<Result<Vec<_>, _>>()?;
    let body = body_with_file_positions(text, &query.value);
    functions.define(&names, params, body, path);
    Ok(())
}

/// One declared parameter as KQL parses it; a bad type or default is an error at its entry.
fn param(path: &Path, text: &str, entry: &ParamEntry) -> Result<crate::kql::ast::Param, FileError> {
    let name = &entry.name.value;
    let default = match &entry.default {
        None => String::new(),
        Some(DefaultValue::Bool(b)) => format!(" = {b}"),
        Some(DefaultValue::Number(n)) => format!(" = {n}"),
        // A string parameter's default is often written unquoted (`Default: '*'` is the YAML
        // string `*`); anything else is KQL text (`datetime(null)`, `dynamic([])`).
        Some(DefaultValue::Text(t)) if entry.ty.trim().eq_ignore_ascii_case("string") && !is_quoted(t) => {
            format!(" = '{}'", t.replace('\\', "\\\\").replace('\'', "\\'"))
        }
        Some(DefaultValue::Text(t)) => format!(" = {t}"),
    };
    let decl = format!("({name}: {}{default})", entry.ty.trim());
    let at = Some((entry.name.referenced.line() as usize, entry.name.referenced.column() as usize));
    let mut parsed = stored::parse_params(&decl).map_err(|e| {
        let why = e.to_string().lines().next().unwrap_or_default().to_owned();
        FileError::invalid(path, text, at, format!("parameter `{name}` (`{decl}`) does not parse: {why}"))
    })?;
    parsed
        .pop()
        .ok_or_else(|| FileError::invalid(path, text, at, format!("parameter `{name}` has no declaration")))
}

fn is_quoted(t: &str) -> bool {
    let t = t.trim();
    t.len() >= 2 && ((t.starts_with('\'') && t.ends_with('\'')) || (t.starts_with('"') && t.ends_with('"')))
}

/// The query as text whose byte positions are the file's: the literal block (`ParserQuery: |`)
/// kept where it stands, everything else blanked (newlines kept). KQL does not care about the
/// block's indentation, so this parses as the query does, and an error's line and column are
/// the file's. When the block cannot be found or does not hold exactly the query (a quoted or
/// folded scalar), the query itself is used, its errors then counting lines from its start.
fn body_with_file_positions(text: &str, query: &str) -> String {
    match literal_block(text) {
        Some((start, end)) if dedent(&text[start..end]) == query.trim_end() => text
            .char_indices()
            .map(|(i, c)| if (start..end).contains(&i) || c == '\n' { c } else { ' ' })
            .collect(),
        _ => query.to_owned(),
    }
}

/// The byte range of the lines of the top-level `ParserQuery: |` / `FunctionQuery: |` block.
fn literal_block(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        match start {
            None => match line.split_once(':') {
                Some(("ParserQuery" | "FunctionQuery", rest)) if rest.trim_start().starts_with('|') => start = Some(offset),
                Some(("ParserQuery" | "FunctionQuery", _)) => return None,
                _ => {}
            },
            // The block ends at the next line that is not indented (the next top-level key).
            Some(s) if !line.trim().is_empty() && !line.starts_with([' ', '\t']) => return Some((s, here)),
            Some(_) => {}
        }
    }
    start.map(|s| (s, text.len()))
}

/// The block's lines without their common indentation, as YAML reads a literal block.
fn dedent(block: &str) -> String {
    let indent = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = block
        .lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end_matches('\r'))
        .collect();
    lines.join("\n").trim_end().to_owned()
}
