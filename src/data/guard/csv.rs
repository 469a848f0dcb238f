//! Byte-level checks that polars does not make, so that malformed files fail with the
//! line and the fix instead of being read wrongly.
//!
//! polars' CSV reader skips field-count checks when it projects columns (a row with an
//! extra `,` would shift nothing we read yet hide a broken file), turns blank lines into
//! rows of nulls and reports bad UTF-8 without a position. [`CsvShape`] streams over the
//! bytes once, on the thread that hashes the file, with constant memory.

use std::fmt::Write as _;
use std::io::{BufRead as _, Read as _};
use std::path::Path;

use super::{Cause, DataError, examples};

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

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Offending lines kept as examples; the rest are only counted.
const SHOWN: usize = 5;

/// What a finished CSV scan found.
#[derive(Debug, Default)]
pub(crate) struct CsvReport {
    /// Data records after the header, blank ones included (as polars counts them).
    pub records: usize,
    /// Blank records at the very end of the file: ignored, not rows.
    pub trailing_blank: usize,
    /// The first line holding a `"` inside an unquoted field, for a hint should polars fail.
    pub stray_quote_line: Option<u64>,
    /// The first problem that makes the file unreadable, as one sentence.
    pub problem: Option<String>,
}

/// Streaming CSV record-shape and encoding check, fed the file chunk by chunk.
pub(crate) struct CsvShape {
    /// The first bytes of the file, held until a byte-order mark can be recognised.
    head: [u8; 3],
    head_len: usize,
    /// Current physical line, 1-based.
    line: u64,
    /// Line on which the current record started.
    record_line: u64,
    /// Separators seen in the current record.
    separators: u64,
    /// True when the current record has a byte other than a final `\r`.
    record_has_content: bool,
    at_field_start: bool,
    /// The current field started with a quote.
    quoted_field: bool,
    in_quotes: bool,
    /// The previous byte was a `\r` outside quotes.
    pending_cr: bool,
    /// UTF-8 continuation bytes still expected, the allowed range of the next one, and
    /// the sequence's first byte (the one to show when the sequence breaks).
    utf8_need: u8,
    utf8_lead: u8,
    utf8_lo: u8,
    utf8_hi: u8,
    header_fields: Option<u64>,
    records: usize,
    /// Blank records not yet followed by a non-blank one: (first line, count).
    blank_run: Option<(u64, usize)>,
    /// Lines whose field count differs from the header's (first few), and the total.
    ragged: Vec<(u64, u64)>,
    ragged_total: usize,
    stray_quote_line: Option<u64>,
    problem: Option<String>,
}

impl CsvShape {
    pub fn new() -> Self {
        CsvShape {
            head: [0; 3],
            head_len: 0,
            line: 1,
            record_line: 1,
            separators: 0,
            record_has_content: false,
            at_field_start: true,
            quoted_field: false,
            in_quotes: false,
            pending_cr: false,
            utf8_need: 0,
            utf8_lead: 0,
            utf8_lo: 0x80,
            utf8_hi: 0xBF,
            header_fields: None,
            records: 0,
            blank_run: None,
            ragged: Vec::new(),
            ragged_total: 0,
            stray_quote_line: None,
            problem: None,
        }
    }

