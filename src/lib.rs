//! Integration tests and examples for the `state-signals` workspace live in
//! `tests/` and `examples/`; this crate holds no code.
