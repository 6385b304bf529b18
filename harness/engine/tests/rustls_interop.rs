//! Interoperability with rustls 0.23 (aws-lc-rs provider), in memory, both directions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::sync::Arc;

use common::*;
use rustls::crypto::aws_lc_rs::{self as provider, cipher_suite as cs, kx_group as kx};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::{PrivateKeyDer, ServerName};
use rustls::{HandshakeKind, RootCertStore, SupportedCipherSuite};
use tls_engine::{AlertDescription, CipherSuite, NamedGroup, SignatureScheme};

fn suites() -> [(CipherSuite, SupportedCipherSuite); 3] {
    [
        (
            CipherSuite::TLS_AES_128_GCM_SHA256,
            cs::TLS13_AES_128_GCM_SHA256,
        ),
        (
            CipherSuite::TLS_AES_256_GCM_SHA384,
            cs::TLS13_AES_256_GCM_SHA384,
        ),
        (
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            cs::TLS13_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

fn groups() -> [(NamedGroup, &'static dyn SupportedKxGroup); 4] {
    [
        (NamedGroup::X25519, kx::X25519),
        (NamedGroup::Secp256r1, kx::SECP256R1),
        (NamedGroup::Secp384r1, kx::SECP384R1),
        (NamedGroup::X25519MlKem768, kx::X25519MLKEM768),
    ]
}

/// rustls's protocol versions: TLS 1.3, TLS 1.2, both.
const TLS13: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
const TLS12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
const BOTH: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn provider_with(
    suites: Vec<SupportedCipherSuite>,
    groups: Vec<&'static dyn SupportedKxGroup>,
) -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        cipher_suites: suites,
        kx_groups: groups,
        ..provider::default_provider()
    })
}

fn root_store(kind: &str) -> RootCertStore {
    let mut rs = RootCertStore::empty();
    for r in roots(kind) {
        rs.add(r).unwrap();
    }
    rs
}

/// A rustls server for `versions`, requiring a client certificate if `client_auth`, with
/// tickets if `tickets`, offering ALPN h2.
fn rustls_server(
    kind: &str,
    p: Arc<CryptoProvider>,
    client_auth: bool,
    versions: &[&'static rustls::SupportedProtocolVersion],
    tickets: bool,
) -> Arc<rustls::ServerConfig> {
    let m = certs::materials(kind).unwrap();
    let b = rustls::ServerConfig::builder_with_provider(p.clone())
        .with_protocol_versions(versions)
        .unwrap();
    let b = if client_auth {
        let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(root_store(kind)),
            p,
        )
        .build()
        .unwrap();
        b.with_client_cert_verifier(v)
    } else {
        b.with_no_client_auth()
    };
    let mut cfg = b
        .with_single_cert(
            m.server.chain.clone(),
            PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
        )
        .unwrap();
    if tickets {
        cfg.ticketer = provider::Ticketer::new().unwrap();
    }
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(cfg)
}

/// rustls's default suites and groups.
fn default_provider() -> Arc<CryptoProvider> {
    provider_with(
        provider::DEFAULT_CIPHER_SUITES.to_vec(),
        provider::DEFAULT_KX_GROUPS.to_vec(),
    )
}

/// A rustls client connection to "localhost".
fn localhost_client(cfg: Arc<rustls::ClientConfig>) -> rustls::ClientConnection {
    rustls::ClientConnection::new(cfg, ServerName::try_from("localhost").unwrap()).unwrap()
}

/// A rustls client connection to the server name of `kind`'s certificate.
fn named_client(kind: &str, cfg: Arc<rustls::ClientConfig>) -> rustls::ClientConnection {
    let name = ServerName::try_from(certs::materials(kind).unwrap().server_name.clone()).unwrap();
    rustls::ClientConnection::new(cfg, name).unwrap()
}

/// After the handshake: "hello rustls" from us, "hello engine" from rustls, both arrive.
fn app_data_both_ways<D>(ours: &mut Side, theirs: &mut rustls::ConnectionCommon<D>) {
    ours.conn.send_application_data(b"hello rustls").unwrap();
    theirs.writer().write_all(b"hello engine").unwrap();
    assert!(drive_rustls(ours, theirs).is_none());
    assert_eq!(read_all(theirs), b"hello rustls");
    assert_eq!(ours.app_data(), b"hello engine");
}

/// Both sides export the same keying material (RFC 5705, RFC 8446 7.5).
fn assert_same_exporter<D>(
    ours: &Side,
    theirs: &rustls::ConnectionCommon<D>,
    ctx: Option<&[u8]>,
    len: usize,
    what: &str,
) {
    let mine = ours
        .conn
        .export_keying_material(b"EXPORTER-test", ctx, len)
        .unwrap();
    let rustls = theirs
        .export_keying_material(vec![0u8; len], b"EXPORTER-test", ctx)
        .unwrap();
    assert_eq!(mine, rustls, "{what}");
}

/// Feed `bytes` to a rustls connection; returns the rustls error, if any.
fn feed<D>(conn: &mut rustls::ConnectionCommon<D>, mut bytes: &[u8]) -> Result<(), rustls::Error> {
    while !bytes.is_empty() {
        conn.read_tls(&mut bytes).unwrap();
        conn.process_new_packets()?;
    }
    Ok(())
}

fn drain<D>(conn: &mut rustls::ConnectionCommon<D>) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut out).unwrap();
    }
    out
}