    /// Feeds the next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut bytes = chunk;
        if self.head_len < 3 {
            // Hold the first three bytes until a byte-order mark can be recognised.
            let take = bytes.len().min(3 - self.head_len);
            self.head[self.head_len..self.head_len + take].copy_from_slice(&bytes[..take]);
            self.head_len += take;
            bytes = &bytes[take..];
            if self.head_len < 3 {
                return;
            }
            self.start();
        }
        self.run(bytes);
    }

    /// Checks the first bytes for a byte-order mark and scans them.
    fn start(&mut self) {
        let head = self.head;
        let head = &head[..self.head_len];
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            self.problem = Some(
                "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
                    .into(),
            );
        } else if head != UTF8_BOM {
            // polars skips a UTF-8 byte-order mark before the header, and so do we.
            self.run(head);
        }
    }

    fn run(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.problem.is_some() {
                return;
            }
            self.byte(b);
        }
    }

    fn fail(&mut self, message: String) {
        self.problem = Some(message);
    }

    fn byte(&mut self, b: u8) {
        if !self.utf8(b) {
            let shown = if self.utf8_need > 0 {
                self.utf8_lead
            } else {
                b
            };
            let message = format!(
                "line {} is not valid UTF-8 (byte 0x{shown:02X}); the file is probably Latin-1 or Windows-1252: save it as UTF-8",
                self.line
            );
            return self.fail(message);
        }
        if b == 0 {
            let message = format!(
                "line {} holds a NUL byte; the file is binary or UTF-16, not UTF-8 text: save it as UTF-8 CSV",
                self.line
            );
            return self.fail(message);
        }
        if self.in_quotes {
            // polars toggles on every quote inside a quoted field: `""` is an escaped quote.
            match b {
                b'"' => self.in_quotes = false,
                b'\n' => self.line += 1,
                _ => {}
            }
            return;
        }
        if self.pending_cr {
            self.pending_cr = false;
            if b != b'\n' {
                let message = format!(
                    "line {} ends with a bare carriage return (\\r) not followed by \\n; save the file with \\n or \\r\\n line endings",
                    self.line
                );
                return self.fail(message);
            }
        }
        match b {
            b'\n' => {
                self.end_record();
                self.line += 1;
                self.record_line = self.line;
                return;
            }
            b'\r' => {
                self.pending_cr = true;
                return;
            }
            b',' => {
                self.separators += 1;
                self.at_field_start = true;
                self.quoted_field = false;
            }
            b'"' => {
                if self.at_field_start || self.quoted_field {
                    self.in_quotes = true;
                    self.quoted_field = true;
                } else if self.stray_quote_line.is_none() {
                    self.stray_quote_line = Some(self.line);
                }
                self.at_field_start = false;
            }
            _ => self.at_field_start = false,
        }
        self.record_has_content = true;
    }

    /// Incremental UTF-8 validation (RFC 3629: no overlongs, surrogates or code points
    /// above U+10FFFF); false on the first byte that cannot continue a valid sequence.
    fn utf8(&mut self, b: u8) -> bool {
        if self.utf8_need > 0 {
            if b < self.utf8_lo || b > self.utf8_hi {
                return false;
            }
            self.utf8_need -= 1;
            self.utf8_lo = 0x80;
            self.utf8_hi = 0xBF;
            return true;
        }
        let (need, lo, hi) = match b {
            0x00..=0x7F => return true,
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return false,
        };
        self.utf8_need = need;
        self.utf8_lead = b;
        self.utf8_lo = lo;
        self.utf8_hi = hi;
        true
    }

    fn end_record(&mut self) {
        let fields = self.separators + 1;
        let blank = !self.record_has_content;
        match self.header_fields {
            None => {
                if blank {
                    let message = format!(
                        "line {} is blank, but the header (the column names) must be the first line",
                        self.record_line
                    );
                    self.fail(message);
                }
                self.header_fields = Some(fields);
            }
            Some(header) => {
                self.records += 1;
                if blank {
                    // A blank line is a row of nulls to polars; at the end of the file it is
                    // only a trailing newline, so wait to see whether data follows.
                    let run = self.blank_run.get_or_insert((self.record_line, 0));
                    run.1 += 1;
                } else {
                    if let Some((first, count)) = self.blank_run.take()
                        && header > 1
                    {
                        for k in 0..count as u64 {
                            self.note_ragged(first + k, 0);
                        }
                    }
                    if fields != header {
                        self.note_ragged(self.record_line, fields);
                    }
                }
            }
        }
        self.separators = 0;
        self.record_has_content = false;
        self.at_field_start = true;
        self.quoted_field = false;
    }

    /// Records a line whose field count (0 = blank) is not the header's.
    fn note_ragged(&mut self, line: u64, fields: u64) {
        if self.ragged.len() < SHOWN {
            self.ragged.push((line, fields));
        }
        self.ragged_total += 1;
    }

    /// Ends the scan: what the file holds, or the first reason it cannot be read.
    pub fn finish(mut self) -> CsvReport {
        if self.head_len < 3 {
            self.start();
        }
        if self.problem.is_none() {
            if self.in_quotes {
                let message = format!(
                    "the quote opened on line {} is never closed; close it, and write a `\"` inside a quoted value as `\"\"`",
                    self.record_line
                );
                self.fail(message);
            } else if self.utf8_need > 0 {
                let message = format!(
                    "line {} ends inside a UTF-8 character: the file is truncated or not UTF-8",
                    self.line
                );
                self.fail(message);
            } else if self.record_has_content || self.separators > 0 {
                // The last record has no final newline.
                self.end_record();
            }
        }
        if self.problem.is_none() && self.ragged_total > 0 {
            let header = self.header_fields.unwrap_or(0);
            let (line, fields) = self.ragged[0];
            let first = if fields == 0 {
                format!("line {line} is blank")
            } else {
                let s = if fields == 1 { "" } else { "s" };
                format!("line {line} has {fields} field{s} but the header has {header}")
            };
            let lines: Vec<u64> = self.ragged.iter().map(|r| r.0).collect();
            let mut message = first;
            if self.ragged_total > 1 {
                let _ = write!(message, " (lines {})", examples(&lines, self.ragged_total));
            }
            let blank = self.ragged.iter().any(|r| r.1 == 0);
            let short_or_long = self.ragged.iter().any(|r| r.1 != 0);
            message.push_str("; every row needs one value per column");
            if short_or_long {
                message.push_str(": quote values that contain `,`");
            }
            if blank {
                message.push_str(if short_or_long {
                    ", and remove blank lines"
                } else {
                    ": remove blank lines"
                });
            }
            self.problem = Some(message);
        }
        let trailing_blank = self.blank_run.map(|(_, n)| n).unwrap_or(0);
        CsvReport {
            records: self.records,
            trailing_blank,
            stray_quote_line: self.stray_quote_line,
            problem: self.problem,
        }
    }
}

