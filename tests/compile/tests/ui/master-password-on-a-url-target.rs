// Sentinel credentials exist only on a `SentinelMaster`.
use state_signals::ConnectOptions;

fn main() {
    let _ = ConnectOptions::url("redis://127.0.0.1:6379").master_password("s3cret");
}
