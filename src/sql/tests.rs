//! Unit tests of the generated SQL: snapshots of every dialect on the fraud example's config,
//! a syntax check of the BigQuery text by a BigQuery parser, and the refusals.

use std::path::Path;

use super::*;
use crate::config::{Overrides, parse, validate};

fn spec(extra: &str) -> Spec {
    let text = format!(
        "version: 1\nname: t\ncandidate: c.parquet\nbaseline: b.parquet\n{extra}gates:\n  - metric: roc_auc\n    max_regression: 0.01\n    by: country\n  - metric: pr_auc\n    max_regression: 0.01\n    by: [channel, country]\n"
    );
    validate(
        parse(&text).expect("parses"),
        Path::new("modelgate.yaml"),
        &Overrides::default(),
    )
    .expect("valid")
}

fn fraud() -> Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fraud/modelgate.yaml");
    let mut s = crate::config::load(&path, &Overrides::default()).expect("the example loads");
    s.path = "examples/fraud/modelgate.yaml".into();
    s
}

fn request(dialect: Dialect) -> Request {
    Request {
        dialect,
        candidate_table: "eval.candidate_scores".into(),
        baseline_table: "eval.baseline_scores".into(),
        decimals: 4,
        candidate_out: None,
        baseline_out: None,
    }
}

fn bigquery() -> Request {
    Request {
        candidate_out: Some("gs://bucket/eval/candidate/part-*.parquet".into()),
        baseline_out: Some("gs://bucket/eval/baseline/part-*.parquet".into()),
        ..request(Dialect::Bigquery)
    }
}

#[test]
fn duckdb_on_the_fraud_example() {
    let sql = generate(&fraud(), &request(Dialect::Duckdb)).expect("generates");
    insta::assert_snapshot!(sql);
}

#[test]
fn spark_on_the_fraud_example() {
    let sql = generate(&fraud(), &request(Dialect::Spark)).expect("generates");
    insta::assert_snapshot!(sql);
}

#[test]
fn bigquery_on_the_fraud_example() {
    let sql = generate(&fraud(), &bigquery()).expect("generates");
    insta::assert_snapshot!(sql);
}

/// Every statement of the BigQuery text parses with a BigQuery grammar, and is the
/// statement it should be: a temporary table, then two `EXPORT DATA` with their URIs.
#[test]
fn bigquery_parses_as_bigquery() {
    use sqlparser::ast::Statement;
    use sqlparser::dialect::BigQueryDialect;
    use sqlparser::parser::Parser;
    for s in [
        fraud(),
        spec("columns: {id: id, weight: w}\nweights: frequency\n"),
    ] {
        let sql = generate(&s, &bigquery()).expect("generates");
        let statements = Parser::parse_sql(&BigQueryDialect {}, &sql)
            .unwrap_or_else(|e| panic!("BigQuery syntax: {e}\n{sql}"));
        assert_eq!(statements.len(), 3, "{statements:#?}");
        assert!(
            matches!(&statements[0], Statement::CreateTable(c) if c.temporary && c.query.is_some()),
            "{:?}",
            statements[0]
        );
        for (st, uri) in statements[1..].iter().zip(["candidate", "baseline"]) {
            let Statement::ExportData(e) = st else {
                panic!("not EXPORT DATA: {st:?}")
            };
            let text = e.to_string();
            assert!(
                text.contains(&format!("gs://bucket/eval/{uri}/part-*.parquet")),
                "{text}"
            );
            assert!(text.contains("ORDER BY mg_bin"), "{text}");
        }
    }
}