fn read_all<D>(conn: &mut rustls::ConnectionCommon<D>) -> Vec<u8> {
    let mut v = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => break,
            Ok(n) => v.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    v
}

/// Drive our side against a rustls connection until idle; returns rustls's error.
fn drive_rustls<D>(
    ours: &mut Side,
    theirs: &mut rustls::ConnectionCommon<D>,
) -> Option<rustls::Error> {
    let mut rerr = None;
    drive_peer(ours, |out| {
        if !out.is_empty()
            && rerr.is_none()
            && let Err(e) = feed(theirs, &out)
        {
            rerr = Some(e);
        }
        drain(theirs)
    });
    rerr
}

/// Our client for `cell`, offering ALPN h2.
fn our_client(cell: Cell) -> Side {
    let mut cc = grid_client(cell.kind, cell.suite, cell.group);
    cc.alpn = vec![b"h2".to_vec()];
    client_side(cc)
}

/// Our server of `kind`, offering ALPN h2.
fn h2_server(kind: &str) -> tls_engine::ServerConfig {
    let mut sc = server_config(kind);
    sc.alpn = vec![b"h2".to_vec()];
    sc
}

/// Neither rustls (`e`) nor our side failed; `what` names the case.
fn assert_clean(e: &Option<rustls::Error>, ours: &Side, what: &str) {
    assert!(
        e.is_none() && ours.err.is_none(),
        "{what}: rustls {e:?}, ours {:?}",
        ours.err
    );
}

/// A rustls provider with only the suite and the group of `cell`.
fn cell_provider(cell: &Cell) -> Arc<CryptoProvider> {
    let suites = suites().into_iter().chain(suites12());
    let (_, suite) = suites.into_iter().find(|(s, _)| *s == cell.suite).unwrap();
    let (_, group) = groups()
        .into_iter()
        .find(|(g, _)| *g == cell.group)
        .unwrap();
    provider_with(vec![suite], vec![group])
}

#[test]
fn our_client_rustls_server_grid() {
    for cell in grid13(&GROUPS) {
        let scfg = rustls_server(cell.kind, cell_provider(&cell), false, TLS13, true);
        let mut s = rustls::ServerConnection::new(scfg).unwrap();
        let mut c = our_client(cell);
        assert_clean(&drive_rustls(&mut c, &mut s), &c, &cell.what());
        assert!(!c.conn.is_handshaking());
        cell.assert_negotiated(&c, tls_engine::ProtocolVersion::TLSv1_3);
        assert_eq!(
            c.conn.negotiated().unwrap().alpn.as_deref(),
            Some(&b"h2"[..])
        );
        // app data both ways
        app_data_both_ways(&mut c, &mut s);
        assert!(!c.tickets().is_empty(), "rustls sends tickets");
    }
}

