//! Explaining a failed NDJSON read (gap 8 of [`super`]): polars names neither the line
//! nor the column of a broken NDJSON file, so after it failed the file is read again,
//! line by line with serde_json, for the first line that explains why. And polars'
//! NDJSON scan expands glob characters in a path even when told not to: [`literal`].

use std::borrow::Cow;
use std::io::BufRead as _;
use std::path::Path;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// `path` as polars' NDJSON scan must be given it to read only that file: its scan
/// always expands globs (with the `glob` crate), so `*`, `?` and `[` are escaped.
pub(crate) fn literal(path: &Path) -> Cow<'_, Path> {
    let text = path.to_string_lossy();
    if text.contains(['*', '?', '[']) {
        Cow::Owned(glob::Pattern::escape(&text).into())
    } else {
        Cow::Borrowed(path)
    }
}

/// After polars failed on an NDJSON file: the first line that is not a JSON object, or
/// whose wanted column has a different JSON type than on the first line, as a sentence.
/// `None` when every line looks fine (polars' own message then stands).
pub(crate) fn problem(path: &Path, wanted: &[&str]) -> Option<String> {
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

    #[test]
    fn json_messages_lose_the_line_one_position() {
        assert_eq!(
            strip_position("EOF while parsing an object at line 1 column 32"),
            "EOF while parsing an object at column 32"
        );
        assert_eq!(strip_position("no position"), "no position");
    }

    #[test]
    fn glob_characters_are_escaped_for_the_ndjson_scan() {
        assert_eq!(literal(Path::new("a/b.ndjson")), Path::new("a/b.ndjson"));
        assert_eq!(
            literal(Path::new("a/[x]*.ndjson")),
            Path::new("a/[[]x[]][*].ndjson")
        );
    }
}
