//! Our client against our server, in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tls_engine::{
    AlertDescription, AlertDescription as A, CertificateError, CipherSuite, ClientAuth,
    ClientConfig, Error, Event, NamedGroup, ProtocolVersion, ServerConfig, SignatureScheme, Step,
};

#[test]
fn grid_suites_groups_keys() {
    for key in KEYS {
        for suite in SUITES {
            for group in GROUPS {
                let (c, s) = handshake_ok(grid_client(key, suite, group), server_config(key));
                let n = c.conn.negotiated().unwrap();
                assert_eq!(n.version, ProtocolVersion::TLSv1_3);
                assert_eq!(n.cipher_suite, suite);
                assert_eq!(n.group, Some(group));
                assert!(!n.hrr && !n.resumed);
                assert_eq!(c.conn.step(), Step::AppData);
                assert_eq!(s.conn.step(), Step::AppData);
                let expect_scheme = match key {
                    "ecdsa_p256" => SignatureScheme::EcdsaSecp256r1Sha256,
                    "ecdsa_p384" => SignatureScheme::EcdsaSecp384r1Sha384,
                    "rsa2048" => SignatureScheme::RsaPssRsaeSha256,
                    _ => SignatureScheme::Ed25519,
                };
                assert_eq!(n.signature_scheme, Some(expect_scheme), "{key}");
                assert_eq!(s.conn.negotiated().unwrap().cipher_suite, suite);
            }
        }
    }
}

/// A handshake where the client offers `client` with a share for `share` only and the server
/// takes `server` (and forces a HelloRetryRequest if `force_hrr`): whether the client and the
/// server saw a HelloRetryRequest, and the group.
fn negotiate(
    client: &[NamedGroup],
    share: NamedGroup,
    server: &[NamedGroup],
    force_hrr: bool,
) -> (bool, Option<NamedGroup>, bool) {
    let mut cc = client_config("ecdsa_p256");
    cc.groups = client.to_vec();
    cc.key_share_groups = vec![share];
    let mut sc = server_config("ecdsa_p256");
    sc.groups = server.to_vec();
    sc.knobs.force_hrr = force_hrr;
    let (c, s) = handshake_ok(cc, sc);
    let (n, ns) = (c.conn.negotiated().unwrap(), s.conn.negotiated().unwrap());
    (n.hrr, n.group, ns.hrr)
}

#[test]
fn group_negotiation() {
    use NamedGroup::{Secp256r1 as P256, X25519};
    // the server prefers another group: HelloRetryRequest
    assert_eq!(
        negotiate(&[X25519, P256], X25519, &[P256], false),
        (true, Some(P256), true)
    );
    // The server's favourite (X25519) has no share, the client's only share (P-256) is
    // usable: answered, no HelloRetryRequest; force_hrr still asks for X25519.
    assert_eq!(
        negotiate(&[P256, X25519], P256, &[X25519, P256], false),
        (false, Some(P256), false)
    );
    assert_eq!(
        negotiate(&[P256, X25519], P256, &[X25519, P256], true),
        (true, Some(X25519), true)
    );
}

#[test]
fn no_signature_scheme_for_the_certificate_is_a_plaintext_handshake_failure() {
    // Only RSA-PSS offered, an ECDSA P-256 certificate: the server aborts while processing
    // the ClientHello, so its only output is a plaintext handshake_failure alert.
    let mut cc = client_config("ecdsa_p256");
    cc.signature_schemes = vec![SignatureScheme::RsaPssRsaeSha256];
    let mut client = tls_engine::Connection::client(std::sync::Arc::new(cc), now()).unwrap();
    let mut server =
        tls_engine::Connection::server(std::sync::Arc::new(server_config("ecdsa_p256")), now())
            .unwrap();
    let err = server
        .handle_input(&client.take_output(), now())
        .unwrap_err();
    assert_eq!(
        err.alert(),
        Some(AlertDescription::HandshakeFailure),
        "{err}"
    );
    assert_eq!(server.take_output(), [21, 3, 3, 0, 2, 2, 40]);
    assert_eq!(server.step(), Step::ClientHello);
}

#[test]
fn hrr_with_cookie_and_mlkem() {
    let mut cc = client_config("ed25519");
    cc.key_share_groups = vec![NamedGroup::X25519];
    let mut sc = server_config("ed25519");
    // Only the hybrid: a usable X25519 share would be answered without a HelloRetryRequest.
    sc.groups = vec![NamedGroup::X25519MlKem768];
    sc.send_cookie_on_hrr = true;
    let (c, _s) = handshake_ok(cc, sc);
    let n = c.conn.negotiated().unwrap();
    assert!(n.hrr);
    assert_eq!(n.group, Some(NamedGroup::X25519MlKem768));
    assert!(
        c.conn
            .transcript()
            .iter()
            .any(|e| e.summary.contains("cookie")),
        "{:#?}",
        c.conn.transcript()
    );
}

