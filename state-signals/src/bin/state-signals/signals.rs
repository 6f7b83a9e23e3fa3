//! SIGINT / SIGTERM, as a future.

use tokio::signal::unix::{signal, SignalKind};

use crate::exit;

/// Completes on the first SIGINT or SIGTERM with the matching exit status.
pub async fn interrupted() -> u8 {
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot listen for SIGINT/SIGTERM");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => exit::SIGINT,
        _ = term.recv() => exit::SIGTERM,
    }
}