/// The DuckDB and Spark texts parse too (as a cross-check of the shared template; the
/// engines themselves run them in `tests/sql_engines.rs`).
#[test]
fn duckdb_and_spark_statements_split_as_expected() {
    use sqlparser::dialect::{DuckDbDialect, GenericDialect};
    use sqlparser::parser::Parser;
    let sql = generate(&fraud(), &request(Dialect::Duckdb)).expect("generates");
    let st = Parser::parse_sql(&DuckDbDialect {}, &sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    assert_eq!(st.len(), 3);
    let sql = generate(&fraud(), &request(Dialect::Spark)).expect("generates");
    // Spark's CACHE TABLE / INSERT OVERWRITE DIRECTORY are not in sqlparser's grammar;
    // the aggregation itself is standard SQL.
    let start = sql.find("WITH cand").expect("query");
    let end = sql[start..].find(";").expect("end") + start;
    Parser::parse_sql(&GenericDialect {}, &sql[start..end]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bins_are_numbered_by_every_grouping_column_and_written_in_order() {
    for d in [Dialect::Duckdb, Dialect::Spark] {
        let sql = generate(&spec("columns: {id: id}\n"), &request(d)).expect("generates");
        assert!(sql.contains("ROW_NUMBER() OVER (ORDER BY mg_s0 ASC NULLS FIRST, mg_s1 ASC NULLS FIRST, mg_label ASC NULLS FIRST, mg_cand ASC NULLS FIRST, mg_base ASC NULLS FIRST) AS mg_bin"), "{sql}");
        assert!(
            sql.contains("GROUP BY mg_s0, mg_s1, mg_label, mg_cand, mg_base;"),
            "{sql}"
        );
        assert_eq!(sql.matches("ORDER BY mg_bin").count(), 2, "{sql}");
        assert!(!sql.contains("OVER ()"), "{sql}");
    }
}

#[test]
fn frequency_weights_are_summed_and_sampling_weights_refused() {
    let s = spec("columns: {id: id, weight: w}\nweights: frequency\n");
    let sql = generate(&s, &request(Dialect::Duckdb)).expect("generates");
    assert!(sql.contains("ELSE cand.mg_w"), "{sql}");
    assert!(sql.contains("CAST(SUM(mg_n) AS DOUBLE) AS mg_n"), "{sql}");
    let s = spec("columns: {id: id, weight: w}\n");
    assert_eq!(
        generate(&s, &request(Dialect::Duckdb)),
        Err(SqlError::SamplingWeights { column: "w".into() })
    );
}

#[test]
fn refusals_name_the_fix() {
    let s = spec("");
    assert_eq!(generate(&s, &request(Dialect::Duckdb)), Err(SqlError::NoId));
    let s = spec("columns: {id: id}\n");
    let r = Request {
        decimals: 13,
        ..request(Dialect::Duckdb)
    };
    assert_eq!(generate(&s, &r), Err(SqlError::Decimals(13)));
    // BigQuery has no local default and needs one `*`.
    assert!(matches!(
        generate(&s, &request(Dialect::Bigquery)),
        Err(SqlError::BigqueryUri { .. })
    ));
    let r = Request {
        candidate_out: Some("gs://b/c.parquet".into()),
        ..bigquery()
    };
    assert!(matches!(
        generate(&s, &r),
        Err(SqlError::BigqueryUri {
            what: "--candidate-out",
            ..
        })
    ));
    // The same table on both sides, or one export for both: refused.
    let r = Request {
        baseline_table: request(Dialect::Duckdb).candidate_table.to_uppercase(),
        ..request(Dialect::Duckdb)
    };
    assert!(matches!(generate(&s, &r), Err(SqlError::SameTable(_))));
    let r = Request {
        candidate_out: Some("h.parquet".into()),
        baseline_out: Some("h.parquet".into()),
        ..request(Dialect::Duckdb)
    };
    assert!(matches!(generate(&s, &r), Err(SqlError::SameOutput(_))));
    // Injection through a path or a table name is refused, not quoted.
    let r = Request {
        candidate_out: Some("x.parquet'); DROP TABLE t; --".into()),
        ..request(Dialect::Duckdb)
    };
    assert!(matches!(generate(&s, &r), Err(SqlError::Literal { .. })));
    let r = Request {
        candidate_table: "t\"; DROP TABLE t; --".into(),
        ..request(Dialect::Spark)
    };
    assert!(matches!(
        generate(&s, &r),
        Err(SqlError::Identifier { what: "table", .. })
    ));
    let r = Request {
        baseline_table: "a..b".into(),
        ..request(Dialect::Spark)
    };
    assert!(matches!(generate(&s, &r), Err(SqlError::Identifier { .. })));
}

#[test]
fn hostile_column_names_are_refused_and_odd_ones_quoted() {
    let s = spec("columns: {id: id, label: \"a`b\"}\n");
    assert!(matches!(
        generate(&s, &request(Dialect::Spark)),
        Err(SqlError::Identifier { what: "column", .. })
    ));
    // A name with spaces and a colon is quoted in SQL and in the YAML line; a config name
    // with a newline cannot end the comment.
    let mut s = spec("columns: {id: id, label: \"is fraud: y\", score: bin}\n");
    s.path = "evil\nDROP TABLE x;\n.yaml".into();
    let sql = generate(&s, &request(Dialect::Duckdb)).expect("generates");
    assert!(sql.contains("\"is fraud: y\" AS mg_label"), "{sql}");
    assert!(
        sql.contains("columns: {label: \"is fraud: y\", score: bin, id: modelgate_bin, weight: n}"),
        "{sql}"
    );
    assert!(!sql.lines().any(|l| l.starts_with("DROP")), "{sql}");
}

#[test]
fn yaml_scalars_stay_the_same_string() {
    for s in ["label", "is_fraud", "yes", "1e3", "a: b", "-x", "naïve"] {
        let y = yaml_scalar(s);
        let back: String = serde_saphyr::from_str(&y).expect("yaml");
        assert_eq!(back, s, "{y}");
    }
}
