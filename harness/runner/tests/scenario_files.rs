//! Scenario files: malformed ones fail with the file, the scenario and the field named; the
//! catalogue expands to a stable list of cases (snapshot).

mod common;

use std::path::Path;

use harness::scenario;
use rstest::rstest;

fn good() -> String {
    common::handshake_completes(
        "interop::ok",
        "fine",
        "RFC 8446 2",
        &[
            r#"setup = { versions = ["TLS1.3"] }"#,
            r#"matrix.suite = ["TLS_AES_128_GCM_SHA256"]"#,
        ],
    )
}

fn with(find: &str, replace: &str) -> String {
    assert!(good().contains(find), "test bug: `{find}` not in good()");
    good().replace(find, replace)
}

#[rstest]
#[case::unknown_suite(
    with("\"TLS_AES_128_GCM_SHA256\"]", "\"TLS_AES_128_GCM_SHA999\"]"),
    "matrix.suite[0]",
    "unknown cipher suite `TLS_AES_128_GCM_SHA999`"
)]
#[case::bad_version(
    with("\"TLS1.3\"", "\"TLS1.4\""),
    "setup.versions",
    "unknown version `TLS1.4`"
)]
#[case::unknown_key(
    with("versions =", "version ="),
    "setup.version",
    "unknown setup key `version`"
)]
#[case::bad_id(with("interop::ok", "interop-ok"), "id", "expected `family::name`")]
#[case::bad_rfc(with("RFC 8446 2", "8446"), "rfc", "expected `RFC <number> <section>`")]
#[case::no_requirement(
    with("The handshake MUST complete.", " "),
    "requirement",
    "quote the RFC sentence"
)]
#[case::no_level(
    with("level = \"MUST\"\n", ""),
    "level",
    "missing: say how strong the quoted rule is"
)]
#[case::bad_level(
    with("level = \"MUST\"", "level = \"must\""),
    "level",
    "expected one of MUST, SHOULD, MAY, hardening, policy"
)]
#[case::level_without_keyword(
    with("level = \"MUST\"", "level = \"SHOULD\""),
    "level",
    "the requirement quotes no SHOULD/RECOMMENDED"
)]
#[case::no_binds(
    with("binds = \"receiver\"\n", ""),
    "binds",
    "missing: say whom the quoted sentence obliges"
)]
#[case::bad_binds(
    with("binds = \"receiver\"", "binds = \"both\""),
    "binds",
    "expected receiver or sender"
)]
#[case::sender_rule_rejected_at_must(with("binds = \"receiver\"\nalert_from = \"none\"", "binds = \"sender\"\nalert_from = \"section\"").replace("result = \"connected\"", "result = \"rejected\", alert = \"decode_error\""), "binds", "binds the sender, which does not oblige the receiver")]
#[case::resumed_not_any(
    with("result = \"connected\"", "result = \"connected\", resumed = \"yes\""),
    "expect.resumed",
    "only `any`"
)]
#[case::close_notify_with_a_rejection(with("binds = \"receiver\"\nalert_from = \"none\"", "binds = \"receiver\"\nalert_from = \"section\"").replace("result = \"connected\"", "result = \"rejected\", alert = \"decode_error\", close_notify = true"), "expect.close_notify", "judged on a completed exchange only")]
#[case::before_without_rejection(
    with(
        "result = \"connected\"",
        "result = \"connected\", before = \"server_hello\""
    ),
    "expect.before",
    "only a rejection can come before a message"
)]
#[case::before_unknown_message(with("binds = \"receiver\"\nalert_from = \"none\"", "binds = \"receiver\"\nalert_from = \"section\"").replace("result = \"connected\"", "result = \"rejected\", alert = \"decode_error\", before = \"server_hi\""), "expect.before", "`server_hi` is not a handshake message name")]
#[case::no_alert_from(
    with("alert_from = \"none\"\n", ""),
    "alert_from",
    "missing: say whether the quoted section names the alert"
)]
#[case::bad_alert_from(
    with("alert_from = \"none\"", "alert_from = \"rfc\""),
    "alert_from",
    "expected section, meaning or none"
)]
#[case::alert_from_none_with_an_alert(
    with(
        "result = \"connected\"",
        "result = \"rejected\", alert = \"decode_error\""
    ),
    "alert_from",
    "none, but the scenario expects an alert"
)]
#[case::alert_from_without_an_alert(
    with("alert_from = \"none\"", "alert_from = \"meaning\""),
    "alert_from",
    "meaning, but the scenario expects no alert"
)]
#[case::empty_note(with("under_test =", "note = \" \"\nunder_test ="), "note", "empty")]
#[case::bad_under_test(
    with("\"both\"", "\"middle\""),
    "under_test",
    "expected client, server or both"
)]
#[case::bad_result(
    with("\"connected\"", "\"maybe\""),
    "expect.result",
    "expected connected, rejected, waits"
)]
#[case::rejected_without_alert(
    with("result = \"connected\"", "result = \"rejected\""),
    "expect.alert",
    "names the alert"
)]
#[case::bad_alert(
    with(
        "result = \"connected\"",
        "result = \"rejected\", alert = \"bad_mood\""
    ),
    "expect.alert",
    "`bad_mood` is not an alert name"
)]
#[case::sender_rule_may_be_hardening_but_not_should(with("level = \"MUST\"\nbinds = \"receiver\"\nalert_from = \"none\"", "level = \"SHOULD\"\nbinds = \"sender\"\nalert_from = \"section\"").replace("MUST complete", "SHOULD complete").replace("result = \"connected\"", "result = \"rejected\", alert = \"decode_error\""), "binds", "(not SHOULD)")]
#[case::empty_axis(
    with("[\"TLS_AES_128_GCM_SHA256\"]", "[]"),
    "matrix.suite",
    "empty list"
)]
#[case::unknown_cert(with("setup = {", "setup = { cert = \"nope\","), "setup.cert", "nope")]
#[case::incoherent(
    with(
        "matrix.suite = [\"TLS_AES_128_GCM_SHA256\"]",
        "matrix.suite = [\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"]"
    ),
    "matrix",
    "no coherent combination"
)]
#[case::control_not_a_bug_knob(
    with(
        "result = \"connected\" }",
        "result = \"connected\" }\ncontrols = [\"send_ccs=default\"]"
    ),
    "controls[0]",
    "a control is a `bug_*` knob"
)]
#[case::control_unknown_knob(
    with(
        "result = \"connected\" }",
        "result = \"connected\" }\ncontrols = [\"bug_nope\"]"
    ),
    "controls[0]",
    "unknown knob `bug_nope`"
)]
#[case::control_bad_verdict(
    with(
        "result = \"connected\" }",
        "result = \"connected\" }\ncontrols = [{ bug = \"bug_skip_close_notify\", verdict = \"maybe\" }]"
    ),
    "controls[0]",
    "verdict `maybe`: expected fail (the default) or non_pass"
)]
#[case::control_twice(
    with(
        "result = \"connected\" }",
        "result = \"connected\" }\ncontrols = [\"bug_skip_close_notify\", \"bug_skip_close_notify=true\"]"
    ),
    "controls[1]",
    "`bug_skip_close_notify` is named twice"
)]
#[case::control_bad_side(
    with(
        "result = \"connected\" }",
        "result = \"connected\" }\ncontrols = [{ bug = \"bug_skip_close_notify\", side = \"middle\" }]"
    ),
    "controls[0]",
    "side `middle`: expected client or server"
)]
#[case::control_already_in_setup(
    with(
        "setup = {",
        "controls = [\"bug_skip_close_notify\"]\nsetup = { client_knobs = { bug_skip_close_notify = \"true\" },"
    ),
    "controls[0]",
    "already set in setup.client_knobs"
)]
fn malformed_scenario_names_file_scenario_and_field(
    #[case] text: String,
    #[case] field: &str,
    #[case] message: &str,
) {
    let err = scenario::parse(Path::new("scenarios/broken.toml"), &text).expect_err("must fail");
    let shown = err.to_string();
    assert_eq!(err.file, "scenarios/broken.toml");
    assert_eq!(err.field, field, "{shown}");
    assert!(err.scenario.is_some(), "{shown}");
    assert!(
        shown.starts_with("scenarios/broken.toml: scenario `"),
        "{shown}"
    );
    assert!(shown.contains(field), "{shown}");
    assert!(shown.contains(message), "`{shown}` lacks `{message}`");
}

