//! Guards against polars: every check modelgate makes because polars, as built here, would
//! crash, abort, hang or misread on a malformed file, in one place.
//!
//! Each gap below was checked against **polars 0.55.2** (polars-parquet 0.55.2,
//! polars-parquet-format 0.1.0; see Cargo.lock). When polars is upgraded, re-check each:
//! a gap that polars closed makes its guard dead weight, one that moved makes it wrong.
//! The fuzz regression seeds in `fuzz/corpus/data_*` (replayed by `tests/malformed.rs`)
//! are the evidence for each.
//!
//! 1. **Panics instead of errors** ([`panic`]). polars panics, on its own worker threads
//!    too, on a column type it is built without (decimal, float16, 128-bit integers,
//!    intervals: `Arrow datatype … not supported by Polars`, `could not import from `…`
//!    type`), even one that is not read, and on many malformed files. [`panic::catch`]
//!    turns such a panic into exit 2 naming the file, and reads the type out of the
//!    panic's text. (A process-wide panic hook stays silent for those panics only.)
//! 2. **Compressed text** ([`text::refuse_compressed`]). The CSV and NDJSON readers sniff
//!    gzip, zlib and zstd magic bytes and, built without the `decompress` feature, panic;
//!    a CSV whose header starts with `x^` looks like zlib to them.
//! 3. **Endless or binary text** ([`text::precheck`]). polars spends minutes on a file of
//!    NULs or on one line of hundreds of megabytes before failing without a line number.
//! 4. **CSV shape** ([`csv::CsvShape`]). With a projection, polars' CSV reader skips the
//!    field-count check (a row with an extra `,` goes unnoticed), turns blank lines into
//!    rows of nulls, takes a bare `\r` for part of a value, and reports invalid UTF-8
//!    without a position. Record boundaries come from `csv-core`.
//! 5. **Parquet footer counts** ([`parquet`]). polars-parquet decodes the footer with its
//!    own Thrift reader (`handwritten_thrift`), which pre-sizes every list with
//!    `Vec::with_capacity(count)`: a corrupt count reserved 35 GB and aborted the process
//!    (no `catch_unwind` catches an abort). The footer is walked first with
//!    polars-parquet-format's compact protocol, every count held to the footer's size.
//! 6. **Parquet byte ranges** ([`parquet`]). polars slices the file by each column chunk's
//!    declared byte range without a bounds check (undefined behaviour; the debug build
//!    aborted).
//! 7. **Parquet page headers** ([`parquet`]). polars reserves memory by a page header's
//!    value count: a negative `num_values` became a 2^61-byte reservation and an abort.
//!    Every page header is read first with polars-parquet-format (the same decoder
//!    polars uses for them) and its sizes and counts checked.
//! 8. **NDJSON errors without a line** ([`ndjson`]). polars names neither the line nor
//!    the column of a broken NDJSON file, and its NDJSON scan expands glob characters in
//!    a path even when told not to.
//! 9. **polars' error text** ([`polars_text`]). polars' errors run over several lines
//!    with hints meant for Python users, and it renames a repeated CSV header to
//!    `<name>_duplicated_<n>`: only the first line is shown, and the renaming is read back.

pub(crate) mod csv;
pub(crate) mod ndjson;
pub(crate) mod panic;
pub(crate) mod parquet;
pub(crate) mod polars_text;
pub(crate) mod text;
