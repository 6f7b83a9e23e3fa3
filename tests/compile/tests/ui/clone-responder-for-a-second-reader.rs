// A responder is not `Clone`: a clone could make a second reader.
use state_signals::SignalResponder;

fn two_readers(responder: SignalResponder) {
    let copy = responder.clone();
    let (_handle, _signals) = responder.split();
    let (_again, _second) = copy.split();
}

fn main() {}
