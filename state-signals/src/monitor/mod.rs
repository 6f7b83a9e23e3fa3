//! SignalMonitor: watches signals (and optionally responses) without taking part.

use crate::protocol::{Channels, Response, Signal};
use crate::responder::Locks;
use crate::transport::{connect_setters, decode, ConnectOptions, Incoming, Pushes, Transport};
use crate::Result;

/// What a [`SignalMonitor`] saw.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Observed {
    /// A signal on the signal channel.
    Signal(Signal),
    /// A response on the response channel.
    Response(Response),
}

/// Watches the signals (and, if asked, the responses) of every exporter on a
/// server, for debugging and tooling. It never answers: exporters do not
/// count it as a subscriber.
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use state_signals::{Observed, SignalMonitor};
/// let mut monitor = SignalMonitor::builder().responses(true).connect().await?;
/// while let Some(seen) = monitor.next().await {
///     match seen {
///         Observed::Signal(s) => println!("signal {} from {}", s.event, s.publisher_id),
///         Observed::Response(r) => println!("{} answered {} with {:?}", r.responder_id, r.event, r.ras),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct SignalMonitor {
    transport: Transport,
    pushes: Pushes,
    channels: Channels,
    max_payload: usize,
    locks: Locks,
}

/// Configures and connects a [`SignalMonitor`].
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SignalMonitorBuilder {
    connect: ConnectOptions,
    responses: bool,
    locks: Locks,
}

impl SignalMonitorBuilder {
    connect_setters!(connect);

    /// Also watches the response channel (default: signals only).
    pub fn responses(mut self, responses: bool) -> Self {
        self.responses = responses;
        self
    }

    /// Only signals and responses of this exporter.
    pub fn lock_id(mut self, publisher_id: impl Into<String>) -> Self {
        self.locks.publisher_id = Some(publisher_id.into());
        self
    }

    /// Only signals with this tag (responses carry no tag and are not filtered by it).
    pub fn lock_tag(mut self, tag: impl Into<String>) -> Self {
        self.locks.tag = Some(tag.into());
        self
    }

    /// Connects and returns once the subscriptions are confirmed.
    pub async fn connect(self) -> Result<SignalMonitor> {
        let (transport, pushes) = Transport::connect(&self.connect).await?;
        transport.subscribe(self.connect.channels.signals()).await?;
        if self.responses {
            transport
                .subscribe(self.connect.channels.responses())
                .await?;
        }
        Ok(SignalMonitor {
            transport,
            pushes,
            channels: self.connect.channels,
            max_payload: self.connect.max_payload,
            locks: self.locks,
        })
    }
}

impl SignalMonitor {
    /// Starts configuring a monitor.
    pub fn builder() -> SignalMonitorBuilder {
        SignalMonitorBuilder::default()
    }

    /// The next signal or response that passes the locks; malformed payloads
    /// are logged and skipped. `None` when the connection is gone for good.
    pub async fn next(&mut self) -> Option<Observed> {
        loop {
            let push = self.pushes.recv().await?;
            match decode(push, &self.channels, self.max_payload) {
                Some(Incoming::Signal(signal)) if self.locks.admit(&signal) => {
                    return Some(Observed::Signal(signal))
                }
                Some(Incoming::Response(response)) if self.locks.admit_response(&response) => {
                    return Some(Observed::Response(response))
                }
                _ => {}
            }
        }
    }
}

impl std::fmt::Debug for SignalMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalMonitor")
            .field("target", &self.transport.target())
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}
