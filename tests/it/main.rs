//! The workspace's integration tests, one binary: a module per area, each
//! against real Redis servers (single, Cluster, Sentinel, TLS, behind
//! proxies) and the real Python package. Support code:
//! `state-signals-test-support` (`tests/support`).

mod acl;
mod auto_traits;
mod cluster;
mod connection_loss;
mod derive_expansion;
mod examples;
mod hostile_payloads;
mod liveness;
mod memory_bus;
mod monitor;
mod parity;
mod publish_reports;
mod python_interop;
mod python_module;
mod readme_snippets;
mod responder_locks;
mod sentinel;
mod serve_loop;
mod subscribers;
mod targets;
mod tls;
mod trace_context;
mod trustworthy_reports;
mod typed_payloads;
mod typed_python_interop;
mod typed_serve;
mod wire_format;
