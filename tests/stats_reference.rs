//! The statistics stage against reference implementations (see tests/reference/README.md):
//! R pROC for DeLong, statsmodels for McNemar and the corrections, NumPy for percentiles.

use std::path::PathBuf;

use modelgate::metrics::Ranked;
use modelgate::stats::WeightKind;
use modelgate::stats::bootstrap::{p_value_zero, percentile_interval, std_ddof1};
use modelgate::stats::correction::{Correction, adjust};
use modelgate::stats::delong::{self, PairedAuc};
use modelgate::stats::{RowGroups, mcnemar};
use serde_json::Value;

fn reference(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "reference", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&reference(name)).expect("valid JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

/// `|a − b| ≤ tol·max(1, |b|)`.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// pROC's aSAH data: labels and the three markers, as [`Ranked`] rows.
struct Asah {
    wfns: Ranked,
    s100b: Ranked,
    ndka: Ranked,
}

fn asah() -> Asah {
    let text = reference("asah.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("y_true,wfns,s100b,ndka"));
    let (mut y, mut cols) = (Vec::new(), [Vec::new(), Vec::new(), Vec::new()]);
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        y.push(f[0] == "1");
        for (c, v) in cols.iter_mut().zip(&f[1..]) {
            c.push(v.parse::<f64>().expect("a number"));
        }
    }
    assert_eq!((y.len(), y.iter().filter(|&&p| p).count()), (113, 41));
    let rank = |s: &[f64]| Ranked::new(s, &y, None);
    Asah {
        wfns: rank(&cols[0]),
        s100b: rank(&cols[1]),
        ndka: rank(&cols[2]),
    }
}

fn paired(c: &Ranked, b: &Ranked) -> PairedAuc {
    delong::paired(c, b, RowGroups::ALL, WeightKind::Sampling, 0.95)[0].expect("defined")
}

#[test]
fn delong_paired_matches_proc_roc_test() {
    let d = asah();
    let gold = json("asah-proc.json");
    for (name, c, b) in [
        ("wfns_vs_s100b", &d.wfns, &d.s100b),
        ("wfns_vs_ndka", &d.wfns, &d.ndka),
        ("ndka_vs_s100b", &d.ndka, &d.s100b),
    ] {
        let g = &gold[name];
        let got = paired(c, b);
        assert!(
            close(got.z, num(&g["z"]), 1e-9),
            "{name} z: {} vs {}",
            got.z,
            g["z"]
        );
        assert!(
            close(got.p_value, num(&g["p"]), 1e-9),
            "{name} p: {} vs {}",
            got.p_value,
            g["p"]
        );
        if let Some(ci) = g.get("ci") {
            let ci = floats(ci);
            assert!(
                close(got.interval.lo, ci[0], 1e-9),
                "{name} lo: {:?}",
                got.interval
            );
            assert!(
                close(got.interval.hi, ci[1], 1e-9),
                "{name} hi: {:?}",
                got.interval
            );
        }
    }
    // The printed AUCs (4 decimals) confirm pROC's direction: higher = more likely positive.
    for (name, r) in [("wfns", &d.wfns), ("s100b", &d.s100b), ("ndka", &d.ndka)] {
        let auc = delong::single(r, RowGroups::ALL, WeightKind::Sampling, 0.95)[0]
            .expect("defined")
            .auc;
        assert!(
            (auc - num(&gold["auc"][name])).abs() < 5e-5,
            "{name}: {auc}"
        );
    }
}

#[test]
fn delong_var_cov_ci_match_proc_tests() {
    let d = asah();
    let gold = json("proc-extra.json");
    let one = |r: &Ranked| {
        delong::single(r, RowGroups::ALL, WeightKind::Sampling, 0.95)[0].expect("defined")
    };
    for (name, r) in [("wfns", &d.wfns), ("s100b", &d.s100b), ("ndka", &d.ndka)] {
        let want = num(&gold["var"][name]);
        let got = one(r).variance;
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "var {name}: {got} vs {want}"
        );
    }
    for (name, a, b) in [
        ("wfns_ndka", &d.wfns, &d.ndka),
        ("ndka_s100b", &d.ndka, &d.s100b),
        ("s100b_wfns", &d.s100b, &d.wfns),
    ] {
        let want = num(&gold["cov"][name]);
        let got = paired(a, b).covariance;
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "cov {name}: {got} vs {want}"
        );
    }
    let ci = floats(&gold["ci_auc_ndka"]);
    let got = one(&d.ndka);
    assert!(close(got.interval.lo, ci[0], 1e-9), "{:?}", got.interval);
    assert!(close(got.auc, ci[1], 1e-12), "{}", got.auc);
    assert!(close(got.interval.hi, ci[2], 1e-9), "{:?}", got.interval);
}

