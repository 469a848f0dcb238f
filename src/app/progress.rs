//! A progress line on stderr for long runs in a terminal; silent in CI logs unless asked.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this never show a progress line.
const DELAY: Duration = Duration::from_secs(2);

/// A spinner with the current stage, drawn only once the run has taken [`DELAY`].
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicBool>,
}

impl Progress {
    /// `forced`: `--progress` was given. Otherwise a terminal on stderr outside CI.
    pub fn new(forced: bool) -> Progress {
        let in_ci = std::env::var_os("CI").is_some();
        let enabled = forced || (std::io::stderr().is_terminal() && !in_ci);
        let done = Arc::new(AtomicBool::new(false));
        if !enabled {
            return Progress { bar: None, done };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} modelgate: {msg} ({elapsed})") {
            bar.set_style(style);
        }
        // Show the line only when the run turns out to be long.
        let (b, d) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            if !d.load(Ordering::Relaxed) {
                b.set_draw_target(ProgressDrawTarget::stderr());
                b.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Progress {
            bar: Some(bar),
            done,
        }
    }

    /// Names the stage now running.
    pub fn stage(&self, msg: impl Into<String>) {
        if let Some(b) = &self.bar {
            b.set_message(msg.into());
        }
    }

    /// Clears the line; call before printing the report.
    pub fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
