//! Applying waivers to judged outcomes: a failing result a waiver matches becomes
//! [`Status::Waived`] (shown with owner, reason and days left, never hidden); the waivers
//! that matched no failing result are returned, for a warning.

use crate::config::waiver::{Date, Waiver};

use super::{Outcome, Status};

/// A waiver as applied to one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// Who accepted the regression.
    pub owner: String,
    /// Why.
    pub reason: String,
    /// Last day it holds.
    pub expires: Date,
    /// Days left on the day of the run (0 on the last day).
    pub days_left: i64,
    /// The waiver's line in the config.
    pub line: usize,
}

/// Whether `w` names this outcome: same gate id, and (when it names a slice) the same
/// slice, every column and value.
fn matches(w: &Waiver, o: &Outcome) -> bool {
    if w.gate != o.id {
        return false;
    }
    if w.slice.is_empty() {
        return true;
    }
    o.slice.len() == w.slice.len()
        && o.slice.iter().all(|(col, v)| {
            w.slice
                .get(col)
                .is_some_and(|want| Some(want) == v.as_ref())
        })
}

/// Marks every failing outcome a waiver matches as waived (the first matching waiver, in
/// file order). Returns the waivers that matched no failing outcome. Waivers must not be
/// expired (checked before the run, [`crate::config::waiver::expired`]).
pub fn apply<'w>(outcomes: &mut [Outcome], waivers: &'w [Waiver], today: Date) -> Vec<&'w Waiver> {
    let mut used = vec![false; waivers.len()];
    for o in outcomes.iter_mut().filter(|o| o.status == Status::Fail) {
        if let Some(k) = waivers.iter().position(|w| matches(w, o)) {
            let w = &waivers[k];
            used[k] = true;
            o.status = Status::Waived;
            o.waiver = Some(Applied {
                owner: w.owner.clone(),
                reason: w.reason.clone(),
                expires: w.expires,
                days_left: w.days_left(today),
                line: w.line,
            });
        }
    }
    waivers
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(w, _)| w)
        .collect()
}