#[test]
fn toml_syntax_error_names_the_file_and_line() {
    let err = scenario::parse(Path::new("x.toml"), "[[scenario]]\nid = ").expect_err("must fail");
    let shown = err.to_string();
    assert!(shown.starts_with("x.toml: "), "{shown}");
    assert!(shown.contains("line 2"), "{shown}");
}

#[test]
fn unknown_field_in_a_scenario_is_refused() {
    let err = scenario::parse(
        Path::new("x.toml"),
        &with("title = \"fine\"", "title = \"fine\"\ntitel = \"typo\""),
    )
    .expect_err("must fail");
    assert!(err.to_string().contains("titel"), "{err}");
}

#[test]
fn duplicate_ids_across_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), good()).unwrap();
    std::fs::write(dir.path().join("b.toml"), good()).unwrap();
    let err = scenario::load_dir(dir.path()).expect_err("must fail");
    assert_eq!(err.field, "id");
    assert!(err.to_string().contains("duplicate scenario id"), "{err}");
    assert!(err.file.ends_with("b.toml"), "{err}");
}

#[test]
fn catalogue_loads_and_every_scenario_cites_an_rfc() {
    let all = scenario::load_dir(&common::scenarios_dir()).expect("catalogue loads");
    assert!(all.len() >= 10);
    for s in &all {
        assert!(s.rfc.starts_with("RFC "), "{}", s.id);
        assert!(!s.requirement.is_empty(), "{}", s.id);
    }
}

