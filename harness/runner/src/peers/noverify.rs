//! A test-only peer: the rustls client with certificate verification switched off.
//!
//! `rustls-noverify` accepts any server certificate chain and any handshake signature, so it
//! connects wherever the TCP connection and the key exchange work. Run as the client of the
//! `certificate` family it must turn every bad-certificate case into `fail`: that is how the
//! harness shows it can tell a verifying client from one that does not verify. As server it
//! is the ordinary rustls peer ([`RustlsPeer`]), verification of client certificates included.
//! Never list it in a conformance run's default peers.

use std::net::{SocketAddr, TcpListener};

use super::RustlsPeer;
use super::rustls_peer::{Verification, run_client};
use crate::model::{Outcome, Role, Setup};
use crate::peer::{CaseCtx, Peer, Unsupported};

/// rustls as a client that verifies nothing; as a server, the ordinary rustls peer.
#[derive(Debug, Default)]
pub struct NoVerifyRustls;

impl Peer for NoVerifyRustls {
    fn name(&self) -> &str {
        "rustls-noverify"
    }

    fn version(&self) -> String {
        format!(
            "rustls {} (aws-lc-rs), client without certificate verification (test only)",
            crate::versions::RUSTLS
        )
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        RustlsPeer.supports(role, setup)
    }

    fn unseeded(&self) -> Option<String> {
        RustlsPeer.unseeded()
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        RustlsPeer.run_server(setup, listener, ctx)
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        run_client(setup, addr, ctx, Verification::None)
    }
}
