//! The misbehaviour knobs that carry wire mutations (`mutate_*`) and the knobs added for the
//! malformed-hello catalogue: each is read where the message is sent, the sender's
//! transcript follows the bytes as sent, and the peer rejects with the alert RFC 8446 names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rstest::rstest;
use tls_engine::{AlertDescription as A, Error, Knobs, Misbehaviour as M, NamedGroup};

fn client_with(knobs: &[(&str, &str)]) -> tls_engine::ClientConfig {
    let mut c = client_config("ecdsa_p256");
    for (k, v) in knobs {
        c.knobs.set(k, v).unwrap();
    }
    c
}

fn server_with(knobs: &[(&str, &str)]) -> tls_engine::ServerConfig {
    let mut s = server_config("ecdsa_p256");
    for (k, v) in knobs {
        s.knobs.set(k, v).unwrap();
    }
    s
}

/// Mutations a correct peer accepts: the sender still completes the handshake, so its
/// transcript hashed the bytes it actually sent.
#[rstest]
#[case::grease_extension(&[("mutate_client_hello", "add_extension_first:0x0a0a:-")], &[])]
#[case::reversed_extensions(&[("mutate_client_hello", "reverse_extensions")], &[])]
#[case::client_hello_one_byte_records(&[("mutate_client_hello", "fragment:1")], &[])]
#[case::client_hello_2_14(&[("mutate_client_hello", "pad_to:16384")], &[])]
#[case::record_version(&[("mutate_client_hello", "record_version:0x0300")], &[])]
#[case::ccs_after_client_hello(&[("mutate_client_hello", "record_after:20:01"), ("send_ccs", "false")], &[])]
#[case::empty_key_share(&[("send_empty_key_share", "true")], &[])]
#[case::server_hello_one_byte_records(&[], &[("mutate_server_hello", "fragment:1")])]
#[case::encrypted_extensions_one_byte_records(&[], &[("mutate_encrypted_extensions", "fragment:1")])]
#[case::coalesced_flight(&[], &[("coalesce_handshake", "true")])]
#[case::sentinel_in_tls13_random(&[], &[("mutate_server_hello", "set_random_tail:444f574e47524401")])]
#[case::key_update_flood(&[], &[("send_key_updates", "20")])]
fn accepted(#[case] ck: &[(&str, &str)], #[case] sk: &[(&str, &str)]) {
    handshake_ok(client_with(ck), server_with(sk));
}

/// Client faults: the server rejects with this alert.
#[rstest]
#[case::duplicate_key_share("duplicate_extension:key_share", A::IllegalParameter)]
#[case::no_signature_algorithms("drop_extension:signature_algorithms", A::MissingExtension)]
#[case::compression("set_compression:0,1", A::IllegalParameter)]
#[case::session_id_33("set_session_id_len:33", A::DecodeError)]
#[case::ssl3_legacy_version("set_legacy_version:0x0300", A::ProtocolVersion)]
#[case::empty_sni("set_extension:server_name:-", A::DecodeError)]
#[case::sni_length_lie("inner_length:server_name:0:2:+1", A::DecodeError)]
#[case::truncated("truncate:random", A::DecodeError)]
#[case::oversized_record("pad_to:16385; fragment:16385", A::RecordOverflow)]
#[case::unknown_record_type("record_before:99:00", A::UnexpectedMessage)]
#[case::ccs_before_client_hello("record_before:20:01", A::UnexpectedMessage)]
fn server_rejects(#[case] spec: &str, #[case] alert: A) {
    let (_c, s) = driven(
        client_with(&[("mutate_client_hello", spec)]),
        server_config("ecdsa_p256"),
    );
    let e = s.err.expect("server must reject");
    assert_eq!(e.alert(), Some(alert), "{e:?}");
}