#[test]
fn client_auth_required_optional_missing() {
    for key in KEYS {
        // required, client has a cert
        let mut cc = client_config(key);
        cc.client_auth = Some(client_identity(key));
        let mut sc = server_config(key);
        sc.client_auth = require_client_cert(key);
        let (_c, s) = handshake_ok(cc, sc);
        let n = s.conn.negotiated().unwrap();
        assert_eq!(
            n.peer_certificates.len(),
            certs::materials(key).unwrap().client.chain.len()
        );
        assert!(n.signature_scheme.is_some());
    }
    // optional, no client cert
    let cc = client_config("ecdsa_p256");
    let mut sc = server_config("ecdsa_p256");
    sc.client_auth = ClientAuth::Optional {
        roots: roots("ecdsa_p256"),
    };
    let (_c, s) = handshake_ok(cc, sc);
    assert!(s.conn.negotiated().unwrap().peer_certificates.is_empty());
    // required, no client cert: see `refused`
}

#[test]
fn resumption_with_ticket() {
    let sc = server_config("ecdsa_p256");
    let (c, _s) = handshake_ok(client_config("ecdsa_p256"), sc.clone());
    let tickets = c.tickets();
    assert_eq!(tickets.len(), 1);
    let mut cc = client_config("ecdsa_p256");
    cc.resumption = Some(tickets[0].clone());
    let (c2, s2) = handshake_ok(cc, sc.clone());
    assert!(c2.conn.negotiated().unwrap().resumed);
    assert!(s2.conn.negotiated().unwrap().resumed);
    assert!(c2.conn.negotiated().unwrap().peer_certificates.is_empty());
    // resumption plus HRR (a server without P-384: a usable share would be answered)
    let mut cc = client_config("ecdsa_p256");
    cc.resumption = Some(tickets[0].clone());
    cc.key_share_groups = vec![NamedGroup::Secp384r1];
    let mut no_p384 = sc.clone();
    no_p384.groups = vec![NamedGroup::X25519];
    let (c3, _) = handshake_ok(cc, no_p384);
    let n = c3.conn.negotiated().unwrap();
    assert!(n.resumed && n.hrr);
    // a server with another ticket key falls back to a full handshake
    let mut other = sc.clone();
    other.ticket_key = [9; 32];
    let mut cc = client_config("ecdsa_p256");
    cc.resumption = Some(tickets[0].clone());
    let (c4, _) = handshake_ok(cc, other);
    assert!(!c4.conn.negotiated().unwrap().resumed);
}

#[test]
fn psk_ke_resumption_has_no_key_exchange() {
    let sc = server_config("ecdsa_p256");
    let (c, _s) = handshake_ok(client_config("ecdsa_p256"), sc.clone());
    let ticket = c.tickets()[0].clone();
    let psk_ke_client = || {
        let mut cc = client_config("ecdsa_p256");
        cc.resumption = Some(ticket.clone());
        cc.knobs.set("offer_psk_ke", "true").expect("knob");
        cc
    };
    // A server that takes psk_ke resumes without (EC)DHE: no group, no key_share.
    let mut psk_ke = sc.clone();
    psk_ke.knobs.set("accept_psk_ke", "true").expect("knob");
    let (c2, s2) = handshake_ok(psk_ke_client(), psk_ke);
    for n in [c2.conn.negotiated().unwrap(), s2.conn.negotiated().unwrap()] {
        assert!(n.resumed, "{n:?}");
        assert_eq!(n.group, None, "{n:?}");
    }
    // One that does not (the default) must not resume in a mode not offered: a full
    // handshake with a key share.
    let (c3, s3) = handshake_ok(psk_ke_client(), sc.clone());
    for n in [c3.conn.negotiated().unwrap(), s3.conn.negotiated().unwrap()] {
        assert!(!n.resumed, "{n:?}");
        assert!(n.group.is_some(), "{n:?}");
    }
    // A server that resumes in psk_dhe_ke anyway (the negative control): the client aborts.
    let mut ignores = sc;
    ignores
        .knobs
        .set("bug_ignore_psk_modes", "true")
        .expect("knob");
    let (c4, _) = driven(psk_ke_client(), ignores);
    assert_eq!(
        c4.alert_sent(),
        Some(AlertDescription::IllegalParameter),
        "{:?}",
        c4.err
    );
}

