//! Reading one prediction file with polars, projecting only the wanted columns.

use std::io::Read as _;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::guard::csv::{CsvReport, CsvShape};
use super::guard::{ndjson, panic, parquet, polars_text, text};
use super::{Cause, DataError, Fix, sources};

/// The columns to read from one file.
pub(crate) struct Wanted<'a> {
    pub label: Option<&'a str>,
    pub score: &'a str,
    /// The score column's role in messages: `score`, or `prediction` for regression.
    pub score_role: &'static str,
    /// The cluster column (candidate only).
    pub cluster: Option<&'a str>,
    pub id: Option<&'a str>,
    pub weight: Option<&'a str>,
    pub extra: &'a [String],
    /// What the extra columns are, for messages (`slice`, `feature`).
    pub extra_role: &'static str,
    /// A task's further columns with their roles (`class score`, `group`), all required.
    pub task_extra: &'a [(String, &'static str)],
}

/// One file of an input as read: for the audit record.
pub(crate) type Part = super::PartInfo;

/// An input (one file or many) read into memory, with its hash and its files.
pub(crate) struct Loaded {
    pub frame: DataFrame,
    pub sha256: String,
    /// Every file read, in reading order, with its rows (they sum to the frame's height).
    pub files: Vec<Part>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
    Ndjson,
}

fn format_of(path: &Path) -> Result<Format, DataError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => Ok(Format::Csv),
        "parquet" | "pq" => Ok(Format::Parquet),
        "ndjson" | "jsonl" | "json" => Ok(Format::Ndjson),
        _ => Err(DataError::new(
            path,
            None,
            format!(
                "cannot tell the format from the extension `{ext}`; use .csv, .parquet or .ndjson/.jsonl"
            ),
        )),
    }
}

/// Reads the wanted columns of the input `path` (a file, a folder or a glob: see
/// [`sources`]). With `required_all` every wanted column must exist; otherwise the label
/// and weight are optional (the baseline may omit them).
pub(crate) fn read(
    path: &Path,
    wanted: &Wanted<'_>,
    required_all: bool,
) -> Result<Loaded, DataError> {
    let listed = sources::list(path)?;
    if !listed.multi {
        let (frame, sha256) = read_one(path, &[], wanted, required_all, false)?;
        let files = vec![Part {
            path: path.to_path_buf(),
            sha256: sha256.clone(),
            rows: frame.height(),
        }];
        return Ok(Loaded {
            frame,
            sha256,
            files,
        });
    }
    // One format for all: the extensions already agree (sources::list), this names it.
    if let Some(first) = listed.files.first() {
        format_of(&first.path)?;
    }
    // Every file is read on its own, so that an error names the file (and the line), and
    // so that the rows of each are known; their frames are then stacked.
    let mut frames: Vec<(&Path, DataFrame)> = Vec::with_capacity(listed.files.len());
    let mut files = Vec::with_capacity(listed.files.len());
    for source in &listed.files {
        let (frame, sha256) = read_one(&source.path, &source.hive, wanted, required_all, true)?;
        files.push(Part {
            path: source.path.clone(),
            sha256,
            rows: frame.height(),
        });
        frames.push((&source.path, frame));
    }
    let sha256 = sources::manifest(files.iter().map(|f| (f.sha256.as_str(), f.path.as_path())));
    let frame = stack(path, frames, wanted.id)?;
    if frame.height() == 0 {
        return Err(DataError::new(
            path,
            None,
            "the files have a header but no rows",
        ));
    }
    Ok(Loaded {
        frame,
        sha256,
        files,
    })
}

/// True for the types that hold text.
fn is_text(d: &DataType) -> bool {
    d.is_string() || d.is_categorical()
}

