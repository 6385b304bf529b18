//! The negative controls `bug_ignore`, `bug_drop_undecodable` and `bug_negotiate_tls12`:
//! without them our engine refuses the fault, with them it goes on (the one rule broken).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rstest::rstest;
use tls_engine::{Decoding, Error, Misbehaviour as M, NamedGroup, ProtocolVersion};

/// Knobs by name and value.
type Kn<'a> = &'a [(&'a str, &'a str)];

/// Which side is under test: it meets the fault its peer's knobs plant.
#[derive(Clone, Copy, Debug)]
enum Victim {
    Client,
    Server,
}

/// The pair for one case: `fault` knobs on the peer of the victim, `bug` knobs on the victim;
/// `tls12`: both sides TLS 1.2 only; `hrr`: the server takes only P-256.
fn configs(
    victim: Victim,
    fault: &[(&str, &str)],
    bug: &[(&str, &str)],
    tls12: bool,
    hrr: bool,
) -> (tls_engine::ClientConfig, tls_engine::ServerConfig) {
    let mut cc = client_config("ecdsa_p256");
    let mut sc = server_config("ecdsa_p256");
    cc.groups = vec![NamedGroup::X25519, NamedGroup::Secp256r1];
    if hrr {
        sc.groups = vec![NamedGroup::Secp256r1];
    }
    if tls12 {
        cc.versions = vec![ProtocolVersion::TLSv1_2];
        sc.versions = vec![ProtocolVersion::TLSv1_2];
    }
    let (faulty, under_test) = match victim {
        Victim::Client => (&mut sc.knobs, &mut cc.knobs),
        Victim::Server => (&mut cc.knobs, &mut sc.knobs),
    };
    for (k, v) in fault {
        faulty.set(k, v).unwrap();
    }
    for (k, v) in bug {
        under_test.set(k, v).unwrap();
    }
    (cc, sc)
}

fn client_with_knob(k: &str, v: &str) -> tls_engine::ClientConfig {
    let mut cc = client_config("ecdsa_p256");
    cc.knobs.set(k, v).unwrap();
    cc
}

