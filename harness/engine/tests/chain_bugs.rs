//! The negative controls of peer authentication, in whole handshakes of our client and our
//! server, TLS 1.3 and TLS 1.2: `bug_skip_chain_check`, `bug_ignore_validity_dates`,
//! `bug_accept_non_ca_intermediate`, `bug_ignore_certificate_policy` (the chain verification
//! of both sides) and `bug_skip_server_key_exchange_check` (the TLS 1.2 client). Each bug
//! turns one rejection into a completed handshake and leaves the other checks in place.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use tls_engine::{AlertDescription as A, ClientConfig, ProtocolVersion, ServerConfig};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

/// Our client trusting `roots`' anchors, and our server with `profile`'s chain, in `v`.
fn configs(profile: &str, roots: &str, v: ProtocolVersion) -> (ClientConfig, ServerConfig) {
    let mut cc = client_config(roots);
    cc.versions = vec![v];
    let mut sc = server_config(profile);
    sc.versions = vec![v];
    (cc, sc)
}

/// The same, with a client certificate of `profile` that our server requires.
fn mutual(profile: &str, v: ProtocolVersion) -> (ClientConfig, ServerConfig) {
    let (mut cc, mut sc) = configs("ecdsa_p256", "ecdsa_p256", v);
    cc.client_auth = Some(client_identity(profile));
    sc.client_auth = require_client_cert(profile);
    (cc, sc)
}

/// The alerts our client and our server sent.
fn alerts(cc: ClientConfig, sc: ServerConfig) -> (Option<A>, Option<A>) {
    let (c, s) = driven(cc, sc);
    (c.alert_sent(), s.alert_sent())
}

/// Our client with `knob` against a server of `profile`: the client rejects with `alert`
/// without the knob and completes the handshake with it, in both versions.
fn client_knob_accepts(knob: &str, profile: &str, alert: A) {
    for v in VERSIONS {
        let (cc, sc) = configs(profile, profile, v);
        assert_eq!(
            alerts(cc.clone(), sc.clone()).0,
            Some(alert),
            "{profile} {v:?}"
        );
        let mut cc = cc;
        cc.knobs.set(knob, "true").unwrap();
        handshake_ok(cc, sc);
    }
}

/// Our server with `knob` requiring a client certificate of `profile`: the same.
fn server_knob_accepts(knob: &str, profile: &str, alert: A) {
    for v in VERSIONS {
        let (cc, sc) = mutual(profile, v);
        assert_eq!(
            alerts(cc.clone(), sc.clone()).1,
            Some(alert),
            "{profile} {v:?}"
        );
        let mut sc = sc;
        sc.knobs.set(knob, "true").unwrap();
        handshake_ok(cc, sc);
    }
}

#[test]
fn skipping_the_chain_check_takes_any_chain() {
    let knob = "bug_skip_chain_check";
    client_knob_accepts(knob, "unknown_root", A::UnknownCa);
    client_knob_accepts(knob, "expired", A::CertificateExpired);
    client_knob_accepts(knob, "name_mismatch", A::BadCertificate);
    server_knob_accepts(knob, "client_unknown_root", A::UnknownCa);
    server_knob_accepts(knob, "client_tampered_signature", A::BadCertificate);
}

/// The leaf's key of an unverified chain still checks the peer's signature: CertificateVerify
/// (TLS 1.3, and the client's in TLS 1.2) and ServerKeyExchange (TLS 1.2).
#[test]
fn skipping_the_chain_check_still_checks_the_signatures() {
    for v in VERSIONS {
        let (mut cc, mut sc) = configs("unknown_root", "unknown_root", v);
        cc.knobs.bug_skip_chain_check = true;
        sc.knobs.bad_certificate_verify = true;
        assert_eq!(alerts(cc, sc).0, Some(A::DecryptError), "{v:?}");
        let (mut cc, mut sc) = mutual("client_unknown_root", v);
        sc.knobs.bug_skip_chain_check = true;
        cc.knobs.bad_certificate_verify = true;
        assert_eq!(alerts(cc, sc).1, Some(A::DecryptError), "{v:?}");
        // A chain whose leaf is not the key's certificate: the signature does not verify.
        let (mut cc, mut sc) = configs("ecdsa_p256", "ecdsa_p256", v);
        cc.knobs.bug_skip_chain_check = true;
        sc.cert = tls_engine::CertifiedKey::new(
            certs::materials("ecdsa_p384").unwrap().server.chain.clone(),
            rustls_pki_types::PrivateKeyDer::Pkcs8(
                certs::materials("ecdsa_p256")
                    .unwrap()
                    .server
                    .key
                    .clone_key(),
            ),
        )
        .unwrap();
        assert_eq!(alerts(cc, sc).0, Some(A::DecryptError), "{v:?}");
    }
}

