//! Test harness: a private `redis-server` per test, raw pub/sub helpers that
//! bypass the library, and the Python `state-signals` venv for interop tests.
#![allow(missing_docs, clippy::new_without_default)]

pub mod cluster;
pub mod logs;
pub mod proxy;
pub mod sentinel;
pub mod tls;

use std::future::IntoFuture;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

use futures_util::StreamExt;
use state_signals::{
    SignalExporter, SignalExporterBuilder, SignalResponder, SignalResponderBuilder,
};
use tokio::sync::mpsc;

/// Every network await in the tests sits under this, so a hang fails in seconds.
pub const LIMIT: Duration = Duration::from_secs(15);

/// The README's ACL rules for exporters and responders.
pub const PARTICIPANT: &[&str] = &[
    "resetchannels",
    "&event-signal-pubsub",
    "&event-signal-response",
    "-@all",
    "+hello",
    "+ping",
    "+publish",
    "+subscribe",
];
/// The README's ACL rules for monitors (and `listen`).
pub const MONITOR: &[&str] = &[
    "resetchannels",
    "&event-signal-pubsub",
    "&event-signal-response",
    "-@all",
    "+hello",
    "+ping",
    "+subscribe",
];

/// `options` with the tests' short liveness bound: a health check every
/// 300 ms, a command timeout of 700 ms.
pub fn short_liveness(options: state_signals::ConnectOptions) -> state_signals::ConnectOptions {
    options
        .health_check_interval(Duration::from_millis(300))
        .command_timeout(Duration::from_millis(700))
}

/// Waits (under [`LIMIT`]) for the next exporter event that `want` accepts.
pub async fn next_event(
    events: &mut state_signals::ExporterEvents,
    want: fn(&state_signals::ExporterEvent) -> bool,
) {
    within(async {
        loop {
            if want(&events.recv().await.expect("exporter events")) {
                return;
            }
        }
    })
    .await
}

/// Awaits `fut`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<T>(fut: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(LIMIT, fut.into_future())
        .await
        .expect("timed out: the awaited operation hung")
}

/// A `redis-server` of this test's own on a free port; killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    extra_args: Vec<String>,
}