/// Each fault is refused with its misbehaviour; with `bug_ignore` naming it, the side under
/// test completes the handshake and exchanges data.
#[rstest]
#[case::duplicate_client_hello_extension(Victim::Server, &[("mutate_client_hello", "duplicate_extension:key_share")], false, false, M::DuplicateExtension)]
#[case::duplicate_server_hello_extension(Victim::Client, &[("mutate_server_hello", "duplicate_extension:key_share")], false, false, M::DuplicateExtension)]
#[case::duplicate_encrypted_extension(Victim::Client, &[("mutate_encrypted_extensions", "add_extension:server_name:-; add_extension:server_name:-")], false, false, M::DuplicateExtension)]
#[case::client_hello_compression(Victim::Server, &[("mutate_client_hello", "set_compression:1")], false, false, M::BadCompression)]
#[case::client_hello_compression_tls12(Victim::Server, &[("mutate_client_hello", "set_compression:1")], true, false, M::BadCompression)]
#[case::server_hello_unknown_extension(Victim::Client, &[("mutate_server_hello", "add_extension:0xff00:-")], false, false, M::UnsolicitedExtension)]
#[case::server_hello_unknown_extension_tls12(Victim::Client, &[("mutate_server_hello", "add_extension:0xff00:-")], true, false, M::UnsolicitedExtension)]
#[case::encrypted_extensions_key_share(Victim::Client, &[("mutate_encrypted_extensions", "add_extension:key_share:001d0001aa")], false, false, M::ExtensionNotAllowed)]
#[case::session_id_echo(Victim::Client, &[("mutate_server_hello", "set_session_id:-")], false, false, M::SessionIdMismatch)]
#[case::hrr_changes_nothing(Victim::Client, &[("mutate_hello_retry_request", "drop_extension:key_share")], false, true, M::UselessHelloRetryRequest)]
#[case::unknown_record_type(Victim::Server, &[("mutate_client_hello", "record_before:99:00")], false, false, M::UnexpectedRecordType)]
#[case::ccs_before_client_hello(Victim::Server, &[("mutate_client_hello", "record_before:20:01")], false, false, M::UnexpectedChangeCipherSpec)]
#[case::empty_record_flood(Victim::Client, &[("send_empty_records", "33")], false, false, M::TooManyEmptyRecords)]
#[case::empty_record_flood_tls12(Victim::Server, &[("send_empty_records", "33")], true, false, M::TooManyEmptyRecords)]
#[case::warning_flood(Victim::Client, &[("send_warning_alerts", "33")], false, false, M::TooManyWarningAlerts)]
#[case::key_update_bad_request(Victim::Client, &[("send_key_updates", "1"), ("mutate_key_update", "set_body:02")], false, false, M::BadKeyUpdateRequest)]
#[case::server_hello_legacy_version(Victim::Client, &[("mutate_server_hello", "set_legacy_version:0x0301")], false, false, M::BadLegacyVersion)]
#[case::session_id_33(Victim::Server, &[("mutate_client_hello", "set_session_id_len:33")], false, false, M::SessionIdTooLong)]
#[case::ssl3_legacy_version(Victim::Server, &[("mutate_client_hello", "set_legacy_version:0x0300")], false, false, M::ObsoleteVersion)]
#[case::empty_sni(Victim::Server, &[("mutate_client_hello", "set_extension:server_name:-")], false, false, M::EmptyServerName)]
#[case::record_size_limit_63(Victim::Client, &[("mutate_encrypted_extensions", "set_extension:record_size_limit:003f")], false, false, M::BadRecordSizeLimit)]
#[case::record_size_limit_63_server(Victim::Server, &[("mutate_client_hello", "set_extension:record_size_limit:003f")], false, false, M::BadRecordSizeLimit)]
#[case::point_formats_without_uncompressed(Victim::Server, &[("mutate_client_hello", "set_extension:ec_point_formats:0101")], true, false, M::NoUncompressedPointFormat)]
#[case::renegotiation_info_not_empty(Victim::Server, &[("mutate_client_hello", "set_extension:renegotiation_info:0100")], true, false, M::BadRenegotiationInfo)]
#[case::no_extended_master_secret(Victim::Server, &[("skip_extended_master_secret", "true")], true, false, M::NoExtendedMasterSecret)]
#[case::session_ticket_not_empty(Victim::Client, &[("mutate_server_hello", "set_extension:session_ticket:00")], true, false, M::BadSessionTicketExtension)]
#[case::no_signature_algorithms(Victim::Server, &[("mutate_client_hello", "drop_extension:signature_algorithms")], false, false, M::MissingExtension)]
#[case::no_supported_groups(Victim::Server, &[("mutate_client_hello", "drop_extension:supported_groups")], false, false, M::MissingExtension)]
#[case::plaintext_record_overflow(Victim::Server, &[("mutate_client_hello", "pad_to:16385; fragment:16385")], false, false, M::RecordOverflow)]
#[case::server_hello_version_draft28(Victim::Client, &[("mutate_server_hello", "set_extension:supported_versions:7f1c")], false, false, M::VersionNotOffered)]
fn bug_ignore_skips_exactly_its_check(
    #[case] victim: Victim,
    #[case] fault: &[(&str, &str)],
    #[case] tls12: bool,
    #[case] hrr: bool,
    #[case] what: M,
) {
    let name = tls_engine::knobs::IGNORABLE
        .iter()
        .find(|(_, m)| *m == what)
        .map(|(n, _)| *n)
        .expect("an ignorable check");
    // Without the control: refused, with this misbehaviour.
    let (cc, sc) = configs(victim, fault, &[], tls12, hrr);
    let (c, s) = driven(cc, sc);
    let e = match victim {
        Victim::Client => c.err,
        Victim::Server => s.err,
    };
    let e = e.unwrap_or_else(|| panic!("{victim:?} must refuse {fault:?}"));
    assert_eq!(e.misbehaviour(), Some(what), "{e:?}");
    // Another check ignored changes nothing.
    let other = if what == M::DuplicateExtension {
        "bad_compression"
    } else {
        "duplicate_extension"
    };
    let (cc, sc) = configs(victim, fault, &[("bug_ignore", other)], tls12, hrr);
    let (c, s) = driven(cc, sc);
    let e = match victim {
        Victim::Client => c.err,
        Victim::Server => s.err,
    };
    assert_eq!(e.and_then(|e| e.misbehaviour()), Some(what));
    // With it: the side under test raises nothing and, unless its correct peer refuses
    // what the fault makes it answer (our server refuses a ClientHello repeated after a
    // HelloRetryRequest that changes nothing; our client refuses a 33-byte session id
    // echoed), the handshake completes and data flows.
    let (cc, sc) = configs(victim, fault, &[("bug_ignore", name)], tls12, hrr);
    let (c, s) = driven(cc, sc);
    let (ours, peer) = match victim {
        Victim::Client => (&c.err, &s.err),
        Victim::Server => (&s.err, &c.err),
    };
    assert!(
        ours.as_ref().and_then(Error::misbehaviour).is_none(),
        "{ours:?}"
    );
    match peer.as_ref().and_then(Error::misbehaviour) {
        Some(m) => assert!(matches!(
            m,
            M::SecondClientHelloMismatch | M::SessionIdTooLong
        )),
        None => {
            let (cc, sc) = configs(victim, fault, &[("bug_ignore", name)], tls12, hrr);
            handshake_ok(cc, sc);
        }
    }
}