/// Stacks the frames of an input's files (those with rows). Every file must have the same
/// columns. A column's types are unified (integers and floats give floats) except text
/// with anything else, and the id's, which must be one type in every file: unifying them
/// could change an id.
fn stack(
    input: &Path,
    frames: Vec<(&Path, DataFrame)>,
    id: Option<&str>,
) -> Result<DataFrame, DataError> {
    let Some((first_path, first)) = frames.first() else {
        return Err(DataError::new(input, None, "no files to read"));
    };
    let names: Vec<String> = first
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for (path, frame) in &frames[1..] {
        for name in &names {
            let Ok(column) = frame.column(name) else {
                return Err(DataError::new(
                    path,
                    Some(name),
                    format!(
                        "the column `{name}` is missing here but present in {}; every file of the input needs the same columns",
                        first_path.display()
                    ),
                ));
            };
            let Ok(want) = first.column(name).map(|c| c.dtype().clone()) else {
                continue;
            };
            let got = column.dtype();
            let clash = Some(name.as_str()) == id || is_text(&want) != is_text(got);
            // An all-null column (a part with no value at all) unifies with anything.
            let null = matches!(want, DataType::Null) || matches!(got, DataType::Null);
            if &want != got && clash && !null {
                return Err(DataError::of(
                    path,
                    Some(name),
                    Cause::PartTypes {
                        first: (first_path.to_path_buf(), want.to_string()),
                        other: (path.to_path_buf(), got.to_string()),
                    },
                ));
            }
        }
        if let Some(extra) = frame
            .get_column_names()
            .iter()
            .find(|n| !names.iter().any(|m| m == n.as_str()))
        {
            return Err(DataError::new(
                path,
                Some(extra.as_str()),
                format!(
                    "the column `{extra}` is present here but missing in {}; every file of the input needs the same columns",
                    first_path.display()
                ),
            ));
        }
    }
    let nonempty: Vec<LazyFrame> = frames
        .iter()
        .filter(|(_, f)| f.height() > 0)
        .map(|(_, f)| f.clone().lazy())
        .collect();
    if nonempty.len() <= 1 {
        return Ok(frames
            .iter()
            .find(|(_, f)| f.height() > 0)
            .map_or_else(|| first.clone(), |(_, f)| f.clone()));
    }
    let args = UnionArgs {
        to_supertypes: true,
        rechunk: false,
        parallel: false,
        ..Default::default()
    };
    concat(nonempty, args)
        .and_then(|lf| lf.collect())
        .map_err(|e| {
            DataError::new(
                input,
                None,
                format!(
                    "cannot stack the files' rows: {}",
                    polars_text::first_line(&e)
                ),
            )
        })
}

/// Reads one file. `hive` values fill wanted columns the file lacks; `in_many` allows a
/// file with a header but no rows (a Spark task with no output) as one of several.
fn read_one(
    path: &Path,
    hive: &[(String, Option<String>)],
    wanted: &Wanted<'_>,
    required_all: bool,
    in_many: bool,
) -> Result<(DataFrame, String), DataError> {
    let format = format_of(path)?;
    let meta = std::fs::metadata(path).map_err(|e| {
        DataError::new(path, None, format!("cannot open the file: {e}")).with_fix(Fix::Path)
    })?;
    if meta.is_dir() {
        return Err(DataError::new(path, None, "is a directory, not a file"));
    }
    if meta.len() == 0 {
        return Err(DataError::new(
            path,
            None,
            "the file is empty; it must hold a header and one row per prediction",
        ));
    }

    if format != Format::Parquet {
        // Before polars, which panics on compressed text and would spend minutes on a
        // file of NULs or one endless line.
        text::refuse_compressed(path)?;
        text::precheck(path)?;
    }

    // Hash (and, for CSV, check the record shape) on a second thread while polars reads:
    // the bytes come from the page cache.
    let (hashed, frame) = std::thread::scope(|s| {
        let hasher = s.spawn(|| hash_and_lint(path, format));
        let frame = guarded_scan(path, format, wanted, required_all, hive);
        let hashed = hasher
            .join()
            .unwrap_or_else(|_| Err("hashing thread failed".to_string()));
        (hashed, frame)
    });
    // The byte-level check names the line, so its finding goes first.
    let report = match &hashed {
        Ok((_, Some(report))) => Some(report),
        _ => None,
    };
    if let Some(problem) = report.and_then(|r| r.problem.as_ref()) {
        return Err(DataError::new(path, None, problem.clone()));
    }
    let mut frame = match frame {
        Ok(frame) => frame,
        Err(mut e) => {
            // Only polars' own errors lack the line; ours already name it.
            if e.column.is_none() && matches!(*e.cause, Cause::PolarsRead { .. }) {
                explain_failure(&mut e, path, format, wanted, report);
            }
            return Err(e);
        }
    };
    if let Some(r) = report
        && r.trailing_blank > 0
        && frame.height() == r.records
    {
        // Blank lines at the end are a trailing newline, not rows of nulls.
        frame = frame.slice(0, r.records - r.trailing_blank);
    }
    let (sha256, _) =
        hashed.map_err(|e| DataError::new(path, None, format!("cannot read the file: {e}")))?;
    if frame.height() == 0 && !in_many {
        return Err(DataError::new(
            path,
            None,
            "the file has a header but no rows",
        ));
    }
    Ok((frame, sha256))
}

