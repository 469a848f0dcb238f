//! Checking a Parquet file's footer and page headers before polars decodes them.
//!
//! polars trusts the counts in both: a corrupt list length in the footer, or a negative
//! value count in a page header, becomes a huge allocation that aborts the process (both
//! found by fuzzing), which no `catch_unwind` can catch. So they are walked here first
//! with a minimal Thrift compact-protocol reader: every list in the footer must fit in
//! the footer's bytes; page sizes and counts must not be negative, pages must lie inside
//! their column chunk, and a flat column's page holds no more values than its row group
//! has rows (pyarrow's checks). Only footer and headers are read, not the page data.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::ops::Range;

/// Thrift compact-protocol type codes.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

/// Nesting no footer or page header needs; deeper input is corrupt (and must not
/// recurse far).
const MAX_DEPTH: u32 = 32;

/// A page header is read from a window this large first, then from a larger one.
const FIRST_WINDOW: u64 = 4 << 10;
/// Page headers larger than this (statistics included) are treated as corrupt.
const MAX_HEADER: u64 = 16 << 20;

/// The count name of a dictionary page's entries.
const DICTIONARY_VALUES: &str = "dictionary entries";

/// What one page header says, as far as the checks need.
#[derive(Debug, Default, PartialEq)]
struct PageHeader {
    /// Bytes of the header itself.
    len: u64,
    compressed_size: i64,
    uncompressed_size: i64,
    /// Value counts of the data or dictionary page (v1 `num_values`, v2 `num_values`,
    /// `num_nulls`, `num_rows`).
    counts: Vec<(&'static str, i64)>,
}

/// Why a header could not be read.
#[derive(Debug, PartialEq)]
enum Bad {
    /// The window ended inside the header: read more.
    Short,
    /// The bytes are not a page header.
    Corrupt(&'static str),
}

struct Compact<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Compact<'_> {
    fn byte(&mut self) -> Result<u8, Bad> {
        let b = *self.buf.get(self.pos).ok_or(Bad::Short)?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, Bad> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Bad::Corrupt("a varint longer than 10 bytes"))
    }

    fn zigzag(&mut self) -> Result<i64, Bad> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip_bytes(&mut self, n: u64) -> Result<(), Bad> {
        let end = (self.pos as u64).checked_add(n).ok_or(Bad::Short)?;
        if end > self.buf.len() as u64 {
            return Err(Bad::Short);
        }
        self.pos = end as usize;
        Ok(())
    }

    /// Every collection element takes at least a byte: a count beyond the bytes left is
    /// corrupt or truncated, whatever the element type (no loop over a bogus count).
    fn enough_for(&self, elements: u64) -> Result<(), Bad> {
        if elements > (self.buf.len() - self.pos) as u64 {
            return Err(Bad::Short);
        }
        Ok(())
    }

    /// Skips one element of a list, set or map, where a boolean takes a byte of its own.
    fn skip_element(&mut self, kind: u8, depth: u32) -> Result<(), Bad> {
        match kind {
            BOOL_TRUE | BOOL_FALSE => self.skip_bytes(1),
            _ => self.skip(kind, depth),
        }
    }

