use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    #[signal(rename = "subscribe-now")]
    Subscribe,
}

fn main() {}