/// TLS_FALLBACK_SCSV from a TLS 1.2-only client to a server that has TLS 1.3 (RFC 7507 3):
/// refused, unless `bug_ignore = "inappropriate_fallback"`.
#[test]
fn bug_ignore_inappropriate_fallback() {
    let run = |bug: bool| {
        let mut cc = client_with_knob("mutate_client_hello", "set_cipher_suites:0xc02b,0x5600");
        cc.versions = vec![ProtocolVersion::TLSv1_2];
        let mut sc = server_config("ecdsa_p256");
        if bug {
            sc.knobs
                .set("bug_ignore", "inappropriate_fallback")
                .unwrap();
        }
        (cc, sc)
    };
    let (cc, sc) = run(false);
    let (_c, s) = driven(cc, sc);
    let e = s.err.expect("refused");
    assert_eq!(e.misbehaviour(), Some(M::InappropriateFallback), "{e:?}");
    let (cc, sc) = run(true);
    handshake_ok(cc, sc);
}

/// The downgrade sentinel in a TLS 1.2 ServerHello.random (RFC 8446 4.1.3): a client that
/// offers TLS 1.3 refuses it, unless `bug_ignore = "downgrade_sentinel"`.
#[test]
fn bug_ignore_downgrade_sentinel() {
    let run = |bug: Option<&str>| {
        let mut cc = client_config("ecdsa_p256");
        let mut sc = server_config("ecdsa_p256");
        sc.versions = vec![ProtocolVersion::TLSv1_2];
        sc.knobs.set("downgrade_sentinel", "tls12").unwrap();
        if let Some(b) = bug {
            cc.knobs.set("bug_ignore", b).unwrap();
        }
        (cc, sc)
    };
    let (cc, sc) = run(None);
    let (c, _s) = driven(cc, sc);
    let e = c.err.expect("the client must refuse the sentinel");
    assert_eq!(e.misbehaviour(), Some(M::DowngradeSentinel), "{e:?}");
    let (cc, sc) = run(Some("downgrade_sentinel"));
    let (c, _s) = handshake_ok(cc, sc);
    assert_eq!(
        c.conn.negotiated().unwrap().version,
        ProtocolVersion::TLSv1_2
    );
}