#[test]
fn rustls_client_our_server_grid() {
    for cell in grid13(&GROUPS) {
        let ccfg = rustls_client(cell.kind, cell_provider(&cell), false, TLS13);
        let mut c = named_client(cell.kind, ccfg);
        let (mut s, e) = our_server_side(h2_server(cell.kind), &mut c);
        assert_clean(&e, &s, &cell.what());
        assert!(!c.is_handshaking() && !s.conn.is_handshaking());
        cell.assert_negotiated(&s, tls_engine::ProtocolVersion::TLSv1_3);
        assert_eq!(c.alpn_protocol(), Some(&b"h2"[..]));
        app_data_both_ways(&mut s, &mut c);
    }
}

#[test]
fn hrr_both_directions() {
    // our client shares x25519, rustls server only does P-256 -> HRR
    let scfg = rustls_server(
        "ecdsa_p256",
        provider_with(vec![cs::TLS13_AES_128_GCM_SHA256], vec![kx::SECP256R1]),
        false,
        TLS13,
        true,
    );
    let mut s = rustls::ServerConnection::new(scfg).unwrap();
    let mut cc = client_config("ecdsa_p256");
    cc.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1];
    cc.key_share_groups = vec![NamedGroup::X25519];
    let mut c = client_side(cc);
    let e = drive_rustls(&mut c, &mut s);
    assert_clean(&e, &c, "");
    let n = c.conn.negotiated().unwrap();
    assert!(n.hrr);
    assert_eq!(n.group, Some(NamedGroup::Secp256r1));

    // rustls client shares x25519 (first group), our server only does P-384 -> HRR, with cookie
    let ccfg = rustls_client(
        "ecdsa_p384",
        provider_with(
            provider::DEFAULT_CIPHER_SUITES.to_vec(),
            vec![kx::X25519, kx::SECP384R1],
        ),
        false,
        TLS13,
    );
    let mut c = localhost_client(ccfg);
    let mut sc = server_config("ecdsa_p384");
    sc.groups = vec![NamedGroup::Secp384r1];
    sc.send_cookie_on_hrr = true;
    let (s, e) = our_server_side(sc, &mut c);
    assert_clean(&e, &s, "");
    assert!(!c.is_handshaking());
    let n = s.conn.negotiated().unwrap();
    assert!(n.hrr);
    assert_eq!(n.group, Some(NamedGroup::Secp384r1));
    assert_eq!(
        c.negotiated_key_exchange_group()
            .map(|g| u16::from(g.name())),
        Some(0x0018)
    );
}

#[test]
fn client_auth_both_directions() {
    for kind in KEYS {
        // our client authenticates to rustls
        let scfg = rustls_server(kind, default_provider(), true, TLS13, true);
        let mut s = rustls::ServerConnection::new(scfg).unwrap();
        let mut cc = client_config(kind);
        cc.client_auth = Some(client_identity(kind));
        let mut c = client_side(cc);
        let e = drive_rustls(&mut c, &mut s);
        assert_clean(&e, &c, kind);
        assert!(!s.is_handshaking());
        assert!(s.peer_certificates().is_some_and(|p| !p.is_empty()));

        // rustls client authenticates to us
        let ccfg = rustls_client(kind, default_provider(), true, TLS13);
        let mut c = localhost_client(ccfg);
        let mut sc = server_config(kind);
        sc.client_auth = require_client_cert(kind);
        let (s, e) = our_server_side(sc, &mut c);
        assert_clean(&e, &s, kind);
        assert!(!s.conn.is_handshaking());
        assert!(!s.conn.negotiated().unwrap().peer_certificates.is_empty());
    }
    // rustls client without a certificate, our server requires one
    let ccfg = rustls_client("ecdsa_p256", default_provider(), false, TLS13);
    let mut c = localhost_client(ccfg);
    let mut sc = server_config("ecdsa_p256");
    sc.client_auth = require_client_cert("ecdsa_p256");
    let (s, e) = our_server_side(sc, &mut c);
    assert_eq!(s.alert_sent(), Some(AlertDescription::CertificateRequired));
    assert!(e.is_some());
}

