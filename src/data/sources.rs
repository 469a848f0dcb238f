//! Where one input's rows live, listed once: a file, a glob (`eval/part-*.parquet`,
//! `eval/**/*.csv`) or a folder of files (hive-partitioned or not).
//!
//! modelgate expands an input itself, here, and the reader then hands polars exactly
//! these files one by one and hashes exactly these files: what is read, what is hashed
//! and what is counted cannot disagree. A path is literal unless it holds a glob
//! character *and* does not exist as written (a folder named `run[1]` is a folder).
//! Globs are `glob` crate patterns (`*`, `?`, `[…]`, `**`) matched while `walkdir` walks
//! the folder they start in.
//! What Spark, Hadoop and Hive writers leave beside the data is skipped (names starting
//! with `_` or `.`: `_SUCCESS`, `_temporary/`, `.part-0.crc`; and `*.crc`); symbolic links
//! to folders are not followed (no loops), the same file reached twice is refused, and
//! all files of one input must share one extension.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use glob::{MatchOptions, Pattern};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use super::{Cause, DataError};

/// Extensions of data files, lower case: what a folder contributes.
pub(crate) const DATA_EXTENSIONS: [&str; 6] = ["csv", "parquet", "pq", "ndjson", "jsonl", "json"];

/// One file of an input, with the hive-style `key=value` folders between the input's
/// root and the file (`country=DE/part-0.parquet` gives `("country", Some("DE"))`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    pub path: PathBuf,
    pub hive: Vec<(String, Option<String>)>,
}

/// The files behind one input path, sorted, and whether the path named more than one file.
#[derive(Debug)]
pub(crate) struct Sources {
    pub files: Vec<Source>,
    pub multi: bool,
}

/// True when `text` holds a character that a glob reads as a pattern.
pub(crate) fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Lists the files of `input`: itself, every data file below a folder, or the files a
/// glob matches. A path that neither exists nor is a glob is returned as one file, for
/// the reader to report with its own message.
pub(crate) fn list(input: &Path) -> Result<Sources, DataError> {
    match std::fs::metadata(input) {
        Ok(meta) if meta.is_dir() => finish(input, walk(input, input, None)?, true),
        Ok(_) => Ok(Sources {
            files: vec![Source {
                path: input.to_path_buf(),
                hive: Vec::new(),
            }],
            multi: false,
        }),
        Err(_) if has_glob(&input.to_string_lossy()) => {
            let (base, pattern) = split_glob(input);
            finish(input, walk(input, &base, Some(&pattern))?, false)
        }
        Err(_) => Ok(Sources {
            files: vec![Source {
                path: input.to_path_buf(),
                hive: Vec::new(),
            }],
            multi: false,
        }),
    }
}

/// Splits a glob into the folder it starts in and the pattern below it. Leading
/// components stay literal while they have no glob character or exist as written.
fn split_glob(input: &Path) -> (PathBuf, String) {
    let mut base = PathBuf::new();
    let mut rest: Vec<String> = Vec::new();
    for c in input.components() {
        if rest.is_empty() {
            let text = c.as_os_str().to_string_lossy();
            let literal = !matches!(c, Component::Normal(_))
                || !has_glob(&text)
                || base.join(c.as_os_str()).is_dir();
            if literal {
                base.push(c.as_os_str());
                continue;
            }
        }
        rest.push(c.as_os_str().to_string_lossy().into_owned());
    }
    // The last component is the file pattern even when it has no glob character.
    if rest.is_empty()
        && let Some(last) = base.file_name().map(|n| n.to_string_lossy().into_owned())
    {
        base.pop();
        rest.push(last);
    }
    if base.as_os_str().is_empty() {
        base.push(".");
    }
    (base, rest.join("/"))
}

/// Files left behind by writers, or hidden: never data.
fn skipped(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.') || name.to_ascii_lowercase().ends_with(".crc")
}