#[test]
fn multiple_tickets() {
    let mut sc = server_config("ecdsa_p256");
    sc.tickets = 3;
    let (c, _s) = handshake_ok(client_config("ecdsa_p256"), sc);
    let t = c.tickets();
    assert_eq!(t.len(), 3);
    assert_ne!(t[0].psk, t[1].psk);
}

#[test]
fn alpn_negotiation() {
    let mut cc = client_config("ecdsa_p256");
    cc.alpn = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let mut sc = server_config("ecdsa_p256");
    sc.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let (c, s) = handshake_ok(cc, sc);
    assert_eq!(
        c.conn.negotiated().unwrap().alpn.as_deref(),
        Some(&b"h2"[..])
    );
    assert_eq!(
        s.conn.negotiated().unwrap().alpn.as_deref(),
        Some(&b"h2"[..])
    );
    // no common protocol: see `refused`
}

#[test]
fn key_update_both_ways() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    c.conn.request_key_update(true).unwrap();
    drive(&mut c, &mut s);
    c.conn
        .send_application_data(b"after client update")
        .unwrap();
    s.conn
        .send_application_data(b"after server response")
        .unwrap();
    drive(&mut c, &mut s);
    assert!(s.app_data().ends_with(b"after client update"));
    assert!(c.app_data().ends_with(b"after server response"));
    s.conn.request_key_update(false).unwrap();
    s.conn.send_application_data(b"x").unwrap();
    drive(&mut c, &mut s);
    assert!(c.app_data().ends_with(b"x"));
    assert!(
        s.events
            .iter()
            .any(|e| matches!(e, Event::KeyUpdated { .. }))
    );
    assert!(c.err.is_none() && s.err.is_none());
}

#[test]
fn too_many_key_updates() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    for _ in 0..33 {
        c.conn.request_key_update(false).unwrap();
    }
    drive(&mut c, &mut s);
    assert_eq!(s.alert_sent(), Some(AlertDescription::UnexpectedMessage));
}

#[test]
fn close_notify_and_truncation() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    c.conn.send_close_notify();
    drive(&mut c, &mut s);
    assert!(s.events.contains(&Event::PeerClosed));
    assert!(s.conn.handle_eof().is_ok());
    // the client never got a close_notify
    let e = c.conn.handle_eof().unwrap_err();
    assert_eq!(
        e,
        Error::Truncated {
            during_handshake: false
        }
    );
}

#[test]
fn large_data_is_fragmented_and_record_size_limit() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    c.conn.send_application_data(&big).unwrap();
    drive(&mut c, &mut s);
    assert_eq!(&s.app_data()[b"ping from client".len()..], &big[..]);

    let mut cc = client_config("ecdsa_p256");
    cc.knobs.record_size_limit = Some(512);
    cc.knobs.record_padding = 7;
    let (mut c, mut s) = handshake_ok(cc, server_config("ecdsa_p256"));
    s.conn.send_application_data(&big[..5000]).unwrap();
    let out = s.conn.take_output();
    // every record at most 511 bytes of content + type + AEAD tag
    let mut i = 0;
    while i < out.len() {
        let len = u16::from_be_bytes([out[i + 3], out[i + 4]]) as usize;
        assert!(len <= 512 + 16, "record of {len}");
        i += 5 + len;
    }
    c.conn.handle_input(&out, now()).unwrap();
    let _ = &mut s;
}

/// Who refuses a handshake, with which alert.
#[derive(Debug)]
enum Refusal {
    /// The server sends the alert.
    Server(A),
    /// The server sends the alert and the client receives it.
    ServerToClient(A),
    /// The client sends the alert, in this step if one is named.
    Client(A, Option<Step>),
}
use Refusal::{Client, Server, ServerToClient};

/// Our client and server of `kind`, after `setup`, handshake; one side refuses as `refusal`
/// says.
fn refused(kind: &str, setup: impl FnOnce(&mut ClientConfig, &mut ServerConfig), refusal: Refusal) {
    let (mut cc, mut sc) = (client_config(kind), server_config(kind));
    setup(&mut cc, &mut sc);
    let (c, s) = driven(cc, sc);
    match refusal {
        Server(a) => assert_eq!(s.alert_sent(), Some(a), "{:?}", s.err),
        ServerToClient(a) => {
            assert_eq!(s.alert_sent(), Some(a), "{:?}", s.err);
            assert_eq!(c.alert_received(), Some(a), "{:?}", c.err);
        }
        Client(a, step) => {
            assert_eq!(c.alert_sent(), Some(a), "{:?}", c.err);
            if let Some(step) = step {
                assert_eq!(c.conn.step(), step);
            }
        }
    }
}

