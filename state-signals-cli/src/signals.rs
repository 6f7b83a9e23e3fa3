//! SIGINT / SIGTERM, as a future.

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::exit;

/// The process's SIGINT and SIGTERM handlers. Installed when this is made,
/// so make it before anything is published: a signal that arrives between
/// a publish and the first wait on it would otherwise kill the process
/// without its `shutdown`.
pub struct Interrupted {
    handlers: Option<(Signal, Signal)>,
}

impl Interrupted {
    /// Installs the handlers now.
    pub fn install() -> Self {
        let handlers = match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(int), Ok(term)) => Some((int, term)),
            _ => {
                tracing::warn!("cannot listen for SIGINT/SIGTERM");
                None
            }
        };
        Self { handlers }
    }

    /// Completes on the first SIGINT or SIGTERM with the matching exit status.
    pub async fn recv(&mut self) -> u8 {
        let Some((int, term)) = &mut self.handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => exit::SIGINT,
            _ = term.recv() => exit::SIGTERM,
        }
    }
}