fn is_decode_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidMessage {
            what: Decoding::HandshakeMessage,
            ..
        }
    )
}

/// A ClientHello that does not decode: refused with decode_error; with
/// `bug_drop_undecodable` dropped without an alert, and a good ClientHello after it still
/// completes the handshake (the dropped bytes are in no transcript).
#[test]
fn bug_drop_undecodable_drops_the_message() {
    let mut bad = client_side(client_with_knob("mutate_client_hello", "truncate:random"));
    let bad_hello = bad.conn.take_output();
    // Without the control.
    let mut s = server_side(server_config("ecdsa_p256"));
    s.receive(&bad_hello, now());
    let e = s.err.as_ref().expect("refused");
    assert!(is_decode_error(e), "{e:?}");
    // With it: nothing sent, no error, and the next ClientHello is answered.
    let mut sc = server_config("ecdsa_p256");
    sc.knobs.set("bug_drop_undecodable", "true").unwrap();
    let mut s = server_side(sc);
    s.receive(&bad_hello, now());
    assert!(s.err.is_none(), "{:?}", s.err);
    assert!(s.conn.take_output().is_empty(), "no alert, no answer");
    let mut c = client_side(client_config("ecdsa_p256"));
    transfer(&mut c, &mut s);
    drive(&mut c, &mut s);
    assert_completed(&c, &s);
}

/// A ServerHello that does not decode: with `bug_drop_undecodable` the client does not
/// fail on it (and, without its keys, cannot read the server's encrypted flight after it).
#[test]
fn bug_drop_undecodable_client_drops_server_hello() {
    let run = |bug: bool| {
        let mut cc = client_config("ecdsa_p256");
        if bug {
            cc.knobs.set("bug_drop_undecodable", "true").unwrap();
        }
        let mut sc = server_config("ecdsa_p256");
        sc.knobs.set("mutate_server_hello", "append:00").unwrap();
        driven(cc, sc)
    };
    let (c, _s) = run(false);
    assert!(is_decode_error(c.err.as_ref().expect("refused")));
    let (c, _s) = run(true);
    assert!(!c.err.as_ref().is_some_and(is_decode_error), "{:?}", c.err);
    assert!(!c.complete());
}

/// `bug_negotiate_tls12`: a server with both versions takes TLS 1.2 from a client offering
/// both, with no downgrade sentinel, so the client cannot tell (it completes).
#[test]
fn bug_negotiate_tls12_downgrades_silently() {
    let (c, _s) = handshake_ok(client_config("ecdsa_p256"), server_config("ecdsa_p256"));
    assert_eq!(
        c.conn.negotiated().unwrap().version,
        ProtocolVersion::TLSv1_3
    );
    let mut sc = server_config("ecdsa_p256");
    sc.knobs.set("bug_negotiate_tls12", "true").unwrap();
    let (c, s) = handshake_ok(client_config("ecdsa_p256"), sc);
    for side in [&c, &s] {
        assert_eq!(
            side.conn.negotiated().unwrap().version,
            ProtocolVersion::TLSv1_2
        );
    }
    // A TLS 1.3-only client still gets TLS 1.3.
    let mut cc = client_config("ecdsa_p256");
    cc.versions = vec![ProtocolVersion::TLSv1_3];
    let mut sc = server_config("ecdsa_p256");
    sc.knobs.set("bug_negotiate_tls12", "true").unwrap();
    let (c, _s) = handshake_ok(cc, sc);
    assert_eq!(
        c.conn.negotiated().unwrap().version,
        ProtocolVersion::TLSv1_3
    );
}