#[test]
fn resumption_both_directions() {
    // our client resumes with a rustls server
    let scfg = rustls_server("ecdsa_p256", default_provider(), false, TLS13, true);
    let mut s = rustls::ServerConnection::new(scfg.clone()).unwrap();
    let mut c = client_side(client_config("ecdsa_p256"));
    assert!(drive_rustls(&mut c, &mut s).is_none());
    let ticket = c.tickets().into_iter().next().expect("ticket from rustls");
    let mut cc = client_config("ecdsa_p256");
    cc.resumption = Some(ticket);
    let mut s = rustls::ServerConnection::new(scfg).unwrap();
    let mut c = client_side(cc);
    let e = drive_rustls(&mut c, &mut s);
    assert_clean(&e, &c, "");
    assert!(c.conn.negotiated().unwrap().resumed);
    assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));

    // a rustls client resumes with our server
    let ccfg = rustls_client("ed25519", default_provider(), false, TLS13);
    let sc = server_config("ed25519");
    for round in 0..2 {
        let mut c = localhost_client(ccfg.clone());
        let (mut s, e) = our_server_side(sc.clone(), &mut c);
        assert_clean(&e, &s, &format!("round {round}"));
        // let rustls process the tickets
        c.writer().write_all(b"x").unwrap();
        assert!(drive_rustls(&mut s, &mut c).is_none());
        assert_eq!(
            s.conn.negotiated().unwrap().resumed,
            round == 1,
            "round {round}"
        );
        if round == 1 {
            assert_eq!(c.handshake_kind(), Some(HandshakeKind::Resumed));
        }
    }
}

#[test]
fn key_update_and_close_with_rustls() {
    let scfg = rustls_server("ecdsa_p256", default_provider(), false, TLS13, true);
    let mut s = rustls::ServerConnection::new(scfg).unwrap();
    let mut c = client_side(client_config("ecdsa_p256"));
    assert!(drive_rustls(&mut c, &mut s).is_none());
    c.conn.request_key_update(true).unwrap();
    c.conn.send_application_data(b"after update").unwrap();
    assert!(drive_rustls(&mut c, &mut s).is_none());
    assert_eq!(read_all(&mut s), b"after update");
    s.writer().write_all(b"reply").unwrap();
    assert!(drive_rustls(&mut c, &mut s).is_none());
    assert_eq!(c.app_data(), b"reply");
    assert!(c.err.is_none());
    s.refresh_traffic_keys().unwrap();
    s.writer().write_all(b"reply2").unwrap();
    assert!(drive_rustls(&mut c, &mut s).is_none());
    assert!(c.app_data().ends_with(b"reply2"), "{:?}", c.err);
    s.send_close_notify();
    assert!(drive_rustls(&mut c, &mut s).is_none());
    assert!(c.events.contains(&tls_engine::Event::PeerClosed));
    assert!(c.conn.handle_eof().is_ok());
}

#[test]
fn rustls_server_signature_schemes() {
    // our client restricts the signature schemes; rustls must pick one of them
    let scfg = rustls_server("rsa2048", default_provider(), false, TLS13, true);
    let mut s = rustls::ServerConnection::new(scfg).unwrap();
    let mut cc = client_config("rsa2048");
    cc.signature_schemes = vec![SignatureScheme::RsaPssRsaeSha512];
    let mut c = client_side(cc);
    assert!(drive_rustls(&mut c, &mut s).is_none(), "{:?}", c.err);
    assert_eq!(
        c.conn.negotiated().unwrap().signature_scheme,
        Some(SignatureScheme::RsaPssRsaeSha512)
    );
}

#[test]
fn exporter_matches_rustls() {
    for (_, rsuite) in suites() {
        let scfg = rustls_server(
            "ecdsa_p256",
            provider_with(vec![rsuite], provider::DEFAULT_KX_GROUPS.to_vec()),
            false,
            TLS13,
            true,
        );
        let mut s = rustls::ServerConnection::new(scfg).unwrap();
        let mut c = client_side(client_config("ecdsa_p256"));
        assert!(drive_rustls(&mut c, &mut s).is_none());
        for ctx in [None, Some(&b"context"[..])] {
            assert_same_exporter(&c, &s, ctx, 40, "");
        }
    }
}

// ---------------------------------------------------------------------------------------
// TLS 1.2

fn suites12() -> [(CipherSuite, SupportedCipherSuite); 6] {
    [
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ]
}

fn all12() -> Arc<CryptoProvider> {
    provider_with(
        suites12().iter().map(|(_, s)| *s).collect(),
        vec![kx::X25519, kx::SECP256R1, kx::SECP384R1],
    )
}