impl RedisServer {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts a server with extra `redis-server` arguments (e.g. `--requirepass`),
    /// on a blocking thread (starting a process and probing it block).
    pub async fn start_with(extra_args: &[&str]) -> Self {
        let extra_args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || Self::start_blocking(extra_args))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    fn start_blocking(extra_args: Vec<String>) -> Self {
        for _ in 0..5 {
            let port = free_port();
            let mut server = Self {
                child: None,
                port,
                extra_args: extra_args.clone(),
            };
            if server.spawn() {
                return server;
            }
        }
        panic!("could not start redis-server on a free port after 5 attempts");
    }

    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &std::env::temp_dir().display().to_string(),
            ])
            .args(&self.extra_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`redis-server` is not installed or not on PATH: install it \
                 (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`)"
            ),
            Err(e) => panic!("cannot run redis-server: {e}"),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return false; // exited: the port was taken
            }
            let password = self
                .extra_args
                .iter()
                .position(|a| a == "--requirepass")
                .and_then(|i| self.extra_args.get(i + 1));
            match server_pid(self.port, password.map(String::as_str)) {
                // Ours: another test's server may hold the port we were given.
                Some(pid) if pid == child.id() => {
                    self.child = Some(child);
                    return true;
                }
                Some(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return false;
                }
                None => {}
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        false
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to clients).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (on a blocking thread).
    pub async fn restart(&mut self) {
        self.stop();
        let mut again = Self {
            child: None,
            port: self.port,
            extra_args: self.extra_args.clone(),
        };
        let child = tokio::task::spawn_blocking(move || {
            for _ in 0..50 {
                if again.spawn() {
                    return again.child.take();
                }
                // The port may still be held by the dying server.
                std::thread::sleep(Duration::from_millis(100));
            }
            None
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        self.child = Some(
            child.unwrap_or_else(|| panic!("could not restart redis-server on port {}", self.port)),
        );
    }

    /// Connection options for this server.
    pub fn options(&self) -> state_signals::ConnectOptions {
        state_signals::ConnectOptions::url(self.url())
    }

    pub fn exporter(&self, process: &str) -> SignalExporterBuilder {
        SignalExporter::builder(process).url(self.url())
    }

    pub fn responder(&self) -> SignalResponderBuilder {
        SignalResponder::builder().url(self.url())
    }

    /// A connection for the test's own commands: no response timeout of
    /// its own (the redis crate's default is short enough for a loaded
    /// machine to hit); [`within`] bounds every await instead.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url()).expect("valid url");
        let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
        within(client.get_multiplexed_async_connection_with_config(&config))
            .await
            .expect("connect to the test server")
    }

    /// `ACL SETUSER user rules…`.
    pub async fn acl_setuser(&self, user: &str, rules: &[&str]) {
        let mut conn = self.connection().await;
        let mut cmd = redis::cmd("ACL");
        cmd.arg("SETUSER").arg(user).arg(rules);
        within(cmd.query_async::<()>(&mut conn))
            .await
            .expect("ACL SETUSER");
    }

    /// PUBLISH with a plain client; returns the receiver count.
    pub async fn publish_raw(&self, channel: &str, payload: impl AsRef<[u8]>) -> usize {
        self.publish_raw_in_order(channel, [payload]).await
    }

    /// PUBLISHes each payload in turn on one plain connection (so they
    /// arrive in this order); returns the last receiver count.
    pub async fn publish_raw_in_order(
        &self,
        channel: &str,
        payloads: impl IntoIterator<Item = impl AsRef<[u8]>>,
    ) -> usize {
        let mut conn = self.connection().await;
        let mut receivers = 0;
        for payload in payloads {
            receivers = within(
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload.as_ref())
                    .query_async::<usize>(&mut conn),
            )
            .await
            .expect("PUBLISH");
        }
        receivers
    }

    /// A plain subscriber: every payload on `channel`, as text, in order.
    /// Returns once the subscription is confirmed.
    pub async fn raw_subscriber(&self, channel: &str) -> mpsc::UnboundedReceiver<String> {
        let client = redis::Client::open(self.url()).expect("valid url");
        let mut pubsub = within(client.get_async_pubsub()).await.expect("pubsub");
        within(pubsub.subscribe(channel)).await.expect("SUBSCRIBE");
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            while let Some(msg) = messages.next().await {
                let text = String::from_utf8_lossy(msg.get_payload_bytes()).into_owned();
                if tx.send(text).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Runs `publish` and, once its signal shows on `wire` (a raw subscriber
    /// of the signal channel), publishes each of `answers` raw on the
    /// response channel, in order.
    pub async fn publish_with_raw_answers<T>(
        &self,
        wire: &mut mpsc::UnboundedReceiver<String>,
        publish: impl IntoFuture<Output = T>,
        answers: &[impl AsRef<[u8]>],
    ) -> T {
        let inject = async {
            next_json(wire).await;
            for answer in answers {
                self.publish_raw("event-signal-response", answer).await;
            }
        };
        within(async { tokio::join!(publish.into_future(), inject).0 }).await
    }

    /// How many connections the server has accepted so far (`INFO stats`
    /// `total_connections_received`), this query's own included.
    pub async fn connections_received(&self) -> u64 {
        let mut conn = self.connection().await;
        let info: String = within(redis::cmd("INFO").arg("stats").query_async(&mut conn))
            .await
            .expect("INFO stats");
        info.lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("total_connections_received in INFO stats")
    }

    /// How many clients are subscribed to `channel`.
    pub async fn numsub(&self, channel: &str) -> usize {
        let mut conn = self.connection().await;
        let (_, n): (String, usize) = within(
            redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(channel)
                .query_async::<Vec<(String, usize)>>(&mut conn),
        )
        .await
        .expect("PUBSUB NUMSUB")
        .into_iter()
        .next()
        .expect("one channel");
        n
    }

    /// Waits until at least `n` clients are subscribed to `channel`.
    pub async fn wait_numsub(&self, channel: &str, n: usize) {
        self.wait_numsub_until(channel, |count| count >= n).await
    }

    /// Waits until the number of clients subscribed to `channel` satisfies
    /// `done`. The server offers no notification for this, so it asks every 20 ms.
    pub async fn wait_numsub_until(&self, channel: &str, done: impl Fn(usize) -> bool) {
        within(async {
            while !done(self.numsub(channel).await) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `process_id` of the Redis server answering on `port`, if any.
pub fn server_pid(port: u16, password: Option<&str>) -> Option<u32> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    if let Some(password) = password {
        let auth = format!("*2\r\n$4\r\nAUTH\r\n${}\r\n{password}\r\n", password.len());
        stream.write_all(auth.as_bytes()).ok()?;
        let mut ok = [0u8; 5];
        stream.read_exact(&mut ok).ok()?;
    }
    stream
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .ok()?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&reply).contains("process_id:") || !reply.ends_with(b"\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&reply);
    let line = text.lines().find(|l| l.starts_with("process_id:"))?;
    line["process_id:".len()..].trim().parse().ok()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The next text from a raw subscriber, parsed as JSON.
pub async fn next_json(rx: &mut mpsc::UnboundedReceiver<String>) -> serde_json::Value {
    let text = within(rx.recv()).await.expect("subscriber ended");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A raw Response payload; `rest` is appended inside the object (`,"ras":1`).
pub fn raw_answer(responder_id: &str, publisher_id: &str, event: &str, rest: &str) -> String {
    format!(
        r#"{{"responder_id":"{responder_id}","publisher_id":"{publisher_id}","event":"{event}"{rest}}}"#
    )
}

/// The sorted key set of a JSON object.
pub fn keys(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// A responder task serving the library's serve loop: every signal is
/// answered with `ras_for(event)`; `None` never answers (the handler hangs,
/// as a stuck responder would). Keeps running after a `shutdown`; ends with
/// the test's runtime.
pub fn spawn_answering(
    responder: SignalResponder,
    ras_for: impl Fn(&str) -> Option<state_signals::Reply> + Send + 'static,
) {
    struct Answering<F>(F);
    impl<F: Fn(&str) -> Option<state_signals::Reply> + Send> state_signals::Handler for Answering<F> {
        async fn on_signal(&mut self, signal: &state_signals::Signal) -> state_signals::Reply {
            match (self.0)(&signal.event) {
                Some(reply) => reply,
                None => std::future::pending().await,
            }
        }
    }
    tokio::spawn(async move { responder.serve(Answering(ras_for)).await });
}

/// The workspace root (where `.venv` lives), from the root package or a member.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join(".ci").is_dir())
        .map_or(manifest.clone(), PathBuf::from)
}

/// The venv's python with `state-signals==1.0.1`, created on first use.
///
/// A file lock serializes creation across test binaries running at once.
pub fn python() -> PathBuf {
    let root = workspace_root();
    let venv = root.join(".venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(".state-signals-1.0.1");
    if marker.exists() {
        return python;
    }
    let lock = std::fs::File::create(root.join(".venv.lock"))
        .or_else(|_| std::fs::File::create(std::env::temp_dir().join("state-signals-venv.lock")))
        .expect("create the venv lock file");
    lock.lock().expect("lock the venv lock file");
    if !marker.exists() {
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv .venv",
        );
        run(
            Command::new(&python).args(["-m", "pip", "install", "--quiet", "state-signals==1.0.1"]),
            "pip install state-signals==1.0.1",
        );
        std::fs::write(&marker, "").expect("write the venv marker");
    }
    python
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| {
        panic!("`{what}` could not run ({e}): the interop tests need python3 with venv and pip (Debian: `apt-get install python3 python3-venv python3-pip`)")
    });
    assert!(
        status.success(),
        "`{what}` failed ({status}); the interop tests need PyPI's state-signals==1.0.1"
    );
}

/// A Python helper script from `tests/python`.
pub fn python_script(name: &str) -> PathBuf {
    workspace_root().join("tests").join("python").join(name)
}

/// A Python helper process whose stdout is read as JSON lines.
pub struct Python {
    child: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Python {
    /// Runs `tests/python/<script>` with `config` as its JSON argument.
    pub fn spawn(script: &str, config: &Value) -> Self {
        Self::spawn_in(script, config, tokio::process::Command::new(python()))
    }

    /// [`spawn`](Self::spawn) with `dir` first on `PYTHONPATH` (a staged
    /// package: the drop-in module).
    pub fn spawn_with_path(script: &str, config: &Value, dir: &std::path::Path) -> Self {
        let mut command = tokio::process::Command::new(python());
        command.env("PYTHONPATH", dir);
        Self::spawn_in(script, config, command)
    }

    fn spawn_in(script: &str, config: &Value, mut command: tokio::process::Command) -> Self {
        let mut child = command
            .arg(python_script(script))
            .arg(config.to_string())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn python");
        let lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self { child, lines }
    }

    /// The next JSON line it printed; `None` at the end of its output.
    pub async fn next(&mut self) -> Option<Value> {
        let line = within(self.lines.next_line())
            .await
            .expect("read python stdout")?;
        Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line ({e}): {line}")))
    }

    /// Every remaining line; asserts that it exits successfully.
    pub async fn rest(mut self) -> Vec<Value> {
        let mut all = Vec::new();
        while let Some(v) = self.next().await {
            all.push(v);
        }
        let status = within(self.child.wait()).await.expect("python exit");
        assert!(
            status.success(),
            "python exited with {status}; it printed {all:?}"
        );
        all
    }
}
