//! Compile-fail tests of `#[derive(SignalEvents)]`, the typed API and the
//! public API decisions that must not regress (exhaustive error patterns,
//! no `redis` re-export, fault injection only with `test-util`, Sentinel
//! credentials only on a Sentinel target): every rejected input, with the
//! message a user sees (`tests/ui/*.stderr`). This package depends on the
//! library with its default features only, as a user's crate does.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
