//! TypedSignalExporter: legal events from the enum, `publish` takes only its values.

use std::marker::PhantomData;

use super::SignalEvents;
use crate::exporter::{Initialize, InitializeAndWait, PublishSignal, Shutdown};
use crate::{ExporterEvents, Result, SignalExporter, SignalExporterBuilder};

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
    forward_setters! { SignalExporterBuilder:
        fn options(options: crate::ConnectOptions);
        fn url(url: impl Into<String>);
        fn number_samples(number: bool);
        fn evict_after(missed: u32);
        fn runner_host(host: impl Into<String>);
    }
    #[cfg(feature = "trace-context")]
    forward_setters! { SignalExporterBuilder:
        fn trace_context(on: bool);
    }

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
    ///
    /// The request is the same [`PublishSignal`] as the untyped one: set
    /// its sample, tag and timeout there (its metadata is the event's
    /// fields; [`PublishSignal::metadata`] would replace them).
    pub fn publish(&self, event: E) -> PublishSignal<'_> {
        let request = self.inner.publish_signal(event.event_name());
        match event.to_metadata() {
            Ok(Some(metadata)) => request.metadata(metadata),
            Ok(None) => request,
            Err(error) => request.refuse(error),
        }
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

    /// The string-event exporter underneath (what "untyped" names on
    /// every typed type).
    pub fn untyped(&self) -> &SignalExporter {
        &self.inner
    }
}
