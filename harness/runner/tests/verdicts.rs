//! Verdicts judged from what the side under test did: a client that accepts a cipher suite it
//! never offered is `fail`, also when the counterpart aborts after the client's Finished; a
//! truncation answered with an alert is not `pass`; every non-pass verdict carries its level.

mod common;

use harness::model::{AlertDescription, Direction, Failure, Outcome, Step};
use harness::run::{self, Case};
use reports::{CaseResult, Level, UnderTest, Verdict};

/// A scenario with the client under test: the server negotiates (`select_cipher_suite`) or
/// only names (`mutate_server_hello`) a suite the client did not offer.
fn unoffered(version: &str, offered: &str, server_knob: &str, client_bug: bool) -> String {
    let bug = if client_bug {
        ", bug_accept_unoffered_suite = \"true\""
    } else {
        ""
    };
    format!(
        r#"
[[scenario]]
id = "server_hello::unoffered_suite_test"
title = "a suite the client did not offer"
rfc = "RFC 8446 4.1.3"
requirement = """A client which receives a cipher suite that was not offered MUST abort the handshake with an "illegal_parameter" alert."""
level = "MUST"
binds = "receiver"
alert_from = "section"
under_test = "client"
setup = {{ versions = ["{version}"], suite = "{offered}", server_knobs = {{ {server_knob} }}, client_knobs = {{ send_ccs = "default"{bug} }} }}
expect = {{ result = "rejected", alert = "illegal_parameter" }}
"#
    )
}

fn own_own(text: &str) -> Vec<CaseResult> {
    common::run(text, &[common::peer("own")], &common::quick())
}

#[test]
fn a_client_that_accepts_a_suite_it_never_offered_fails_at_must_level() {
    for (version, offered, forced) in [
        ("TLS1.3", "TLS_AES_128_GCM_SHA256", "0x1302"),
        (
            "TLS1.2",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "0xc02c",
        ),
    ] {
        let knob = format!("select_cipher_suite = \"{forced}\"");
        // The control: our correct client rejects.
        let ok = own_own(&unoffered(version, offered, &knob, false));
        assert_eq!(
            ok[0].verdict,
            Verdict::Pass,
            "{version}: {:?}\n{}",
            ok[0].reason,
            ok[0].transcript.join("\n")
        );
        // With the bug it completes the handshake with the suite it never offered.
        let bad = own_own(&unoffered(version, offered, &knob, true));
        let r = &bad[0];
        assert_eq!(
            r.verdict,
            Verdict::Fail,
            "{version}: {:?}\n{}",
            r.reason,
            r.transcript.join("\n")
        );
        assert_eq!(r.breaks(), Some(Level::Must), "{version}");
        assert_eq!(r.verdict_level, Some(Level::Must));
    }
}

#[test]
fn a_counterpart_alert_after_the_side_under_test_sent_its_finished_is_fail() {
    // Only the ServerHello names AES-256; the server keeps its AES-128 keys. The buggy client
    // goes on (ClientKeyExchange, ChangeCipherSpec, Finished under AES-256 keys) and the
    // server, which cannot decrypt that Finished, sends bad_record_mac: the counterpart
    // aborted, but after the client had accepted the fault.
    let with_client = |bug: bool| {
        let text = unoffered(
            "TLS1.2",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "mutate_server_hello = \"set_cipher_suites:0xc02c\"",
            bug,
        );
        own_own(&text).remove(0)
    };
    let r = &with_client(true);
    assert_eq!(
        r.verdict,
        Verdict::Fail,
        "{:?}\n{}",
        r.reason,
        r.transcript.join("\n")
    );
    let reason = r.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("went on past the fault in the server's ServerHello"),
        "{reason}"
    );
    assert!(
        reason.contains("bad_record_mac"),
        "the counterpart's abort is named: {reason}"
    );
    // The correct client rejects the same ServerHello.
    let r = &with_client(false);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
}

#[test]
fn protected_tls13_messages_are_decrypted_in_the_transcript() {
    let text = unoffered(
        "TLS1.3",
        "TLS_AES_128_GCM_SHA256",
        "select_cipher_suite = \"0x1302\"",
        true,
    );
    let r = &own_own(&text)[0];
    let shown = r.transcript.join("\n");
    let has = |line: &dyn Fn(&str) -> bool| r.transcript.iter().any(|l| line(l));
    for m in [
        "[enc] EncryptedExtensions",
        "[enc] Certificate",
        "[enc] CertificateVerify",
        "[enc] Finished",
    ] {
        assert!(
            has(&|l| l.starts_with("S->C") && l.contains(m)),
            "{m} missing:\n{shown}"
        );
    }
    assert!(has(&|l| l.starts_with("C->S [enc] Finished")), "{shown}");
    assert!(
        has(&|l| l.contains("[enc] ApplicationData, 18 bytes")),
        "{shown}"
    );
}

/// The one case of a scenario text, for `peer` on both sides.
fn case_of(text: &str, peer: &str) -> Case {
    let variants = common::variants(text);
    let p = common::peer(peer);
    run::expand(&variants, &[p]).remove(0)
}