#[test]
fn ignoring_validity_dates_takes_an_expired_chain_only() {
    let knob = "bug_ignore_validity_dates";
    client_knob_accepts(knob, "expired", A::CertificateExpired);
    client_knob_accepts(knob, "not_yet_valid_intermediate", A::CertificateExpired);
    server_knob_accepts(knob, "client_expired", A::CertificateExpired);
    for v in VERSIONS {
        let (mut cc, sc) = configs("unknown_root", "unknown_root", v);
        cc.knobs.bug_ignore_validity_dates = true;
        assert_eq!(alerts(cc, sc).0, Some(A::UnknownCa), "{v:?}");
    }
}

#[test]
fn accepting_a_non_ca_intermediate_takes_that_chain_only() {
    let knob = "bug_accept_non_ca_intermediate";
    client_knob_accepts(knob, "intermediate_ca_false", A::BadCertificate);
    client_knob_accepts(knob, "intermediate_no_basic_constraints", A::BadCertificate);
    server_knob_accepts(knob, "client_intermediate_ca_false", A::BadCertificate);
    for v in VERSIONS {
        let (mut cc, sc) = configs("path_len_exceeded", "path_len_exceeded", v);
        cc.knobs.bug_accept_non_ca_intermediate = true;
        assert_eq!(alerts(cc, sc).0, Some(A::BadCertificate), "{v:?}");
    }
}

#[test]
fn ignoring_the_policy_leaves_webpki() {
    let knob = "bug_ignore_certificate_policy";
    client_knob_accepts(knob, "serial_zero", A::BadCertificate);
    client_knob_accepts(knob, "ku_no_digital_signature", A::UnsupportedCertificate);
    server_knob_accepts(
        knob,
        "client_ku_no_digital_signature",
        A::UnsupportedCertificate,
    );
    for v in VERSIONS {
        let (mut cc, sc) = configs("tampered_signature", "tampered_signature", v);
        cc.knobs.bug_ignore_certificate_policy = true;
        assert_eq!(alerts(cc, sc).0, Some(A::BadCertificate), "{v:?}");
    }
}

/// `bug_skip_server_key_exchange_check`: a TLS 1.2 client takes a ServerKeyExchange whose
/// signature does not verify; the chain, the Finished and TLS 1.3's CertificateVerify are
/// still checked.
#[test]
fn skipping_the_server_key_exchange_check() {
    let v12 = ProtocolVersion::TLSv1_2;
    for key in KEYS {
        let (cc, mut sc) = configs(key, key, v12);
        sc.knobs.bad_certificate_verify = true;
        assert_eq!(
            alerts(cc.clone(), sc.clone()).0,
            Some(A::DecryptError),
            "{key}"
        );
        let mut cc = cc;
        cc.knobs.bug_skip_server_key_exchange_check = true;
        handshake_ok(cc, sc);
    }
    let bugged = |profile: &str, v| {
        let (mut cc, sc) = configs(profile, profile, v);
        cc.knobs.bug_skip_server_key_exchange_check = true;
        (cc, sc)
    };
    let (cc, mut sc) = bugged("ecdsa_p256", v12);
    sc.knobs.send_wrong_finished = true;
    assert_eq!(alerts(cc, sc).0, Some(A::DecryptError));
    let (cc, sc) = bugged("expired", v12);
    assert_eq!(alerts(cc, sc).0, Some(A::CertificateExpired));
    let (cc, mut sc) = bugged("ecdsa_p256", ProtocolVersion::TLSv1_3);
    sc.knobs.bad_certificate_verify = true;
    assert_eq!(alerts(cc, sc).0, Some(A::DecryptError));
}
