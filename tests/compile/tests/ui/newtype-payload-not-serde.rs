use state_signals::SignalEvents;

struct SampleData {
    iteration: u32,
}

#[derive(SignalEvents)]
enum Tool {
    Sample(SampleData),
}

fn main() {}