const TRUNCATE: &str = r#"
[[scenario]]
id = "mitm::truncate_test"
title = "truncated"
rfc = "RFC 8446 6.1"
requirement = """Each party MUST send a "close_notify" alert before closing its write side of the connection, unless it has already sent some error alert."""
level = "policy"
binds = "sender"
alert_from = "none"
under_test = "client"
setup = { mitm = "truncate", versions = ["TLS1.3"] }
expect = { result = "truncated" }
"#;

fn judged(case: &Case, client: Outcome) -> CaseResult {
    let server = Outcome::failed(Failure::Closed, Step::AppData, "cut by the proxy");
    let mut r = run::run_case(case, &common::quick());
    r.verdict = Verdict::Skip;
    harness::mitm::judge::judge(&mut r, case, &[client], &[server], None);
    r.grade();
    r
}

#[test]
fn a_truncation_answered_with_an_alert_is_not_pass() {
    let case = case_of(TRUNCATE, "own");
    let closed = judged(
        &case,
        Outcome::failed(Failure::Closed, Step::AppData, "EOF without close_notify"),
    );
    assert_eq!(closed.verdict, Verdict::Pass, "{:?}", closed.reason);
    let alert = judged(
        &case,
        Outcome::failed(
            Failure::Alert {
                direction: Direction::Sent,
                alert: AlertDescription::DecodeError.into(),
            },
            Step::AppData,
            "x",
        ),
    );
    assert_eq!(alert.verdict, Verdict::AlertMismatch, "{:?}", alert.reason);
    assert_eq!(alert.breaks(), Some(Level::Policy));
    let got = judged(
        &case,
        Outcome::failed(
            Failure::Alert {
                direction: Direction::Received,
                alert: AlertDescription::InternalError.into(),
            },
            Step::AppData,
            "x",
        ),
    );
    assert_eq!(got.verdict, Verdict::Inconclusive, "{:?}", got.reason);
    let waited = judged(
        &case,
        Outcome::failed(Failure::Timeout, Step::AppData, "no data"),
    );
    assert_eq!(waited.verdict, Verdict::Timeout, "{:?}", waited.reason);
}

#[test]
fn an_alert_chosen_by_meaning_is_at_most_a_should_deviation() {
    let mut r = run::run_case(&case_of(TRUNCATE, "own"), &common::quick());
    r.level = Some(Level::Must);
    r.alert_from = Some(reports::AlertFrom::Meaning);
    r.verdict = Verdict::AlertMismatch;
    r.grade();
    assert_eq!(r.breaks(), Some(Level::Should));
    r.verdict = Verdict::Fail;
    r.grade();
    assert_eq!(
        r.breaks(),
        Some(Level::Must),
        "the decision itself keeps the scenario's level"
    );
    r.verdict = Verdict::Pass;
    r.grade();
    assert_eq!(r.breaks(), None);
}

/// The catalogue's scenario `id` passes own->own, and is `fail` at `level` with our engine's
/// planted bug `knob` on the side under test (`ut`).
fn planted_bug_fails(id: &str, ut: UnderTest, knob: &str, level: Level) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let scenarios = harness::scenario::load_dir(&dir).expect("catalogue loads");
    let sc = scenarios.iter().find(|s| s.id == id).expect("the scenario");
    let own = common::peer("own");
    let variant = sc.variants().remove(0);
    let case = run::expand(std::slice::from_ref(&variant), std::slice::from_ref(&own)).remove(0);
    let opts = run::RunOptions::default();
    let clean = run::run_case(&case, &opts);
    assert_eq!(clean.verdict, Verdict::Pass, "{id}: {:?}", clean.reason);
    let mut bugged = case.clone();
    let mut v = bugged.variant.clone();
    let knobs = match ut {
        UnderTest::Client => &mut v.setup.client_knobs,
        _ => &mut v.setup.server_knobs,
    };
    knobs.insert(knob.into(), "true".into());
    bugged.variant = v;
    let r = run::run_case(&bugged, &opts);
    assert_eq!(r.verdict, Verdict::Fail, "{id} with {knob}: {:?}", r.reason);
    assert_eq!(r.breaks(), Some(level), "{id}");
}

/// `client_hello::psk_ke_only` can fail: a server that resumes in psk_dhe_ke, which the
/// client did not offer (`bug_ignore_psk_modes`).
#[test]
fn a_server_resuming_in_a_mode_not_offered_fails_psk_ke_only() {
    planted_bug_fails(
        "client_hello::psk_ke_only",
        UnderTest::Server,
        "bug_ignore_psk_modes",
        Level::Must,
    );
}

/// The empty client Certificate scenarios can fail: a server that requires client
/// authentication and goes on unauthenticated (`bug_accept_empty_client_certificate`).
#[test]
fn a_server_going_on_after_an_empty_client_certificate_fails() {
    for id in [
        "client_certificate::empty_certificate",
        "client_certificate::empty_certificate_tls12",
    ] {
        planted_bug_fails(
            id,
            UnderTest::Server,
            "bug_accept_empty_client_certificate",
            Level::May,
        );
    }
}

