use state_signals::SignalEvents;

#[derive(SignalEvents)]
#[signal(rename_al = "snake_case")]
enum Benchmark {
    Start,
}

fn main() {}