/// A test per row, `name(kind, refusal) |cc, sc| { setup }`: see `refused`.
macro_rules! refusals {
    ($($name:ident($kind:literal, $refusal:expr) |$cc:pat_param, $sc:pat_param| $setup:block)*) => {
        $(
            #[test]
            fn $name() {
                refused($kind, |$cc: &mut ClientConfig, $sc: &mut ServerConfig| $setup, $refusal);
            }
        )*
    };
}

refusals! {
    no_common_group("ecdsa_p256", ServerToClient(A::HandshakeFailure)) |cc, sc| {
        cc.groups = vec![NamedGroup::X25519];
        cc.key_share_groups = vec![NamedGroup::X25519];
        sc.groups = vec![NamedGroup::Secp384r1];
    }
    wrong_server_finished("ecdsa_p256", Client(A::DecryptError, Some(Step::KeyExchange))) |_, sc| {
        sc.knobs.send_wrong_finished = true;
    }
    no_common_suite("ecdsa_p256", Server(A::HandshakeFailure)) |cc, sc| {
        cc.cipher_suites = vec![CipherSuite::TLS_AES_128_GCM_SHA256];
        sc.cipher_suites = vec![CipherSuite::TLS_AES_256_GCM_SHA384];
    }
    untrusted_root("ecdsa_p256", Client(A::UnknownCa, None)) |cc, _| {
        cc.roots = roots("ed25519");
    }
    required_client_cert_missing("ecdsa_p256", ServerToClient(A::CertificateRequired)) |_, sc| {
        sc.client_auth = require_client_cert("ecdsa_p256");
    }
    name_mismatch_profile("name_mismatch", Client(A::BadCertificate, None)) |_, _| {}
    client_cert_from_unknown_ca("ecdsa_p256", Server(A::UnknownCa)) |cc, sc| {
        cc.client_auth = Some(client_identity("ecdsa_p256"));
        sc.client_auth = require_client_cert("ed25519");
    }
    bad_certificate_verify("rsa2048", Client(A::DecryptError, Some(Step::Certificate))) |_, sc| {
        sc.knobs.bad_certificate_verify = true;
    }
    bad_psk_binder("ed25519", Server(A::DecryptError)) |cc, sc| {
        let (c, _s) = handshake_ok(client_config("ed25519"), sc.clone());
        cc.resumption = Some(c.tickets()[0].clone());
        cc.knobs.bad_psk_binder = true;
    }
    wrong_server_name("ecdsa_p256", Client(A::BadCertificate, Some(Step::Certificate))) |cc, _| {
        cc.server_name = Some("example.com".into());
    }
    wrong_client_finished("ecdsa_p256", Server(A::DecryptError)) |cc, _| {
        cc.knobs.send_wrong_finished = true;
    }
    missing_certificate_verify("ecdsa_p256", Client(A::UnexpectedMessage, None)) |_, sc| {
        sc.knobs.skip_certificate_verify = true;
    }
    no_common_alpn("ecdsa_p256", Server(A::NoApplicationProtocol)) |cc, sc| {
        cc.alpn = vec![b"spdy".to_vec()];
        sc.alpn = vec![b"h2".to_vec()];
    }
    expired_profile("expired", Client(A::CertificateExpired, None)) |_, _| {}
    wrong_ip_address("ecdsa_p256", Client(A::BadCertificate, None)) |cc, _| {
        cc.server_name = Some("127.0.0.2".into());
    }
}

#[test]
fn refusals_name_their_reason() {
    let mut sc = server_config("ecdsa_p256");
    sc.knobs.send_wrong_finished = true;
    let (c, _s) = driven(client_config("ecdsa_p256"), sc);
    let e = c.err.unwrap();
    assert!(
        e.to_string()
            .contains("server Finished verify_data mismatch"),
        "{e}"
    );
    let mut cc = client_config("ecdsa_p256");
    cc.roots = roots("ed25519");
    let (c, _s) = driven(cc, server_config("ecdsa_p256"));
    assert!(
        matches!(
            c.err.as_ref().unwrap(),
            Error::Certificate {
                error: CertificateError::Webpki(webpki::Error::UnknownIssuer),
                ..
            }
        ),
        "{:?}",
        c.err
    );
    // verify_server = false accepts a wrong name
    let mut cc = client_config("ecdsa_p256");
    cc.server_name = Some("example.com".into());
    cc.verify_server = false;
    handshake_ok(cc, server_config("ecdsa_p256"));
}

