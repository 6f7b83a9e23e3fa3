//! ExporterEvent and ExporterEvents: what an exporter observes while it
//! happens, as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;

use crate::protocol::Ras;

/// How many events a slow [`ExporterEvents`] reader may fall behind before
/// it misses the oldest.
pub(crate) const EVENTS_CAPACITY: usize = 4096;

/// Something an exporter observed, yielded by every
/// [`ExporterEvents`] stream (from
/// [`SignalExporter::events`](crate::SignalExporter::events)) as it happens.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use state_signals::{ExporterEvent, SignalExporter};
/// # async fn run() -> state_signals::Result<()> {
/// let exporter = SignalExporter::builder("fio-run").connect().await?;
/// let mut events = exporter.events(); // before initializing: nothing is missed
/// tokio::spawn(async move {
///     while let Some(event) = events.next().await {
///         match event {
///             ExporterEvent::SubscriberJoined { responder_id, subscribers } => {
///                 println!("{responder_id} joined ({subscribers} now)")
///             }
///             ExporterEvent::Answered { responder_id, answered, expected, .. } => {
///                 println!("{responder_id} answered ({answered}/{expected})")
///             }
///             ExporterEvent::ConnectionLost => eprintln!("reconnecting to Redis"),
///             other => println!("{other:?}"),
///         }
///     }
/// });
/// exporter.initialize_and_wait(2, ["benchmark-start"]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExporterEvent {
    /// A responder answered `initialization` and joined the subscriber set.
    SubscriberJoined {
        /// The new subscriber's id.
        responder_id: String,
        /// The size of the subscriber set now.
        subscribers: usize,
    },
    /// A subscriber missed the configured number of answers in a row and
    /// was removed from the subscriber set (see
    /// [`SignalExporterBuilder::evict_after`](crate::SignalExporterBuilder::evict_after)).
    SubscriberEvicted {
        /// The evicted subscriber's id.
        responder_id: String,
        /// The size of the subscriber set now.
        subscribers: usize,
    },
    /// A subscriber answered the signal being published.
    Answered {
        /// The event being published.
        event: String,
        /// Who answered.
        responder_id: String,
        /// Its Response Action Success code.
        ras: Ras,
        /// How many subscribers have answered this publish so far.
        answered: usize,
        /// How many subscribers this publish waits for.
        expected: usize,
    },
    /// The connection to Redis dropped; it is being re-established.
    ConnectionLost,
    /// The response channel subscription was (re)confirmed by the server.
    Subscribed,
    /// This stream's reader fell more than 4,096 events behind: that many
    /// older events were dropped for it.
    Missed {
        /// How many events this reader missed.
        events: u64,
    },
}

/// The events of one exporter from the moment this stream was made, as a
/// [`Stream`] (or with [`recv`](Self::recv)). Every stream gets every event;
/// nothing is built while no stream exists. A reader that falls far behind
/// is told how many it missed ([`ExporterEvent::Missed`]).
#[must_use = "streams do nothing unless polled"]
pub struct ExporterEvents {
    inner: BoxStream<'static, ExporterEvent>,
}

impl ExporterEvents {
    pub(crate) fn new(receiver: broadcast::Receiver<ExporterEvent>) -> Self {
        let inner = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let event = match receiver.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(events)) => {
                    ExporterEvent::Missed { events }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            Some((event, receiver))
        });
        Self {
            inner: inner.boxed(),
        }
    }

    /// The next event; `None` once the exporter is gone.
    pub async fn recv(&mut self) -> Option<ExporterEvent> {
        self.inner.next().await
    }
}

impl Stream for ExporterEvents {
    type Item = ExporterEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ExporterEvent>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl std::fmt::Debug for ExporterEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExporterEvents").finish_non_exhaustive()
    }
}
