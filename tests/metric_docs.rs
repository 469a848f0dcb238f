//! The metric tables of README.md and docs/contract.md list exactly the metric ids the
//! binary knows (`modelgate::metrics::NAMES`): a new id without a documented row, or a row
//! naming an id that does not exist, fails here instead of drifting.
//!
//! A metric table is a Markdown table whose header's first cell is `id`; its ids are the
//! backticked names in each row's first cell (`` `fbeta(beta)` `` names `fbeta`).

use std::collections::BTreeSet;
use std::path::Path;

use modelgate::metrics::NAMES;

/// The ids named in the first cells of every metric table of `text`.
fn table_ids(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut in_metric_table = false;
    let mut previous_was_table = false;
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            previous_was_table = false;
            in_metric_table = false;
            continue;
        }
        let first = first_cell(line);
        if !previous_was_table {
            // A table's first line is its header.
            in_metric_table = first == "id";
            previous_was_table = true;
            continue;
        }
        if !in_metric_table || first.starts_with("---") {
            continue;
        }
        for token in first.split('`').skip(1).step_by(2) {
            let name = token.split('(').next().unwrap_or(token).trim();
            if !name.is_empty() {
                ids.insert(name.to_string());
            }
        }
    }
    ids
}

/// The first cell of a table row, trimmed (`\|` inside a cell does not end it).
fn first_cell(line: &str) -> String {
    let body = &line[1..];
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.push('|');
                chars.next();
            }
            '|' => break,
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

fn doc(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

#[test]
fn readme_and_contract_tables_list_every_metric_id_and_no_other() {
    let known: BTreeSet<String> = NAMES.iter().map(|(n, _)| n.to_string()).collect();
    for path in ["README.md", "docs/contract.md"] {
        let listed = table_ids(&doc(path));
        let missing: Vec<&String> = known.difference(&listed).collect();
        let unknown: Vec<&String> = listed.difference(&known).collect();
        assert!(
            missing.is_empty(),
            "{path}: metric ids without a row in a metric table (`| id | … |`): {missing:?}"
        );
        assert!(
            unknown.is_empty(),
            "{path}: metric tables name ids modelgate does not know: {unknown:?}"
        );
    }
}

#[test]
fn the_table_reader_finds_ids_only_in_metric_tables() {
    let text = "| id | definition |\n| --- | --- |\n| `a`, `b(x)` | `not_an_id` |\n\n| column | x |\n| --- | --- |\n| `c` | y |\n| `d` \\| `e` | z |\n";
    let ids: Vec<String> = table_ids(text).into_iter().collect();
    assert_eq!(ids, ["a", "b"]);
}
