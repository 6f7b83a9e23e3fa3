//! `shutdown`: stop accepting subscribers and tell them so.

use std::future::IntoFuture;

use super::{BoxFuture, SignalExporter, SignalOptions};
use crate::Result;
use crate::protocol::SHUTDOWN;

/// [`SignalExporter::shutdown`]'s options; await it to shut down.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct Shutdown<'a> {
    exporter: &'a SignalExporter,
    options: SignalOptions,
}

impl<'a> Shutdown<'a> {
    pub(super) fn new(exporter: &'a SignalExporter) -> Self {
        Self {
            exporter,
            options: SignalOptions::default(),
        }
    }

    /// Tags the `shutdown` signal (a responder locked on a tag sees only
    /// signals of that tag).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.tag = Some(tag.into());
        self
    }
}

impl<'a> IntoFuture for Shutdown<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.exporter.run_shutdown(&self.options).await })
    }
}

impl SignalExporter {
    async fn run_shutdown(&self, options: &SignalOptions) -> Result<()> {
        self.shared.stop_accepting();
        self.send(SHUTDOWN, options).await?;
        tracing::info!(publisher_id = %self.publisher_id(), "shut down");
        Ok(())
    }
}
