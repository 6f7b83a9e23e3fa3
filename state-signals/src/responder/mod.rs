//! SignalResponder: receives signals through a filtered, bounded queue, and
//! answers them — by hand through [`Signals`] or with a [`Handler`] that
//! [`SignalResponder::serve`] runs.

mod handle;
mod intake;
mod reply;
mod serve;
mod stream;

pub use handle::ResponderHandle;
pub(crate) use intake::DEFAULT_QUEUE_CAPACITY;
pub use reply::Reply;
pub use serve::Handler;
pub use stream::Signals;

use std::sync::Arc;
use std::time::Duration;

use crate::Result;
use crate::protocol::new_responder_id;
use crate::transport::{ConnectOptions, Incoming, Transport};
use intake::Intake;
use serve::ServeOptions;
pub(crate) use serve::guarded;

/// Receives state signals and answers them.
///
/// Built with [`SignalResponder::builder`]; `connect` returns only after the
/// server confirmed the subscription to the signal channel, so no signal
/// published after that is missed.
///
/// A responder has exactly one reader of its signals. Either hand it a
/// [`Handler`] with [`serve`](Self::serve), which does the protocol's steps
/// (subscribe on `initialization`, answer, stop on `shutdown`):
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use state_signals::{Handler, Reply, Signal, SignalResponder};
///
/// struct Collector;
/// impl Handler for Collector {
///     async fn on_signal(&mut self, signal: &Signal) -> Reply {
///         println!("{} from {}", signal.event, signal.publisher_id);
///         Reply::success()
///     }
/// }
///
/// let responder = SignalResponder::builder().name("collector").connect().await?;
/// responder.serve(Collector).await?; // returns once its exporters shut down
/// # Ok(())
/// # }
/// ```
///
/// or [`split`](Self::split) it into a [`ResponderHandle`] (cheap to clone:
/// answers, locks, counters) and the one [`Signals`] stream, and write the
/// steps yourself:
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use state_signals::{Reply, SignalResponder};
///
/// let (responder, mut signals) = SignalResponder::builder().connect().await?.split();
/// while let Some(signal) = signals.recv().await {
///     if signal.is_initialization() {
///         responder.lock_id(&signal.publisher_id); // follow this exporter only
///         responder.respond_to(&signal, Reply::ack()).await?; // subscribe
///     } else if signal.is_shutdown() {
///         break;
///     } else {
///         responder.respond_to(&signal, Reply::success()).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// A `SignalResponder` is not `Clone` (a clone could make a second reader);
/// [`handle`](Self::handle) gives a clonable handle before serving.
///
/// Signals are filtered as they arrive — by the locks, and while serving by
/// the exporters served — and what is left waits in a queue of
/// [`queue_capacity`](SignalResponderBuilder::queue_capacity) ordinary
/// signals (default [`SignalResponder::DEFAULT_QUEUE_CAPACITY`]), with extra room reserved for
/// `initialization` and `shutdown`. When it is full the *oldest* signal of
/// the same kind is dropped to make room: an exporter publishes one signal
/// at a time and waits for its answers, so the newest signal is the one
/// whose exporter is most likely still waiting, while the oldest one's
/// publish has most probably timed out already. The exporter of a dropped
/// signal sees this responder missing in its report, and memory stays
/// bounded. Drops are counted
/// ([`ResponderHandle::dropped_signals`]) and logged as one warning per
/// 10 s at most.
///
/// ```compile_fail
/// # async fn run(responder: state_signals::SignalResponder) {
/// let (_handle, _signals) = responder.split();
/// let (_again, _second_reader) = responder.split(); // moved: one reader only
/// # }
/// ```
pub struct SignalResponder {
    handle: ResponderHandle,
    signals: Signals,
    serve: ServeOptions,
}

/// Configures and connects a [`SignalResponder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SignalResponderBuilder {
    name: Option<String>,
    responder_id: Option<String>,
    queue_capacity: usize,
    serve: ServeOptions,
    connect: ConnectOptions,
}