    /// Skips one value of compact type `kind`.
    fn skip(&mut self, kind: u8, depth: u32) -> Result<(), Bad> {
        if depth > MAX_DEPTH {
            return Err(Bad::Corrupt("nesting too deep"));
        }
        match kind {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            BYTE => self.skip_bytes(1),
            I16 | I32 | I64 => self.varint().map(|_| ()),
            DOUBLE => self.skip_bytes(8),
            UUID => self.skip_bytes(16),
            BINARY => {
                let n = self.varint()?;
                self.skip_bytes(n)
            }
            LIST | SET => {
                let head = self.byte()?;
                let n = match head >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                self.enough_for(n)?;
                for _ in 0..n {
                    self.skip_element(head & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            MAP => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let types = self.byte()?;
                self.enough_for(n)?;
                for _ in 0..n {
                    self.skip_element(types >> 4, depth + 1)?;
                    self.skip_element(types & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => self.fields(depth + 1, |c, _, kind| c.skip(kind, depth + 1)),
            _ => Err(Bad::Corrupt("an unknown Thrift type")),
        }
    }

    /// Reads a struct's fields up to its stop byte, handing each (id, type) to `field`,
    /// which must consume the value.
    fn fields(
        &mut self,
        depth: u32,
        mut field: impl FnMut(&mut Self, i16, u8) -> Result<(), Bad>,
    ) -> Result<(), Bad> {
        let mut id: i16 = 0;
        loop {
            let head = self.byte()?;
            if head == 0 {
                return Ok(());
            }
            let kind = head & 0x0f;
            id = match head >> 4 {
                0 => i16::try_from(self.zigzag()?)
                    .map_err(|_| Bad::Corrupt("a field id out of range"))?,
                delta => id.wrapping_add(i16::from(delta)),
            };
            if depth > MAX_DEPTH {
                return Err(Bad::Corrupt("nesting too deep"));
            }
            field(self, id, kind)?;
        }
    }

    fn int(&mut self, kind: u8) -> Result<i64, Bad> {
        match kind {
            I16 | I32 | I64 => self.zigzag(),
            _ => Err(Bad::Corrupt("a count that is not an integer")),
        }
    }
}

/// Parses one page header at the start of `buf`.
fn page_header(buf: &[u8]) -> Result<PageHeader, Bad> {
    let mut c = Compact { buf, pos: 0 };
    let mut h = PageHeader::default();
    c.fields(0, |c, id, kind| match id {
        2 => c.int(kind).map(|v| h.uncompressed_size = v),
        3 => c.int(kind).map(|v| h.compressed_size = v),
        // data_page_header, dictionary_page_header, data_page_header_v2
        5 | 7 | 8 if kind == STRUCT => c.fields(1, |c, sub, kind| {
            let name = match (id, sub) {
                (5 | 8, 1) => "num_values",
                (7, 1) => DICTIONARY_VALUES,
                (8, 2) => "num_nulls",
                (8, 3) => "num_rows",
                _ => return c.skip(kind, 2),
            };
            let v = c.int(kind)?;
            h.counts.push((name, v));
            Ok(())
        }),
        _ => c.skip(kind, 1),
    })?;
    h.len = c.pos as u64;
    Ok(h)
}

/// Walks the footer's Thrift struct without building it: every count must fit in the
/// bytes left. Files too short or without the `PAR1` trailer are left to polars' errors.
pub(crate) fn check_footer(file: &mut std::fs::File, file_len: u64) -> Result<(), String> {
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
    let mut c = Compact {
        buf: &footer,
        pos: 0,
    };
    match c.skip(STRUCT, 0) {
        Ok(()) => Ok(()),
        Err(Bad::Short) => Err(
            "the footer (file metadata) ends early or declares more entries than it holds".into(),
        ),
        Err(Bad::Corrupt(why)) => Err(format!("the footer (file metadata) is not valid ({why})")),
    }
}

/// Checks every page header of every column chunk; `Err` is one sentence.
pub(crate) fn check(
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
) -> Result<PageHeader, String> {
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
            Err(Bad::Corrupt(why)) => return Err(why.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact-protocol page header: type, sizes, a data page header with `num_values`.
    fn header(num_values: i64, compressed: i64) -> Vec<u8> {
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
        let mut h = vec![0x15];
        h.extend(zz(0)); // 1: type = DATA_PAGE
        h.push(0x15);
        h.extend(zz(compressed)); // 2: uncompressed_page_size
        h.push(0x15);
        h.extend(zz(compressed)); // 3: compressed_page_size
        h.push(0x2c); // 5: data_page_header (delta 2, struct)
        h.push(0x15);
        h.extend(zz(num_values)); // 1: num_values
        h.push(0x15);
        h.extend(zz(0)); // 2: encoding
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
        // A map of 2^62 booleans would take as many bytes: refused at once, not looped over.
        let map = [
            0x1b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x11, 0x00,
        ];
        assert_eq!(page_header(&map), Err(Bad::Short));
        // A deep nest of structs is refused, not recursed into.
        let deep = [0x1c; 64];
        assert!(matches!(
            page_header(&deep),
            Err(Bad::Corrupt(_)) | Err(Bad::Short)
        ));
    }
}
