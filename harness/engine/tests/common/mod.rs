//! Shared helpers: configurations from the certs crate, the grids of the interop tests, and
//! wrappers of the in-memory driver (`tls_engine::testing`) with the wall clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::sync::Arc;

use rustls_pki_types::{PrivateKeyDer, UnixTime};
use tls_engine::{ClientConfig, Connection, ServerConfig};

pub fn now() -> UnixTime {
    UnixTime::now()
}

pub fn server_config(kind: &str) -> ServerConfig {
    let m = certs::materials(kind).unwrap();
    ServerConfig::new(
        m.server.chain.clone(),
        PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
    )
    .unwrap()
}

pub fn client_config(kind: &str) -> ClientConfig {
    let m = certs::materials(kind).unwrap();
    ClientConfig {
        roots: m.roots.clone(),
        server_name: Some(m.server_name.clone()),
        ..Default::default()
    }
}

pub fn client_identity(kind: &str) -> tls_engine::CertifiedKey {
    let m = certs::materials(kind).unwrap();
    tls_engine::CertifiedKey::new(
        m.client.chain.clone(),
        PrivateKeyDer::Pkcs8(m.client.key.clone_key()),
    )
    .unwrap()
}

/// The downgrade sentinels a server can write (RFC 8446 4.1.3), and wrong bytes.
pub const SENTINELS: [tls_engine::DowngradeSentinel; 3] = [
    tls_engine::DowngradeSentinel::Tls12,
    tls_engine::DowngradeSentinel::Tls11,
    tls_engine::DowngradeSentinel::WrongBytes,
];

/// Our TLS 1.2-only server of `kind` writing `sentinel` into its ServerHello random, as a
/// server that was downgraded would.
pub fn sentinel_server(kind: &str, sentinel: tls_engine::DowngradeSentinel) -> ServerConfig {
    let mut sc = server_config(kind);
    sc.versions = vec![tls_engine::ProtocolVersion::TLSv1_2];
    sc.knobs.downgrade_sentinel = Some(sentinel);
    sc
}

/// A server's demand for a client certificate under `kind`'s roots.
pub fn require_client_cert(kind: &str) -> tls_engine::ClientAuth {
    tls_engine::ClientAuth::Required { roots: roots(kind) }
}

pub fn roots(kind: &str) -> Vec<rustls_pki_types::CertificateDer<'static>> {
    certs::materials(kind).unwrap().roots.clone()
}

pub use tls_engine::testing::Side;
use tls_engine::{CipherSuite, NamedGroup};

/// The certificate kinds every grid runs over.
pub const KEYS: [&str; 4] = ["ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519"];

/// The TLS 1.3 suites.
pub const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];

/// The groups of the grids: the three ECDHE groups every peer has, then the hybrid.
pub const GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519,
    NamedGroup::Secp256r1,
    NamedGroup::Secp384r1,
    NamedGroup::X25519MlKem768,
];

/// The TLS 1.2 suites: those of the engine's default offer that are not TLS 1.3 suites.
pub fn suites12() -> Vec<CipherSuite> {
    let offer = ClientConfig::default().cipher_suites;
    offer.into_iter().filter(|s| !SUITES.contains(s)).collect()
}

/// The certificate kinds a TLS 1.2 suite can use (ECDHE_RSA: RSA; ECDHE_ECDSA: the rest).
pub fn keys12(suite: CipherSuite) -> &'static [&'static str] {
    if suite.name().contains("_RSA_") {
        &["rsa2048"]
    } else {
        &["ecdsa_p256", "ecdsa_p384", "ed25519"]
    }
}

/// One cell of an interoperability grid: a certificate kind, a suite and a group.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    pub kind: &'static str,
    pub suite: CipherSuite,
    pub group: NamedGroup,
}

impl Cell {
    /// The cell, for failure messages.
    pub fn what(&self) -> String {
        format!("{} {} {}", self.kind, self.suite, self.group)
    }

    /// `side` negotiated `version` with this cell's suite and group.
    pub fn assert_negotiated(&self, side: &Side, version: tls_engine::ProtocolVersion) {
        let n = side.conn.negotiated().unwrap();
        assert_eq!(
            (n.version, n.cipher_suite, n.group),
            (version, self.suite, Some(self.group)),
            "{}",
            self.what()
        );
    }
}

