//! Shared driver of the data-loader targets: fuzz bytes → prediction file(s) → `data::load`.
//!
//! The first byte chooses the request (id join, weight, slices, a baseline, `positive:`),
//! so one corpus explores pairing and validation as well as parsing. The rest is the file;
//! with the "split" bit, the bytes after the first `SPLIT` marker are the baseline file.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use modelgate::data::{self, LabelValue, Request};
use modelgate::task::Task;

const SPLIT: &[u8] = b"\n#SPLIT#\n";

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
        normalise_weights: flags & 0x04 != 0,
        max_slices: data::DEFAULT_MAX_SLICES,
        task: Task::Binary,
        cluster: None,
        classes: None,
        group: None,
    };
    let loaded = data::load(&req);
    // The loader turns a panic inside polars into an input error, so that users get exit 2;
    // for the fuzzer it is still a crash to fix at its root.
    if let Err(e) = &loaded
        && e.message.contains("reader failed unexpectedly")
    {
        // Corrupt Parquet reaches polars' binary decoders, whose panics only an upstream
        // fix can remove (`regress-*` seeds); users get exit 2 from the loader's guard, so
        // here they are listed once each, and the fuzzer looks on for aborts, hangs and
        // memory blow-ups. In text formats a panic has so far had a root cause on our side.
        assert!(ext == "parquet", "{e}");
        note_upstream_panic(&e.message);
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

/// Prints each distinct caught polars panic once, for the fuzzing log.
fn note_upstream_panic(message: &str) {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    // The panic text sits between the first `(` and `); the file is probably corrupt`.
    let what = message
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once("); the file"))
        .map_or(message, |(w, _)| w);
    // Task ids (`JoinError::Panic(Id(42), …`) differ per run: drop them.
    let mut key = String::with_capacity(what.len());
    let mut rest = what;
    while let Some(at) = rest.find("Id(") {
        key.push_str(&rest[..at]);
        rest = rest[at..].split_once(')').map_or("", |(_, r)| r);
    }
    key.push_str(rest);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(HashSet::new).insert(key) {
        eprintln!("caught polars panic (upstream): {what}");
    }
}
