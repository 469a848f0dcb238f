//! Checking a Parquet file's footer, byte ranges and page headers before polars decodes
//! them (gaps 5, 6 and 7 of [`super`]).
//!
//! polars trusts the counts in footer and page headers: a corrupt list length in the
//! footer, or a negative value count in a page header, becomes a huge allocation that
//! aborts the process (both found by fuzzing), which no `catch_unwind` can catch; and it
//! slices the file by each column chunk's byte range unchecked. So they are read here
//! first, with polars-parquet-format's Thrift compact protocol (the crate polars itself
//! reads page headers with): every list in the footer must fit in the footer's bytes;
//! page sizes and counts must not be negative, pages must lie inside their column chunk,
//! and a flat column's page holds no more values than its row group has rows (pyarrow's
//! checks). Only footer and headers are read, not the page data.
//!
//! polars-parquet-format bounds what a read may allocate by a budget (`max_bytes`), but
//! charges a list 8 bytes per element whatever the element's size, and its `read_list`
//! pre-sizes a `Vec` of the real element type: a corrupt count in a list of column
//! chunks could still reserve a hundred times the budget. So the footer is walked, not
//! built ([`walk`]): nothing is allocated per element, and as every element takes at
//! least one byte, a count beyond the footer's bytes fails at the footer's end. Page
//! headers hold no lists; they are built, as polars builds them.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::ops::Range;
use std::path::Path;

use polars::prelude::{ParquetReader, PolarsError, SerReader as _};
use polars_parquet_format::PageHeader;
use polars_parquet_format::thrift::protocol::{TCompactInputProtocol, TInputProtocol, TType};
use polars_parquet_format::thrift::{self, ProtocolError, ProtocolErrorKind, TransportErrorKind};

use super::polars_text;
use crate::data::DataError;

/// Nesting no footer needs; deeper input is corrupt (and must not recurse far).
const MAX_DEPTH: u8 = 32;

/// polars-parquet-format charges at most this many bytes of its budget per byte of a
/// well-formed message (a list element that is an empty struct: 8 for the element, 2 for
/// the struct, one byte on the wire); the footer's budget is this times its length.
const BUDGET_PER_BYTE: usize = 10;

/// A page header is read from a window this large first, then from a larger one.
const FIRST_WINDOW: u64 = 4 << 10;
/// Page headers larger than this (statistics included) are treated as corrupt; it is
/// also the most a page header's strings may allocate.
const MAX_HEADER: u64 = 16 << 20;

/// The count name of a dictionary page's entries.
const DICTIONARY_VALUES: &str = "dictionary entries";

/// Why footer or header could not be read.
#[derive(Debug, PartialEq)]
enum Bad {
    /// The bytes ended inside the message: for a page header, read more.
    Short,
    /// The bytes are not the message (polars-parquet-format's reason).
    Corrupt(String),
}

impl From<thrift::Error> for Bad {
    fn from(e: thrift::Error) -> Self {
        let message = match &e {
            thrift::Error::Transport(t) if t.kind == TransportErrorKind::EndOfFile => {
                return Bad::Short;
            }
            // A budget overrun is a count beyond what the bytes hold.
            thrift::Error::Protocol(p) if p.kind == ProtocolErrorKind::SizeLimit => {
                return Bad::Short;
            }
            thrift::Error::Transport(t) => &t.message,
            thrift::Error::Protocol(p) => &p.message,
            thrift::Error::Application(a) => &a.message,
        };
        Bad::Corrupt(if message.is_empty() {
            e.to_string()
        } else {
            message.clone()
        })
    }
}

