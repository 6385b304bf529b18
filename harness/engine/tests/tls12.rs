//! TLS 1.2, version negotiation and downgrade protection: our client against our server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tls_engine::{
    AlertDescription, CipherSuite, ClientAuth, DowngradeSentinel, Knobs, ProtocolVersion, Step,
};

const V12: ProtocolVersion = ProtocolVersion::TLSv1_2;
const V13: ProtocolVersion = ProtocolVersion::TLSv1_3;

fn cfgs12(key: &str) -> (tls_engine::ClientConfig, tls_engine::ServerConfig) {
    let mut cc = client_config(key);
    cc.versions = vec![V12];
    let mut sc = server_config(key);
    sc.versions = vec![V12];
    (cc, sc)
}

#[test]
fn grid_suites_groups_keys() {
    let suites = suites12();
    assert_eq!(suites.len(), 6, "{suites:?}");
    for cell in grid12(&suites, &GROUPS[..3]) {
        let Cell { kind, suite, group } = cell;
        let (mut cc, mut sc) = cfgs12(kind);
        cc.cipher_suites = vec![suite];
        cc.groups = vec![group];
        sc.groups = vec![group];
        let (c, s) = handshake_ok(cc, sc);
        for n in [c.conn.negotiated().unwrap(), s.conn.negotiated().unwrap()] {
            assert_eq!(n.version, V12, "{}", cell.what());
            assert_eq!(n.cipher_suite, suite);
            assert_eq!(n.group, Some(group));
            assert!(n.extended_master_secret);
            assert!(!n.resumed);
        }
        assert_eq!(c.conn.step(), Step::AppData);
        assert_eq!(s.conn.step(), Step::AppData);
        // exporters agree (RFC 5705): both sides derived the same master secret
        let a = c
            .conn
            .export_keying_material(b"EXPORTER-test", Some(b"ctx"), 32)
            .unwrap();
        let b = s
            .conn
            .export_keying_material(b"EXPORTER-test", Some(b"ctx"), 32)
            .unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn rsa_pkcs1_and_pss_signature_schemes() {
    use tls_engine::SignatureScheme as S;
    for scheme in [
        S::RsaPkcs1Sha256,
        S::RsaPkcs1Sha384,
        S::RsaPkcs1Sha512,
        S::RsaPssRsaeSha256,
        S::RsaPssRsaeSha384,
        S::RsaPssRsaeSha512,
    ] {
        let (mut cc, sc) = cfgs12("rsa2048");
        cc.signature_schemes = vec![scheme];
        let (c, _s) = handshake_ok(cc, sc);
        assert_eq!(c.conn.negotiated().unwrap().signature_scheme, Some(scheme));
    }
}

fn resume(cc: tls_engine::ClientConfig, sc: tls_engine::ServerConfig) -> (Side, Side) {
    let (c, _s) = handshake_ok(cc.clone(), sc.clone());
    let sess = c.tickets().into_iter().next().expect("a TLS 1.2 session");
    assert_eq!(sess.version, V12);
    let mut cc2 = cc;
    cc2.resumption = Some(sess);
    handshake_ok(cc2, sc)
}

#[test]
fn resumption_by_ticket() {
    for key in ["ecdsa_p256", "rsa2048"] {
        let (cc, sc) = cfgs12(key);
        let (c, s) = resume(cc, sc.clone());
        assert!(c.conn.negotiated().unwrap().resumed && s.conn.negotiated().unwrap().resumed);
        assert!(sc.session_cache.is_empty(), "tickets, not the cache");
        assert!(
            c.conn
                .transcript()
                .iter()
                .all(|e| !e.summary.contains("Certificate")),
            "abbreviated"
        );
    }
}

#[test]
fn resumption_by_session_id() {
    // The server issues no tickets ...
    let (cc, mut sc) = cfgs12("ecdsa_p256");
    sc.tls12_tickets = false;
    let (c, s) = resume(cc, sc.clone());
    assert!(c.conn.negotiated().unwrap().resumed && s.conn.negotiated().unwrap().resumed);
    assert_eq!(sc.session_cache.len(), 1);
    // ... or the client does not offer session_ticket.
    let (mut cc, sc) = cfgs12("rsa2048");
    cc.tls12_session_tickets = false;
    let (c, _s) = handshake_ok(cc.clone(), sc.clone());
    let sess = c.tickets().pop().unwrap();
    assert!(sess.ticket.is_empty() && sess.session_id.len() == 32);
    cc.resumption = Some(sess);
    let (c, _s) = handshake_ok(cc, sc);
    assert!(c.conn.negotiated().unwrap().resumed);
}

#[test]
fn resumption_unknown_session_falls_back_to_full_handshake() {
    let (cc, sc) = cfgs12("ecdsa_p256");
    let (c, _s) = handshake_ok(cc.clone(), sc);
    let sess = c.tickets().pop().unwrap();
    let (_, other) = cfgs12("ecdsa_p256"); // another ticket key, empty cache
    let mut cc2 = cc;
    cc2.resumption = Some(sess);
    let (c, _s) = handshake_ok(cc2, other);
    assert!(!c.conn.negotiated().unwrap().resumed);
}

#[test]
fn resumption_from_a_tls12_session_in_a_tls12_and_13_hello() {
    let (cc, sc) = cfgs12("ecdsa_p256");
    let (c, _s) = handshake_ok(cc, sc.clone());
    let mut cc2 = client_config("ecdsa_p256");
    cc2.resumption = c.tickets().pop();
    let (c, _s) = handshake_ok(cc2, sc);
    let n = c.conn.negotiated().unwrap();
    assert_eq!(n.version, V12);
    assert!(n.resumed);
}

#[test]
fn client_auth() {
    for key in ["ecdsa_p256", "ecdsa_p384", "rsa2048", "ed25519"] {
        let (mut cc, mut sc) = cfgs12(key);
        cc.client_auth = Some(client_identity(key));
        sc.client_auth = require_client_cert(key);
        let (_c, s) = handshake_ok(cc, sc);
        let n = s.conn.negotiated().unwrap();
        assert!(!n.peer_certificates.is_empty(), "{key}");
        assert!(n.signature_scheme.is_some());
    }
    // optional, no certificate
    let (cc, mut sc) = cfgs12("ecdsa_p256");
    sc.client_auth = ClientAuth::Optional {
        roots: roots("ecdsa_p256"),
    };
    let (_c, s) = handshake_ok(cc, sc);
    assert!(s.conn.negotiated().unwrap().peer_certificates.is_empty());
    // required, no certificate: handshake_failure (RFC 5246 7.4.6)
    let (cc, mut sc) = cfgs12("ecdsa_p256");
    sc.client_auth = require_client_cert("ecdsa_p256");
    let (_c, s) = driven(cc, sc);
    assert_eq!(s.alert_sent(), Some(AlertDescription::HandshakeFailure));
}

#[test]
fn client_auth_then_resumption() {
    let (mut cc, mut sc) = cfgs12("rsa2048");
    cc.client_auth = Some(client_identity("rsa2048"));
    sc.client_auth = require_client_cert("rsa2048");
    let (c, _s) = resume(cc, sc);
    assert!(c.conn.negotiated().unwrap().resumed);
}

#[test]
fn version_negotiation_3x3() {
    let configs: [&[ProtocolVersion]; 3] = [&[V13, V12], &[V12], &[V13]];
    for cv in configs {
        for sv in configs {
            let mut cc = client_config("ecdsa_p256");
            cc.versions = cv.to_vec();
            let mut sc = server_config("ecdsa_p256");
            sc.versions = sv.to_vec();
            let common = [V13, V12]
                .into_iter()
                .find(|v| cv.contains(v) && sv.contains(v));
            match common {
                Some(v) => {
                    let (c, s) = handshake_ok(cc, sc);
                    assert_eq!(c.conn.negotiated().unwrap().version, v, "{cv:?} {sv:?}");
                    assert_eq!(s.conn.negotiated().unwrap().version, v);
                }
                None => {
                    let (c, s) = driven(cc, sc);
                    let e = s.err.as_ref().or(c.err.as_ref()).unwrap();
                    let alert = e.alert().or(e.alert_received());
                    assert_eq!(
                        alert,
                        Some(AlertDescription::ProtocolVersion),
                        "{cv:?} {sv:?}: {e}"
                    );
                }
            }
        }
    }
}

fn downgrade_case(
    knob: Option<DowngradeSentinel>,
    client_versions: &[ProtocolVersion],
    server_versions: &[ProtocolVersion],
) -> (Side, Side) {
    let mut cc = client_config("ecdsa_p256");
    cc.versions = client_versions.to_vec();
    let mut sc = server_config("ecdsa_p256");
    sc.versions = server_versions.to_vec();
    sc.knobs = Knobs {
        downgrade_sentinel: knob,
        ..Knobs::default()
    };
    let (c, s) = driven(cc, sc);
    (c, s)
}

#[test]
fn downgrade_sentinel_detected_by_tls13_client() {
    for knob in [
        Some(DowngradeSentinel::Tls12),
        Some(DowngradeSentinel::Tls11),
    ] {
        let (c, _s) = downgrade_case(knob, &[V13, V12], &[V12]);
        let e = c.err.expect("client must abort");
        assert_eq!(
            e.alert(),
            Some(AlertDescription::IllegalParameter),
            "{knob:?}: {e}"
        );
    }
    // a near miss is not a sentinel; omission cannot be detected
    for knob in [
        Some(DowngradeSentinel::WrongBytes),
        Some(DowngradeSentinel::Omit),
    ] {
        let (c, s) = downgrade_case(knob, &[V13, V12], &[V12]);
        assert!(
            c.err.is_none() && s.err.is_none() && c.complete(),
            "{knob:?}"
        );
    }
    // a TLS 1.2-only client does not check DOWNGRADE_TLS12 (RFC 8446 4.1.3)
    let (c, _s) = downgrade_case(Some(DowngradeSentinel::Tls12), &[V12], &[V12]);
    assert!(c.err.is_none() && c.complete());
    // correct: a 1.3-capable server writes the sentinel for a 1.2-only client, who goes on
    let (c, s) = downgrade_case(None, &[V12], &[V13, V12]);
    assert!(c.err.is_none() && s.complete());
    assert_eq!(c.conn.negotiated().unwrap().version, V12);
}

#[test]
fn fallback_scsv_is_refused_by_a_tls13_server() {
    let mut cc = client_config("ecdsa_p256");
    cc.versions = vec![V12];
    cc.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    let sc = server_config("ecdsa_p256");
    let (_c, s) = driven(cc, sc);
    assert_eq!(
        s.alert_sent(),
        Some(AlertDescription::InappropriateFallback)
    );
}

#[test]
fn extended_master_secret_required_by_default() {
    // client without EMS -> our server refuses
    let (mut cc, sc) = cfgs12("ecdsa_p256");
    cc.knobs.skip_extended_master_secret = true;
    let (_c, s) = driven(cc.clone(), sc);
    assert_eq!(s.alert_sent(), Some(AlertDescription::HandshakeFailure));
    // server without EMS -> our client refuses
    let (cc2, mut sc) = cfgs12("ecdsa_p256");
    sc.knobs.skip_extended_master_secret = true;
    sc.knobs.allow_no_extended_master_secret = true;
    let (c, _s) = driven(cc2, sc.clone());
    assert_eq!(c.alert_sent(), Some(AlertDescription::HandshakeFailure));
    // both allow the legacy master secret -> connects without EMS
    let mut cc3 = cc;
    cc3.knobs.allow_no_extended_master_secret = true;
    let (c, _s) = handshake_ok(cc3, sc);
    assert!(!c.conn.negotiated().unwrap().extended_master_secret);
}

#[test]
fn knobs_set_by_name() {
    let mut k = Knobs::default();
    k.set("downgrade_sentinel", "tls12").unwrap();
    assert_eq!(k.downgrade_sentinel, Some(DowngradeSentinel::Tls12));
    k.set("offer_versions_raw", "[\"TLS1.0\", 0x0302, 771]")
        .unwrap();
    assert_eq!(k.offer_versions_raw, Some(vec![0x0301, 0x0302, 0x0303]));
    k.set("skip_extended_master_secret", "true").unwrap();
    assert!(k.skip_extended_master_secret);
    // an unknown knob or a bad value: an error naming the knob and the choices
    for (name, value, needles) in [
        (
            "downgrade_sentinel",
            "maybe",
            &["downgrade_sentinel", "wrong_bytes"][..],
        ),
        ("no_such_knob", "1", &["no_such_knob", "force_hrr"]),
        ("record_padding", "x", &["record_padding"]),
    ] {
        let e = k.set(name, value).unwrap_err();
        assert!(needles.iter().all(|n| e.contains(n)), "{name}={value}: {e}");
    }
}

#[test]
fn offer_versions_raw_old_versions_only_is_protocol_version() {
    let mut cc = client_config("ecdsa_p256");
    cc.knobs.offer_versions_raw = Some(vec![0x0300, 0x0301, 0x0302]);
    let (_c, s) = driven(cc, server_config("ecdsa_p256"));
    assert_eq!(s.alert_sent(), Some(AlertDescription::ProtocolVersion));
}

fn fails_with(
    cc: tls_engine::ClientConfig,
    sc: tls_engine::ServerConfig,
) -> (Option<AlertDescription>, Option<AlertDescription>) {
    let (c, s) = driven(cc, sc);
    (c.err.and_then(|e| e.alert()), s.err.and_then(|e| e.alert()))
}

#[test]
fn tls12_knob_faults_are_caught() {
    // bad ServerKeyExchange signature -> decrypt_error from the client
    let (cc, mut sc) = cfgs12("ecdsa_p256");
    sc.knobs.bad_certificate_verify = true;
    assert_eq!(fails_with(cc, sc).0, Some(AlertDescription::DecryptError));
    // wrong server Finished -> decrypt_error from the client
    let (cc, mut sc) = cfgs12("rsa2048");
    sc.knobs.send_wrong_finished = true;
    assert_eq!(fails_with(cc, sc).0, Some(AlertDescription::DecryptError));
    // wrong client Finished -> decrypt_error from the server
    let (mut cc, sc) = cfgs12("ecdsa_p384");
    cc.knobs.send_wrong_finished = true;
    assert_eq!(fails_with(cc, sc).1, Some(AlertDescription::DecryptError));
    // bad client CertificateVerify -> decrypt_error from the server
    let (mut cc, mut sc) = cfgs12("ed25519");
    cc.client_auth = Some(client_identity("ed25519"));
    cc.knobs.bad_certificate_verify = true;
    sc.client_auth = require_client_cert("ed25519");
    assert_eq!(fails_with(cc, sc).1, Some(AlertDescription::DecryptError));
    // client certificate without CertificateVerify -> the server sees Finished first
    let (mut cc, mut sc) = cfgs12("ecdsa_p256");
    cc.client_auth = Some(client_identity("ecdsa_p256"));
    cc.knobs.skip_certificate_verify = true;
    sc.client_auth = require_client_cert("ecdsa_p256");
    assert_eq!(
        fails_with(cc, sc).1,
        Some(AlertDescription::UnexpectedMessage)
    );
    // a wrong Finished in an abbreviated handshake
    let (cc, sc) = cfgs12("ecdsa_p256");
    let (c, _s) = handshake_ok(cc.clone(), sc.clone());
    let mut cc2 = cc;
    cc2.resumption = c.tickets().pop();
    cc2.knobs.send_wrong_finished = true;
    assert_eq!(fails_with(cc2, sc).1, Some(AlertDescription::DecryptError));
}

#[test]
fn hello_request_is_answered_with_no_renegotiation() {
    let (cc, mut sc) = cfgs12("ecdsa_p256");
    sc.knobs.send_hello_request = true;
    let (c, s) = handshake_ok(cc, sc);
    let warned = |side: &Side, dir: tls_engine::Direction| {
        side.conn
            .transcript()
            .iter()
            .any(|e| e.alert == Some(AlertDescription::NoRenegotiation) && e.direction == dir)
    };
    assert!(
        warned(&c, tls_engine::Direction::Sent),
        "{:#?}",
        c.conn.transcript()
    );
    assert!(warned(&s, tls_engine::Direction::Received));
    assert!(c.err.is_none() && s.err.is_none());
}

#[test]
fn legacy_version_handling_by_our_server() {
    // supported_versions present: legacy_version is ignored (RFC 8446 4.2.1)
    let mut cc = client_config("ecdsa_p256");
    cc.knobs.client_hello_legacy_version = Some(0x0301);
    let (c, _s) = handshake_ok(cc, server_config("ecdsa_p256"));
    assert_eq!(c.conn.negotiated().unwrap().version, V13);
    // absent, legacy_version 0x0304: TLS 1.2
    let mut cc = client_config("ecdsa_p256");
    cc.versions = vec![V12];
    cc.knobs.client_hello_legacy_version = Some(0x0304);
    let (c, _s) = handshake_ok(cc, server_config("ecdsa_p256"));
    assert_eq!(c.conn.negotiated().unwrap().version, V12);
    // absent, legacy_version 0x0302: protocol_version (RFC 5246 E.1)
    let mut cc = client_config("ecdsa_p256");
    cc.versions = vec![V12];
    cc.knobs.client_hello_legacy_version = Some(0x0302);
    let (_c, s) = driven(cc, server_config("ecdsa_p256"));
    assert_eq!(s.alert_sent(), Some(AlertDescription::ProtocolVersion));
}

#[test]
fn resumption_keeps_the_sessions_suite() {
    let (mut cc, sc) = cfgs12("ecdsa_p256");
    cc.cipher_suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384];
    let (c, _s) = handshake_ok(cc, sc.clone());
    let (mut cc2, _) = cfgs12("ecdsa_p256");
    cc2.resumption = c.tickets().pop();
    let (c, s) = handshake_ok(cc2, sc);
    for n in [c.conn.negotiated().unwrap(), s.conn.negotiated().unwrap()] {
        assert!(n.resumed);
        assert_eq!(
            n.cipher_suite,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        );
    }
}
