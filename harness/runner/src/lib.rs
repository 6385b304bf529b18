//! The TLS conformance harness: peers, scenario model, execution.
//!
//! - [`model`]: the shared vocabulary ([`model::Setup`], [`model::Outcome`], ...).
//! - [`peer`]: the [`peer::Peer`] trait and the per-case context.
//! - [`peers`]: the adapters (`rustls`, `openssl`).
//! - [`scenario`]: scenario files, validation and matrix expansion.
//! - [`run`]: cases, parallel execution, verdicts.
//! - [`selftest`]: the negative controls of the scenarios, run.
//! - [`transcript`]: decoding what crossed the wire.
//! - [`matrix`]: the printed matrix.
//! - [`bench`]: handshake benchmarks (in-memory drivers, ratio mode, instruction counts).
//! - [`mitm`]: the man-in-the-middle proxy (family `mitm::*`).
//! - [`pump`]: the one sans-IO driver of the in-process peers (endpoints over TCP or in memory).

pub mod bench;
pub mod cli;
pub mod fault;
mod judge;
pub mod lifecycle;
pub mod matrix;
pub mod mitm;
pub mod model;
pub mod peer;
pub mod peercheck;
pub mod peers;
pub mod pump;
pub mod run;
pub mod scenario;
pub mod selftest;
pub mod steps;
pub mod testing;
pub mod tools;
pub mod transcript;
pub mod versions;
pub mod vocab;
