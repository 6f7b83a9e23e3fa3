//! One trace per session across processes, with the `trace-context`
//! feature (off by default): the exporter's session and publish spans, the
//! W3C trace context each signal carries in its metadata, the responder's
//! handler span opened as its child, and the handler span's context sent
//! back with the answer. Spans are `tracing` spans; their OpenTelemetry
//! context comes from the application's `tracing-opentelemetry` layer (no
//! layer, no context: nothing is added to the signals). Without the feature
//! every function here does nothing.

#[cfg(feature = "trace-context")]
mod otel {
    use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
    use opentelemetry::trace::TraceContextExt;
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use tracing::Span;
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    use crate::protocol::{Metadata, Signal, TRACEPARENT, TRACESTATE};

    /// Writes the W3C keys into a signal's metadata (an empty `tracestate`
    /// is left out).
    struct Into<'a>(&'a mut Metadata);

    impl Injector for Into<'_> {
        fn set(&mut self, key: &str, value: String) {
            if !value.is_empty() {
                self.0.insert(key.to_owned(), value.into());
            }
        }
    }

    /// Reads the W3C keys of a signal's metadata, or of one answer's
    /// `traceparent`.
    struct From<'a> {
        traceparent: Option<&'a str>,
        tracestate: Option<&'a str>,
    }

    impl Extractor for From<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            match key {
                TRACEPARENT => self.traceparent,
                TRACESTATE => self.tracestate,
                _ => None,
            }
        }

        fn keys(&self) -> Vec<&str> {
            vec![TRACEPARENT, TRACESTATE]
        }
    }

    fn extract(traceparent: &str, tracestate: Option<&str>) -> opentelemetry::Context {
        TraceContextPropagator::new().extract(&From {
            traceparent: Some(traceparent),
            tracestate,
        })
    }

    /// The exporter's session span: the parent of its publish spans, the
    /// root of the session's trace unless a span is current.
    pub(crate) fn session_span(publisher_id: &str, process_name: &str) -> Span {
        tracing::info_span!("state_signals.session", %publisher_id, %process_name)
    }

    /// One publish's span, a child of the session's.
    pub(crate) fn publish_span(session: &Span, event: &str) -> Span {
        tracing::info_span!(
            parent: session,
            "state_signals.publish",
            otel.kind = "producer",
            %event,
            sample_no = tracing::field::Empty,
            code = tracing::field::Empty,
            answered = tracing::field::Empty,
            missing = tracing::field::Empty,
        )
    }

    /// Puts `span`'s trace context into `metadata` (created when absent);
    /// nothing when the span has no OpenTelemetry context.
    pub(crate) fn inject(span: &Span, metadata: &mut Option<Metadata>) {
        let context = span.context();
        if !context.span().span_context().is_valid() {
            return;
        }
        let mut map = metadata.take().unwrap_or_default();
        TraceContextPropagator::new().inject_context(&context, &mut Into(&mut map));
        *metadata = Some(map);
    }

    /// The span a responder handles `signal` in: a child of the
    /// exporter's publish span when the signal carries its trace context,
    /// no span otherwise.
    pub(crate) fn handler_span(signal: &Signal) -> Span {
        let Some(traceparent) = signal.traceparent() else {
            return Span::none();
        };
        let tracestate = signal
            .metadata
            .as_ref()
            .and_then(|m| m.get(TRACESTATE))
            .and_then(|v| v.as_str());
        let span = tracing::info_span!(
            "state_signals.handle",
            otel.kind = "consumer",
            event = %crate::protocol::Escaped(&signal.event),
            sample_no = signal.sample_no,
            publisher_id = %crate::protocol::Escaped(&signal.publisher_id),
        );
        // Fails only when the span is disabled or already has a parent.
        let _ = span.set_parent(extract(traceparent, tracestate));
        span
    }

    /// A publish ended with `report`: its outcome on the publish span, and
    /// a link to each answer's handler span.
    pub(crate) fn published(span: &Span, sample_no: i64, report: &crate::PublishReport) {
        if span.is_none() {
            return;
        }
        span.record("sample_no", sample_no);
        span.record("code", report.code.code());
        span.record("answered", report.answers.len());
        span.record("missing", report.missing.len());
        for traceparent in report
            .answers
            .values()
            .filter_map(|a| a.traceparent.as_deref())
        {
            let linked = extract(traceparent, None).span().span_context().clone();
            if linked.is_valid() {
                span.add_link(linked);
            }
        }
    }

    /// The trace id of `span`, in hex, when it has a valid context.
    pub(crate) fn trace_id(span: &Span) -> Option<String> {
        let context = span.context();
        let span = context.span();
        let span_context = span.span_context();
        span_context
            .is_valid()
            .then(|| span_context.trace_id().to_string())
    }

    /// The `traceparent` an answer to `signal` carries: the current span's
    /// (the handler span) when the signal carried a trace context.
    pub(crate) fn answer_traceparent(signal: &Signal) -> Option<String> {
        signal.traceparent()?;
        let mut metadata = None;
        inject(&Span::current(), &mut metadata);
        metadata?.remove(TRACEPARENT)?.as_str().map(str::to_owned)
    }
}

#[cfg(feature = "trace-context")]
pub(crate) use otel::{
    answer_traceparent, handler_span, inject, publish_span, published, session_span, trace_id,
};

/// The `traceparent` an answer carries (see `otel::answer_traceparent`);
/// none without the feature.
#[cfg(not(feature = "trace-context"))]
pub(crate) fn answer_traceparent(_: &crate::Signal) -> Option<String> {
    None
}

/// The span a responder handles `signal` in (see `otel::handler_span`);
/// no span without the feature.
#[cfg(not(feature = "trace-context"))]
pub(crate) fn handler_span(_: &crate::Signal) -> tracing::Span {
    tracing::Span::none()
}

/// One publish's span (see `otel::publish_span`); no span without the feature.
#[cfg(not(feature = "trace-context"))]
pub(crate) fn publish_span(_: &tracing::Span, _: &str) -> tracing::Span {
    tracing::Span::none()
}

/// Puts the span's trace context into the metadata (see `otel::inject`).
#[cfg(not(feature = "trace-context"))]
pub(crate) fn inject(_: &tracing::Span, _: &mut Option<crate::Metadata>) {}

/// A publish ended (see `otel::published`).
#[cfg(not(feature = "trace-context"))]
pub(crate) fn published(_: &tracing::Span, _: i64, _: &crate::PublishReport) {}