#[test]
fn expanded_interop_cases_snapshot() {
    let cases = common::catalogue_cases(|s| s.family == "interop", &["rustls", "openssl"]);
    let listing: Vec<String> = cases
        .iter()
        .map(|c| {
            let checks: Vec<String> = c
                .variant
                .expected
                .checks
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("{}  [{}]", c.id, checks.join(" "))
        })
        .collect();
    insta::assert_snapshot!(listing.join("\n"));
}

#[test]
fn shards_partition_the_cases() {
    let cases = common::catalogue_cases(|_| true, &["rustls", "openssl"]);
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=3 {
        let shard: harness::run::Shard = format!("{k}/3").parse().unwrap();
        seen.extend(shard.select(cases.clone()).into_iter().map(|c| c.id));
    }
    seen.sort();
    let mut all_ids: Vec<String> = cases.into_iter().map(|c| c.id).collect();
    all_ids.sort();
    assert_eq!(seen, all_ids);
    assert!("0/3".parse::<harness::run::Shard>().is_err());
    assert!("4/3".parse::<harness::run::Shard>().is_err());
    assert!("a/b".parse::<harness::run::Shard>().is_err());
}

/// The TLS 1.2 group rule of scenarios/peers/README.md: a pinned group with an ECDSA
/// certificate also lists the certificate's curve after it, on both sides; TLS 1.3 does not.
#[test]
fn tls12_lists_the_certificate_curve_after_a_pinned_group() {
    let groups = |versions: &str| {
        let text = common::handshake_completes(
            "interop::group_test",
            "x25519 only",
            "RFC 8422 5.1.1",
            &[&format!(
                r#"setup = {{ versions = ["{versions}"], group = "x25519", cert = "ecdsa_p256" }}"#
            )],
        );
        let v = common::variants(&text).remove(0);
        let names =
            |g: &[harness::model::NamedGroup]| g.iter().map(|g| g.to_string()).collect::<Vec<_>>();
        (names(&v.setup.client.groups), names(&v.setup.server.groups))
    };
    let both = |g: &[&str]| {
        (
            g.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            g.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(groups("TLS1.2"), both(&["x25519", "secp256r1"]));
    assert_eq!(groups("TLS1.3"), both(&["x25519"]));
}
