//! SignalExporter: publishes state signals and collects its subscribers' answers.

mod initialize;
mod progress;
mod publish;
mod report;
mod shutdown;
mod state;

pub use initialize::{Initialize, InitializeAndWait};
pub use progress::{ExporterEvent, ExporterEvents};
pub use publish::PublishSignal;
pub use report::{Answer, PublishReport};
pub use shutdown::Shutdown;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::{Channels, Metadata, Signal, new_publisher_id, reserved_by};
use crate::transport::{ConnectOptions, Transport};
use crate::{Error, Result};
use state::Shared;

/// The future of every request builder.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The default time a publish waits for its answers: 20 s, as in Python.
pub(crate) const DEFAULT_PUBLISH_TIMEOUT: Duration = Duration::from_secs(20);
/// The default time `initialize_and_wait` waits for its subscribers: 60 s, as in Python.
pub(crate) const DEFAULT_SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Publishes state signals for one process and waits for its subscribers' answers.
///
/// Built with [`SignalExporter::builder`]. One long-lived Redis connection
/// publishes and holds the subscription to the response channel; answers are
/// handled as they arrive, and the connection closes when the exporter is dropped.
///
/// **One publish at a time:** a Response carries no signal id, so two
/// publishes in flight could not be told apart. Overlapping calls of
/// [`publish_signal`](Self::publish_signal) from several tasks are
/// *serialized*: each waits for the previous one to finish.
///
/// ```no_run
/// # async fn run() -> state_signals::Result<()> {
/// use state_signals::SignalExporter;
///
/// let exporter = SignalExporter::builder("my-benchmark")
///     .url("redis://127.0.0.1:6379")
///     .connect()
///     .await?;
/// exporter.initialize_and_wait(2, ["benchmark-start", "benchmark-stop"]).await?;
/// let report = exporter.publish_signal("benchmark-start").sample(0).await?;
/// for (id, ras) in report.failed() {
///     eprintln!("{id} failed with ras {ras}");
/// }
/// exporter.shutdown().await?;
/// # Ok(())
/// # }
/// ```
pub struct SignalExporter {
    transport: Transport,
    shared: Arc<Shared>,
    process_name: String,
    runner_host: String,
    /// The next sample number, when publishes are numbered.
    next_sample: Option<std::sync::atomic::AtomicI64>,
    /// Serializes publishes (see the type's docs).
    publish_turn: tokio::sync::Mutex<()>,
    /// The response channel is subscribed (once, on the first `initialize`).
    subscribed: tokio::sync::OnceCell<()>,
    /// The session span, parent of every publish span, when trace context
    /// is on (feature `trace-context`).
    session: Option<tracing::Span>,
}

/// Configures and connects a [`SignalExporter`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct SignalExporterBuilder {
    process_name: String,
    runner_host: Option<String>,
    number_samples: bool,
    evict_after: Option<u32>,
    connect: ConnectOptions,
    #[cfg(feature = "trace-context")]
    trace_context: bool,
}

impl SignalExporterBuilder {
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

    /// Numbers the publishes that give no [`sample`](PublishSignal::sample):
    /// 1, 2, 3 … (default: off, every such signal has `sample_no` `-1`, as
    /// in Python). With Rust responders, whose answers carry the signal's
    /// `sample_no` and `tag`, a late answer to an earlier signal is then
    /// never counted for the next one; an exporter that publishes an
    /// identical signal again (same event, sample and tag) cannot tell them
    /// apart.
    pub fn number_samples(mut self, number: bool) -> Self {
        self.number_samples = number;
        self
    }

    /// Removes a subscriber from the set after it missed this many answers
    /// in a row (default: never), so that a dead subscriber does not cost
    /// every later publish its full timeout. Each eviction is logged,
    /// emitted as [`ExporterEvent::SubscriberEvicted`] and named in the
    /// report's [`evicted`](PublishReport::evicted). A subscriber that
    /// answers `initialization` again joins again.
    pub fn evict_after(mut self, missed: u32) -> Self {
        self.evict_after = Some(missed.max(1));
        self
    }

