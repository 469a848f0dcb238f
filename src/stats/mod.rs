//! Statistics on paired models: intervals, tests and multiple-comparison corrections.
