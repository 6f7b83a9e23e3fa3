// `serve` takes the responder by value: two serve loops cannot share it.
use state_signals::{Handler, Reply, Signal, SignalResponder};

struct Ok;
impl Handler for Ok {
    async fn on_signal(&mut self, _: &Signal) -> Reply {
        Reply::success()
    }
}

async fn serve_twice(responder: SignalResponder) {
    let first = responder.serve(Ok);
    let second = responder.serve(Ok);
    let _ = (first.await, second.await);
}

fn main() {}