    /// One trace per session across processes (default: off; feature
    /// `trace-context`). The exporter opens a session span (a child of the
    /// span current at `connect`, living as long as the exporter) and a
    /// publish span per [`publish_signal`](SignalExporter::publish_signal),
    /// its child; each signal carries its publish span's W3C trace context
    /// in its metadata (`traceparent`, and `tracestate` when not empty —
    /// reserved keys while this is on; the Python package's responders
    /// accept them as any metadata). This crate's responders open their
    /// handler span as its child and send its context back, which the
    /// publish span links to and the report keeps
    /// ([`Answer::traceparent`]).
    ///
    /// The spans are `tracing` spans: their OpenTelemetry context comes
    /// from a `tracing_opentelemetry` layer the application installs with
    /// its tracer (and exporter). Without one, nothing is added to the
    /// signals. See the "Observing a run" guide.
    #[cfg(feature = "trace-context")]
    pub fn trace_context(mut self, on: bool) -> Self {
        self.trace_context = on;
        self
    }

    /// The host named in every signal's `runner_host` (default: this machine's hostname).
    pub fn runner_host(mut self, host: impl Into<String>) -> Self {
        self.runner_host = Some(host.into());
        self
    }

    /// Connects (retrying until the connect timeout) and returns the exporter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTarget`] for a target that cannot be understood, and
    /// [`Error::Connect`] when no connection could be made within the
    /// connect timeout (carrying the last refusal; see
    /// [`Error::is_auth_failed`], [`Error::is_connection_refused`]).
    pub async fn connect(self) -> Result<SignalExporter> {
        let publisher_id = new_publisher_id(&self.process_name);
        let shared = Arc::new(Shared::new(
            publisher_id,
            self.connect.channels.clone(),
            self.evict_after,
        ));
        let sink = shared.clone();
        let transport =
            Transport::connect(&self.connect, move |incoming| sink.on_incoming(incoming)).await?;
        tracing::debug!(publisher_id = %shared.publisher_id, target = %transport.target(), "exporter connected");
        #[cfg(feature = "trace-context")]
        let session = self
            .trace_context
            .then(|| crate::trace::session_span(&shared.publisher_id, &self.process_name));
        #[cfg(not(feature = "trace-context"))]
        let session = None;
        Ok(SignalExporter {
            transport,
            shared,
            process_name: self.process_name,
            runner_host: self.runner_host.unwrap_or_else(crate::protocol::hostname),
            next_sample: self
                .number_samples
                .then(|| std::sync::atomic::AtomicI64::new(1)),
            publish_turn: tokio::sync::Mutex::new(()),
            subscribed: tokio::sync::OnceCell::new(),
            session,
        })
    }
}

/// The options of one signal, gathered by the request builders.
#[derive(Debug, Clone, Default)]
pub(crate) struct SignalOptions {
    pub(crate) sample_no: Option<i64>,
    pub(crate) tag: Option<String>,
    pub(crate) metadata: Option<Metadata>,
}

impl SignalExporter {
    /// The default time a publish waits for its answers: 20 s, as in Python
    /// (set another with [`PublishSignal::timeout`]).
    pub const DEFAULT_PUBLISH_TIMEOUT: Duration = DEFAULT_PUBLISH_TIMEOUT;
    /// The default time [`initialize_and_wait`](Self::initialize_and_wait)
    /// waits for its subscribers: 60 s, as in Python (set another with
    /// [`InitializeAndWait::timeout`]).
    pub const DEFAULT_SUBSCRIBE_TIMEOUT: Duration = DEFAULT_SUBSCRIBE_TIMEOUT;

    /// Starts configuring an exporter for the process `process_name`.
    pub fn builder(process_name: impl Into<String>) -> SignalExporterBuilder {
        SignalExporterBuilder {
            process_name: process_name.into(),
            runner_host: None,
            number_samples: false,
            evict_after: None,
            connect: ConnectOptions::default(),
            #[cfg(feature = "trace-context")]
            trace_context: false,
        }
    }

