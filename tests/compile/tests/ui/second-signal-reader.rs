// A responder has exactly one reader of its signals: `split` consumes it,
// so a second `Signals` stream cannot be made.
use state_signals::SignalResponder;

fn two_readers(responder: SignalResponder) {
    let (_handle, _signals) = responder.split();
    let (_again, _second) = responder.split();
}

fn main() {}
