//! Verdicts judged from what the side under test did: a client that accepts a cipher suite it
//! never offered is `fail`, also when the counterpart aborts after the client's Finished; a
//! truncation answered with an alert is not `pass`; every non-pass verdict carries its level.
//! (The catalogue's negative controls are run by `harness selftest`.)

mod common;

use harness::model::{AlertDescription, Direction, Failure, Outcome, Step};
use harness::run::{self, Case};
use reports::{CaseResult, Level, Verdict};

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
    harness::mitm::judge::judge(&mut r, case, &[client], &[server], None, &[]);
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
