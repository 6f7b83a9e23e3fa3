//! SignalMonitor: watches signals (and optionally responses) without taking part.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;

use crate::Result;
use crate::protocol::{Channels, Locks, Response, Signal};
use crate::queue::{Bounded, Overflow};
use crate::responder::DEFAULT_QUEUE_CAPACITY;
use crate::transport::{ConnectOptions, Incoming, Transport};

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
/// while let Some(seen) = monitor.recv().await {
///     match seen {
///         Observed::Signal(s) => println!("signal {} from {}", s.event, s.publisher_id),
///         Observed::Response(r) => println!("{} answered {} with {:?}", r.responder_id, r.event, r.ras),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
///
/// Like a responder's, its queue is bounded
/// ([`queue_capacity`](SignalMonitorBuilder::queue_capacity)): what arrives
/// while it is full is dropped, counted ([`dropped`](SignalMonitor::dropped))
/// and logged once per 10 s at most.
pub struct SignalMonitor {
    transport: Transport,
    queue: Arc<Bounded<Observed>>,
    channels: Channels,
}

/// Configures and connects a [`SignalMonitor`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SignalMonitorBuilder {
    connect: ConnectOptions,
    responses: bool,
    locks: Locks,
    queue_capacity: usize,
}

impl Default for SignalMonitorBuilder {
    fn default() -> Self {
        Self {
            connect: ConnectOptions::default(),
            responses: false,
            locks: Locks::default(),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

impl SignalMonitorBuilder {
    /// Where and how to connect (default: `localhost:6379`, see [`ConnectOptions`]).
    pub fn options(mut self, options: ConnectOptions) -> Self {
        self.connect = options;
        self
    }

    /// Connects to this Redis URL, keeping the other options: a shortcut
    /// for [`ConnectOptions::url`].
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.connect = self
            .connect
            .target(crate::transport::Target::Url(url.into()));
        self
    }

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

    /// How many signals and responses may wait while nobody reads (default
    /// [`SignalResponder::DEFAULT_QUEUE_CAPACITY`](crate::SignalResponder::DEFAULT_QUEUE_CAPACITY); at least 1); newer ones are dropped past it.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// Connects and returns once the subscriptions are confirmed.
    ///
    /// # Errors
    ///
    /// Those of [`SignalResponderBuilder::connect`](crate::SignalResponderBuilder::connect).
    pub async fn connect(self) -> Result<SignalMonitor> {
        let queue = Arc::new(Bounded::new(
            "monitor",
            self.queue_capacity,
            0,
            Overflow::DropNewest,
        ));
        let sink = queue.clone();
        let locks = self.locks;
        let transport = Transport::connect(&self.connect, move |incoming| {
            let observed = match incoming {
                Incoming::Signal(signal) if locks.admit(&signal) => Observed::Signal(signal),
                Incoming::Response(response) if locks.admit_response(&response) => {
                    Observed::Response(response)
                }
                _ => return,
            };
            sink.push(observed, false);
        })
        .await?;
        transport.subscribe(self.connect.channels.signals()).await?;
        if self.responses {
            transport
                .subscribe(self.connect.channels.responses())
                .await?;
        }
        Ok(SignalMonitor {
            transport,
            queue,
            channels: self.connect.channels,
        })
    }
}

impl SignalMonitor {
    /// Starts configuring a monitor.
    pub fn builder() -> SignalMonitorBuilder {
        SignalMonitorBuilder::default()
    }

    /// The next signal or response that passes the locks; malformed payloads
    /// are logged and skipped. The monitor is also a [`Stream`] of the same.
    pub async fn recv(&mut self) -> Option<Observed> {
        std::future::poll_fn(|cx| self.queue.poll_pop(cx)).await
    }

    /// How many signals and responses were dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }
}

impl Stream for SignalMonitor {
    type Item = Observed;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Observed>> {
        self.queue.poll_pop(cx)
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
