// A `ResponderHandle` is `Clone`, so it cannot make readers: the one
// `Signals` stream comes from `SignalResponder::split`.
use state_signals::ResponderHandle;

fn reader_from_handle(handle: &ResponderHandle) {
    let _signals = handle.signals();
    let _split = handle.clone().split();
}

fn main() {}