/// Server faults: the client rejects with this alert.
#[rstest]
#[case::suite_not_offered(&[("mutate_server_hello", "set_cipher_suites:0x1304")], A::IllegalParameter)]
#[case::session_id_echo(&[("mutate_server_hello", "set_session_id:-")], A::IllegalParameter)]
#[case::hrr_changes_nothing(&[("mutate_hello_retry_request", "drop_extension:key_share")], A::IllegalParameter)]
#[case::second_hrr(&[("send_second_hrr", "true")], A::UnexpectedMessage)]
#[case::ee_key_share(&[("mutate_encrypted_extensions", "add_extension:key_share:001d0001aa")], A::IllegalParameter)]
#[case::empty_certificate(&[("mutate_certificate", "set_body:00000000")], A::DecodeError)]
#[case::finished_short(&[("mutate_finished", "truncate:bytes:31")], A::DecodeError)]
#[case::protected_zero_length_alert(&[("mutate_encrypted_extensions", "record_before:21:-")], A::UnexpectedMessage)]
#[case::inner_plaintext_too_long(&[("mutate_encrypted_extensions", "pad_extension:16400; fragment:17000")], A::RecordOverflow)]
#[case::key_update_before_finished(&[("send_key_update_before_finished", "true")], A::UnexpectedMessage)]
#[case::key_update_bad_request(&[("send_key_updates", "1"), ("mutate_key_update", "set_body:02")], A::IllegalParameter)]
fn client_rejects(#[case] sk: &[(&str, &str)], #[case] alert: A) {
    let mut cc = client_config("ecdsa_p256");
    let mut sc = server_with(sk);
    // A HelloRetryRequest: the server takes only P-256, the client's share is X25519.
    cc.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1];
    if sk
        .iter()
        .any(|(k, _)| k.contains("hrr") || k.contains("hello_retry"))
    {
        sc.groups = vec![NamedGroup::Secp256r1];
    }
    let (c, _s) = driven(cc, sc);
    let e = c.err.expect("client must reject");
    assert_eq!(e.alert(), Some(alert), "{e:?}");
}

#[test]
fn knob_errors_name_the_knob_and_the_operation() {
    let mut k = Knobs::default();
    let e = k
        .set(
            "mutate_client_hello",
            "drop_extension:key_share; frobnicate",
        )
        .unwrap_err();
    assert!(
        e.contains("knob `mutate_client_hello`") && e.contains("unknown operation `frobnicate`"),
        "{e}"
    );
    let e = k
        .set("mutate_finished", "extension_length:nope:+1")
        .unwrap_err();
    assert!(e.contains("not an extension name"), "{e}");
    let e = k.set("send_key_updates", "many").unwrap_err();
    assert!(e.contains("send_key_updates"), "{e}");
    k.set("mutate_server_hello", "").unwrap();
    assert!(k.mutate_server_hello.is_empty());
    for name in tls_engine::KNOB_NAMES {
        assert!(
            Knobs::default()
                .set(name, "definitely not a value")
                .is_err()
                || name.starts_with("mutate_"),
            "{name}"
        );
    }
}

/// A mutation that does not fit the message is the caller's error, not a panic.
#[test]
fn misapplied_mutation_is_a_config_error() {
    let (_c, s) = driven(
        client_config("ecdsa_p256"),
        server_with(&[("mutate_finished", "set_legacy_version:0x0300")]),
    );
    let e = s.err.expect("server fails");
    assert!(
        matches!(
            e,
            Error::Mutation {
                message: tls_wire::HandshakeType::Finished,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.alert(), None, "{e:?}");
}

/// Hostile-peer limits: up to 32 empty records and 4 ignored warning alerts in a row are
/// taken (RFC 8446 5.1 allows zero-length application data; user_canceled is a warning);
/// one more is `unexpected_message`. Both directions, both versions.
#[rstest]
#[case::empty_records(
    "send_empty_records",
    tls_engine::MAX_EMPTY_RECORDS,
    M::TooManyEmptyRecords
)]
#[case::warning_alerts(
    "send_warning_alerts",
    tls_engine::MAX_WARNING_ALERTS,
    M::TooManyWarningAlerts
)]
fn flood_limits(
    #[case] knob: &str,
    #[case] limit: u32,
    #[case] what: M,
    #[values("TLS1.3", "TLS1.2")] version: &str,
    #[values(true, false)] from_server: bool,
) {
    let v = tls_engine::ProtocolVersion::from_name(version).unwrap();
    let run = |n: u32| {
        let mut cc = client_config("ecdsa_p256");
        let mut sc = server_config("ecdsa_p256");
        cc.versions = vec![v];
        sc.versions = vec![v];
        let sender = if from_server {
            &mut sc.knobs
        } else {
            &mut cc.knobs
        };
        sender.set(knob, &n.to_string()).unwrap();
        pair(cc, sc)
    };
    // At the limit: the flood is taken and data still flows both ways.
    let (mut c, mut s) = run(limit);
    drive(&mut c, &mut s);
    assert!(
        c.err.is_none() && s.err.is_none(),
        "{knob}={limit}: client {:?} server {:?}",
        c.err,
        s.err
    );
    c.conn.send_application_data(b"ping").unwrap();
    s.conn.send_application_data(b"pong").unwrap();
    drive(&mut c, &mut s);
    assert_eq!(
        (s.app_data(), c.app_data()),
        (b"ping".to_vec(), b"pong".to_vec()),
        "{knob}={limit}"
    );
    // One more: the receiver ends the connection with unexpected_message.
    let (mut c, mut s) = run(limit + 1);
    drive(&mut c, &mut s);
    let receiver = if from_server { &c } else { &s };
    let e = receiver
        .err
        .as_ref()
        .unwrap_or_else(|| panic!("{knob}={}: receiver must reject", limit + 1));
    assert_eq!(e.alert(), Some(A::UnexpectedMessage), "{e:?}");
    assert_eq!(e.misbehaviour(), Some(what), "{e:?}");
}

