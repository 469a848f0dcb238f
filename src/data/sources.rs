//! Where one input's rows live: a file, a glob (`eval/part-*.parquet`) or a folder of files
//! (hive-partitioned or not), and the SHA-256 that identifies them in the audit record.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The files behind one input path, sorted, and whether the path named more than one file.
pub(crate) struct Sources {
    pub files: Vec<PathBuf>,
    pub multi: bool,
}

/// True when `path` is a glob pattern rather than a file name.
pub(crate) fn is_glob(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

/// Lists the files of `path`: itself, the files a glob matches, or every file below a
/// folder whose extension is one of `exts` (hidden files and `_SUCCESS`-style markers skipped).
pub(crate) fn list(path: &Path, exts: &[&str]) -> std::io::Result<Sources> {
    if is_glob(path) {
        let mut files = Vec::new();
        glob_walk(Path::new(""), &components(path), &mut files)?;
        files.sort();
        return Ok(Sources { files, multi: true });
    }
    if path.is_dir() {
        let mut files = Vec::new();
        dir_walk(path, exts, &mut files)?;
        files.sort();
        return Ok(Sources { files, multi: true });
    }
    Ok(Sources {
        files: vec![path.to_path_buf()],
        multi: false,
    })
}

fn components(pattern: &Path) -> Vec<String> {
    pattern
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect()
}

fn glob_walk(base: &Path, parts: &[String], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let Some((head, rest)) = parts.split_first() else {
        return Ok(());
    };
    let is_pattern = head.contains(['*', '?', '[']);
    if !is_pattern {
        let next = if base.as_os_str().is_empty() {
            PathBuf::from(head)
        } else {
            base.join(head)
        };
        if rest.is_empty() {
            if next.is_file() {
                out.push(next);
            }
            return Ok(());
        }
        return glob_walk(&next, rest, out);
    }
    let dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !wildcard(head, &name) {
            continue;
        }
        let next = if base.as_os_str().is_empty() {
            PathBuf::from(&name)
        } else {
            base.join(&name)
        };
        if rest.is_empty() {
            if next.is_file() {
                out.push(next);
            }
        } else if next.is_dir() {
            glob_walk(&next, rest, out)?;
        }
    }
    Ok(())
}

/// `*` and `?` wildcards over one path component (`[` matches itself).
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

fn dir_walk(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            dir_walk(&path, exts, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn sha256_file(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of one file's bytes; for several files, SHA-256 of the sorted lines
/// `<sha256 of the file>  <path>\n` (the `sha256sum` format), so that any change to any
/// file, or to which files there are, changes the hash.
pub(crate) fn sha256(sources: &Sources) -> std::io::Result<String> {
    if !sources.multi
        && let [one] = sources.files.as_slice()
    {
        return Ok(hex(&sha256_file(one)?));
    }
    let mut manifest = Sha256::new();
    for f in &sources.files {
        manifest.update(format!("{}  {}\n", hex(&sha256_file(f)?), f.display()).as_bytes());
    }
    Ok(hex(&manifest.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("part-*.parquet", "part-00.parquet"));
        assert!(wildcard("*", "x"));
        assert!(wildcard("p?rt*", "part-1"));
        assert!(!wildcard("part-*.parquet", "part-00.csv"));
        assert!(!wildcard("a*b", "ac"));
    }

    #[test]
    fn lists_globs_and_folders_sorted() {
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "country=DE/b.csv",
            "country=DE/a.csv",
            "country=FR/c.csv",
            "country=FR/_SUCCESS",
            ".hidden.csv",
        ] {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(&f, "x").unwrap();
        }
        let s = list(dir.path(), &["csv"]).unwrap();
        let names: Vec<String> = s
            .files
            .iter()
            .map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            ["country=DE/a.csv", "country=DE/b.csv", "country=FR/c.csv"]
        );
        let g = list(&dir.path().join("country=*/*.csv"), &["csv"]).unwrap();
        assert_eq!(g.files.len(), 3);
        assert!(g.multi);
        let h1 = sha256(&g).unwrap();
        std::fs::write(dir.path().join("country=FR/c.csv"), "y").unwrap();
        assert_ne!(sha256(&g).unwrap(), h1, "a changed file changes the hash");
    }
}
