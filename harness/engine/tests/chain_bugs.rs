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

/// Our client with `knob` against a server of `profile` (with `on_server`: our server with
/// `knob`, requiring a client certificate of `profile`): the side rejects with `alert`
/// without the knob and completes the handshake with it, in both versions.
fn knob_accepts(on_server: bool, knob: &str, profile: &str, alert: A) {
    for v in VERSIONS {
        let (mut cc, mut sc) = match on_server {
            true => mutual(profile, v),
            false => configs(profile, profile, v),
        };
        let (by_client, by_server) = alerts(cc.clone(), sc.clone());
        let sent = if on_server { by_server } else { by_client };
        assert_eq!(sent, Some(alert), "{profile} {v:?}");
        let knobs = if on_server {
            &mut sc.knobs
        } else {
            &mut cc.knobs
        };
        knobs.set(knob, "true").unwrap();
        handshake_ok(cc, sc);
    }
}

#[test]
fn skipping_the_chain_check_takes_any_chain() {
    for (profile, alert) in [
        ("unknown_root", A::UnknownCa),
        ("expired", A::CertificateExpired),
        ("name_mismatch", A::BadCertificate),
    ] {
        knob_accepts(false, "bug_skip_chain_check", profile, alert);
    }
    for (profile, alert) in [
        ("client_unknown_root", A::UnknownCa),
        ("client_tampered_signature", A::BadCertificate),
    ] {
        knob_accepts(true, "bug_skip_chain_check", profile, alert);
    }
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

/// `knob` on our client takes each chain of `accepted` (rejected with its alert without the
/// knob), on our server each client chain of `served`, and still refuses the chain of
/// `kept` with its alert: the knob breaks its one rule only (the dates; basicConstraints;
/// the policy layer, webpki's checks staying).
#[rstest::rstest]
#[case::validity_dates(
    "bug_ignore_validity_dates",
    &[("expired", A::CertificateExpired), ("not_yet_valid_intermediate", A::CertificateExpired)],
    &[("client_expired", A::CertificateExpired)],
    ("unknown_root", A::UnknownCa)
)]
#[case::non_ca_intermediate(
    "bug_accept_non_ca_intermediate",
    &[("intermediate_ca_false", A::BadCertificate), ("intermediate_no_basic_constraints", A::BadCertificate)],
    &[("client_intermediate_ca_false", A::BadCertificate)],
    ("path_len_exceeded", A::BadCertificate)
)]
#[case::certificate_policy(
    "bug_ignore_certificate_policy",
    &[("serial_zero", A::BadCertificate), ("ku_no_digital_signature", A::UnsupportedCertificate)],
    &[("client_ku_no_digital_signature", A::UnsupportedCertificate)],
    ("tampered_signature", A::BadCertificate)
)]
fn breaks_one_rule(
    #[case] knob: &str,
    #[case] accepted: &[(&str, A)],
    #[case] served: &[(&str, A)],
    #[case] kept: (&str, A),
) {
    for (profile, alert) in accepted {
        knob_accepts(false, knob, profile, *alert);
    }
    for (profile, alert) in served {
        knob_accepts(true, knob, profile, *alert);
    }
    for v in VERSIONS {
        let (mut cc, sc) = configs(kept.0, kept.0, v);
        cc.knobs.set(knob, "true").unwrap();
        assert_eq!(alerts(cc, sc).0, Some(kept.1), "{knob} {} {v:?}", kept.0);
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
