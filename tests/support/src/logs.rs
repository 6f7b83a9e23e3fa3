//! The library's `tracing` events, captured as text lines for a test.

use tokio::sync::mpsc;

/// The formatted log lines of this thread, as they are written.
pub struct Logs {
    lines: mpsc::UnboundedReceiver<String>,
    _guard: tracing::subscriber::DefaultGuard,
}

/// Captures every event at `info` and above logged on this thread (a
/// `#[tokio::test]`'s current-thread runtime runs the test's futures here)
/// until the returned value is dropped.
pub fn capture() -> Logs {
    let (tx, lines) = mpsc::unbounded_channel();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || Line(tx.clone()))
        .finish();
    Logs {
        lines,
        _guard: tracing::subscriber::set_default(subscriber),
    }
}

impl Logs {
    /// The next line that contains `text` (earlier lines are passed over);
    /// `None` once nothing can be logged any more.
    pub async fn line_with(&mut self, text: &str) -> Option<String> {
        while let Some(line) = self.lines.recv().await {
            if line.contains(text) {
                return Some(line);
            }
        }
        None
    }
}

/// One event's text, sent as one line.
struct Line(mpsc::UnboundedSender<String>);

impl std::io::Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.send(String::from_utf8_lossy(buf).into_owned());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