/// With `bug_ignore = "no_common_alpn"` a server whose protocols the client does not offer
/// selects none and goes on (RFC 7301 3.2: it must send no_application_protocol).
#[test]
fn bug_ignore_no_common_alpn() {
    let fresh = || {
        let mut cc = client_config("ecdsa_p256");
        let mut sc = server_config("ecdsa_p256");
        cc.alpn = vec![b"h2".to_vec()];
        sc.alpn = vec![b"http/1.1".to_vec()];
        (cc, sc)
    };
    let (cc, sc) = fresh();
    let (_, s) = driven(cc, sc);
    assert_eq!(s.err.and_then(|e| e.misbehaviour()), Some(M::NoCommonAlpn));
    let (cc, mut sc) = fresh();
    sc.knobs.set("bug_ignore", "no_common_alpn").unwrap();
    handshake_ok(cc, sc);
}

/// Controls that stop the abort but not the failure: a Finished of the wrong length read as
/// if it had the right one fails the verify_data check instead (decrypt_error, not
/// decode_error); a record that fails authentication is dropped and the connection waits.
#[test]
fn bug_ignore_bad_finished_length_and_bad_record_mac() {
    let (cc, sc) = configs(
        Victim::Client,
        &[("mutate_finished", "set_body:-")],
        &[],
        false,
        false,
    );
    let (c, _) = driven(cc, sc);
    assert_eq!(
        c.err.and_then(|e| e.misbehaviour()),
        Some(M::BadFinishedLength)
    );
    let bug = [("bug_ignore", "bad_finished_length")];
    let (cc, sc) = configs(
        Victim::Client,
        &[("mutate_finished", "set_body:-")],
        &bug,
        false,
        false,
    );
    let (c, _) = driven(cc, sc);
    assert_eq!(c.err.and_then(|e| e.misbehaviour()), Some(M::BadFinished));
    // The last byte of the server's first flight flipped: its last protected record (the
    // Finished) fails authentication.
    let flipped = |bug: &[(&str, &str)]| {
        let (cc, sc) = configs(Victim::Client, &[], bug, false, false);
        let mut c = client_side(cc);
        let mut s = server_side(sc);
        let mut first = true;
        drive_peer(&mut c, |bytes| {
            s.receive(&bytes, now());
            let mut out = s.conn.take_output();
            if first && !out.is_empty() {
                first = false;
                if let Some(b) = out.last_mut() {
                    *b ^= 1;
                }
            }
            out
        });
        c
    };
    let c = flipped(&[]);
    assert_eq!(c.err.and_then(|e| e.misbehaviour()), Some(M::BadRecordMac));
    let c = flipped(&[("bug_ignore", "bad_record_mac")]);
    assert!(c.err.is_none(), "{:?}", c.err);
    assert!(
        c.conn.is_handshaking(),
        "the Finished dropped, it waits for one that never comes"
    );
}

/// TLS 1.3: with `bug_allow_missing_certificate_verify` a client takes the server's Finished
/// where its CertificateVerify must be; without it, unexpected_message.
#[test]
fn bug_allow_missing_certificate_verify() {
    let fault = [("skip_certificate_verify", "true")];
    let bug = [("bug_allow_missing_certificate_verify", "true")];
    check_skipped(Victim::Client, &fault, &bug, false, M::UnexpectedMessage);
    let (cc, sc) = configs(Victim::Client, &fault, &bug, false, false);
    handshake_ok(cc, sc);
}

/// `fault` is refused by `victim` with `what`; with `bug` on the victim that check no longer
/// fails. Returns the run with the bug (client, server).
fn check_skipped(victim: Victim, fault: Kn<'_>, bug: Kn<'_>, hrr: bool, what: M) -> (Side, Side) {
    let (cc, sc) = configs(victim, fault, &[], false, hrr);
    let (c, s) = driven(cc, sc);
    let e = match victim {
        Victim::Client => c.err,
        Victim::Server => s.err,
    };
    assert_eq!(e.and_then(|e| e.misbehaviour()), Some(what));
    let (cc, sc) = configs(victim, fault, bug, false, hrr);
    let (c, s) = driven(cc, sc);
    let e = match victim {
        Victim::Client => &c.err,
        Victim::Server => &s.err,
    };
    assert_ne!(e.as_ref().and_then(|e| e.misbehaviour()), Some(what));
    (c, s)
}

