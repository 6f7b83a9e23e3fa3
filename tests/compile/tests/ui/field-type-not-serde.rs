use state_signals::SignalEvents;

struct Opaque;

#[derive(SignalEvents)]
enum Benchmark {
    Start,
    Sample { iteration: u32, blob: Opaque },
}

fn main() {}