/// A rustls client for `versions`, with a client certificate if `client_auth`, offering
/// ALPN h2.
fn rustls_client(
    kind: &str,
    p: Arc<CryptoProvider>,
    client_auth: bool,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    let m = certs::materials(kind).unwrap();
    let b = rustls::ClientConfig::builder_with_provider(p)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(root_store(kind));
    let mut cfg = if client_auth {
        b.with_client_auth_cert(
            m.client.chain.clone(),
            PrivateKeyDer::Pkcs8(m.client.key.clone_key()),
        )
        .unwrap()
    } else {
        b.with_no_client_auth()
    };
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(cfg)
}

fn our_server_side(
    sc: tls_engine::ServerConfig,
    c: &mut rustls::ClientConnection,
) -> (Side, Option<rustls::Error>) {
    let first = drain(c);
    let mut s = server_answering(sc, &first);
    let e = drive_rustls(&mut s, c);
    (s, e)
}

/// The TLS 1.2 grid of the suites rustls has, over the ECDHE groups.
fn rustls_grid12() -> Vec<Cell> {
    let suites: Vec<CipherSuite> = suites12().iter().map(|(s, _)| *s).collect();
    grid12(&suites, &GROUPS[..3])
}

#[test]
fn tls12_our_client_rustls_server_grid() {
    for cell in rustls_grid12() {
        let what = cell.what();
        let scfg = rustls_server(cell.kind, cell_provider(&cell), false, TLS12, true);
        let mut s = rustls::ServerConnection::new(scfg).unwrap();
        let mut c = our_client(cell);
        assert_clean(&drive_rustls(&mut c, &mut s), &c, &what);
        cell.assert_negotiated(&c, tls_engine::ProtocolVersion::TLSv1_2);
        assert!(c.conn.negotiated().unwrap().extended_master_secret);
        app_data_both_ways(&mut c, &mut s);
        // the same master secret on both sides (RFC 5705 exporter)
        assert_same_exporter(&c, &s, Some(b"ctx"), 40, &what);
    }
}

#[test]
fn tls12_rustls_client_our_server_grid() {
    for cell in rustls_grid12() {
        let ccfg = rustls_client(cell.kind, cell_provider(&cell), false, TLS12);
        let mut c = named_client(cell.kind, ccfg);
        let (mut s, e) = our_server_side(h2_server(cell.kind), &mut c);
        assert_clean(&e, &s, &cell.what());
        assert!(!c.is_handshaking());
        cell.assert_negotiated(&s, tls_engine::ProtocolVersion::TLSv1_2);
        app_data_both_ways(&mut s, &mut c);
        assert_same_exporter(&s, &c, None, 32, "");
    }
}

#[test]
fn tls12_client_auth_and_resumption_with_rustls() {
    for kind in KEYS {
        for tickets in [true, false] {
            // our client (with a certificate) resumes with a rustls server: tickets or session id
            let scfg = rustls_server(kind, all12(), true, TLS12, tickets);
            let mut cc = client_config(kind);
            cc.versions = vec![tls_engine::ProtocolVersion::TLSv1_2];
            cc.client_auth = Some(client_identity(kind));
            let mut s = rustls::ServerConnection::new(scfg.clone()).unwrap();
            let mut c = client_side(cc.clone());
            assert!(
                drive_rustls(&mut c, &mut s).is_none() && c.err.is_none(),
                "{kind}: {:?}",
                c.err
            );
            assert!(s.peer_certificates().is_some_and(|p| !p.is_empty()));
            let sess = c.tickets().pop().expect("a TLS 1.2 session");
            assert_eq!(sess.ticket.is_empty(), !tickets, "{kind} tickets={tickets}");
            cc.resumption = Some(sess);
            let mut s = rustls::ServerConnection::new(scfg).unwrap();
            let mut c = client_side(cc);
            let e = drive_rustls(&mut c, &mut s);
            assert_clean(&e, &c, kind);
            assert!(
                c.conn.negotiated().unwrap().resumed,
                "{kind} tickets={tickets}"
            );
            assert_eq!(s.handshake_kind(), Some(HandshakeKind::Resumed));

            // a rustls client (with a certificate) resumes with our server
            let ccfg = rustls_client(kind, all12(), true, TLS12);
            let mut sc = server_config(kind);
            sc.client_auth = require_client_cert(kind);
            sc.tls12_tickets = tickets;
            for round in 0..2 {
                let mut c = localhost_client(ccfg.clone());
                let (s, e) = our_server_side(sc.clone(), &mut c);
                assert_clean(&e, &s, &format!("{kind} round {round}"));
                assert_eq!(
                    s.conn.negotiated().unwrap().resumed,
                    round == 1,
                    "{kind} tickets={tickets} round {round}"
                );
            }
            assert_eq!(sc.session_cache.is_empty(), tickets);
        }
    }
}