fn is_data_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DATA_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Walks `root` without following symbolic links to folders; with a pattern, keeps the
/// files whose path below `root` matches it, else the data files.
fn walk(input: &Path, root: &Path, pattern: Option<&str>) -> Result<Vec<Source>, DataError> {
    let matcher = match pattern {
        Some(p) => Some(Pattern::new(p).map_err(|e| {
            DataError::new(
                input,
                None,
                format!(
                    "is not a valid glob ({}); escape a literal `[`, `*` or `?` as `[[]`, `[*]`, `[?]`",
                    e.msg
                ),
            )
        })?),
        None => None,
    };
    // `*` stays within one folder; only `**` crosses folders.
    let options = MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    // Without `**` a pattern reaches exactly as deep as it has components.
    let depth = match pattern {
        Some(p) if !p.contains("**") => p.split('/').count(),
        _ => usize::MAX,
    };
    let mut out = Vec::new();
    if !root.is_dir() {
        // `nope/*.csv`: the glob matches nothing, which `finish` says.
        return Ok(out);
    }
    let walker = WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .max_depth(depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skipped(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let at = e.path().unwrap_or(root).to_path_buf();
            DataError::new(&at, None, format!("cannot list the files: {e}"))
        })?;
        let path = entry.path();
        let is_file = if entry.file_type().is_symlink() {
            // A link to a file is read; a link to a folder is not followed (no loops).
            std::fs::metadata(path).is_ok_and(|m| m.is_file())
        } else {
            entry.file_type().is_file()
        };
        if !is_file {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(path);
        let keep = match &matcher {
            Some(m) => m.matches_path_with(relative, options),
            None => is_data_file(path),
        };
        if keep {
            out.push(Source {
                path: path.to_path_buf(),
                hive: hive(relative),
            });
        }
    }
    Ok(out)
}

/// The `key=value` folders of a path below the input's root, values decoded as Hive
/// writes them (`%2F` for `/`; `__HIVE_DEFAULT_PARTITION__` for a missing value).
fn hive(relative: &Path) -> Vec<(String, Option<String>)> {
    let Some(parent) = relative.parent() else {
        return Vec::new();
    };
    parent
        .components()
        .filter_map(|c| {
            let text = c.as_os_str().to_string_lossy();
            let (key, value) = text.split_once('=')?;
            if key.is_empty() {
                return None;
            }
            let value = (value != "__HIVE_DEFAULT_PARTITION__").then(|| percent_decode(value));
            Some((key.to_string(), value))
        })
        .collect()
}

/// Decodes `%XX` escapes; anything else (a lone `%`, bad hex, bad UTF-8) stays as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Sorts, refuses an empty listing, a file listed twice and mixed extensions.
fn finish(input: &Path, mut files: Vec<Source>, folder: bool) -> Result<Sources, DataError> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if files.is_empty() {
        let what = if folder {
            "is a directory with no data files (.csv, .parquet, .ndjson) in it"
        } else {
            "matches no data files (.csv, .parquet, .ndjson)"
        };
        return Err(DataError::new(
            input,
            None,
            format!(
                "{what} (names starting with `_` or `.` and `*.crc` files are skipped); point it at a file, a folder of files or a glob such as `eval/part-*.parquet`"
            ),
        ));
    }
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for f in &files {
        let real = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        if let Some(first) = seen.insert(real, &f.path) {
            return Err(DataError::of(
                input,
                None,
                Cause::SameFileTwice {
                    first: first.to_path_buf(),
                    second: f.path.clone(),
                },
            ));
        }
    }
    let mut exts: Vec<(String, usize, PathBuf)> = Vec::new();
    for f in &files {
        let ext = f
            .path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        match exts.iter_mut().find(|(e, _, _)| *e == ext) {
            Some(entry) => entry.1 += 1,
            None => exts.push((ext, 1, f.path.clone())),
        }
    }
    if exts.len() > 1 {
        return Err(DataError::of(input, None, Cause::MixedExtensions(exts)));
    }
    Ok(Sources { files, multi: true })
}