/// The TLS 1.3 grid: every kind, suite and one of `groups`.
pub fn grid13(groups: &[NamedGroup]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for kind in KEYS {
        for suite in SUITES {
            for &group in groups {
                cells.push(Cell { kind, suite, group });
            }
        }
    }
    cells
}

/// The TLS 1.2 grid: every one of `suites`, one of `groups`, and the kinds the suite can use.
pub fn grid12(suites: &[CipherSuite], groups: &[NamedGroup]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for &suite in suites {
        for &group in groups {
            for &kind in keys12(suite) {
                cells.push(Cell { kind, suite, group });
            }
        }
    }
    cells
}

/// A client of `kind` offering only `suite` and `group`, with a share for `group`.
pub fn grid_client(kind: &str, suite: CipherSuite, group: NamedGroup) -> ClientConfig {
    let mut cc = client_config(kind);
    cc.cipher_suites = vec![suite];
    cc.groups = vec![group];
    cc.key_share_groups = vec![group];
    cc
}

/// Our server for `sc`, fed `first` (another implementation's first flight); an error is
/// kept in the side.
pub fn server_answering(sc: ServerConfig, first: &[u8]) -> Side {
    let mut s = server_side(sc);
    s.receive(first, now());
    s
}

/// Drives our side against another implementation until neither sends: `peer` takes our
/// output and returns its own.
pub fn drive_peer(ours: &mut Side, mut peer: impl FnMut(Vec<u8>) -> Vec<u8>) {
    for _ in 0..100 {
        let out = ours.conn.take_output();
        let mut moved = !out.is_empty();
        let back = peer(out);
        moved |= !back.is_empty();
        ours.receive(&back, now());
        if !moved {
            break;
        }
    }
}

/// Our client for `cc`; its ClientHello is queued.
pub fn client_side(cc: ClientConfig) -> Side {
    Side::new(Connection::client(Arc::new(cc), now()).unwrap())
}

/// Our server for `sc`.
pub fn server_side(sc: ServerConfig) -> Side {
    Side::new(Connection::server(Arc::new(sc), now()).unwrap())
}

/// Move output of `from` into `to`; returns whether anything moved.
pub fn transfer(from: &mut Side, to: &mut Side) -> bool {
    tls_engine::testing::transfer(from, to, now())
}

/// Run until neither side has anything to send.
pub fn drive(c: &mut Side, s: &mut Side) {
    assert!(
        tls_engine::testing::drive(c, s, now(), 1000),
        "no progress after 1000 rounds"
    );
}

pub fn pair(cc: ClientConfig, sc: ServerConfig) -> (Side, Side) {
    (client_side(cc), server_side(sc))
}

/// A client and a server driven until idle, whatever the outcome.
pub fn driven(cc: ClientConfig, sc: ServerConfig) -> (Side, Side) {
    let (mut c, mut s) = pair(cc, sc);
    drive(&mut c, &mut s);
    (c, s)
}

/// Handshake and exchange application data both ways; panics on failure.
pub fn handshake_ok(cc: ClientConfig, sc: ServerConfig) -> (Side, Side) {
    let (mut c, mut s) = pair(cc, sc);
    drive(&mut c, &mut s);
    assert!(c.err.is_none(), "client error: {:?}", c.err);
    assert!(s.err.is_none(), "server error: {:?}", s.err);
    assert!(
        c.complete() && s.complete(),
        "handshake incomplete: client {:?} server {:?}",
        c.conn.step(),
        s.conn.step()
    );
    c.conn.send_application_data(b"ping from client").unwrap();
    s.conn.send_application_data(b"pong from server").unwrap();
    drive(&mut c, &mut s);
    assert_eq!(s.app_data(), b"ping from client");
    assert_eq!(c.app_data(), b"pong from server");
    (c, s)
}

/// Both sides completed their handshake without an error.
pub fn assert_completed(c: &Side, s: &Side) {
    assert!(
        c.err.is_none() && s.err.is_none(),
        "client {:?} server {:?}",
        c.err,
        s.err
    );
    assert!(c.complete() && s.complete());
}
