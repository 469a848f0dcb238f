//! Waivers: a known, accepted regression shipped on purpose, without deleting its gate.
//!
//! Each waiver names a gate id and optionally a slice, an owner, a reason and an expiry
//! date. It is checked here (owner and reason present, a real calendar date); whether it
//! has expired depends on the day of the run, so [`expired`] takes that day. A waiver that
//! has expired is a config error (exit 2) that names it: an acceptance must be renewed on
//! purpose, never carried on silently.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::ConfigError;
use super::spec::{Located, RawWaiver};

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD` strictly (a real day of a real month).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.trim().as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok()?.parse::<u32>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in).contains(&day).then_some(Date {
            year: year as i32,
            month,
            day,
        })
    }

    /// Days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
    /// `days_from_civil`).
    pub fn days(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A checked waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// The gate id.
    pub gate: String,
    /// The slice (`column → value`); empty: every result of the gate.
    pub slice: BTreeMap<String, String>,
    /// Who accepted it.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Last day it holds.
    pub expires: Date,
    /// Its line in the config file.
    pub line: usize,
}

impl Waiver {
    /// Days from `today` to the expiry (0 on the last day; negative once expired).
    pub fn days_left(&self, today: Date) -> i64 {
        self.expires.days() - today.days()
    }
}

/// Checks every waiver's fields; the error names the waiver's line.
pub fn validate(raw: &[Located<RawWaiver>], path: &Path) -> Result<Vec<Waiver>, ConfigError> {
    let err = |line: usize, message: String| ConfigError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    raw.iter()
        .map(|w| {
            let v = &w.value;
            for (key, value) in [("gate", &v.gate), ("owner", &v.owner), ("reason", &v.reason)] {
                if value.trim().is_empty() {
                    return Err(err(
                        w.line,
                        format!("waiver for `{}`: `{key}` is empty; a waiver needs a gate, an owner and a reason", v.gate),
                    ));
                }
            }
            let expires = Date::parse(&v.expires).ok_or_else(|| {
                err(
                    w.line,
                    format!(
                        "waiver for `{}`: expires {:?} is not a date; write YYYY-MM-DD, e.g. 2027-01-31",
                        v.gate, v.expires
                    ),
                )
            })?;
            Ok(Waiver {
                gate: v.gate.trim().to_string(),
                slice: v.slice.clone(),
                owner: v.owner.trim().to_string(),
                reason: v.reason.trim().to_string(),
                expires,
                line: w.line,
            })
        })
        .collect()
}

/// The first waiver that has expired by `today`, as the config error that refuses the run.
pub fn expired(waivers: &[Waiver], today: Date, path: &Path) -> Result<(), ConfigError> {
    match waivers.iter().find(|w| w.days_left(today) < 0) {
        None => Ok(()),
        Some(w) => Err(ConfigError {
            path: path.to_path_buf(),
            line: Some(w.line),
            message: format!(
                "the waiver of `{}`{} (owner {}) expired on {} ({} day(s) ago); fix the regression, or renew the waiver with a new `expires:` on purpose",
                w.gate,
                slice_text(&w.slice),
                w.owner,
                w.expires,
                -w.days_left(today)
            ),
        }),
    }
}

/// ` on country=MX` or nothing.
pub fn slice_text(slice: &BTreeMap<String, String>) -> String {
    if slice.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = slice.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(" on {}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_count_days() {
        assert_eq!(Date::parse("1970-01-01").map(|d| d.days()), Some(0));
        assert_eq!(Date::parse("2000-03-01").map(|d| d.days()), Some(11_017));
        assert!(Date::parse("2027-02-29").is_none());
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2027-13-01").is_none());
        assert!(Date::parse("27-01-31").is_none());
        for days in [-1_000_000, -1, 0, 1, 11_017, 20_000, 2_932_896] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(20_484).to_string(), "2026-01-31");
    }
}