#[test]
fn frequency_weights_equal_duplicated_rows_on_asah() {
    // Integer weights as frequencies must equal the unweighted test on duplicated rows.
    let text = reference("asah.csv");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    let w: Vec<f64> = (0..rows.len()).map(|i| (1 + i % 3) as f64).collect();
    let y: Vec<bool> = rows.iter().map(|r| r[0] == 1.0).collect();
    let col = |c: usize| rows.iter().map(|r| r[c]).collect::<Vec<f64>>();
    let weighted = delong::paired(
        &Ranked::new(&col(1), &y, Some(&w)),
        &Ranked::new(&col(3), &y, Some(&w)),
        RowGroups::ALL,
        WeightKind::Frequency,
        0.95,
    )[0]
    .expect("defined");
    let dup = |c: usize| -> (Vec<f64>, Vec<bool>) {
        let mut s = Vec::new();
        let mut l = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            for _ in 0..w[i] as usize {
                s.push(r[c]);
                l.push(y[i]);
            }
        }
        (s, l)
    };
    let ((s1, l1), (s3, _)) = (dup(1), dup(3));
    let plain = paired(&Ranked::new(&s1, &l1, None), &Ranked::new(&s3, &l1, None));
    assert!(
        close(weighted.z, plain.z, 1e-12),
        "{} vs {}",
        weighted.z,
        plain.z
    );
    assert!(close(weighted.variance, plain.variance, 1e-12));
    assert!(close(weighted.covariance, plain.covariance, 1e-12));
}

#[test]
fn mcnemar_matches_statsmodels() {
    let gold = json("stats-golden.json");
    for case in gold["mcnemar"].as_array().expect("cases") {
        let (b, c) = (
            case["b"].as_u64().expect("b"),
            case["c"].as_u64().expect("c"),
        );
        let got = mcnemar::exact(b, c);
        let (p, mid) = (num(&case["p"]), num(&case["mid_p"]));
        // Relative: some p-values are ~1e-208.
        assert!(
            (got.p - p).abs() <= 1e-10 * p,
            "b={b} c={c}: p {} vs {p}",
            got.p
        );
        assert!(
            (got.mid_p - mid).abs() <= 1e-10 * mid,
            "b={b} c={c}: mid-p {} vs {mid}",
            got.mid_p
        );
        assert_eq!((got.b, got.c), (b, c));
    }
}

#[test]
fn corrections_match_statsmodels() {
    let gold = json("stats-golden.json");
    for case in gold["correction"].as_array().expect("cases") {
        let p = floats(&case["p"]);
        for (method, key) in [
            (Correction::Holm, "holm"),
            (Correction::BenjaminiHochberg, "bh"),
        ] {
            let got = adjust(&p, method);
            for (g, w) in got.iter().zip(floats(&case[key])) {
                assert!((g - w).abs() < 1e-14, "{key} on {p:?}: {got:?}");
            }
        }
    }
}

#[test]
fn percentile_interval_se_and_p_match_numpy() {
    let gold = json("stats-golden.json");
    for case in gold["percentile"].as_array().expect("cases") {
        let reps = floats(&case["replicates"]);
        let mut sorted = reps.clone();
        sorted.sort_by(f64::total_cmp);
        for iv in case["intervals"].as_array().expect("intervals") {
            let got = percentile_interval(&sorted, num(&iv["confidence"])).expect("interval");
            assert!((got.lo - num(&iv["lo"])).abs() < 1e-12, "{got:?} vs {iv}");
            assert!((got.hi - num(&iv["hi"])).abs() < 1e-12, "{got:?} vs {iv}");
        }
        let se = num(&case["se"]);
        assert!((std_ddof1(&sorted) - se).abs() < 1e-12 * se, "se");
        assert_eq!(p_value_zero(reps.iter().copied()), num(&case["p_zero"]));
    }
}