/// Controls of a server that goes on where nothing usable is in common or the client's share
/// is invalid: without the control it refuses with that misbehaviour before answering; with
/// it, it answers with its own choice (or from an all-zero secret), whatever happens next
/// (our client, whose own lists the mutation hid, may even complete).
#[rstest]
#[case::only_unknown_suites(
    "set_cipher_suites:0x0a0a,0xfefe,0x1306",
    "no_common_suite",
    M::NoCommonSuite
)]
#[case::only_unknown_groups(
    "set_extension:supported_groups:00040a0a0aaa; set_extension:key_share:00050a0a000100",
    "no_common_group",
    M::NoCommonGroup
)]
#[case::only_unknown_schemes(
    "set_extension:signature_algorithms:00040a0afefe",
    "no_common_signature_scheme",
    M::NoCommonSignatureScheme
)]
#[case::only_unknown_versions(
    "set_extension:supported_versions:060a0a7f1c0305",
    "no_common_version",
    M::NoCommonVersion
)]
#[case::all_zero_x25519_share(
    "set_extension:key_share:0024001d00200000000000000000000000000000000000000000000000000000000000000000",
    "bad_key_share",
    M::BadKeyShare
)]
fn a_server_that_goes_on_anyway(#[case] mutation: &str, #[case] value: &str, #[case] what: M) {
    let fault = [("mutate_client_hello", mutation)];
    let bug = [("bug_ignore", value)];
    let (c, _) = check_skipped(Victim::Server, &fault, &bug, false, what);
    let answered = tls_wire::HandshakeType::ServerHello;
    assert!(
        c.received.len() > 5 && c.received[0] == 22 && c.received[5] == u8::from(answered),
        "the server answered with a ServerHello"
    );
}

/// Controls that skip a client's check after a HelloRetryRequest: the check is passed by
/// (what follows may still fail): a second HelloRetryRequest is answered like the first
/// (RFC 8446 4.1.4: abort with unexpected_message); a ServerHello suite other than the
/// HelloRetryRequest's is taken (RFC 8446 4.1.4: abort with illegal_parameter).
#[rstest]
#[case::second_hrr(
    "send_second_hrr",
    "true",
    "second_hello_retry_request",
    M::SecondHelloRetryRequest
)]
#[case::other_suite_after_hrr(
    "mutate_server_hello",
    "set_cipher_suites:0x1302",
    "suite_changed_after_hello_retry",
    M::SuiteChangedAfterHelloRetry
)]
fn bug_ignore_after_hello_retry(
    #[case] knob: &str,
    #[case] value: &str,
    #[case] ignore: &str,
    #[case] what: M,
) {
    let bug = [("bug_ignore", ignore)];
    check_skipped(Victim::Client, &[(knob, value)], &bug, true, what);
}

/// With `bug_stall_on` naming the check that fails, our side sends no alert, does not go on,
/// and reads nothing more: the connection hangs where it had to abort.
#[test]
fn bug_stall_on_hangs_instead_of_aborting() {
    let fault = [("skip_certificate_verify", "true")];
    let bug = [("bug_stall_on", "unexpected_message")];
    let (c, s) = check_skipped(Victim::Client, &fault, &bug, false, M::UnexpectedMessage);
    assert!(c.err.is_none(), "{:?}", c.err);
    assert!(c.conn.is_handshaking());
    assert!(c.alert_sent().is_none() && s.alert_received().is_none());
    // Another check named changes nothing.
    let bug = [("bug_stall_on", "group_not_offered")];
    let (cc, sc) = configs(Victim::Client, &fault, &bug, false, false);
    let (c, _) = driven(cc, sc);
    assert_eq!(
        c.err.and_then(|e| e.misbehaviour()),
        Some(M::UnexpectedMessage)
    );
}
