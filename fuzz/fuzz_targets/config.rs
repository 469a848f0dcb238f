//! Config text → `config::parse` → `config::validate`: any input must give `Ok` or a
//! `ConfigError`, never a panic, an abort or unbounded memory.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelgate::config::{self, Overrides};

fuzz_target!(|data: &[u8]| {
    // The CLI reads configs with `read_to_string`, so non-UTF-8 never reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(raw) = config::parse(text) else {
        return;
    };
    if let Ok(spec) = config::validate(raw, Path::new("fuzz/modelgate.yaml"), &Overrides::default())
    {
        // Every gate of a valid spec has a unique id: `validate` promises it.
        let mut ids: Vec<&str> = spec.gates.iter().map(|g| g.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate gate ids in a validated spec");
    }
});
