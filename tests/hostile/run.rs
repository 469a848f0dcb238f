//! Hostile configs, environments and servers: limits, verdicts, escaping, redaction, outputs.