/// Skips one Thrift value of type `kind` without building it: nothing is allocated per
/// list element, and a string is read only up to the bytes there are. polars-parquet-
/// format's own `skip` reads binary values as UTF-8 text, which footer statistics are not.
fn walk<P: TInputProtocol>(p: &mut P, kind: TType, depth: u8) -> thrift::Result<()> {
    if depth == 0 {
        return Err(thrift::Error::Protocol(ProtocolError {
            kind: ProtocolErrorKind::DepthLimit,
            message: "nesting too deep".into(),
        }));
    }
    let element = |p: &mut P, kind: TType| match kind {
        // In a collection a boolean is a byte of its own; polars' reader judges its value.
        TType::Bool => p.read_byte().map(drop),
        _ => walk(p, kind, depth - 1),
    };
    match kind {
        TType::String => p.read_bytes().map(drop),
        TType::Struct => {
            p.read_struct_begin()?;
            loop {
                let field = p.read_field_begin()?;
                if field.field_type == TType::Stop {
                    break;
                }
                walk(p, field.field_type, depth - 1)?;
                p.read_field_end()?;
            }
            p.read_struct_end()
        }
        TType::List | TType::Set => {
            let (kind, size) = if kind == TType::List {
                let l = p.read_list_begin()?;
                (l.element_type, l.size)
            } else {
                let s = p.read_set_begin()?;
                (s.element_type, s.size)
            };
            for _ in 0..size {
                element(p, kind)?;
            }
            Ok(())
        }
        TType::Map => {
            let m = p.read_map_begin()?;
            if let (Some(key), Some(value)) = (m.key_type, m.value_type) {
                for _ in 0..m.size {
                    element(p, key)?;
                    element(p, value)?;
                }
            }
            Ok(())
        }
        scalar => p.skip(scalar),
    }
}

/// Walks the footer's Thrift struct in `footer`.
fn walk_footer(footer: &[u8]) -> Result<(), Bad> {
    let budget = footer
        .len()
        .saturating_mul(BUDGET_PER_BYTE)
        .saturating_add(2);
    let mut bytes = footer;
    let mut p = TCompactInputProtocol::new(&mut bytes, budget);
    walk(&mut p, TType::Struct, MAX_DEPTH).map_err(Bad::from)
}

/// Walks the footer without building it: every count must fit in its bytes. Files too
/// short or without the `PAR1` trailer are left to polars' errors.
fn check_footer(file: &mut std::fs::File, file_len: u64) -> Result<(), String> {
    if file_len < 12 {
        return Ok(());
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(file_len - 8))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| e.to_string())?;
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if &tail[4..] != b"PAR1" || footer_len > file_len - 8 {
        return Ok(());
    }
    let mut footer = Vec::new();
    file.seek(SeekFrom::Start(file_len - 8 - footer_len))
        .and_then(|_| file.by_ref().take(footer_len).read_to_end(&mut footer))
        .map_err(|e| e.to_string())?;
    match walk_footer(&footer) {
        Ok(()) => Ok(()),
        Err(Bad::Short) => Err(
            "the footer (file metadata) ends early or declares more entries than it holds".into(),
        ),
        Err(Bad::Corrupt(why)) => Err(format!("the footer (file metadata) is not valid ({why})")),
    }
}