/// [`scan`] of one file, Parquet footers and page headers checked first, with polars'
/// panics caught.
fn guarded_scan(
    path: &Path,
    format: Format,
    wanted: &Wanted<'_>,
    required_all: bool,
    hive: &[(String, Option<String>)],
) -> Result<DataFrame, DataError> {
    panic::catch(path, kind(format), || {
        if format == Format::Parquet {
            parquet::check(path)?;
        }
        scan(path, format, wanted, required_all, hive)
    })
}

/// SHA-256 of the file, and for CSV the record-shape report, in one pass over the bytes.
fn hash_and_lint(path: &Path, format: Format) -> Result<(String, Option<CsvReport>), String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut hasher = Sha256::new();
    let mut shape = matches!(format, Format::Csv).then(CsvShape::new);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(shape) = &mut shape {
            shape.feed(&buf[..n]);
        }
    }
    let hex = format!("{:x}", hasher.finalize());
    Ok((hex, shape.map(CsvShape::finish)))
}

/// Adds what polars' message lacks after a failed read: the offending NDJSON line, or the
/// stray quote that confused the CSV reader.
fn explain_failure(
    e: &mut DataError,
    path: &Path,
    format: Format,
    wanted: &Wanted<'_>,
    report: Option<&CsvReport>,
) {
    match format {
        Format::Ndjson => {
            let mut names: Vec<&str> = vec![wanted.score];
            names.extend(wanted.label);
            names.extend(wanted.id);
            names.extend(wanted.weight);
            names.extend(wanted.extra.iter().map(String::as_str));
            if let Some(problem) = ndjson::problem(path, &names) {
                e.message = format!("cannot read the file as NDJSON: {problem}");
            }
        }
        Format::Csv => {
            if let Some(line) = report.and_then(|r| r.stray_quote_line) {
                e.message.push_str(&format!(
                    "; line {line} has a `\"` inside an unquoted value: quote the whole value and double the inner quote, e.g. `\"5\"\"\"`"
                ));
            }
        }
        Format::Parquet => e
            .message
            .push_str("; the file may be truncated, or not Parquet"),
    }
}

