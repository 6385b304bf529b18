//! The adapters map each library's failures onto the same outcome: which alert, in which
//! direction, at which step. Real handshakes between real libraries, one row per failure.

mod common;

use harness::peers::rustls_alert_for_error;
use reports::{Direction, ObservedResult, Verdict};
use rstest::rstest;
use rustls::{AlertDescription, CertificateError, Error, InvalidMessage};

#[test]
fn a_received_rustls_alert_is_received() {
    assert_maps_to(
        Error::AlertReceived(AlertDescription::HandshakeFailure),
        Direction::Received,
        "handshake_failure",
    );
}

/// A certificate rustls rejects: the alert it sends.
#[rstest]
#[case::expired(CertificateError::Expired, "certificate_expired")]
#[case::unknown_issuer(CertificateError::UnknownIssuer, "unknown_ca")]
#[case::wrong_name(CertificateError::NotValidForName, "bad_certificate")]
#[case::bad_signature(CertificateError::BadSignature, "decrypt_error")]
fn rustls_certificate_errors_map_to_sent_alerts(#[case] e: CertificateError, #[case] alert: &str) {
    assert_maps_to(Error::InvalidCertificate(e), Direction::Sent, alert);
}

/// rustls's other own errors: the alert it sends.
#[rstest]
#[case::decode(
    Error::InvalidMessage(InvalidMessage::MissingData("x")),
    "decode_error"
)]
#[case::bad_mac(Error::DecryptError, "bad_record_mac")]
#[case::alpn(Error::NoApplicationProtocol, "no_application_protocol")]
#[case::no_cert(Error::NoCertificatesPresented, "certificate_required")]
fn rustls_errors_map_to_sent_alerts(#[case] e: Error, #[case] alert: &str) {
    assert_maps_to(e, Direction::Sent, alert);
}

/// `e` maps to `alert` in `direction`.
fn assert_maps_to(e: Error, direction: Direction, alert: &str) {
    let (d, seen) = rustls_alert_for_error(&e).expect("an alert");
    assert_eq!((d, seen.to_string()), (direction, alert.to_string()));
}

fn scenario(setup: &str, under_test: &str, alert: &str) -> String {
    format!(
        r#"
[[scenario]]
id = "adapters::case"
title = "adapter mapping"
rfc = "RFC 8446 6.2"
requirement = "Fatal alerts MUST be sent and received."
level = "MUST"
binds = "receiver"
alert_from = "section"
under_test = "{under_test}"
setup = {{ {setup} }}
expect = {{ result = "rejected", alert = "{alert}" }}
"#
    )
}

/// (client, server, setup, side under test, expected alert, step the client reached)
#[rstest]
#[case::no_common_suite_rustls(
    "rustls",
    "openssl",
    r#"versions = ["TLS1.3"], suites = ["TLS_AES_128_GCM_SHA256"], cert = "ecdsa_p256""#,
    "server",
    "handshake_failure",
    "ClientHello"
)]
#[case::no_common_suite_openssl(
    "openssl",
    "rustls",
    r#"versions = ["TLS1.3"], suites = ["TLS_AES_128_GCM_SHA256"], cert = "ecdsa_p256""#,
    "server",
    "handshake_failure",
    "ClientHello"
)]
#[case::wrong_name_rustls(
    "rustls",
    "openssl",
    r#"versions = ["TLS1.3"], server_name = "wrong.example""#,
    "client",
    "bad_certificate",
    "Certificate"
)]
#[case::wrong_name_openssl(
    "openssl",
    "rustls",
    r#"versions = ["TLS1.3"], server_name = "wrong.example""#,
    "client",
    "bad_certificate",
    "Certificate"
)]
#[case::expired_rustls(
    "rustls",
    "openssl",
    r#"versions = ["TLS1.3"], cert = "expired""#,
    "client",
    "certificate_expired",
    "Certificate"
)]
#[case::expired_openssl(
    "openssl",
    "openssl",
    r#"versions = ["TLS1.3"], cert = "expired""#,
    "client",
    "certificate_expired",
    "Certificate"
)]
#[case::expired_tls12_openssl(
    "openssl",
    "rustls",
    r#"versions = ["TLS1.2"], cert = "expired""#,
    "client",
    "certificate_expired",
    "Certificate"
)]
// rustls checks ALPN while it writes EncryptedExtensions: its ServerHello is out already.
#[case::alpn_rustls_server(
    "openssl",
    "rustls",
    r#"client_alpn = ["h2"], server_alpn = ["http/1.1"]"#,
    "server",
    "no_application_protocol",
    "ServerHello"
)]
#[case::alpn_openssl_server(
    "rustls",
    "openssl",
    r#"client_alpn = ["h2"], server_alpn = ["http/1.1"]"#,
    "server",
    "no_application_protocol",
    "ClientHello"
)]
fn adapters_report_alert_direction_and_step(
    #[case] client: &str,
    #[case] server: &str,
    #[case] setup: &str,
    #[case] under_test: &str,
    #[case] alert: &str,
    #[case] client_step: &str,
) {
    // The "no common suite" rows give the server a different suite than the client.
    let text = scenario(setup, under_test, alert);
    let mut variants = common::variants(&text);
    assert_eq!(variants.len(), 1);
    if setup.contains("suites") {
        variants[0].setup.server.suites = vec![harness::model::CipherSuite::TLS_AES_256_GCM_SHA384];
    }
    let peers = [common::peer(client), common::peer(server)];
    let cases: Vec<_> = harness::run::expand(&variants, &peers)
        .into_iter()
        .filter(|c| c.client.name() == client && c.server.name() == server)
        .collect();
    let results = common::run_cases(cases, &common::quick());
    let r = &results[0];
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{}: {:?}\n{:#?}",
        r.id,
        r.reason,
        r
    );
    let c = r.observed.as_ref().unwrap();
    let s = r.server_observed.as_ref().unwrap();
    assert_eq!(c.result, Some(ObservedResult::Rejected), "{c:?}");
    assert_eq!(s.result, Some(ObservedResult::Rejected), "{s:?}");
    let (sender, receiver) = if under_test == "client" {
        (c, s)
    } else {
        (s, c)
    };
    assert_eq!(sender.alert.as_deref(), Some(alert), "sender {sender:?}");
    assert_eq!(sender.direction, Some(Direction::Sent), "sender {sender:?}");
    assert_eq!(
        receiver.alert.as_deref(),
        Some(alert),
        "receiver {receiver:?}"
    );
    assert_eq!(
        receiver.direction,
        Some(Direction::Received),
        "receiver {receiver:?}"
    );
    assert_eq!(c.step.as_deref(), Some(client_step), "client {c:?}");
}
