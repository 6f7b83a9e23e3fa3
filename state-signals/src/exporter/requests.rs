//! The option builders returned by `initialize`, `initialize_and_wait` and
//! `publish_signal`; each runs when awaited.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use super::{
    PublishReport, SignalExporter, SignalOptions, DEFAULT_PUBLISH_TIMEOUT,
    DEFAULT_SUBSCRIBE_TIMEOUT,
};
use crate::protocol::Metadata;
use crate::{Error, Result};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`SignalExporter::initialize`]'s options; await it to run it.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct Initialize<'a> {
    exporter: &'a SignalExporter,
    pub(super) legal_events: Vec<String>,
    pub(super) expected: Vec<String>,
    pub(super) options: SignalOptions,
}

impl<'a> Initialize<'a> {
    pub(super) fn new(exporter: &'a SignalExporter, legal_events: Vec<String>) -> Self {
        Self {
            exporter,
            legal_events,
            expected: Vec::new(),
            options: SignalOptions::default(),
        }
    }

    /// Tags the `initialization` signal.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.tag = Some(tag.into());
        self
    }

    /// Pre-fills the subscriber set with these responder ids (responders built
    /// with a fixed [`responder_id`](crate::SignalResponderBuilder::responder_id)).
    pub fn expected_responders<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expected.extend(ids.into_iter().map(Into::into));
        self
    }
}

impl<'a> IntoFuture for Initialize<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.exporter
                .run_initialize(self.legal_events, self.expected, &self.options)
                .await
        })
    }
}

/// [`SignalExporter::initialize_and_wait`]'s options; await it to run it.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct InitializeAndWait<'a> {
    init: Initialize<'a>,
    count: usize,
    timeout: Option<Duration>,
    periodic: bool,
}

impl<'a> InitializeAndWait<'a> {
    pub(super) fn new(init: Initialize<'a>, count: usize) -> Self {
        Self {
            init,
            count,
            timeout: Some(DEFAULT_SUBSCRIBE_TIMEOUT),
            periodic: false,
        }
    }

    /// Tags the `initialization` signal.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.init = self.init.tag(tag);
        self
    }

    /// Pre-fills the subscriber set (see [`Initialize::expected_responders`]).
    pub fn expected_responders<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.init = self.init.expected_responders(ids);
        self
    }

    /// How long to wait for the subscribers (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for the subscribers however long it takes.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// Republishes `initialization` every second while waiting, for
    /// responders that start late (default: off).
    pub fn periodic(mut self, periodic: bool) -> Self {
        self.periodic = periodic;
        self
    }
}

impl<'a> IntoFuture for InitializeAndWait<'a> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let exporter = self.init.exporter;
            exporter
                .run_initialize_and_wait(self.init, self.count, self.timeout, self.periodic)
                .await
        })
    }
}

/// [`SignalExporter::publish_signal`]'s options; await it to publish.
#[derive(Debug)]
#[must_use = "nothing is published until this is awaited"]
pub struct PublishSignal<'a> {
    exporter: &'a SignalExporter,
    event: String,
    options: SignalOptions,
    timeout: Option<Duration>,
    invalid: Option<Error>,
}

impl<'a> PublishSignal<'a> {
    pub(super) fn new(exporter: &'a SignalExporter, event: String) -> Self {
        Self {
            exporter,
            event,
            options: SignalOptions::default(),
            timeout: Some(DEFAULT_PUBLISH_TIMEOUT),
            invalid: None,
        }
    }

    /// The sample number (default `-1`); `0` travels as `0`.
    pub fn sample(mut self, sample_no: i64) -> Self {
        self.options.sample_no = Some(sample_no);
        self
    }

    /// The signal's tag (default `"No tag specified"`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.tag = Some(tag.into());
        self
    }

    /// Extra data: a JSON object.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.options.metadata = Some(metadata);
        self
    }

    /// Extra data given as any JSON value; awaiting fails with
    /// [`Error::MetadataNotObject`] unless it is an object.
    pub fn metadata_value(mut self, metadata: serde_json::Value) -> Self {
        match metadata {
            serde_json::Value::Object(map) => self.options.metadata = Some(map),
            other => {
                self.invalid = Some(Error::MetadataNotObject {
                    found: crate::protocol::json_type(&other),
                })
            }
        }
        self
    }

    /// How long to wait for the answers, from the call on (default 20 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for every answer however long it takes.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }
}

impl<'a> IntoFuture for PublishSignal<'a> {
    type Output = Result<PublishReport>;
    type IntoFuture = BoxFuture<'a, Result<PublishReport>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if let Some(error) = self.invalid {
                return Err(error);
            }
            self.exporter
                .run_publish(self.event, &self.options, self.timeout)
                .await
        })
    }
}