/// record::ccs_before_client_key_exchange_tls12 can fail: a TLS 1.2 server that drops a
/// ChangeCipherSpec before the ClientKeyExchange and goes on (`bug_accept_early_ccs`).
#[test]
fn a_server_taking_an_early_change_cipher_spec_fails() {
    planted_bug_fails(
        "record::ccs_before_client_key_exchange_tls12",
        UnderTest::Server,
        "bug_accept_early_ccs",
        Level::Hardening,
    );
}

/// The wrong-Finished scenarios can fail: a server that does not verify the client's Finished
/// (`bug_skip_finished_check`), in TLS 1.3 and 1.2.
#[test]
fn a_server_not_verifying_the_finished_fails() {
    for id in [
        "client_hello::client_finished_wrong_verify_data",
        "client_hello::client_finished_wrong_verify_data_tls12",
    ] {
        planted_bug_fails(
            id,
            UnderTest::Server,
            "bug_skip_finished_check",
            Level::Must,
        );
    }
}

/// The bad-binder scenario can fail: a server that takes a PSK whose binder does not verify
/// (`bug_skip_binder_check`).
#[test]
fn a_server_not_checking_the_binder_fails() {
    let knob = "bug_skip_binder_check";
    planted_bug_fails(
        "client_hello::psk_bad_binder",
        UnderTest::Server,
        knob,
        Level::Must,
    );
}

/// The bad CertificateVerify scenario can fail: a client that does not verify the server's
/// CertificateVerify signature (`bug_skip_certificate_verify_check`, the "goto fail" shape).
#[test]
fn a_client_not_verifying_the_certificate_verify_fails() {
    let id = "server_hello::certificate_verify_bad_signature";
    let knob = "bug_skip_certificate_verify_check";
    planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
}

/// The name-mismatch scenario (its first variant, TLS 1.3) can fail: a client that does not
/// check the server certificate's name (`bug_skip_hostname_check`).
#[test]
fn a_client_not_checking_the_name_fails() {
    let knob = "bug_skip_hostname_check";
    planted_bug_fails(
        "certificate::name_mismatch",
        UnderTest::Client,
        knob,
        Level::Must,
    );
}

/// The validity-date scenarios can fail: our engine taking a chain outside its validity
/// period (`bug_ignore_validity_dates`), as a client and as a server.
#[test]
fn a_side_ignoring_validity_dates_fails() {
    let knob = "bug_ignore_validity_dates";
    for id in [
        "certificate::expired",
        "certificate::not_yet_valid",
        "certificate::expired_intermediate",
        "certificate::not_yet_valid_intermediate",
    ] {
        planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
    }
    for id in [
        "client_certificate::expired",
        "client_certificate::not_yet_valid",
    ] {
        planted_bug_fails(id, UnderTest::Server, knob, Level::Must);
    }
}

/// The basicConstraints scenarios can fail: our engine taking a certificate that is not a CA
/// as an issuer (`bug_accept_non_ca_intermediate`).
#[test]
fn a_side_accepting_a_non_ca_intermediate_fails() {
    let knob = "bug_accept_non_ca_intermediate";
    for id in [
        "certificate::intermediate_ca_false",
        "certificate::intermediate_no_basic_constraints",
    ] {
        planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
    }
    let id = "client_certificate::intermediate_ca_false";
    planted_bug_fails(id, UnderTest::Server, knob, Level::Must);
}

/// The path-validation scenarios can fail: our engine taking any chain
/// (`bug_skip_chain_check`), as a client (also behind the proxy) and as a server.
#[test]
fn a_side_skipping_the_chain_check_fails() {
    let knob = "bug_skip_chain_check";
    for id in ["certificate::unknown_root", "mitm::cert_unknown_ca"] {
        planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
    }
    let id = "client_certificate::unknown_root";
    planted_bug_fails(id, UnderTest::Server, knob, Level::Must);
}

/// The attacker-key scenario of TLS 1.2 can fail: a client that does not verify the
/// ServerKeyExchange signature (`bug_skip_server_key_exchange_check`).
#[test]
fn a_client_not_verifying_the_server_key_exchange_fails() {
    let id = "mitm::cert_attacker_key_tls12";
    let knob = "bug_skip_server_key_exchange_check";
    planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
}

/// The scenarios only the strict policy layer catches can fail: our engine without it
/// (`bug_ignore_certificate_policy`).
#[test]
fn a_side_without_the_certificate_policy_fails() {
    let knob = "bug_ignore_certificate_policy";
    let id = "certificate::intermediate_no_key_cert_sign";
    planted_bug_fails(id, UnderTest::Client, knob, Level::Must);
    planted_bug_fails(
        "certificate::serial_zero",
        UnderTest::Client,
        knob,
        Level::Policy,
    );
    let id = "client_certificate::ku_no_digital_signature";
    planted_bug_fails(id, UnderTest::Server, knob, Level::Policy);
}
