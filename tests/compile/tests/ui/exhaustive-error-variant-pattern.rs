// An error variant's fields can grow: a pattern must end with `..`.
use state_signals::Error;

fn describe(error: &Error) -> String {
    match error {
        Error::IllegalEvent { event, legal } => format!("{event} not in {legal:?}"),
        other => other.to_string(),
    }
}

fn main() {}
