//! The native core of the `state_signals_rs` Python module: an exporter and
//! a responder of the `state-signals` Rust library, driven from Python.
//!
//! The Python side (`python/state_signals_rs/__init__.py`) gives them the
//! `state-signals` 1.0.1 API; this side owns the connections and the waits.
//! Every wait releases the GIL and wakes every 50 ms to let Python
//! handle signals (Ctrl-C). Objects and the tokio runtime belong to the
//! process that made them: see the `runtime` module.

// The methods mirror the Python API's keyword arguments one for one.
#![allow(clippy::too_many_arguments)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::{PyConnectionError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use state_signals::{
    ConnectOptions, Error, Reply, ResultCode, Signal, SignalExporter, SignalResponder, Signals,
};

mod logs;
mod runtime;

/// How long a wait runs without the GIL before Python checks for signals.
const SLICE: Duration = Duration::from_millis(50);

/// Runs `fut` to completion on this process's runtime without the GIL. On
/// the main thread (the only one Python delivers signals to) it wakes every
/// [`SLICE`] and raises `KeyboardInterrupt` (or whatever a signal handler
/// raises) as soon as a signal is pending; other threads just wait.
fn wait<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime::get()?;
    // The future is dropped (on Ctrl-C) inside the runtime's context.
    let _context = rt.enter();
    if !on_main_thread(py)? {
        return Ok(py.detach(|| rt.block_on(fut)));
    }
    let mut fut = Box::pin(fut);
    loop {
        let step = py.detach(|| rt.block_on(async { tokio::time::timeout(SLICE, &mut fut).await }));
        match step {
            Ok(output) => return Ok(output),
            Err(_) => py.check_signals()?,
        }
    }
}

/// Runs `fut` as a task of this process's runtime and waits for its output
/// without the GIL, on a plain channel: the task does its I/O on the
/// runtime's threads and wakes this one once, at the end (no timer is
/// registered per call). On the main thread the wait wakes every [`SLICE`]
/// for Python's signal handlers; an exception there (Ctrl-C) cancels the
/// task.
fn run<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = runtime::get()?;
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let task = rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    let ended =
        || PyRuntimeError::new_err("the operation ended without a result (a panic in the library)");
    if !on_main_thread(py)? {
        return py.detach(move || rx.recv()).map_err(|_| ended());
    }
    let mut rx = rx;
    loop {
        // The receiver goes into the GIL-free closure and comes back.
        let (back, received) = py.detach(move || {
            let received = rx.recv_timeout(SLICE);
            (rx, received)
        });
        rx = back;
        match received {
            Ok(output) => return Ok(output),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err(ended()),
        }
    }
}

/// Whether this is Python's main thread.
fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let threading = py.import("threading")?;
    let main = threading.call_method0("main_thread")?;
    let current = threading.call_method0("current_thread")?;
    Ok(main.is(&current))
}

/// A library error as the Python exception the package would raise.
fn to_py(error: Error) -> PyErr {
    match &error {
        Error::Connect { .. } => PyConnectionError::new_err(error.to_string()),
        Error::Redis { .. } | Error::CommandTimeout { .. } => {
            PyConnectionError::new_err(error.to_string())
        }
        Error::IllegalEvent { .. }
        | Error::ReservedEvent { .. }
        | Error::PayloadTooLarge { .. }
        | Error::InvalidTls { .. } => PyValueError::new_err(error.to_string()),
        _ => PyRuntimeError::new_err(error.to_string()),
    }
}

/// Connect options for `url`: `conn_timeout` seconds of retries (negative:
/// forever), TLS material for `rediss://`.
fn options(
    url: String,
    conn_timeout: f64,
    ca_pem: Option<Vec<u8>>,
    client_pem: Option<(Vec<u8>, Vec<u8>)>,
    insecure: bool,
) -> ConnectOptions {
    let mut options = ConnectOptions::url(url);
    // Negative, NaN, infinite or too large for a `Duration`: retry forever.
    options = match timeout(Some(conn_timeout)) {
        Some(limit) => options.connect_timeout(limit),
        None => options.no_connect_timeout(),
    };
    if let Some(ca) = ca_pem {
        options = options.tls_ca_pem(ca);
    }
    if let Some((cert, key)) = client_pem {
        options = options.tls_client_pem(cert, key);
    }
    if insecure {
        options = options.danger_accept_invalid_certs();
    }
    options
}

