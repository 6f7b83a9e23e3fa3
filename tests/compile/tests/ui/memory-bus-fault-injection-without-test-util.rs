// Fault injection on the in-memory bus needs the `test-util` feature.
use state_signals::MemoryBus;

fn main() {
    let bus = MemoryBus::new();
    bus.pause();
    bus.drop_connections();
}
