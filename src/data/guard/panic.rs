//! Turning a panic inside polars into an input error (gap 1 of [`super`]): a malformed
//! file must give exit 2 and one message, never a crash or a stack trace.
//!
//! polars panics on its own worker threads as well as on the calling one, so catching
//! alone is not enough: the default panic hook would still print the panic. A hook,
//! installed once per process, stays silent for panics that a scan in progress will
//! report, and forwards every other panic (a failing test's, say) to the previous hook.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::data::DataError;

/// Scans in progress: while any is, panics raised by polars (on its own worker threads)
/// are not printed; [`catch`] reports them as an input error instead.
static SCANS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// True on a thread inside [`catch`]: its panics are caught and reported.
    static IN_SCAN: Cell<bool> = const { Cell::new(false) };
}

/// Undoes [`catch`]'s bookkeeping however the scan ends.
struct ScanGuard;

impl Drop for ScanGuard {
    fn drop(&mut self) {
        SCANS.fetch_sub(1, Ordering::SeqCst);
        IN_SCAN.with(|c| c.set(false));
    }
}

/// Whether this thread is inside [`catch`] (for tests: it must be false after one).
#[cfg(test)]
pub(crate) fn in_scan() -> bool {
    IN_SCAN.with(Cell::get)
}

/// Whether the panic hook should stay silent: the panic will be caught by a scan.
fn caught_by_scan(info: &std::panic::PanicHookInfo<'_>) -> bool {
    if IN_SCAN.with(Cell::get) {
        return true;
    }
    if SCANS.load(Ordering::SeqCst) == 0 {
        return false;
    }
    // Other threads' panics (a failing test, say) must still print: only polars' own.
    let polars_thread = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("polars"));
    let polars_code = info.location().is_some_and(|l| l.file().contains("polars"));
    polars_thread || polars_code
}

/// Installs, once per process, the hook that keeps caught polars panics quiet.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !caught_by_scan(info) {
                previous(info);
            }
        }));
    });
}

/// Runs polars code reading the file `path` (of format `kind`: `CSV`, `Parquet`,
/// `NDJSON`) with a panic turned into an input error naming the file.
pub(crate) fn catch<T>(
    path: &Path,
    kind: &str,
    read: impl FnOnce() -> Result<T, DataError>,
) -> Result<T, DataError> {
    install_hook();
    SCANS.fetch_add(1, Ordering::SeqCst);
    IN_SCAN.with(|c| c.set(true));
    let _guard = ScanGuard;
    std::panic::catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        let message = match unsupported_type(&what) {
            Some(dtype) => format!(
                "the file has a column of type {dtype}, which modelgate cannot read (decimal, float16, intervals and integers beyond 64 bits are not supported); write such columns as float64, or as text for ids"
            ),
            None => format!(
                "the {kind} reader failed unexpectedly on this file ({what}); the file is probably corrupt or truncated: check that it was written completely, and please report it if other tools read it"
            ),
        };
        Err(DataError::new(path, None, message))
    })
}

/// The column type named by a polars panic about a type it was built without: it panics
/// on meeting a decimal, float16, 128-bit integer or interval column, even one not read.
/// The two texts are polars 0.55.2's (polars-core's Arrow import and the FFI import).
fn unsupported_type(panic: &str) -> Option<&str> {
    let between = |start: &str, end: &str| {
        let at = panic.find(start)? + start.len();
        panic[at..].split_once(end).map(|(t, _)| t)
    };
    between("Arrow datatype ", " not supported by Polars")
        .or_else(|| between("could not import from `", "` type"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_about_missing_polars_types_name_the_type() {
        assert_eq!(
            unsupported_type(
                "Arrow datatype Decimal(10, 2) not supported by Polars. You probably need to activate that data-type feature."
            ),
            Some("Decimal(10, 2)")
        );
        assert_eq!(
            unsupported_type(
                "called `Result::unwrap()` on an `Err` value: ComputeError(ErrString(\"could not import from `month_day_nano_interval` type. Hint: …"
            ),
            Some("month_day_nano_interval")
        );
        assert_eq!(unsupported_type("index out of bounds"), None);
    }

    #[test]
    fn a_panic_becomes_an_input_error_naming_the_file() {
        let path = Path::new("x.csv");
        let e = catch::<()>(path, "CSV", || panic!("boom")).unwrap_err();
        assert_eq!(e.path.as_deref(), Some(path));
        assert!(
            e.message
                .contains("CSV reader failed unexpectedly on this file (boom)"),
            "{e}"
        );
        assert!(!in_scan());
        let e = catch::<()>(path, "Parquet", || {
            panic!("Arrow datatype Float16 not supported by Polars")
        })
        .unwrap_err();
        assert!(e.message.contains("type Float16"), "{e}");
    }
}