/// What one page header says, as far as the checks need.
#[derive(Debug, Default, PartialEq)]
struct Header {
    /// Bytes of the header itself.
    len: u64,
    compressed_size: i64,
    uncompressed_size: i64,
    /// Value counts of the data or dictionary page (v1 `num_values`, v2 `num_values`,
    /// `num_nulls`, `num_rows`).
    counts: Vec<(&'static str, i64)>,
}

/// Reads one page header at the start of `buf`, as polars reads it.
fn page_header(buf: &[u8]) -> Result<Header, Bad> {
    let mut bytes = buf;
    let mut p = TCompactInputProtocol::new(&mut bytes, MAX_HEADER as usize);
    let h = PageHeader::read_from_in_protocol(&mut p)?;
    drop(p);
    let mut counts = Vec::new();
    if let Some(d) = &h.data_page_header {
        counts.push(("num_values", i64::from(d.num_values)));
    }
    if let Some(d) = &h.dictionary_page_header {
        counts.push((DICTIONARY_VALUES, i64::from(d.num_values)));
    }
    if let Some(d) = &h.data_page_header_v2 {
        counts.push(("num_values", i64::from(d.num_values)));
        counts.push(("num_nulls", i64::from(d.num_nulls)));
        counts.push(("num_rows", i64::from(d.num_rows)));
    }
    Ok(Header {
        len: (buf.len() - bytes.len()) as u64,
        compressed_size: i64::from(h.compressed_page_size),
        uncompressed_size: i64::from(h.uncompressed_page_size),
        counts,
    })
}

/// Checks that the footer of the Parquet file `path` can be read, that every column
/// chunk it declares lies inside the file, and that every page header in them is sane:
/// polars slices the mapped file by these ranges without a bounds check (undefined
/// behaviour) and reserves memory by the counts (abort on a corrupt one), all found by
/// fuzzing. Only footer and page headers are read.
pub(crate) fn check(path: &Path) -> Result<(), DataError> {
    let corrupt = |why: String| {
        DataError::new(
            path,
            None,
            format!("{why}: the file is corrupt; write it again"),
        )
    };
    let fail = |e: PolarsError| DataError::of(path, None, polars_text::describe("Parquet", &e));
    let open = || {
        std::fs::File::open(path)
            .map_err(|e| DataError::new(path, None, format!("cannot open the file: {e}")))
    };
    let mut file = open()?;
    let len = file
        .metadata()
        .map_err(|e| DataError::new(path, None, format!("cannot read the file: {e}")))?
        .len();
    check_footer(&mut file, len).map_err(corrupt)?;
    let mut reader = ParquetReader::new(file);
    let metadata = reader.get_metadata().map_err(fail)?.clone();
    for (i, group) in metadata.row_groups.iter().enumerate() {
        let ranges = std::iter::once(group.full_byte_range()).chain(group.byte_ranges_iter());
        for r in ranges {
            if r.start > r.end || r.end > len {
                return Err(DataError::new(
                    path,
                    None,
                    format!(
                        "row group {} claims bytes {}..{} of a {len}-byte file: the file is truncated or corrupt; write it again",
                        i + 1,
                        r.start,
                        r.end
                    ),
                ));
            }
        }
    }
    check_pages(&mut open()?, len, &metadata).map_err(corrupt)
}

/// Checks every page header of every column chunk; `Err` is one sentence.
fn check_pages(
    file: &mut std::fs::File,
    file_len: u64,
    metadata: &polars::io::parquet::read::FileMetadata,
) -> Result<(), String> {
    let mut window = Vec::new();
    for (g, group) in metadata.row_groups.iter().enumerate() {
        let rows = group.num_rows() as u64;
        for column in group.parquet_columns() {
            let flat = column.descriptor().descriptor.max_rep_level == 0;
            let name = column.descriptor().path_in_schema.join(".");
            let where_ = |pos: u64| format!("column `{name}`, row group {}, byte {pos}", g + 1);
            let Range { start, end } = column.byte_range();
            if end > file_len {
                return Err(format!(
                    "{} claims bytes up to {end} of a {file_len}-byte file",
                    where_(start)
                ));
            }
            let mut pos = start;
            while pos < end {
                let header = read_header(file, pos, end, &mut window)
                    .map_err(|why| format!("{}: not a page header ({why})", where_(pos)))?;
                let page_end = i64::try_from(pos + header.len)
                    .ok()
                    .and_then(|p| p.checked_add(header.compressed_size));
                if header.compressed_size < 0
                    || header.uncompressed_size < 0
                    || page_end.is_none_or(|e| e as u64 > end)
                {
                    return Err(format!(
                        "{}: a page of {} bytes does not fit its column chunk",
                        where_(pos),
                        header.compressed_size
                    ));
                }
                for &(what, v) in &header.counts {
                    // A data page of a flat column holds at most its row group's rows; a
                    // dictionary entry takes at least one byte of the page.
                    let limit = if what == DICTIONARY_VALUES {
                        header.uncompressed_size as u64
                    } else if flat {
                        rows
                    } else {
                        u64::MAX
                    };
                    if v < 0 || v as u64 > limit {
                        return Err(format!(
                            "{}: a page claims {v} {what} in a row group of {rows} rows",
                            where_(pos)
                        ));
                    }
                }
                pos = page_end.map_or(end, |e| e as u64);
            }
        }
    }
    Ok(())
}

/// Reads the page header at `pos` (not past `end`), growing the window as needed.
fn read_header(
    file: &mut std::fs::File,
    pos: u64,
    end: u64,
    window: &mut Vec<u8>,
) -> Result<Header, String> {
    let mut size = FIRST_WINDOW;
    loop {
        let want = size.min(end - pos);
        window.clear();
        file.seek(SeekFrom::Start(pos))
            .and_then(|_| file.by_ref().take(want).read_to_end(window))
            .map_err(|e| e.to_string())?;
        match page_header(window) {
            Ok(h) => return Ok(h),
            Err(Bad::Short) if want < end - pos && size < MAX_HEADER => size *= 16,
            Err(Bad::Short) => return Err("it runs past the column chunk".into()),
            Err(Bad::Corrupt(why)) => return Err(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thrift compact-protocol zigzag varint.
    fn zz(v: i64) -> Vec<u8> {
        let mut u = ((v << 1) ^ (v >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            let b = (u & 0x7f) as u8;
            u >>= 7;
            if u == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    /// A compact-protocol page header: type, sizes, a data page header with `num_values`.
    fn header(num_values: i64, compressed: i64) -> Vec<u8> {
        let mut h = vec![0x15];
        h.extend(zz(0)); // 1: type = DATA_PAGE
        h.push(0x15);
        h.extend(zz(compressed)); // 2: uncompressed_page_size
        h.push(0x15);
        h.extend(zz(compressed)); // 3: compressed_page_size
        h.push(0x2c); // 5: data_page_header (delta 2, struct)
        h.push(0x15);
        h.extend(zz(num_values)); // 1: num_values
        for _ in 0..3 {
            h.push(0x15); // 2, 3, 4: the value and level encodings
            h.extend(zz(0));
        }
        h.push(0x00); // end of data_page_header
        h.push(0x00); // end of page header
        h
    }

    #[test]
    fn reads_sizes_and_counts() {
        let h = page_header(&header(6, 54)).unwrap();
        assert_eq!(h.compressed_size, 54);
        assert_eq!(h.counts, [("num_values", 6)]);
        assert_eq!(h.len as usize, header(6, 54).len());
        let h = page_header(&header(-3, 10)).unwrap();
        assert_eq!(h.counts, [("num_values", -3)]);
    }

    #[test]
    fn truncated_and_garbage_headers_are_told_apart() {
        let full = header(6, 54);
        assert_eq!(page_header(&full[..full.len() - 1]), Err(Bad::Short));
        assert_eq!(page_header(&[0x15]), Err(Bad::Short));
        assert!(matches!(page_header(&[0x1e, 0]), Err(Bad::Corrupt(_))));
        // A map of 2^62 booleans is refused at once, not looped over.
        let map = [
            0x1b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x11, 0x00,
        ];
        assert!(page_header(&map).is_err());
        // A deep nest of structs is refused, not recursed into.
        let deep = [0x1c; 64];
        assert!(page_header(&deep).is_err());
    }

    #[test]
    fn footer_counts_must_fit_its_bytes() {
        // { 1: [i32; 3] = [1, 2, 3] }: fine.
        let ok = [0x19, 0x35, 0x02, 0x04, 0x06, 0x00];
        assert_eq!(walk_footer(&ok), Ok(()));
        // The same list claiming 2^31 elements ends early, without allocating for them.
        let big = [0x19, 0xf5, 0x80, 0x80, 0x80, 0x80, 0x08, 0x02, 0x00];
        assert_eq!(walk_footer(&big), Err(Bad::Short));
        // Binary values (statistics) need not be UTF-8.
        let binary = [0x18, 0x02, 0xff, 0xfe, 0x00];
        assert_eq!(walk_footer(&binary), Ok(()));
        // Booleans in a list take a byte each.
        let bools = [0x19, 0x21, 0x01, 0x02, 0x00];
        assert_eq!(walk_footer(&bools), Ok(()));
        let deep = [0x1c; 64];
        assert!(walk_footer(&deep).is_err());
    }
}
