//! One tokio runtime per process, made on first use, and the owner check
//! that keeps objects from crossing a `fork`.
//!
//! `fork` copies a process with only the calling thread: a runtime made
//! before it has no worker threads in the child, and its locks may be held
//! by threads that no longer exist there. A child therefore never touches
//! an inherited runtime or object — not even to drop it: it makes its own
//! runtime, and an object made by another process raises `RuntimeError`.

use std::sync::{Mutex, PoisonError};

use pyo3::PyResult;
use pyo3::exceptions::PyRuntimeError;
use tokio::runtime::Runtime;

/// The runtime of the process whose id it carries.
static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// This process's runtime, made on first use (in each process).
pub(crate) fn get() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((owner, runtime)) = *slot
        && owner == pid
    {
        return Ok(runtime);
    }
    // An inherited runtime (from the parent) is left alone, never dropped.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("state-signals")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the tokio runtime: {e}")))?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *slot = Some((pid, runtime));
    Ok(runtime)
}

/// The process that made an object.
pub(crate) struct Owner(u32);

impl Owner {
    pub(crate) fn new() -> Self {
        Self(std::process::id())
    }

    /// `RuntimeError` unless this is the process that made the object.
    pub(crate) fn check(&self, what: &str) -> PyResult<()> {
        let here = std::process::id();
        if here == self.0 {
            Ok(())
        } else {
            Err(PyRuntimeError::new_err(format!(
                "this {what} was created in process {} and cannot be used in process {here} \
                 (objects do not cross a fork): create a new {what} in this process",
                self.0
            )))
        }
    }

    /// Drops `value` in the process that made it (inside its runtime);
    /// in any other process, forgets it.
    pub(crate) fn release<T>(&self, value: Option<T>) {
        let Some(value) = value else { return };
        if std::process::id() != self.0 {
            std::mem::forget(value);
            return;
        }
        match get() {
            Ok(runtime) => {
                let _context = runtime.enter();
                drop(value);
            }
            Err(_) => std::mem::forget(value),
        }
    }
}