#[test]
fn version_negotiation_and_downgrade_with_rustls() {
    use tls_engine::{DowngradeSentinel, ProtocolVersion as V};
    // rustls 1.2+1.3 client, our 1.2-only server writing the sentinel as after a downgrade:
    // rustls aborts with illegal_parameter (RFC 8446 4.1.3) on DOWNGRADE_TLS12. Observed:
    // rustls 0.23 does NOT check DOWNGRADE_TLS11 in a TLS 1.2 ServerHello, although 4.1.3
    // says a TLS 1.3 client "MUST check that the last 8 bytes are not equal to either of
    // these values" (a deviation of rustls, recorded here so a change shows).
    for knob in SENTINELS {
        let caught = knob == DowngradeSentinel::Tls12;
        let ccfg = rustls_client("ecdsa_p256", default_provider(), false, BOTH);
        let mut c = localhost_client(ccfg);
        let (s, e) = our_server_side(sentinel_server("ecdsa_p256", knob), &mut c);
        if caught {
            assert!(e.is_some(), "{knob:?}: rustls must abort");
            assert_eq!(
                s.alert_received(),
                Some(AlertDescription::IllegalParameter),
                "{knob:?}"
            );
        } else {
            assert_clean(&e, &s, &format!("{knob:?}"));
        }
    }
    // our 1.2+1.3 client against a rustls 1.2-only server: TLS 1.2, no sentinel from rustls
    let scfg = rustls_server("rsa2048", all12(), false, TLS12, true);
    let mut s = rustls::ServerConnection::new(scfg).unwrap();
    let mut c = client_side(client_config("rsa2048"));
    assert!(
        drive_rustls(&mut c, &mut s).is_none() && c.err.is_none(),
        "{:?}",
        c.err
    );
    assert_eq!(c.conn.negotiated().unwrap().version, V::TLSv1_2);
    // a rustls 1.2-only client against our 1.2+1.3 server: TLS 1.2 (with the sentinel, which
    // a 1.2-only client does not check)
    let ccfg = rustls_client("rsa2048", all12(), false, TLS12);
    let mut c = localhost_client(ccfg);
    let (s, e) = our_server_side(server_config("rsa2048"), &mut c);
    assert!(e.is_none() && s.err.is_none());
    assert_eq!(s.conn.negotiated().unwrap().version, V::TLSv1_2);
    // our 1.3-only server, rustls 1.2-only client: protocol_version
    let ccfg = rustls_client("rsa2048", all12(), false, TLS12);
    let mut c = localhost_client(ccfg);
    let mut sc = server_config("rsa2048");
    sc.versions = vec![V::TLSv1_3];
    let (s, _e) = our_server_side(sc, &mut c);
    assert_eq!(s.alert_sent(), Some(AlertDescription::ProtocolVersion));
}

#[test]
fn tls12_hello_request_to_rustls_client() {
    // rustls answers a HelloRequest with a no_renegotiation warning; the connection goes on.
    let ccfg = rustls_client("ecdsa_p256", all12(), false, TLS12);
    let mut c = localhost_client(ccfg);
    let mut sc = server_config("ecdsa_p256");
    sc.knobs.send_hello_request = true;
    let (mut s, e) = our_server_side(sc, &mut c);
    assert_clean(&e, &s, "");
    c.writer().write_all(b"after hello request").unwrap();
    assert!(drive_rustls(&mut s, &mut c).is_none());
    assert!(s.err.is_none(), "{:?}", s.err);
    assert_eq!(s.app_data(), b"after hello request");
    assert!(
        s.conn
            .transcript()
            .iter()
            .any(|e| e.alert == Some(AlertDescription::NoRenegotiation))
    );
}
