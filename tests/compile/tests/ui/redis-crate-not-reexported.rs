// The `redis` crate is not part of the default API (see the
// `redis-client` feature).
use state_signals::redis;

fn main() {
    let _ = redis::Client::open("redis://127.0.0.1/");
}
