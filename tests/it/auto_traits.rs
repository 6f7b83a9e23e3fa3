//! What the public types promise about threads, pinned here (as tokio's
//! `async_send_sync.rs` does) so that a change that breaks it fails to build.

use state_signals::*;

fn send_sync_unpin<T: Send + Sync + Unpin>() {}
fn send_unpin<T: Send + Unpin>() {}
fn send_future<F: std::future::IntoFuture<IntoFuture: Send>>(_: F) {}

#[derive(SignalEvents)]
enum Events {
    Start,
}

#[test]
fn public_types_are_send_sync_and_unpin() {
    send_sync_unpin::<SignalExporter>();
    send_sync_unpin::<SignalExporterBuilder>();
    send_sync_unpin::<SignalResponder>();
    send_sync_unpin::<SignalResponderBuilder>();
    send_sync_unpin::<ResponderHandle>();
    send_sync_unpin::<Signals>();
    send_sync_unpin::<SignalMonitor>();
    send_sync_unpin::<SignalMonitorBuilder>();
    send_sync_unpin::<ConnectOptions>();
    send_sync_unpin::<PublishReport>();
    send_sync_unpin::<Signal>();
    send_sync_unpin::<Response>();
    send_sync_unpin::<Reply>();
    send_sync_unpin::<Error>();
    send_sync_unpin::<TypedSignalExporter<Events>>();
    send_sync_unpin::<TypedSignalResponder<Events>>();
    send_sync_unpin::<PublishSignal<'static>>();
    send_sync_unpin::<Initialize<'static>>();
    send_sync_unpin::<InitializeAndWait<'static>>();
    send_sync_unpin::<Shutdown<'static>>();
    // A stream of events is read by one task: `Send`, not `Sync`.
    send_unpin::<ExporterEvents>();
}

/// Every request's future can be spawned on a multi-threaded runtime.
#[allow(dead_code)]
fn request_futures_are_send(exporter: &SignalExporter, typed: &TypedSignalExporter<Events>) {
    send_future(exporter.initialize(["a"]));
    send_future(exporter.initialize_and_wait(1, ["a"]));
    send_future(exporter.publish_signal("a"));
    send_future(exporter.shutdown());
    send_future(typed.publish(Events::Start));
}