impl Default for SignalResponderBuilder {
    fn default() -> Self {
        Self {
            name: None,
            responder_id: None,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            serve: ServeOptions::default(),
            connect: ConnectOptions::default(),
        }
    }
}

impl SignalResponderBuilder {
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

    /// How many ordinary signals may wait while the reader is busy (default
    /// [`SignalResponder::DEFAULT_QUEUE_CAPACITY`]; at least 1). `initialization` and
    /// `shutdown` have room of their own. Past it, new signals are dropped
    /// and counted (see [`SignalResponder`]).
    pub fn queue_capacity(mut self, signals: usize) -> Self {
        self.queue_capacity = signals;
        self
    }

    /// [`serve`](SignalResponder::serve) subscribes only to exporters of
    /// this process name (default: every exporter, as far as the handler's
    /// `on_subscribe` agrees), so a responder on a shared server does not
    /// join unrelated runs. Other exporters' signals are dropped on arrival.
    pub fn process_name(mut self, process_name: impl Into<String>) -> Self {
        self.serve.process_name = Some(process_name.into());
        self
    }

    /// [`serve`](SignalResponder::serve) keeps serving after every exporter
    /// it served has shut down (default: it returns then).
    pub fn keep_running(mut self, keep_running: bool) -> Self {
        self.serve.keep_running = keep_running;
        self
    }

    /// [`serve`](SignalResponder::serve) gives up with
    /// [`Error::IdleTimeout`](crate::Error::IdleTimeout) when no signal from
    /// a served exporter arrived for this long (counted from the start of
    /// serving, then from the last such signal). Default: no limit. Use it
    /// so that a responder whose exporter was killed (and never sent
    /// `shutdown`) does not run forever.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.serve.idle_timeout = Some(idle);
        self
    }

    /// Connects, subscribes to the signal channel and returns once the
    /// server confirmed the subscription.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTarget`](crate::Error::InvalidTarget) for a target
    /// that cannot be understood, [`Error::Connect`](crate::Error::Connect)
    /// when no connection could be made within the connect timeout, and
    /// [`Error::Redis`](crate::Error::Redis) /
    /// [`Error::CommandTimeout`](crate::Error::CommandTimeout) when the
    /// `SUBSCRIBE` failed.
    pub async fn connect(self) -> Result<SignalResponder> {
        let intake = Arc::new(Intake::new(self.queue_capacity));
        let sink = intake.clone();
        let transport = Transport::connect(&self.connect, move |incoming| {
            if let Incoming::Signal(signal) = incoming {
                sink.offer(signal);
            }
        })
        .await?;
        transport.subscribe(self.connect.channels.signals()).await?;
        let responder_id = self.responder_id.unwrap_or_else(|| {
            new_responder_id(&self.name.unwrap_or_else(crate::protocol::hostname))
        });
        tracing::debug!(%responder_id, target = %transport.target(), "responder subscribed");
        let handle = ResponderHandle::new(
            transport,
            responder_id,
            self.connect.channels,
            intake.clone(),
        );
        Ok(SignalResponder {
            handle,
            signals: Signals { intake },
            serve: self.serve,
        })
    }
}

impl SignalResponder {
    /// The default number of ordinary signals a responder queues while its
    /// reader is busy: 1024 (set another with
    /// [`SignalResponderBuilder::queue_capacity`]).
    pub const DEFAULT_QUEUE_CAPACITY: usize = DEFAULT_QUEUE_CAPACITY;

    /// Starts configuring a responder.
    pub fn builder() -> SignalResponderBuilder {
        SignalResponderBuilder::default()
    }

    /// This responder's id, sent in every response.
    pub fn responder_id(&self) -> &str {
        self.handle.responder_id()
    }

    /// The handle: id, locks, answers and counters. Clone it to keep one
    /// while [`serve`](Self::serve) owns the responder.
    pub fn handle(&self) -> &ResponderHandle {
        &self.handle
    }

    /// The handle and the one stream of signals, for a loop of your own.
    pub fn split(self) -> (ResponderHandle, Signals) {
        (self.handle, self.signals)
    }
}

impl std::fmt::Debug for SignalResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalResponder")
            .field("handle", &self.handle)
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}