/// A timeout in seconds; `None`, negative, NaN, infinite or too large for
/// a `Duration` (the Python side has refused what it must refuse): none.
/// Never panics.
fn timeout(seconds: Option<f64>) -> Option<Duration> {
    seconds
        .filter(|s| *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// An exporter (see `SignalExporter` on the Python side).
#[pyclass(module = "state_signals_rs._native")]
struct Exporter {
    owner: runtime::Owner,
    inner: Option<Arc<SignalExporter>>,
}

impl Exporter {
    fn get(&self) -> PyResult<&Arc<SignalExporter>> {
        self.owner.check("SignalExporter")?;
        self.inner
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the exporter is closed"))
    }
}

#[pymethods]
impl Exporter {
    /// Connects (retrying for `conn_timeout` seconds; negative: forever).
    #[new]
    #[pyo3(signature = (process_name, url, runner_host=None, conn_timeout=20.0, ca_pem=None, client_pem=None, insecure=false))]
    fn new(
        py: Python<'_>,
        process_name: String,
        url: String,
        runner_host: Option<String>,
        conn_timeout: f64,
        ca_pem: Option<Vec<u8>>,
        client_pem: Option<(Vec<u8>, Vec<u8>)>,
        insecure: bool,
    ) -> PyResult<Self> {
        let mut builder = SignalExporter::builder(process_name).options(options(
            url,
            conn_timeout,
            ca_pem,
            client_pem,
            insecure,
        ));
        if let Some(host) = runner_host {
            builder = builder.runner_host(host);
        }
        let exporter = wait(py, builder.connect())?.map_err(to_py)?;
        Ok(Self {
            owner: runtime::Owner::new(),
            inner: Some(Arc::new(exporter)),
        })
    }

    /// `<process_name>-<uuid4>`.
    #[getter]
    fn pub_id(&self) -> PyResult<String> {
        Ok(self.get()?.publisher_id().to_owned())
    }

    /// The host named in every signal.
    #[getter]
    fn runner_host(&self) -> PyResult<String> {
        Ok(self.get()?.runner_host().to_owned())
    }

    /// Whether `initialize` was called and `shutdown` was not.
    fn is_initialized(&self) -> PyResult<bool> {
        Ok(self.get()?.is_initialized())
    }

    /// The subscriber set, sorted.
    fn subscribers(&self) -> PyResult<Vec<String>> {
        Ok(self.get()?.subscribers())
    }

    /// Adds a subscriber; whether it was new.
    fn add_subscriber(&self, responder_id: String) -> PyResult<bool> {
        Ok(self.get()?.add_subscriber(responder_id))
    }

    /// Removes a subscriber; whether it was one.
    fn remove_subscriber(&self, responder_id: &str) -> PyResult<bool> {
        Ok(self.get()?.remove_subscriber(responder_id))
    }

    /// Subscribes to answers and publishes `initialization`.
    #[pyo3(signature = (legal_events, tag=None, expected=None))]
    fn initialize(
        &self,
        py: Python<'_>,
        legal_events: Vec<String>,
        tag: Option<String>,
        expected: Option<Vec<String>>,
    ) -> PyResult<()> {
        let exporter = Arc::clone(self.get()?);
        run(py, async move {
            let mut init = exporter.initialize(legal_events);
            if let Some(tag) = tag {
                init = init.tag(tag);
            }
            if let Some(expected) = expected {
                init = init.expected_responders(expected);
            }
            init.await
        })?
        .map_err(to_py)
    }

    /// `initialize`, then waits for `count` subscribers: 0 when they came,
    /// 1 on timeout (seconds; `None` or negative: none).
    #[pyo3(signature = (count, legal_events, tag=None, expected=None, timeout_s=None, periodic=false))]
    fn initialize_and_wait(
        &self,
        py: Python<'_>,
        count: usize,
        legal_events: Vec<String>,
        tag: Option<String>,
        expected: Option<Vec<String>>,
        timeout_s: Option<f64>,
        periodic: bool,
    ) -> PyResult<i32> {
        let exporter = Arc::clone(self.get()?);
        let limit = timeout(timeout_s);
        let waited = run(py, async move {
            let mut init = exporter
                .initialize_and_wait(count, legal_events)
                .periodic(periodic);
            init = match limit {
                Some(limit) => init.timeout(limit),
                None => init.no_timeout(),
            };
            if let Some(tag) = tag {
                init = init.tag(tag);
            }
            if let Some(expected) = expected {
                init = init.expected_responders(expected);
            }
            init.await
        })?;
        match waited {
            Ok(()) => Ok(0),
            Err(Error::SubscribersTimeout { .. }) => Ok(1),
            Err(error) => Err(to_py(error)),
        }
    }

    /// Publishes `event` and waits for the subscribers' answers (timeout in
    /// seconds; `None` or negative: none). Returns the result code, the
    /// messages by responder id (subscribers' and others'), and the
    /// responders that failed and that are missing.
    #[pyo3(signature = (event, sample=-1, tag=None, metadata_json=None, timeout_s=None))]
    #[allow(clippy::type_complexity)]
    fn publish(
        &self,
        py: Python<'_>,
        event: String,
        sample: i64,
        tag: Option<String>,
        metadata_json: Option<String>,
        timeout_s: Option<f64>,
    ) -> PyResult<(i32, Vec<(String, String)>, Vec<String>, Vec<String>)> {
        let exporter = Arc::clone(self.get()?);
        let metadata = match metadata_json {
            Some(json) => Some(
                serde_json::from_str::<serde_json::Value>(&json)
                    .map_err(|e| PyValueError::new_err(format!("metadata: {e}")))?,
            ),
            None => None,
        };
        let limit = timeout(timeout_s);
        let report = run(py, async move {
            let mut publish = exporter.publish_signal(event).sample(sample);
            if let Some(tag) = tag {
                publish = publish.tag(tag);
            }
            if let Some(value) = metadata {
                publish = publish.metadata_value(value);
            }
            publish = match limit {
                Some(limit) => publish.timeout(limit),
                None => publish.no_timeout(),
            };
            publish.await
        })?
        .map_err(to_py)?;
        let code = match report.code {
            ResultCode::AllSucceeded => 0,
            ResultCode::SomeFailed => 1,
            _ => 2,
        };
        let messages = report
            .messages()
            .map(|(id, m)| (id.to_owned(), m.to_owned()))
            .collect();
        let failed = report.failed().map(|(id, _)| id.to_owned()).collect();
        let missing = report.missing.iter().cloned().collect();
        Ok((code, messages, failed, missing))
    }

    /// Stops accepting subscribers, clears the set, publishes `shutdown`.
    #[pyo3(signature = (tag=None))]
    fn shutdown(&self, py: Python<'_>, tag: Option<String>) -> PyResult<()> {
        let exporter = Arc::clone(self.get()?);
        run(py, async move {
            let mut shutdown = exporter.shutdown();
            if let Some(tag) = tag {
                shutdown = shutdown.tag(tag);
            }
            shutdown.await
        })?
        .map_err(to_py)
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.owner.release(self.inner.take());
    }
}

/// A responder (see `SignalResponder` on the Python side).
#[pyclass(module = "state_signals_rs._native")]
struct Responder {
    owner: runtime::Owner,
    inner: Option<(state_signals::ResponderHandle, Mutex<Signals>)>,
}

impl Responder {
    fn get(&self) -> PyResult<&(state_signals::ResponderHandle, Mutex<Signals>)> {
        self.owner.check("SignalResponder")?;
        self.inner
            .as_ref()
            .ok_or_else(|| PyRuntimeError::new_err("the responder is closed"))
    }
}

/// A signal as a tuple: publisher id, process name, event, runner host,
/// sample number, tag, metadata as JSON (or `None`).
type SignalTuple = (String, String, String, String, i64, String, Option<String>);

#[pymethods]
impl Responder {
    /// Connects and subscribes (retrying for `conn_timeout` seconds;
    /// negative: forever).
    #[new]
    #[pyo3(signature = (url, name=None, responder_id=None, conn_timeout=20.0, ca_pem=None, client_pem=None, insecure=false))]
    fn new(
        py: Python<'_>,
        url: String,
        name: Option<String>,
        responder_id: Option<String>,
        conn_timeout: f64,
        ca_pem: Option<Vec<u8>>,
        client_pem: Option<(Vec<u8>, Vec<u8>)>,
        insecure: bool,
    ) -> PyResult<Self> {
        let mut builder = SignalResponder::builder().options(options(
            url,
            conn_timeout,
            ca_pem,
            client_pem,
            insecure,
        ));
        if let Some(name) = name {
            builder = builder.name(name);
        }
        if let Some(id) = responder_id {
            builder = builder.responder_id(id);
        }
        let responder = wait(py, builder.connect())?.map_err(to_py)?;
        let (handle, signals) = responder.split();
        Ok(Self {
            owner: runtime::Owner::new(),
            inner: Some((handle, Mutex::new(signals))),
        })
    }

    /// This responder's id.
    #[getter]
    fn responder_id(&self) -> PyResult<String> {
        Ok(self.get()?.0.responder_id().to_owned())
    }

    /// The next signal that passes the locks; `None` once the responder
    /// ended. Waits without the GIL; Ctrl-C interrupts it.
    fn next_signal(&self, py: Python<'_>) -> PyResult<Option<SignalTuple>> {
        let (_, signals) = self.get()?;
        // Never wait for this lock with the GIL held (the holder waits
        // without it, and would wait for us): a second concurrent reader is
        // refused at once, as the package's shared generator refuses it.
        let mut signals = match signals.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(PyValueError::new_err("generator already executing"));
            }
        };
        let signal: Option<Signal> = wait(py, signals.recv())?;
        Ok(signal.map(|s| {
            let metadata = s.metadata.map(|m| serde_json::Value::Object(m).to_string());
            (
                s.publisher_id,
                s.process_name,
                s.event,
                s.runner_host,
                s.sample_no,
                s.tag,
                metadata,
            )
        }))
    }

    /// Publishes a response (without `ras` when `ras` is `None`). With
    /// `sample_no` and `tag` (an answer made from a signal) they are sent
    /// too, so that a late answer is never counted for a later signal.
    #[pyo3(signature = (publisher_id, event, ras=None, message=None, sample_no=None, tag=None))]
    fn respond(
        &self,
        py: Python<'_>,
        publisher_id: String,
        event: String,
        ras: Option<i64>,
        message: Option<String>,
        sample_no: Option<i64>,
        tag: Option<String>,
    ) -> PyResult<()> {
        let handle = self.get()?.0.clone();
        let mut reply = match ras {
            Some(ras) => Reply::from(state_signals::Ras::new(ras)),
            None => Reply::ack(),
        };
        if let Some(message) = message {
            reply = reply.with_message(message);
        }
        let sent = run(py, async move {
            match (sample_no, tag) {
                (Some(sample_no), Some(tag)) => {
                    let signal = Signal::new(event)
                        .with_publisher_id(publisher_id)
                        .with_sample_no(sample_no)
                        .with_tag(tag);
                    handle.respond_to(&signal, reply).await
                }
                _ => handle.respond(&publisher_id, &event, reply).await,
            }
        })?;
        sent.map_err(to_py)
    }

    /// Only yields signals from this publisher.
    fn lock_id(&self, publisher_id: &str) -> PyResult<()> {
        self.get()?.0.lock_id(publisher_id);
        Ok(())
    }

    /// Only yields signals with this tag.
    fn lock_tag(&self, tag: &str) -> PyResult<()> {
        self.get()?.0.lock_tag(tag);
        Ok(())
    }

    /// Releases both locks.
    fn unlock(&self) -> PyResult<()> {
        self.get()?.0.unlock();
        Ok(())
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.owner.release(self.inner.take());
    }
}

/// The native module `state_signals_rs._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logs::install(m.py())?;
    m.add_class::<Exporter>()?;
    m.add_class::<Responder>()?;
    Ok(())
}