    /// This exporter's unique id: `<process_name>-<uuid4>`.
    pub fn publisher_id(&self) -> &str {
        &self.shared.publisher_id
    }

    /// The id of this exporter's trace (32 hex digits), when
    /// [`trace_context`](SignalExporterBuilder::trace_context) is on and
    /// the application's `tracing_opentelemetry` layer gave its session
    /// span an OpenTelemetry context: look the session up with it.
    #[cfg(feature = "trace-context")]
    pub fn trace_id(&self) -> Option<String> {
        crate::trace::trace_id(self.session.as_ref()?)
    }

    /// The process name given to the builder.
    pub fn process_name(&self) -> &str {
        &self.process_name
    }

    /// The host named in every signal.
    pub fn runner_host(&self) -> &str {
        &self.runner_host
    }

    /// The channels this exporter uses.
    pub fn channels(&self) -> &Channels {
        &self.shared.channels
    }

    /// The responder ids in the subscriber set, sorted.
    pub fn subscribers(&self) -> Vec<String> {
        self.shared.lock().subscribers.iter().cloned().collect()
    }

    /// Adds `responder_id` to the subscriber set, as if it had answered
    /// `initialization` (publishes wait for it from now on); whether it was
    /// new. Like `expected_responders`, for a responder whose id is known.
    pub fn add_subscriber(&self, responder_id: impl Into<String>) -> bool {
        self.shared.add_subscriber(responder_id.into())
    }

    /// Removes `responder_id` from the subscriber set (a subscriber known to
    /// be gone, so that publishes stop waiting for it); whether it was in
    /// it. It joins again if it answers `initialization` again.
    pub fn remove_subscriber(&self, responder_id: &str) -> bool {
        self.shared.remove_subscriber(responder_id)
    }

    /// The size of the subscriber set.
    pub fn subscriber_count(&self) -> usize {
        *self.shared.subscriber_count.borrow()
    }

    /// Whether `initialize` was called and `shutdown` was not.
    pub fn is_initialized(&self) -> bool {
        self.shared.lock().accepting
    }

    /// A receiver of everything this exporter observes from now on:
    /// subscribers joining, answers arriving, the connection dropping.
    /// Nothing is built for these events while nobody listens.
    pub fn events(&self) -> ExporterEvents {
        ExporterEvents::new(self.shared.events.subscribe())
    }

