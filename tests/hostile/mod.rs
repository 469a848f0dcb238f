//! Hostile inputs, configs, environments and servers (issue: "a gate that cannot be fooled").
//! Each case asserts the exit code, the named cause, and that no row was dropped or added.
//! `data`: what is read (listing, pairing, bytes, sizes); `run`: config limits, verdicts on
//! nothing or non-finite numbers, escaping, token redaction, HTTP limits, atomic outputs.
mod data;
mod run;