/// Reads the wanted columns of one file, named literally: polars never expands a pattern
/// here (the input was listed by [`sources`]). Wanted columns the file lacks are taken
/// from its `hive` folder names, as text.
fn scan(
    path: &Path,
    format: Format,
    wanted: &Wanted<'_>,
    required_all: bool,
    hive: &[(String, Option<String>)],
) -> Result<DataFrame, DataError> {
    let fail = |e: PolarsError| DataError::of(path, None, polars_text::describe(kind(format), &e));
    let pl_path = PlRefPath::try_from_path(path).map_err(fail)?;
    let lf = match format {
        Format::Csv => LazyCsvReader::new(pl_path)
            .with_glob(false)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .finish()
            .map_err(fail)?,
        Format::Parquet => LazyFrame::scan_parquet(
            pl_path,
            ScanArgsParquet {
                glob: false,
                hive_options: HiveOptions::new_disabled(),
                ..Default::default()
            },
        )
        .map_err(fail)?,
        Format::Ndjson => {
            let literal = PlRefPath::try_from_path(&ndjson::literal(path)).map_err(fail)?;
            LazyJsonLineReader::new(literal)
                .with_infer_schema_length(std::num::NonZeroUsize::new(10_000))
                .finish()
                .map_err(fail)?
        }
    };
    let mut lf = lf;
    let schema = lf.collect_schema().map_err(fail)?;
    let available: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();

    let mut names: Vec<(&str, &str, bool)> = Vec::new(); // (column, role, required)
    if let Some(l) = wanted.label {
        names.push((l, "label", required_all));
    }
    // An input with no score (the `skew:` feature files) names its id as the score.
    if wanted.id != Some(wanted.score) {
        names.push((wanted.score, wanted.score_role, true));
    }
    if let Some(c) = wanted.cluster {
        names.push((c, "cluster", true));
    }
    if let Some(i) = wanted.id {
        names.push((i, "id", true));
    }
    if let Some(w) = wanted.weight {
        names.push((w, "weight", required_all));
    }
    for (c, role) in wanted.task_extra {
        names.push((c.as_str(), role, true));
    }
    for e in wanted.extra {
        names.push((e.as_str(), wanted.extra_role, true));
    }

    let mut select: Vec<Expr> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (name, role, required) in names {
        if seen.contains(&name) {
            continue;
        }
        if available.iter().any(|a| a == name) {
            // polars renames a repeated CSV header: which copy holds the values is
            // anyone's guess, so refuse rather than pick one.
            let copies = polars_text::header_copies(name, &available);
            if copies > 1 {
                return Err(DataError::new(
                    path,
                    Some(name),
                    format!(
                        "the header names the {role} column `{name}` {copies} times; rename or drop the extra copies"
                    ),
                ));
            }
            seen.push(name);
            select.push(col(name));
        } else if let Some((_, value)) = hive.iter().find(|(k, _)| k == name) {
            seen.push(name);
            let value = match value {
                Some(v) => lit(v.as_str()),
                None => lit(NULL).cast(DataType::String),
            };
            select.push(value.alias(name));
        } else if required {
            return Err(DataError::new(
                path,
                Some(name),
                format!(
                    "the {role} column `{name}` is missing; the file has {}{}",
                    list_columns(&available),
                    near_miss(name, &available)
                ),
            )
            .with_fix(Fix::ColumnName));
        }
    }
    lf.select(select).collect().map_err(fail)
}

fn list_columns(available: &[String]) -> String {
    if available.is_empty() {
        return "no columns".into();
    }
    let shown: Vec<String> = available
        .iter()
        .take(12)
        .map(|c| format!("`{c}`"))
        .collect();
    let more = if available.len() > 12 {
        format!(" and {} more", available.len() - 12)
    } else {
        String::new()
    };
    format!("columns {}{more}", shown.join(", "))
}

fn near_miss(name: &str, available: &[String]) -> String {
    let lower = name.to_ascii_lowercase();
    available
        .iter()
        .find(|a| a.to_ascii_lowercase() == lower || a.trim() == name)
        .map(|a| format!(" (did you mean `{a}`? names are case- and space-sensitive)"))
        .unwrap_or_default()
}

fn kind(format: Format) -> &'static str {
    match format {
        Format::Csv => "CSV",
        Format::Parquet => "Parquet",
        Format::Ndjson => "NDJSON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> Wanted<'static> {
        Wanted {
            label: Some("label"),
            score: "score",
            score_role: "score",
            cluster: None,
            id: None,
            weight: None,
            extra: &[],
            extra_role: "slice",
            task_extra: &[],
        }
    }

    /// A header starting `x^` is zlib magic to polars, which then panics (found by
    /// fuzzing): `read` refuses it up front with the workaround ...
    #[test]
    fn zlib_lookalike_header_is_refused_with_the_workaround() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "x^2,label,score\n1,0,0.1\n2,1,0.9\n").unwrap();
        let e = read(&path, &wanted(), true).err().unwrap();
        assert!(e.message.contains("quote the first column name"), "{e}");
        std::fs::write(&path, "\"x^2\",label,score\n1,0,0.1\n2,1,0.9\n").unwrap();
        assert_eq!(read(&path, &wanted(), true).unwrap().frame.height(), 2);
    }

    /// ... and, should polars panic on anything else, the guard turns it into an error.
    #[test]
    fn a_panic_inside_polars_becomes_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "x^2,label,score\n1,0,0.1\n").unwrap();
        let e = guarded_scan(&path, Format::Csv, &wanted(), true, &[]).unwrap_err();
        assert_eq!(e.path.as_deref(), Some(path.as_path()));
        assert!(e.message.contains("CSV reader failed unexpectedly"), "{e}");
        assert!(!panic::in_scan());
    }
}
