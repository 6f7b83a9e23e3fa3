//! TypedSignalExporter: legal events from the enum, `publish` takes only its values.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use super::SignalEvents;
use crate::exporter::{Initialize, InitializeAndWait, PublishSignal, Shutdown};
use crate::{ExporterEvents, PublishReport, Result, SignalExporter, SignalExporterBuilder};

/// Configures and connects a [`TypedSignalExporter`]; from
/// [`SignalExporterBuilder::typed`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `connect` is awaited"]
pub struct TypedExporterBuilder<E> {
    builder: SignalExporterBuilder,
    events: PhantomData<fn() -> E>,
}

impl SignalExporterBuilder {
    /// A typed exporter whose legal events are the variants of `E`.
    pub fn typed<E: SignalEvents>(self) -> TypedExporterBuilder<E> {
        TypedExporterBuilder {
            builder: self,
            events: PhantomData,
        }
    }
}

impl<E: SignalEvents> TypedExporterBuilder<E> {
    /// Connects (see [`SignalExporterBuilder::connect`]).
    ///
    /// # Errors
    ///
    /// Those of [`SignalExporterBuilder::connect`].
    pub async fn connect(self) -> Result<TypedSignalExporter<E>> {
        Ok(TypedSignalExporter {
            inner: self.builder.connect().await?,
            events: PhantomData,
        })
    }
}

/// A [`SignalExporter`] whose legal events are the variants of `E`:
/// publishing an event that is not one is a compile error.
///
/// ```no_run
/// # use state_signals::SignalEvents;
/// # #[derive(SignalEvents)] enum Benchmark { Start, Sample { iteration: u32 } }
/// # async fn run() -> state_signals::Result<()> {
/// use state_signals::SignalExporter;
/// let exporter = SignalExporter::builder("my-benchmark").typed::<Benchmark>().connect().await?;
/// exporter.initialize_and_wait(3).await?;
/// let report = exporter.publish(Benchmark::Sample { iteration: 1 }).sample(1).await?;
/// exporter.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TypedSignalExporter<E> {
    inner: SignalExporter,
    events: PhantomData<fn() -> E>,
}

impl<E: SignalEvents> TypedSignalExporter<E> {
    /// [`SignalExporter::initialize`] with `E`'s variants as legal events.
    pub fn initialize(&self) -> Initialize<'_> {
        self.inner.initialize(E::EVENTS.iter().copied())
    }

    /// [`SignalExporter::initialize_and_wait`] with `E`'s variants as legal events.
    pub fn initialize_and_wait(&self, count: usize) -> InitializeAndWait<'_> {
        self.inner
            .initialize_and_wait(count, E::EVENTS.iter().copied())
    }

    /// Publishes `event` (its fields as metadata) and waits for the answers,
    /// as [`SignalExporter::publish_signal`] does.
    ///
    /// # Errors
    ///
    /// Those of [`SignalExporter::publish_signal`], and [`Error::Malformed`](crate::Error::Malformed)
    /// when a field does not serialize.
    pub fn publish(&self, event: E) -> TypedPublish<'_> {
        let request = self.inner.publish_signal(event.event_name());
        let request = match event.to_metadata() {
            Ok(Some(metadata)) => Ok(request.metadata(metadata)),
            Ok(None) => Ok(request),
            Err(error) => Err(error),
        };
        TypedPublish { request }
    }

    /// See [`SignalExporter::shutdown`].
    pub fn shutdown(&self) -> Shutdown<'_> {
        self.inner.shutdown()
    }

    /// See [`SignalExporter::publisher_id`].
    pub fn publisher_id(&self) -> &str {
        self.inner.publisher_id()
    }

    /// See [`SignalExporter::subscribers`].
    pub fn subscribers(&self) -> Vec<String> {
        self.inner.subscribers()
    }

    /// See [`SignalExporter::events`].
    pub fn events(&self) -> ExporterEvents {
        self.inner.events()
    }

    /// The string-event exporter underneath.
    pub fn untyped(&self) -> &SignalExporter {
        &self.inner
    }
}

/// [`TypedSignalExporter::publish`]'s options; await it to publish.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct TypedPublish<'a> {
    /// The string publish, or why the value could not be encoded.
    request: Result<PublishSignal<'a>>,
}

impl<'a> TypedPublish<'a> {
    fn map(mut self, f: impl FnOnce(PublishSignal<'a>) -> PublishSignal<'a>) -> Self {
        self.request = self.request.map(f);
        self
    }

    /// The sample number (default `-1`); `0` travels as `0`.
    pub fn sample(self, sample_no: i64) -> Self {
        self.map(|r| r.sample(sample_no))
    }

    /// The signal's tag.
    pub fn tag(self, tag: impl Into<String>) -> Self {
        let tag = tag.into();
        self.map(|r| r.tag(tag))
    }

    /// How long to wait for the answers (default 20 s).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|r| r.timeout(timeout))
    }

    /// Waits for every answer however long it takes.
    pub fn no_timeout(self) -> Self {
        self.map(|r| r.no_timeout())
    }
}

impl<'a> IntoFuture for TypedPublish<'a> {
    type Output = Result<PublishReport>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<PublishReport>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        match self.request {
            Ok(request) => request.into_future(),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}