/// The runs are of *consecutive* records: data in between resets the count.
#[test]
fn empty_record_count_resets_on_data() {
    let (mut c, mut s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    for _ in 0..3 {
        // Two runs of the maximum, separated by data, go through; the peer keeps up.
        for _ in 0..tls_engine::MAX_EMPTY_RECORDS {
            s.conn.send_application_data(b"").unwrap();
        }
        s.conn.send_application_data(b"x").unwrap();
        drive(&mut c, &mut s);
    }
    assert!(c.err.is_none(), "{:?}", c.err);
    assert_eq!(c.app_data(), b"pong from serverxxx");
}

/// KeyUpdate limit: 32 in a row without application data are taken, the 33rd is
/// `unexpected_message`; data in between resets the count.
#[test]
fn key_update_limit() {
    let (mut c, mut s) = handshake_ok(
        client_config("ecdsa_p256"),
        server_with(&[("send_key_updates", "32")]),
    );
    assert!(c.err.is_none(), "{:?}", c.err);
    let (c2, _s2) = driven(
        client_config("ecdsa_p256"),
        server_with(&[("send_key_updates", "33")]),
    );
    let e = c2.err.expect("the 33rd KeyUpdate is refused");
    assert_eq!(e.alert(), Some(A::UnexpectedMessage), "{e:?}");
    assert_eq!(e.misbehaviour(), Some(M::TooManyKeyUpdates), "{e:?}");
    // After data, another 32 are fine.
    for _ in 0..32 {
        s.conn.request_key_update(false).unwrap();
    }
    drive(&mut c, &mut s);
    assert!(c.err.is_none(), "{:?}", c.err);
}

/// Early data cap: a TLS 1.3 server that rejects early data skips undecryptable records
/// after the ClientHello (RFC 8446 4.2.10), at most 16 640 bytes of them (our bound; the
/// client sent early_data without being offered any); past that, bad_record_mac.
#[test]
fn early_data_cap() {
    let early = |sizes: &[usize]| {
        let mut spec = String::from("add_extension:early_data:-");
        for n in sizes {
            spec.push_str(&format!("; record_after:23:{}", "a5".repeat(*n)));
        }
        client_with(&[
            ("mutate_client_hello", spec.as_str()),
            ("send_ccs", "false"),
        ])
    };
    // 2 x 8000 bytes: under the cap, skipped.
    let (c, s) = driven(early(&[8000, 8000]), server_config("ecdsa_p256"));
    assert_completed(&c, &s);
    // 3 x 8000 bytes: over the cap.
    let (_c, s) = driven(early(&[8000, 8000, 8000]), server_config("ecdsa_p256"));
    let e = s.err.expect("too much early data is refused");
    assert_eq!(e.alert(), Some(A::BadRecordMac), "{e:?}");
    assert_eq!(e.misbehaviour(), Some(M::TooMuchEarlyData), "{e:?}");
}
