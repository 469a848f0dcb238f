//! Shared driver of the data-loader targets: fuzz bytes → prediction file(s) → `data::load`.
//!
//! The first byte chooses the request (id join, weight, slices, a baseline, `positive:`),
//! so one corpus explores pairing and validation as well as parsing. The rest is the file;
//! with the "split" bit, the bytes after the first `SPLIT` marker are the baseline file.

use std::path::PathBuf;
use std::sync::OnceLock;

use modelgate::data::{self, LabelValue, Request};

const SPLIT: &[u8] = b"\n#SPLIT#\n";

/// Panics inside polars on corrupt files that only an upstream fix can remove; the loader
/// already reports them as input errors (regression seeds `regress-*` in the corpus), so
/// the fuzzer passes over them to look for new ones.
const KNOWN_UPSTREAM: &[&str] = &[
    // polars-parquet 0.55 `handwritten_thrift/file_metadata_thrift.rs`: a footer field
    // that should be a bool holds another thrift type -> `expect("thrift bool field")`.
    "(thrift bool field)",
];

/// A private directory for this fuzzing process: libFuzzer runs one input at a time.
fn workdir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("MODELGATE_FUZZ_TMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("modelgate-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cannot create the fuzz work directory");
        dir
    })
}

/// Runs one input through the loader for files with extension `ext`.
pub fn run(ext: &str, data: &[u8]) {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let dir = workdir();
    let candidate = dir.join(format!("candidate.{ext}"));
    let baseline_path = dir.join(format!("baseline.{ext}"));

    let (cand_bytes, base_bytes) = if flags & 0x80 != 0 {
        match body.windows(SPLIT.len()).position(|w| w == SPLIT) {
            Some(at) => (&body[..at], Some(&body[at + SPLIT.len()..])),
            None => (body, Some(body)),
        }
    } else if flags & 0x01 != 0 {
        (body, Some(body))
    } else {
        (body, None)
    };
    std::fs::write(&candidate, cand_bytes).expect("cannot write the candidate file");
    let baseline = match base_bytes {
        Some(b) => {
            std::fs::write(&baseline_path, b).expect("cannot write the baseline file");
            Some(baseline_path)
        }
        None => None,
    };

    let slicings = match (flags >> 3) & 0x03 {
        0 => vec![],
        1 => vec![vec!["country".to_string()]],
        2 => vec![vec!["country".to_string(), "channel".to_string()]],
        _ => vec![vec!["country".to_string()], vec!["channel".to_string()]],
    };
    let positive = match (flags >> 5) & 0x03 {
        0 => None,
        1 => Some(LabelValue::Str("yes".into())),
        2 => Some(LabelValue::Int(1)),
        _ => Some(LabelValue::Bool(true)),
    };
    let req = Request {
        candidate,
        baseline,
        label: "label".into(),
        score: "score".into(),
        id: (flags & 0x02 != 0).then(|| "id".to_string()),
        weight: (flags & 0x04 != 0).then(|| "w".to_string()),
        slicings,
        positive,
    };
    let loaded = data::load(&req);
    // The loader turns a panic inside polars into an input error, so that users get exit 2;
    // for the fuzzer it is still a crash to fix at its root.
    if let Err(e) = &loaded {
        let known = KNOWN_UPSTREAM.iter().any(|k| e.message.contains(k));
        assert!(
            known || !e.message.contains("reader failed unexpectedly"),
            "{e}"
        );
    }
    if let Ok(paired) = loaded {
        // What `load` promises downstream: aligned, non-empty, finite columns.
        let n = paired.len();
        assert!(n > 0, "load returned no rows");
        assert_eq!(paired.candidate.len(), n);
        assert!(paired.candidate.iter().all(|s| s.is_finite()));
        if let Some(b) = &paired.baseline {
            assert_eq!(b.len(), n);
            assert!(b.iter().all(|s| s.is_finite()));
        }
        if let Some(w) = &paired.weight {
            assert_eq!(w.len(), n);
            assert!(w.iter().all(|x| x.is_finite() && *x >= 0.0));
        }
    }
}
