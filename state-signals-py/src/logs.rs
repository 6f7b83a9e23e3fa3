//! The Rust library's `tracing` events in Python's `logging`, under the
//! package's logger names: `state_signals::transport::link` logs to
//! `state-signals.transport.link`, levels mapped (error → ERROR, warn →
//! WARNING, info → INFO, debug → DEBUG, trace → 5).
//!
//! `tracing` hands its events to the `log` facade when no `tracing`
//! subscriber is set (its `log` feature), and `pyo3-log` forwards them. The
//! Python loggers and their levels are cached, so an event whose level is
//! disabled costs no GIL; a level changed later takes effect for loggers
//! that have not logged yet.

use log::{LevelFilter, Log, Metadata, Record};
use pyo3::prelude::*;

/// The library's target prefix, and the package's logger-name prefix.
const LIBRARY: &str = "state_signals";
const PACKAGE: &str = "state-signals";

/// `pyo3-log`'s logger, with the library's targets renamed.
struct Renamed(pyo3_log::Logger);

/// Calls `f` with `target` renamed — `state_signals::x::y` as
/// `state-signals::x::y` (which `pyo3-log` names `state-signals.x.y`) —
/// or as it is for other targets. Every `tracing` event of the library
/// asks `enabled` first, so the new name is built on the stack: no
/// allocation on the hot path (a target longer than the buffer, which the
/// library's module paths never are, is left as it is).
fn with_renamed<R>(target: &str, f: impl FnOnce(&str) -> R) -> R {
    let Some(rest) = target
        .strip_prefix(LIBRARY)
        .filter(|rest| rest.is_empty() || rest.starts_with("::"))
    else {
        return f(target);
    };
    let mut buffer = [0u8; 128];
    let len = PACKAGE.len() + rest.len();
    let Some(name) = buffer.get_mut(..len) else {
        return f(target);
    };
    name[..PACKAGE.len()].copy_from_slice(PACKAGE.as_bytes());
    name[PACKAGE.len()..].copy_from_slice(rest.as_bytes());
    f(std::str::from_utf8(name).unwrap_or(target))
}

impl Log for Renamed {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        with_renamed(metadata.target(), |target| {
            self.0.enabled(
                &Metadata::builder()
                    .level(metadata.level())
                    .target(target)
                    .build(),
            )
        })
    }

    fn log(&self, record: &Record<'_>) {
        // The runtime's threads may still log while the interpreter shuts
        // down: the record is dropped then (`Python::attach` would panic).
        let _ = Python::try_attach(|_| {
            with_renamed(record.target(), |target| {
                self.0.log(
                    &Record::builder()
                        .args(*record.args())
                        .level(record.level())
                        .target(target)
                        .module_path(record.module_path())
                        .file(record.file())
                        .line(record.line())
                        .build(),
                )
            })
        });
    }

    fn flush(&self) {}
}

/// Forwards the library's logs to Python's `logging` (once per process;
/// an application that installed a `log` logger of its own keeps it).
pub fn install(py: Python<'_>) -> PyResult<()> {
    let logger =
        pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)?.filter(LevelFilter::Trace);
    if log::set_boxed_logger(Box::new(Renamed(logger))).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
    Ok(())
}
