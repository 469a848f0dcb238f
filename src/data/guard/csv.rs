//! The CSV shape check (gap 4 of [`super`]), so that a malformed CSV fails with the line
//! and the fix instead of being read wrongly.
//!
//! polars' CSV reader (0.55.2) skips field-count checks when it projects columns (a row
//! with an extra `,` would shift nothing we read yet hide a broken file), turns blank
//! lines into rows of nulls, takes a bare `\r` for part of a value and reports bad UTF-8
//! without a position. [`CsvShape`] streams over the bytes once, on the thread that
//! hashes the file, in constant memory: `csv-core` finds the record and field
//! boundaries (RFC 4180 quoting, `""` inside quotes) of every line that holds a quote or
//! a `\r` (a line without either is one field per comma, counted with memchr), the
//! standard library validates UTF-8, and what is left here is bookkeeping of lines,
//! counts and messages.
//!
//! Where `csv-core` and polars could split a record differently, the file is refused: a
//! `"` after the closing quote of a quoted value (`"ab"c"d`) reopens the quote for
//! polars, which toggles on every quote, but not for `csv-core`.

use std::fmt::Write as _;

use csv_core::{ReadFieldResult, Reader, ReaderBuilder, Terminator};

use crate::data::examples;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Offending lines kept as examples; the rest are only counted.
const SHOWN: usize = 5;

/// Bytes of a field looked at a time (a longer field is looked at in pieces).
const FIELD_BUFFER: usize = 16 << 10;

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

/// A byte-level problem found before the CSV parser sees the byte.
enum Raw {
    /// Invalid UTF-8; the first byte of the broken sequence.
    Utf8(u8),
    Nul,
}

/// The field being read.
#[derive(Default)]
struct Field {
    /// Its first byte has been seen.
    started: bool,
    /// It starts with a quote.
    quoted: bool,
    /// Line it starts on.
    line: u64,
    /// Quote bytes in its raw text (odd: a quote is open, as polars counts).
    quotes: u64,
    /// Bytes of its value so far.
    len: u64,
    /// The last byte of its value so far is `\r`.
    last_cr: bool,
    /// Its raw text so far ends with a `\r` outside quotes.
    pending_cr: bool,
}

