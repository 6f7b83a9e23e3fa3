//! Running `--exec CMD` for one signal: environment, timeout, kill, message.

use std::io::Write;
use std::time::Duration;

use nix::sys::signal::{Signal as UnixSignal, killpg};
use nix::unistd::Pid;
use state_signals::{Reply, Signal};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::watch;

/// Metadata larger than this goes only to `SIGNAL_METADATA_FILE` (Linux
/// caps one environment string at 128 KiB).
const ENV_METADATA_MAX: usize = 64 * 1024;
/// How much of each output stream is kept (its tail).
const OUTPUT_TAIL: usize = 64 * 1024;
/// The longest message sent back.
const MESSAGE_MAX: usize = 1024;

/// What to run for each signal.
pub struct Exec {
    pub command: String,
    pub timeout: Option<Duration>,
    /// The metadata file of the last signal, kept until the next one so that
    /// a background job the command started can still read it.
    pub last_metadata: Option<tempfile::NamedTempFile>,
}

impl Exec {
    /// Runs the command for `signal`; `stopping` turning true kills it.
    pub async fn run(&mut self, signal: &Signal, stopping: &mut watch::Receiver<bool>) -> Reply {
        match self.try_run(signal, stopping).await {
            Ok(reply) => reply,
            Err(error) => Reply::failure(format!("cannot run the command: {error}")),
        }
    }

    async fn try_run(
        &mut self,
        signal: &Signal,
        stopping: &mut watch::Receiver<bool>,
    ) -> std::io::Result<Reply> {
        let metadata = match &signal.metadata {
            Some(m) => serde_json::to_string(m).unwrap_or_else(|_| "{}".to_owned()),
            None => "{}".to_owned(),
        };
        let mut file = tempfile::Builder::new()
            .prefix("signal-metadata-")
            .suffix(".json")
            .tempfile()?;
        file.write_all(metadata.as_bytes())?;
        file.flush()?;

        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&self.command)
            .env("SIGNAL_EVENT", &signal.event)
            .env("SIGNAL_TAG", &signal.tag)
            .env("SIGNAL_SAMPLE_NO", signal.sample_no.to_string())
            .env("SIGNAL_PUBLISHER_ID", &signal.publisher_id)
            .env("SIGNAL_PROCESS_NAME", &signal.process_name)
            .env("SIGNAL_RUNNER_HOST", &signal.runner_host)
            .env("SIGNAL_METADATA_FILE", file.path())
            .env_remove("SIGNAL_METADATA")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            // Its own process group, so a kill reaches everything it started.
            .process_group(0)
            .kill_on_drop(true);
        if metadata.len() <= ENV_METADATA_MAX {
            command.env("SIGNAL_METADATA", &metadata);
        }
        // The W3C/OpenTelemetry environment convention: the script's own
        // tools join the trace. Never this process's own value.
        match crate::telemetry::traceparent(signal) {
            Some(traceparent) => command.env("TRACEPARENT", traceparent),
            None => command.env_remove("TRACEPARENT"),
        };
        let mut child = command.spawn()?;
        let group = child.id().map(|id| Pid::from_raw(id as i32));
        let stdout = Output::read(child.stdout.take());
        let stderr = Output::read(child.stderr.take());
        let limit = async {
            match self.timeout {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        let ended = tokio::select! {
            status = child.wait() => Ended::Exited(status?),
            () = limit => Ended::TimedOut,
            _ = stopping.wait_for(|stop| *stop) => Ended::Interrupted,
        };
        if !matches!(ended, Ended::Exited(_)) {
            if let Some(group) = group {
                let _ = killpg(group, UnixSignal::SIGKILL);
            }
            let _ = child.wait().await;
        }
        // A background job of the command may keep the pipes open: wait a
        // little for the rest of the output, then answer with what came.
        let stdout = stdout.collect().await;
        let stderr = stderr.collect().await;
        let text = String::from_utf8_lossy(&stderr);
        if !text.trim().is_empty() {
            tracing::debug!(stderr = %crate::escaped::Escaped(text.trim_end()), "the command wrote on stderr");
        }
        self.last_metadata = Some(file);
        Ok(match ended {
            Ended::Exited(status) if status.success() => {
                reply_with(Reply::success(), last_line(&stdout))
            }
            Ended::Exited(status) => {
                let line = last_line(&stderr).or_else(|| last_line(&stdout));
                let fallback = format!("command failed ({status})");
                Reply::failure(line.unwrap_or(fallback))
            }
            Ended::TimedOut => Reply::failure(format!(
                "command killed after the {:?} exec timeout",
                self.timeout.unwrap_or_default()
            )),
            Ended::Interrupted => Reply::failure("command killed: the responder is shutting down"),
        })
    }
}

enum Ended {
    Exited(std::process::ExitStatus),
    TimedOut,
    Interrupted,
}

fn reply_with(reply: Reply, message: Option<String>) -> Reply {
    match message {
        Some(message) => reply.with_message(message),
        None => reply,
    }
}

/// How long output is still read after the command exited.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// One output stream, read in the background into a bounded buffer.
struct Output {
    kept: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Output {
    fn read(stream: Option<impl AsyncRead + Unpin + Send + 'static>) -> Self {
        let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let buffer = kept.clone();
        let reader = tokio::spawn(async move {
            let Some(mut stream) = stream else { return };
            let mut chunk = [0u8; 8192];
            while let Ok(n) = stream.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                let mut kept = buffer.lock().unwrap_or_else(|p| p.into_inner());
                kept.extend_from_slice(&chunk[..n]);
                if kept.len() > 2 * OUTPUT_TAIL {
                    let excess = kept.len() - OUTPUT_TAIL;
                    kept.drain(..excess);
                }
            }
        });
        Self { kept, reader }
    }

    /// What was read, once the stream ended or the grace period ran out.
    async fn collect(mut self) -> Vec<u8> {
        if tokio::time::timeout(OUTPUT_GRACE, &mut self.reader)
            .await
            .is_err()
        {
            self.reader.abort();
        }
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.clone()
    }
}

/// The last non-empty line, bounded to `MESSAGE_MAX` characters.
fn last_line(output: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(output);
    let line = text.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    Some(line.chars().take(MESSAGE_MAX).collect())
}
