//! Compile-fail tests of `#[derive(SignalEvents)]` and the typed API: every
//! rejected input, with the message a user sees (`tests/ui/*.stderr`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
