//! SignalResponder: receives signals, filters them with locks, and answers.

mod locks;
mod reply;
mod stream;

pub use reply::Reply;
pub use stream::Signals;

use std::sync::{Arc, Mutex, MutexGuard};

use crate::protocol::{new_responder_id, Channels, Response, Signal};
use crate::transport::{connect_setters, ConnectOptions, Pushes, Transport};
use crate::Result;
pub(crate) use locks::Locks;

/// Receives state signals and answers them.
///
/// Built with [`SignalResponder::builder`]; `connect` returns only after the
/// server confirmed the subscription to the signal channel, so no signal
/// published after that is missed. Signals arrive through
/// [`signals`](Self::signals); answering and locking take `&self`, so one loop
/// does both. Cloning is cheap and shares the connection, the id and the locks.
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use futures_util::StreamExt;
/// use state_signals::{Reply, SignalResponder};
///
/// let responder = SignalResponder::builder().name("collector").connect().await?;
/// let mut signals = responder.signals();
/// while let Some(signal) = signals.next().await {
///     if signal.is_initialization() {
///         responder.lock_id(&signal.publisher_id); // follow this exporter only
///         responder.respond_to(&signal, Reply::ack()).await?; // subscribe
///     } else if signal.is_shutdown() {
///         break;
///     } else {
///         // act on signal.event ...
///         responder.respond_to(&signal, Reply::success()).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SignalResponder {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    transport: Transport,
    responder_id: String,
    channels: Channels,
    max_payload: usize,
    locks: Mutex<Locks>,
    pushes: Mutex<Pushes>,
}

impl Inner {
    fn locks(&self) -> MutexGuard<'_, Locks> {
        self.locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Configures and connects a [`SignalResponder`].
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SignalResponderBuilder {
    name: Option<String>,
    responder_id: Option<String>,
    connect: ConnectOptions,
}

impl SignalResponderBuilder {
    connect_setters!(connect);

    /// The responder name in the generated id `<name>-<uuid4>-resp`
    /// (default: this machine's hostname).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A fixed responder id instead of a generated one, so that an exporter's
    /// `expected_responders` can name this responder.
    pub fn responder_id(mut self, id: impl Into<String>) -> Self {
        self.responder_id = Some(id.into());
        self
    }

    /// Connects, subscribes to the signal channel and returns once the
    /// server confirmed the subscription.
    pub async fn connect(self) -> Result<SignalResponder> {
        let (transport, pushes) = Transport::connect(&self.connect).await?;
        transport.subscribe(self.connect.channels.signals()).await?;
        let responder_id = self
            .responder_id
            .unwrap_or_else(|| new_responder_id(&self.name.unwrap_or_else(crate::hostname)));
        tracing::debug!(%responder_id, target = %transport.target(), "responder subscribed");
        Ok(SignalResponder {
            inner: Arc::new(Inner {
                transport,
                responder_id,
                channels: self.connect.channels,
                max_payload: self.connect.max_payload,
                locks: Mutex::default(),
                pushes: Mutex::new(pushes),
            }),
        })
    }
}

impl SignalResponder {
    /// Starts configuring a responder.
    pub fn builder() -> SignalResponderBuilder {
        SignalResponderBuilder::default()
    }

    /// This responder's id, sent in every response.
    pub fn responder_id(&self) -> &str {
        &self.inner.responder_id
    }

    /// The channels this responder uses.
    pub fn channels(&self) -> &Channels {
        &self.inner.channels
    }

    /// The stream of received signals (see [`Signals`]).
    pub fn signals(&self) -> Signals {
        Signals {
            inner: self.inner.clone(),
        }
    }

    /// Yields only signals from this publisher id from now on.
    pub fn lock_id(&self, publisher_id: &str) {
        tracing::debug!(%publisher_id, "locked onto publisher");
        self.inner.locks().publisher_id = Some(publisher_id.to_owned());
    }

    /// Yields only signals with this tag from now on.
    pub fn lock_tag(&self, tag: &str) {
        tracing::debug!(%tag, "locked onto tag");
        self.inner.locks().tag = Some(tag.to_owned());
    }

    /// Releases both locks.
    pub fn unlock(&self) {
        tracing::debug!("released locks");
        *self.inner.locks() = Locks::default();
    }

    /// Answers `publisher_id`'s `event`. Answering `initialization` (with
    /// [`Reply::ack`] or any reply) subscribes this responder to that exporter.
    pub async fn respond(
        &self,
        publisher_id: &str,
        event: &str,
        reply: impl Into<Reply>,
    ) -> Result<()> {
        let (ras, message) = reply.into().into_parts();
        let response = Response::new(self.responder_id(), publisher_id, event, ras, message);
        let receivers = self
            .inner
            .transport
            .publish(self.inner.channels.responses(), response.to_json())
            .await?;
        tracing::debug!(%publisher_id, %event, ?ras, receivers, "responded");
        Ok(())
    }

    /// Answers `signal` (the Python package's `srespond`).
    pub async fn respond_to(&self, signal: &Signal, reply: impl Into<Reply>) -> Result<()> {
        self.respond(&signal.publisher_id, &signal.event, reply)
            .await
    }
}

impl std::fmt::Debug for SignalResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalResponder")
            .field("responder_id", &self.inner.responder_id)
            .field("target", &self.inner.transport.target())
            .field("channels", &self.inner.channels)
            .finish_non_exhaustive()
    }
}