/// After polars failed on an NDJSON file: the first line that is not a JSON object, or
/// whose wanted column has a different JSON type than on the first line, as a sentence.
/// `None` when every line looks fine (polars' own message then stands).
pub(crate) fn ndjson_problem(path: &Path, wanted: &[&str]) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    // The JSON type of each wanted column on the first line that has it.
    let mut first_kind: Vec<Option<(&'static str, u64)>> = vec![None; wanted.len()];
    let mut line = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(_) => line += 1,
        }
        if line == 1 && buf.starts_with(UTF8_BOM) {
            return Some(
                "the file starts with a UTF-8 byte-order mark, which JSON does not allow; save it as UTF-8 without BOM".into(),
            );
        }
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_slice(text) {
            Ok(v) => v,
            Err(e) => {
                return Some(format!(
                    "line {line} is not valid JSON ({}); each line must be one JSON object",
                    strip_position(&e.to_string())
                ));
            }
        };
        let Some(object) = value.as_object() else {
            return Some(format!(
                "line {line} is {} in JSON, not an object; each line must be one object like {{\"label\": 1, \"score\": 0.7}}",
                kind(&value)
            ));
        };
        for (i, name) in wanted.iter().enumerate() {
            let Some(v) = object.get(*name) else { continue };
            if v.is_null() {
                continue;
            }
            let k = kind(v);
            match first_kind[i] {
                None => first_kind[i] = Some((k, line)),
                Some((k0, line0)) if k0 != k => {
                    return Some(format!(
                        "`{name}` is {k0} on line {line0} but {k} on line {line}; give the column one type on every line"
                    ));
                }
                Some(_) => {}
            }
        }
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// serde_json appends `at line 1 column 7`; within one line only the column matters.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => {
            let column = message[at..]
                .split_once(" column ")
                .map(|(_, c)| format!(" at column {c}"))
                .unwrap_or_default();
            format!("{}{column}", &message[..at])
        }
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8], chunk: usize) -> CsvReport {
        let mut shape = CsvShape::new();
        for c in bytes.chunks(chunk.max(1)) {
            shape.feed(c);
        }
        shape.finish()
    }

    /// Every check must give the same answer whatever the chunk boundaries.
    fn problem(bytes: &[u8]) -> Option<String> {
        let whole = scan(bytes, bytes.len().max(1)).problem;
        for chunk in [1, 2, 3, 7] {
            assert_eq!(scan(bytes, chunk).problem, whole, "chunk {chunk}");
        }
        whole
    }

    #[test]
    fn well_formed_files_pass() {
        for ok in [
            &b"a,b\n1,2\n3,4\n"[..],
            b"a,b\r\n1,2\r\n3,4\r\n",
            b"a,b\r\n1,2\n3,4",
            b"\xEF\xBB\xBFa,b\n1,2\n",
            b"a,b\n\"x,\ny\",2\n\"say \"\"hi\"\"\",3\n",
            b"a,b\n1,\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n",
            b"a\n1\n\n2\n",
        ] {
            assert_eq!(problem(ok), None, "{}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn counts_records_and_trailing_blank_lines() {
        let r = scan(b"a,b\n1,2\n3,4\n\n\r\n", 3);
        assert_eq!((r.records, r.trailing_blank, r.problem), (4, 2, None));
        let r = scan(b"a,b\n1,2\n3,4", 64);
        assert_eq!((r.records, r.trailing_blank), (2, 0));
    }

    #[test]
    fn ragged_and_blank_lines_name_the_line() {
        let p = problem(b"a,b,c\n1,2,3\n1,2,3,4\n1,2\n").unwrap();
        assert!(
            p.starts_with("line 3 has 4 fields but the header has 3 (lines 3, 4)"),
            "{p}"
        );
        let p = problem(b"a,b\n1,2\n\n3,4\n").unwrap();
        assert!(p.starts_with("line 3 is blank"), "{p}");
        let p = problem(b"\na,b\n1,2\n").unwrap();
        assert!(p.contains("line 1 is blank"), "{p}");
    }

    #[test]
    fn encoding_problems_name_the_line() {
        let p = problem(b"a,b\n1,2\n3,M\xE9xico\n").unwrap();
        assert!(
            p.starts_with("line 3 is not valid UTF-8 (byte 0xE9)"),
            "{p}"
        );
        assert!(p.contains("Latin-1"), "{p}");
        assert!(problem(b"\xFF\xFEa\x00,\x00").unwrap().contains("UTF-16"));
        assert!(
            problem(b"a,b\n1,\x002\n")
                .unwrap()
                .starts_with("line 2 holds a NUL byte")
        );
        // Overlong encodings and surrogates are not UTF-8.
        assert!(problem(b"a,b\n1,\xC0\xAF\n").is_some());
        assert!(problem(b"a,b\n1,\xED\xA0\x80\n").is_some());
        assert!(
            problem(b"a,b\n1,\xE2\x82")
                .unwrap()
                .contains("ends inside a UTF-8 character")
        );
    }

    #[test]
    fn line_endings_and_quotes() {
        let p = problem(b"a,b\r1,2\r3,4\r").unwrap();
        assert!(
            p.starts_with("line 1 ends with a bare carriage return"),
            "{p}"
        );
        let p = problem(b"a,b\n1,\"open\n2,3\n").unwrap();
        assert!(
            p.starts_with("the quote opened on line 2 is never closed"),
            "{p}"
        );
        let r = scan(b"a,b\n1,x\"y\n", 64);
        assert_eq!((r.problem, r.stray_quote_line), (None, Some(2)));
        // A quoted newline does not end the record but does count as a line.
        let p = problem(b"a,b\n\"x\ny\",2\n1,2,3\n").unwrap();
        assert!(p.starts_with("line 4 has 3 fields"), "{p}");
    }

    #[test]
    fn json_messages_lose_the_line_one_position() {
        assert_eq!(
            strip_position("EOF while parsing an object at line 1 column 32"),
            "EOF while parsing an object at column 32"
        );
        assert_eq!(strip_position("no position"), "no position");
    }
}
