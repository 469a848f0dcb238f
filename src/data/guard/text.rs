//! Checks on the bytes of a CSV or NDJSON file before polars opens it (gaps 2 and 3 of
//! [`super`]): compressed files, on which polars panics, and files of NULs or of one
//! endless line, on which it spends minutes. Both read only what they must, at memchr
//! speed and in constant memory.

use std::io::Read as _;
use std::path::Path;

use crate::data::{Cause, DataError};

/// The longest physical line of a text file that is read: a row of predictions is a few
/// hundred bytes; a line of many megabytes is a file without line breaks (or not text),
/// on which polars would spend minutes.
pub(crate) const MAX_LINE: u64 = 16 << 20;

/// The checks that run on every text file before polars sees it, at memchr speed and in
/// constant memory: a NUL byte (binary, UTF-16, or a crashed writer's zero-filled file),
/// a UTF-16 byte-order mark, or a line longer than [`MAX_LINE`]. Each names the line.
pub(crate) fn precheck(path: &Path) -> Result<(), DataError> {
    let io = |e: std::io::Error| {
        DataError::new(
            path,
            None,
            format!("cannot read the file: {e}; check the path and its permissions"),
        )
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 20];
    // File offset of `buf[0]`, the current line and the offset it starts at.
    let (mut offset, mut line, mut line_start) = (0u64, 1u64, 0u64);
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(());
        }
        let chunk = &buf[..n];
        if offset == 0 && (chunk.starts_with(b"\xFF\xFE") || chunk.starts_with(b"\xFE\xFF")) {
            return Err(DataError::new(
                path,
                None,
                "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8",
            ));
        }
        for pos in memchr::memchr2_iter(b'\n', 0, chunk) {
            let at = offset + pos as u64;
            if chunk[pos] == 0 {
                return Err(DataError::of(
                    path,
                    None,
                    Cause::NulByte { line, offset: at },
                ));
            }
            if at - line_start > MAX_LINE {
                break;
            }
            line += 1;
            line_start = at + 1;
        }
        offset += n as u64;
        if offset - line_start > MAX_LINE {
            return Err(DataError::of(
                path,
                None,
                Cause::LineTooLong {
                    line,
                    limit: MAX_LINE,
                },
            ));
        }
    }
}

/// Refuses compressed text files up front. polars sniffs gzip, zlib and zstd magic bytes
/// in CSV and NDJSON and, built without its `decompress` feature, panics on them; a CSV
/// whose header starts with `x^` looks like zlib to it.
pub(crate) fn refuse_compressed(path: &Path) -> Result<(), DataError> {
    let mut head = Vec::with_capacity(4);
    // An unreadable file is reported by the read itself, with its own message.
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(4).read_to_end(&mut head);
    }
    let message = match head.as_slice() {
        [0x1f, 0x8b, ..] => {
            "the file is gzip-compressed; decompress it first (`gunzip FILE`): modelgate reads plain CSV, NDJSON or Parquet".to_string()
        }
        [0x28, 0xb5, 0x2f, 0xfd] => {
            "the file is zstd-compressed; decompress it first (`zstd -d FILE`): modelgate reads plain CSV, NDJSON or Parquet".to_string()
        }
        [0x78, second @ (0x01 | 0x5e | 0x9c | 0xda), ..] => format!(
            "the file starts with the bytes 0x78 0x{second:02X}, which the reader takes for zlib-compressed data; if it is text, quote the first column name (e.g. `\"x^2\",label,score`); if it is compressed, decompress it first"
        ),
        _ => return Ok(()),
    };
    Err(DataError::new(path, None, message))
}