/// Streaming CSV record-shape and encoding check, fed the file chunk by chunk.
pub(crate) struct CsvShape {
    /// The first bytes of the file, held until a byte-order mark can be recognised.
    head: [u8; 3],
    head_len: usize,
    /// Record and field boundaries of lines with quotes or `\r`.
    csv: Reader,
    /// The current field's value, a piece at a time.
    value: Vec<u8>,
    /// Current physical line, 1-based.
    line: u64,
    /// Line on which the current record started.
    record_line: u64,
    /// No byte of the current record has been seen yet.
    at_record_start: bool,
    /// Fields ended in the current record.
    fields: u64,
    field: Field,
    /// The start of a UTF-8 character whose remaining bytes are in the next chunk.
    utf8_carry: [u8; 4],
    utf8_carry_len: usize,
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
    /// A check at the start of a file.
    pub fn new() -> Self {
        CsvShape {
            head: [0; 3],
            head_len: 0,
            // Only `\n` ends a record, as for polars: a `\r` before it is checked here.
            csv: ReaderBuilder::new()
                .delimiter(b',')
                .quote(b'"')
                .double_quote(true)
                .terminator(Terminator::Any(b'\n'))
                .build(),
            value: vec![0; FIELD_BUFFER],
            line: 1,
            record_line: 1,
            at_record_start: true,
            fields: 0,
            field: Field::default(),
            utf8_carry: [0; 4],
            utf8_carry_len: 0,
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

    /// Scans bytes: those before the first invalid UTF-8 or NUL byte go to the parser,
    /// so that of two problems the one earlier in the file is reported.
    fn run(&mut self, bytes: &[u8]) {
        if self.problem.is_some() {
            return;
        }
        let (good, raw) = self.raw_check(bytes);
        self.parse(&bytes[..good]);
        if self.problem.is_some() {
            return;
        }
        self.problem = match raw {
            None => None,
            Some(Raw::Utf8(shown)) => Some(format!(
                "line {} is not valid UTF-8 (byte 0x{shown:02X}); the file is probably Latin-1 or Windows-1252: save it as UTF-8",
                self.line
            )),
            Some(Raw::Nul) => Some(format!(
                "line {} holds a NUL byte; the file is binary or UTF-16, not UTF-8 text: save it as UTF-8 CSV",
                self.line
            )),
        };
    }

    /// The length of the valid prefix of `bytes`, and what ends it.
    fn raw_check(&mut self, bytes: &[u8]) -> (usize, Option<Raw>) {
        let nul = memchr::memchr(0, bytes);
        let end = nul.unwrap_or(bytes.len());
        if let Some((at, shown)) = self.utf8(&bytes[..end]) {
            return (at, Some(Raw::Utf8(shown)));
        }
        match nul {
            // A NUL cannot continue a character.
            Some(at) if self.utf8_carry_len > 0 => (at, Some(Raw::Utf8(self.utf8_carry[0]))),
            Some(at) => (at, Some(Raw::Nul)),
            None => (bytes.len(), None),
        }
    }

    /// Validates UTF-8 across chunks (with the standard library's validator): the offset
    /// of the first byte that cannot continue valid UTF-8, with the first byte of its
    /// sequence (the one to show), or `None`.
    fn utf8(&mut self, bytes: &[u8]) -> Option<(usize, u8)> {
        let mut i = 0;
        // First complete a character begun in the previous chunk.
        while self.utf8_carry_len > 0 && i < bytes.len() {
            self.utf8_carry[self.utf8_carry_len] = bytes[i];
            self.utf8_carry_len += 1;
            i += 1;
            match std::str::from_utf8(&self.utf8_carry[..self.utf8_carry_len]) {
                Ok(_) => self.utf8_carry_len = 0,
                Err(e) if e.error_len().is_some() => return Some((i - 1, self.utf8_carry[0])),
                Err(_) => {}
            }
        }
        let Err(e) = std::str::from_utf8(&bytes[i..]) else {
            return None;
        };
        let at = i + e.valid_up_to();
        let lead = bytes[at];
        match e.error_len() {
            None => {
                self.utf8_carry[..bytes.len() - at].copy_from_slice(&bytes[at..]);
                self.utf8_carry_len = bytes.len() - at;
                None
            }
            // A valid first byte fails at the byte that cannot continue it.
            Some(n) if (0xC2..=0xF4).contains(&lead) => Some((at + n, lead)),
            Some(_) => Some((at, lead)),
        }
    }

    /// Hands `input` to `csv-core`, field by field.
    fn parse(&mut self, mut input: &[u8]) {
        // An empty input means the end of the file to csv-core: never pass one here.
        while !input.is_empty() && self.problem.is_none() {
            if self.at_record_start {
                // csv-core skips blank lines; to polars they are rows of nulls.
                if input[0] == b'\n' {
                    self.record_line = self.line;
                    self.line += 1;
                    self.end_record(1, true);
                    input = &input[1..];
                    continue;
                }
                self.record_line = self.line;
                // A whole line without quotes or `\r` is one field per comma: csv-core,
                // left at the record start, is needed only for the others.
                if let Some(end) = memchr::memchr(b'\n', input)
                    && memchr::memchr2(b'"', b'\r', &input[..end]).is_none()
                {
                    let fields = 1 + memchr::memchr_iter(b',', &input[..end]).count() as u64;
                    self.line += 1;
                    self.end_record(fields, false);
                    input = &input[end + 1..];
                    continue;
                }
                self.at_record_start = false;
            }
            if !self.field.started {
                self.field = Field {
                    started: true,
                    quoted: input[0] == b'"',
                    line: self.line,
                    ..Field::default()
                };
            }
            let (result, read, written) = self.csv.read_field(input, &mut self.value);
            let raw = &input[..read];
            self.raw_bytes(raw);
            if self.problem.is_some() {
                return;
            }
            self.value_bytes(written);
            input = &input[read..];
            if let ReadFieldResult::Field { record_end } = result {
                self.end_field(record_end, false);
            }
        }
    }

    /// Looks at the raw bytes the current field took (its ending `,` or `\n` included),
    /// in one pass: counts lines and its quotes, notes a quote inside an unquoted value,
    /// and finds a `\r` outside quotes that is not part of a `\r\n`.
    fn raw_bytes(&mut self, raw: &[u8]) {
        let field = &mut self.field;
        if field.pending_cr && raw.first().is_some_and(|&b| b != b'\n') {
            return self.bare_cr(self.line);
        }
        if !raw.is_empty() {
            field.pending_cr = false;
        }
        for pos in memchr::memchr3_iter(b'\n', b'"', b'\r', raw) {
            match raw[pos] {
                b'\n' => self.line += 1,
                b'"' if field.quoted => field.quotes += 1,
                b'"' => {
                    self.stray_quote_line.get_or_insert(field.line);
                }
                // Inside a quoted value (an odd number of quotes so far) a `\r` is a value's.
                _ if field.quoted && field.quotes % 2 == 1 => {}
                _ => match raw.get(pos + 1) {
                    Some(b'\n') => {}
                    Some(_) => return self.bare_cr(self.line),
                    None => field.pending_cr = true,
                },
            }
        }
    }

    /// Looks at the next `n` bytes of the current field's value.
    fn value_bytes(&mut self, n: usize) {
        if n > 0 {
            self.field.len += n as u64;
            self.field.last_cr = self.value[n - 1] == b'\r';
        }
    }

    fn bare_cr(&mut self, line: u64) {
        self.problem = Some(format!(
            "line {line} ends with a bare carriage return (\\r) not followed by \\n; save the file with \\n or \\r\\n line endings"
        ));
    }

    /// The current field ended, and with it the record when `record_end` (at the end of
    /// the file when `eof`).
    fn end_field(&mut self, record_end: bool, eof: bool) {
        let field = std::mem::take(&mut self.field);
        self.fields += 1;
        if field.quoted && field.quotes % 2 == 1 && !eof {
            self.problem = Some(format!(
                "line {} has a `\"` after the closing quote of a quoted value; write a `\"` inside a quoted value as `\"\"`",
                field.line
            ));
            return;
        }
        if !record_end {
            return;
        }
        let blank = self.fields == 1
            && !field.quoted
            && (field.len == 0 || (field.len == 1 && field.last_cr));
        let fields = self.fields;
        self.fields = 0;
        self.at_record_start = true;
        // A last line holding only `\r` is not a record (no newline ends it).
        if !(eof && blank) {
            self.end_record(fields, blank);
        }
    }

    /// A record of `fields` fields (`blank`: nothing but a line ending) ended.
    fn end_record(&mut self, fields: u64, blank: bool) {
        match self.header_fields {
            None => {
                if blank {
                    self.problem = Some(format!(
                        "line {} is blank, but the header (the column names) must be the first line",
                        self.record_line
                    ));
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
            if self.field.started && self.field.quoted && self.field.quotes % 2 == 1 {
                self.problem = Some(format!(
                    "the quote opened on line {} is never closed; close it, and write a `\"` inside a quoted value as `\"\"`",
                    self.record_line
                ));
            } else if self.utf8_carry_len > 0 {
                self.problem = Some(format!(
                    "line {} ends inside a UTF-8 character: the file is truncated or not UTF-8",
                    self.line
                ));
            } else if !self.at_record_start {
                // The last record has no final newline: an empty input tells csv-core so.
                loop {
                    let (result, _, written) = self.csv.read_field(&[], &mut self.value);
                    self.value_bytes(written);
                    match result {
                        ReadFieldResult::Field { record_end } => {
                            self.end_field(record_end, true);
                            if record_end || self.problem.is_some() {
                                break;
                            }
                        }
                        _ => break,
                    }
                }
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
        // Classic Mac line endings (bare \r) after quoted values, and a \r inside quotes.
        let p = problem(b"\"a\",\"b\"\r\"1\",\"2\"\r").unwrap();
        assert!(
            p.starts_with("line 1 ends with a bare carriage return"),
            "{p}"
        );
        assert_eq!(problem(b"a,b\n\"x\ry\",2\n3,\"z\"\r\n"), None);
        // A quoted newline does not end the record but does count as a line.
        let p = problem(b"a,b\n\"x\ny\",2\n1,2,3\n").unwrap();
        assert!(p.starts_with("line 4 has 3 fields"), "{p}");
    }

    #[test]
    fn a_quote_after_a_closing_quote_is_refused() {
        // polars reopens the quote there, csv-core does not: the two would split the
        // records differently.
        let p = problem(b"a,b\n\"x\"y\"z,1\n").unwrap();
        assert!(
            p.starts_with("line 2 has a `\"` after the closing quote"),
            "{p}"
        );
        // A doubled quote inside quotes, or text after the closing quote, is fine.
        assert_eq!(problem(b"a,b\n\"x\"\"y\",1\n\"x\"y,2\n"), None);
    }

    #[test]
    fn problems_are_reported_in_file_order() {
        // A bare \r on line 2 comes before invalid UTF-8 on line 3, and the other way round.
        let p = problem(b"a,b\n1\r,2\n\xE9,3\n").unwrap();
        assert!(
            p.starts_with("line 2 ends with a bare carriage return"),
            "{p}"
        );
        let p = problem(b"a,b\n\xE9,2\n1\r,2\n").unwrap();
        assert!(
            p.starts_with("line 2 is not valid UTF-8 (byte 0xE9)"),
            "{p}"
        );
        // A character cut short by a NUL is invalid UTF-8, shown by its first byte.
        let p = problem(b"a,b\n1,\xE2\x82\x00\n").unwrap();
        assert!(
            p.starts_with("line 2 is not valid UTF-8 (byte 0xE2)"),
            "{p}"
        );
    }

    #[test]
    fn a_long_value_is_looked_at_in_pieces() {
        let mut file = b"a,b\n1,".to_vec();
        file.extend(std::iter::repeat_n(b'x', 3 * FIELD_BUFFER));
        file.extend(b"\r\n2,3\n");
        let r = scan(&file, 5000);
        assert_eq!((r.records, r.problem), (2, None));
        file.extend(b"4,\"");
        file.extend(std::iter::repeat_n(b'y', 2 * FIELD_BUFFER));
        let p = problem(&file).unwrap();
        assert!(
            p.starts_with("the quote opened on line 4 is never closed"),
            "{p}"
        );
    }
}