/// The hash of an input of several files: SHA-256 of the lines
/// `<sha256 of the file>  <path>\n` in listing order (the `sha256sum` format), so that any
/// change to any file, or to which files there are, changes the hash.
pub(crate) fn manifest<'a>(files: impl IntoIterator<Item = (&'a str, &'a Path)>) -> String {
    let mut manifest = Sha256::new();
    for (sha, path) in files {
        manifest.update(format!("{sha}  {}\n", path.display()).as_bytes());
    }
    format!("{:x}", manifest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, names: &[&str]) {
        for p in names {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(&f, "x").unwrap();
        }
    }

    fn names(root: &Path, s: &Sources) -> Vec<String> {
        s.files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn folders_skip_writer_leftovers_and_read_hive_keys() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "country=DE/b.csv",
                "country=DE/a.csv",
                "country=FR/c.csv",
                "country=FR/_SUCCESS",
                "country=FR/.c.csv.crc",
                "country=FR/c.csv.crc",
                "_temporary/0/part-9.csv",
                ".hidden.csv",
                "_tmp.csv",
                "notes.txt",
            ],
        );
        let s = list(dir.path()).unwrap();
        assert!(s.multi);
        assert_eq!(
            names(dir.path(), &s),
            ["country=DE/a.csv", "country=DE/b.csv", "country=FR/c.csv"]
        );
        assert_eq!(s.files[2].hive, [("country".into(), Some("FR".into()))]);
        let g = list(&dir.path().join("country=*/*.csv")).unwrap();
        assert_eq!(g.files.len(), 3);
        assert_eq!(g.files[0].hive, [("country".into(), Some("DE".into()))]);
        let deep = list(&dir.path().join("**/*.csv")).unwrap();
        assert_eq!(deep.files.len(), 3, "{:?}", names(dir.path(), &deep));
    }

    #[test]
    fn literal_paths_win_over_patterns() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["run[1]/a.csv", "run1/b.csv", "run[1]/c.csv"]);
        // A folder named with a `[`, as a folder and as the root of a glob.
        let s = list(&dir.path().join("run[1]")).unwrap();
        assert_eq!(names(dir.path(), &s), ["run[1]/a.csv", "run[1]/c.csv"]);
        let g = list(&dir.path().join("run[1]/*.csv")).unwrap();
        assert_eq!(names(dir.path(), &g), ["run[1]/a.csv", "run[1]/c.csv"]);
        // A file named with a `*` is that file.
        touch(dir.path(), &["x*.csv"]);
        let one = list(&dir.path().join("x*.csv")).unwrap();
        assert!(!one.multi);
        // A glob under a folder that does not exist matches nothing.
        let e = list(&dir.path().join("nope/*.csv")).unwrap_err();
        assert!(e.message.contains("matches no data files"), "{e}");
    }

    #[test]
    fn mixed_extensions_are_refused_with_the_list() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["a.csv", "b.CSV"]);
        let e = list(dir.path()).unwrap_err();
        assert!(
            matches!(&*e.cause, Cause::MixedExtensions(x) if x.len() == 2),
            "{e}"
        );
        assert!(e.message.contains("`.csv` (1 file, e.g. "), "{e}");
        assert!(e.message.contains("`.CSV`"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["a.jsonl", "b.ndjson"]);
        assert!(list(dir.path()).unwrap_err().message.contains("`.ndjson`"));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_not_followed_and_twice_listed_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["d/a.csv"]);
        std::os::unix::fs::symlink(dir.path().join("d"), dir.path().join("d/loop")).unwrap();
        let s = list(&dir.path().join("d")).unwrap();
        assert_eq!(names(dir.path(), &s), ["d/a.csv"]);
        let s = list(&dir.path().join("d/**/*.csv")).unwrap();
        assert_eq!(names(dir.path(), &s), ["d/a.csv"]);
        std::os::unix::fs::symlink(dir.path().join("d/a.csv"), dir.path().join("d/b.csv")).unwrap();
        let e = list(&dir.path().join("d")).unwrap_err();
        assert!(matches!(*e.cause, Cause::SameFileTwice { .. }), "{e}");
    }

    #[test]
    fn hive_values_are_decoded() {
        assert_eq!(percent_decode("a%2Fb%3D"), "a/b=");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(
            hive(Path::new("k=__HIVE_DEFAULT_PARTITION__/x=1/f.csv")),
            [("k".into(), None), ("x".into(), Some("1".into()))]
        );
    }
}
