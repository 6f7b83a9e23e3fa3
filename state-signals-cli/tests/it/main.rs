//! Tests of the `state-signals` binary, one test binary: a module per
//! subcommand or area, each running the real binary against real Redis
//! servers (and the Python package for `interop`).

mod bench;
mod cluster;
mod flood;
mod interop;
mod listen;
mod metrics;
mod respond;
mod run;
mod sentinel;
mod support;
mod tls_secrets;
mod trace;
