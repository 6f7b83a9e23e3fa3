use state_signals::SignalEvents;

#[derive(SignalEvents)]
enum Benchmark<T> {
    Start,
    Sample { value: T },
}

fn main() {}