#[test]
fn tampered_record_is_bad_record_mac() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    c.conn.send_application_data(b"hello").unwrap();
    let mut out = c.conn.take_output();
    let n = out.len();
    out[n - 3] ^= 0x40;
    let e = s.conn.handle_input(&out, now()).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::BadRecordMac));
    // the alert is queued
    let alert = s.conn.take_output();
    assert!(!alert.is_empty());
    let e = c.conn.handle_input(&alert, now()).unwrap_err();
    assert_eq!(e.alert_received(), Some(AlertDescription::BadRecordMac));
}

#[test]
fn oversized_record_is_record_overflow() {
    let (c, mut s) = pair(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let _ = c;
    let mut rec = vec![22, 3, 1, 0x40, 0x01];
    rec.extend(vec![0u8; 0x4001]);
    let e = s.conn.handle_input(&rec, now()).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::RecordOverflow));
}

#[test]
fn middlebox_ccs() {
    let (c, s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let ccs = |t: &[tls_engine::TranscriptEntry], d| {
        t.iter()
            .filter(|e| {
                e.direction == d && e.content_type == tls_wire::ContentType::ChangeCipherSpec
            })
            .count()
    };
    assert_eq!(ccs(c.conn.transcript(), tls_engine::Direction::Sent), 1);
    assert_eq!(ccs(s.conn.transcript(), tls_engine::Direction::Sent), 1);
    let mut cc = client_config("ecdsa_p256");
    cc.knobs.send_ccs = Some(false);
    let (c, s) = handshake_ok(cc, server_config("ecdsa_p256"));
    assert_eq!(ccs(c.conn.transcript(), tls_engine::Direction::Sent), 0);
    assert_eq!(ccs(s.conn.transcript(), tls_engine::Direction::Sent), 0);
    // a CCS after the handshake is unexpected_message
    let (_c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let e = s
        .conn
        .handle_input(&[20, 3, 3, 0, 1, 1], now())
        .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::UnexpectedMessage));
    // a malformed CCS during the handshake is unexpected_message
    let (mut c, mut s) = pair(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    transfer(&mut c, &mut s);
    let e = s
        .conn
        .handle_input(&[20, 3, 3, 0, 1, 2], now())
        .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::UnexpectedMessage));
}

#[test]
fn byte_at_a_time() {
    let (mut c, mut s) = pair(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    for _ in 0..20 {
        let out = c.conn.take_output();
        for b in &out {
            s.conn.handle_input(std::slice::from_ref(b), now()).unwrap();
        }
        let out = s.conn.take_output();
        for b in &out {
            c.conn.handle_input(std::slice::from_ref(b), now()).unwrap();
        }
    }
    assert!(!c.conn.is_handshaking() && !s.conn.is_handshaking());
}

#[test]
fn seeded_random_is_deterministic() {
    let mk = || {
        let mut cc = client_config("ecdsa_p256");
        cc.random = std::sync::Arc::new(tls_engine::SeededRandom::new(7));
        std::sync::Arc::new(cc)
    };
    let a = tls_engine::Connection::client(mk(), now())
        .unwrap()
        .take_output();
    let b = tls_engine::Connection::client(mk(), now())
        .unwrap()
        .take_output();
    assert_eq!(a, b);
}

#[test]
fn ip_address_server_name() {
    let mut cc = client_config("ecdsa_p256");
    cc.server_name = Some("127.0.0.1".into());
    let (c, s) = handshake_ok(cc, server_config("ecdsa_p256"));
    assert!(
        !c.conn.transcript()[0].summary.contains("server_name"),
        "no SNI for an IP literal"
    );
    assert_eq!(s.conn.negotiated().unwrap().server_name, None);
    // another address: see `refused`
}

#[test]
fn transcript_lists_the_handshake() {
    use tls_wire::HandshakeType as H;
    let (c, s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    let types = |conn: &tls_engine::Connection, d| {
        conn.transcript()
            .iter()
            .filter(|e| e.direction == d)
            .filter_map(|e| e.handshake_type)
            .collect::<Vec<_>>()
    };
    use tls_engine::Direction::{Received, Sent};
    assert_eq!(
        types(&c.conn, Received),
        vec![
            H::ServerHello,
            H::EncryptedExtensions,
            H::Certificate,
            H::CertificateVerify,
            H::Finished,
            H::NewSessionTicket
        ]
    );
    assert_eq!(types(&c.conn, Sent), vec![H::ClientHello, H::Finished]);
    assert_eq!(types(&s.conn, Received), vec![H::ClientHello, H::Finished]);
    let text: Vec<String> = c.conn.transcript().iter().map(|e| e.to_string()).collect();
    assert!(text[0].starts_with("-> ClientHello"), "{text:#?}");
}
