//! Reading the files users hand us — scenarios, rules, queries, NDJSON tables — without hanging or
//! exhausting memory: only regular files are read (a FIFO would block forever, `/dev/zero` never
//! ends), whole-file reads stop at a stated size, and NDJSON lines at a stated length.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened, inspected or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system reported.
        source: io::Error,
    },
    /// The path names a directory, FIFO, device or socket, which tenantless refuses to read.
    #[error("{} is {what}, not a regular file; tenantless reads only regular files (a FIFO or device never ends)", path.display())]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is instead, in words (`a FIFO (named pipe)`, `a directory`, …).
        what: &'static str,
    },
    /// The file is over the size limit for its kind.
    #[error("{} is larger than {limit} bytes, the most tenantless reads from such a file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The most bytes that may be read from it.
        limit: u64,
    },
    /// The file is not valid UTF-8.
    #[error("{} is not UTF-8 text ({source})", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Where the invalid bytes are.
        source: std::string::FromUtf8Error,
    },
    /// A line is over the line-length limit.
    #[error("{}:{line}: the line is longer than {limit} bytes, the longest line tenantless reads", path.display())]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// The line's number, 1-based.
        line: usize,
        /// The most bytes a line may have.
        limit: usize,
    },
}

impl InputError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Io { path, .. }
            | InputError::NotRegular { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::NotUtf8 { path, .. }
            | InputError::LineTooLong { path, .. } => path,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> InputError + '_ {
    move |source| InputError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a non-regular file is, in words a user recognises.
fn describe(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading after checking, without opening it, that it is a regular file
/// (following symlinks): opening a FIFO would already block.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let meta = std::fs::metadata(path).map_err(io_error(path))?;
    if !meta.file_type().is_file() {
        return Err(InputError::NotRegular {
            path: path.to_owned(),
            what: describe(meta.file_type()),
        });
    }
    File::open(path).map_err(io_error(path))
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: the file may have grown since it was checked.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(io_error(path))?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a whole regular UTF-8 file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|source| InputError::NotUtf8 {
        path: path.to_owned(),
        source,
    })
}

/// Reads lines of at most `max_line` bytes each from `reader`, which came from `path`; a longer
/// line is an error rather than an ever-growing buffer.
pub struct BoundedLines<R> {
    reader: R,
    path: PathBuf,
    max_line: usize,
    line: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> BoundedLines<R> {
    /// Reads from `reader`, naming `path` in errors, with lines of at most `max_line` bytes.
    pub fn new(reader: R, path: &Path, max_line: usize) -> Self {
        Self {
            reader,
            path: path.to_owned(),
            max_line,
            line: 0,
            buf: Vec::new(),
        }
    }

    /// The next line without its line ending (`\n` or `\r\n`), as bytes; `None` at the end.
    pub fn next_line(&mut self) -> Option<Result<&[u8], InputError>> {
        self.buf.clear();
        self.line += 1;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Some(Err(InputError::Io {
                        path: self.path.clone(),
                        source,
                    }));
                }
            };
            if chunk.is_empty() {
                if self.buf.is_empty() {
                    return None;
                }
                break;
            }
            let (taken, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if self.buf.len() + taken > self.max_line + 2 {
                return Some(Err(InputError::LineTooLong {
                    path: self.path.clone(),
                    line: self.line,
                    limit: self.max_line,
                }));
            }
            self.buf.extend_from_slice(&chunk[..taken]);
            self.reader.consume(taken);
            if done {
                break;
            }
        }
        let mut end = self.buf.len();
        if self.buf[..end].ends_with(b"\n") {
            end -= 1;
        }
        if self.buf[..end].ends_with(b"\r") {
            end -= 1;
        }
        if end > self.max_line {
            return Some(Err(InputError::LineTooLong {
                path: self.path.clone(),
                line: self.line,
                limit: self.max_line,
            }));
        }
        Some(Ok(&self.buf[..end]))
    }

    /// The 1-based number of the line last returned.
    pub fn line_number(&self) -> usize {
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], max: usize) -> Vec<Result<String, String>> {
        let mut reader = BoundedLines::new(io::BufReader::with_capacity(4, text), Path::new("t.jsonl"), max);
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            match line {
                Ok(l) => out.push(Ok(String::from_utf8_lossy(l).into_owned())),
                Err(e) => {
                    out.push(Err(e.to_string()));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn lines_split_on_lf_and_crlf_and_keep_a_last_unterminated_line() {
        assert_eq!(
            lines(b"ab\r\ncd\n\nlast", 10),
            vec![Ok("ab".into()), Ok("cd".into()), Ok(String::new()), Ok("last".into())]
        );
    }

    #[test]
    fn a_line_over_the_limit_is_an_error_naming_its_number_and_the_limit() {
        let got = lines(b"ok\n0123456789abc\nnever", 10);
        assert_eq!(got[0], Ok("ok".into()));
        assert_eq!(
            got[1],
            Err("t.jsonl:2: the line is longer than 10 bytes, the longest line tenantless reads".into())
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn an_endless_line_stops_at_the_limit() {
        // /dev/zero as a reader: one line that never ends.
        let zero = io::BufReader::new(io::repeat(0));
        let mut reader = BoundedLines::new(zero, Path::new("/dev/zero"), 1 << 16);
        assert!(matches!(reader.next_line(), Some(Err(InputError::LineTooLong { .. }))));
    }

    #[test]
    fn devices_fifos_and_directories_are_refused_before_they_are_opened() {
        for (path, what) in [("/dev/zero", "a device"), ("/", "a directory")] {
            let err = read_text(Path::new(path), 10).unwrap_err();
            assert!(matches!(err, InputError::NotRegular { what: w, .. } if w == what), "{path}: {err}");
        }
    }

    #[test]
    fn whole_file_reads_stop_past_the_limit() {
        let dir = std::env::temp_dir().join(format!("tenantless-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("big.txt");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_text(&file, 10).unwrap(), "0123456789");
        assert!(matches!(read_text(&file, 9), Err(InputError::TooLarge { limit: 9, .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