    /// Accepts subscribers for `legal_events` and publishes `initialization`.
    ///
    /// The response channel subscription is confirmed by the server before
    /// anything is published. From then on every responder that answers this
    /// exporter's `initialization` joins the subscriber set, until
    /// [`shutdown`](Self::shutdown). Options: [`Initialize::tag`],
    /// [`Initialize::expected_responders`].
    ///
    /// # Errors
    ///
    /// [`Error::NoLegalEvents`] and [`Error::ReservedEvent`] (nothing is
    /// published); [`Error::Redis`] or [`Error::CommandTimeout`] when the
    /// `SUBSCRIBE` or the `PUBLISH` failed ([`Error::is_permission_denied`]
    /// when the server's ACL refuses the channel).
    pub fn initialize<I, S>(&self, legal_events: I) -> Initialize<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Initialize::new(self, legal_events.into_iter().map(Into::into).collect())
    }

    /// [`initialize`](Self::initialize), then waits until at least `count`
    /// responders have subscribed.
    ///
    /// Returns as soon as the count is reached. Options: those of `initialize`,
    /// [`InitializeAndWait::timeout`] (default 60 s), [`InitializeAndWait::no_timeout`],
    /// [`InitializeAndWait::periodic`] (republish `initialization` every
    /// second for late starters). On timeout it returns
    /// [`Error::SubscribersTimeout`] and the exporter stays initialized.
    ///
    /// # Errors
    ///
    /// Those of [`initialize`](Self::initialize), and
    /// [`Error::SubscribersTimeout`].
    pub fn initialize_and_wait<I, S>(&self, count: usize, legal_events: I) -> InitializeAndWait<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        InitializeAndWait::new(self.initialize(legal_events), count)
    }

    /// Publishes `event` and waits for every subscriber's answer.
    ///
    /// Options: [`PublishSignal::sample`], [`PublishSignal::tag`],
    /// [`PublishSignal::metadata`], [`PublishSignal::timeout`] (default 20 s),
    /// [`PublishSignal::no_timeout`].
    ///
    /// Refuses (nothing published) `initialization`, `shutdown`
    /// ([`Error::ReservedEvent`]) and, once initialized, events outside the
    /// legal list ([`Error::IllegalEvent`]). Before `initialize` it publishes
    /// any other event, waits for nobody and logs a warning, as the Python
    /// package does. When `PUBLISH` reaches no client on a standalone server
    /// while there are subscribers, it reports them all missing at once.
    ///
    /// # Errors
    ///
    /// [`Error::ReservedEvent`], [`Error::IllegalEvent`] and
    /// [`Error::MetadataNotObject`] (nothing is published); [`Error::Redis`]
    /// or [`Error::CommandTimeout`] when the `PUBLISH` failed. Subscribers
    /// that fail or do not answer are not errors: they are in the report.
    pub fn publish_signal(&self, event: impl Into<String>) -> PublishSignal<'_> {
        PublishSignal::new(self, event.into())
    }

    /// Stops accepting subscribers, clears the subscriber set and publishes
    /// `shutdown`; it waits for no answer. Options: [`Shutdown::tag`].
    ///
    /// A publish in flight ends at once: its report names every subscriber
    /// that had not answered as missing.
    ///
    /// # Errors
    ///
    /// [`Error::Redis`] or [`Error::CommandTimeout`] when the `PUBLISH` of
    /// `shutdown` failed; the exporter has stopped accepting subscribers
    /// all the same.
    pub fn shutdown(&self) -> Shutdown<'_> {
        Shutdown::new(self)
    }

    fn signal(&self, event: &str, options: &SignalOptions) -> Signal {
        let mut signal = Signal::new(event)
            .with_publisher_id(self.shared.publisher_id.as_str())
            .with_process_name(self.process_name.as_str())
            .with_runner_host(self.runner_host.as_str());
        if let Some(sample_no) = options.sample_no {
            signal.sample_no = sample_no;
        }
        if let Some(tag) = &options.tag {
            signal.tag.clone_from(tag);
        }
        signal.metadata.clone_from(&options.metadata);
        signal
    }

    /// Publishes one signal; returns the receiver count.
    async fn send(&self, event: &str, options: &SignalOptions) -> Result<usize> {
        self.send_signal(&self.signal(event, options)).await
    }

    /// Publishes `signal`; returns the receiver count.
    async fn send_signal(&self, signal: &Signal) -> Result<usize> {
        self.transport
            .publish(self.shared.channels.signals(), signal.to_json())
            .await
    }

    /// The sample number of the next publish that names none, when
    /// publishes are numbered.
    fn next_sample(&self) -> Option<i64> {
        self.next_sample
            .as_ref()
            .map(|next| next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Drop for SignalExporter {
    fn drop(&mut self) {
        if self.shared.lock().accepting {
            tracing::warn!(publisher_id = %self.publisher_id(), "exporter dropped without shutdown; its subscribers get no `shutdown` signal");
        }
    }
}

impl std::fmt::Debug for SignalExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalExporter")
            .field("publisher_id", &self.shared.publisher_id)
            .field("target", &self.transport.target())
            .field("channels", &self.shared.channels)
            .finish_non_exhaustive()
    }
}

fn is_reserved(event: &str) -> bool {
    reserved_by(event).is_some()
}

fn reserved(event: &str) -> Error {
    Error::ReservedEvent {
        event: event.to_owned(),
        method: reserved_by(event).unwrap_or("initialize"),
    }
}
