//! `harness selftest`: a control that makes the side under test break the rule is caught; a
//! control that leaves the case `pass` is missed, and the message names the scenario, the
//! knob and the counterpart.

mod common;

use std::path::Path;

use harness::scenario;
use harness::selftest::{misses, plan, tally};
use reports::{Required, Verdict};

const NAME: &str = r#"
[[scenario]]
id = "certificate::name_test"
title = "a leaf for another name"
rfc = "RFC 9525 6.6"
requirement = """If the client is an automated application, then it SHOULD terminate the communication attempt with a bad certificate error and log the error appropriately. The application MAY provide a configuration setting to disable this behavior, but it MUST NOT disable this security control by default."""
level = "MUST"
binds = "receiver"
alert_from = "section"
under_test = "client"
setup = { cert = "name_mismatch", versions = ["TLS1.3"] }
expect = { result = "rejected", alert = "bad_certificate" }
controls = ["bug_skip_hostname_check", { bug = "bug_skip_close_notify", verdict = "non_pass" }]
"#;

#[test]
fn a_control_that_breaks_the_rule_is_caught_and_one_that_does_not_is_missed() {
    let scenarios = scenario::parse(Path::new("t.toml"), NAME).expect("parses");
    let selected: Vec<_> = scenarios.iter().collect();
    assert_eq!(selected[0].controls.len(), 2);
    assert_eq!(selected[0].controls[1].required, Required::NonPass);
    let peers = [common::peer("own"), common::peer("rustls")];
    let (cases, owners) = plan(&selected, &peers);
    // The client under test is always our engine; the counterpart varies.
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "certificate::name_test/own->own+bug_skip_hostname_check",
            "certificate::name_test/own->rustls+bug_skip_hostname_check",
            "certificate::name_test/own->own+bug_skip_close_notify",
            "certificate::name_test/own->rustls+bug_skip_close_notify",
        ]
    );
    let results = common::run_cases(cases, &common::quick());
    let (runs, summary) = tally(&owners, &results);
    assert_eq!(runs.len(), 4);
    assert_eq!(
        (summary.controls_run, summary.caught, summary.missed),
        (4, 2, 2)
    );
    for r in &runs[..2] {
        assert!(r.caught, "{r:?}");
        assert_eq!(r.cases[0].verdict, Verdict::Fail);
        assert!(misses(r).is_empty());
    }
    // Not closing after the exchange changes nothing in a rejection: that scenario cannot
    // fail by this knob.
    let missed = misses(&runs[3]);
    assert_eq!(
        missed,
        [
            "`certificate::name_test` cannot fail: `bug_skip_close_notify` left it `pass` against `rustls` (certificate::name_test/own->rustls+bug_skip_close_notify)"
        ]
    );
}

#[test]
fn both_sides_under_test_run_the_control_on_each_side() {
    let text = common::handshake_completes(
        "lifecycle::both_test",
        "both",
        "RFC 8446 6.1",
        &[r#"setup = { versions = ["TLS1.3"] }"#],
    ) + "controls = [\"bug_skip_close_notify\"]\n";
    let scenarios = scenario::parse(Path::new("t.toml"), &text).expect("parses");
    let selected: Vec<_> = scenarios.iter().collect();
    let (cases, _) = plan(&selected, &[common::peer("own"), common::peer("openssl")]);
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "lifecycle::both_test/own->own+bug_skip_close_notify@client",
            "lifecycle::both_test/own->openssl+bug_skip_close_notify@client",
            "lifecycle::both_test/own->own+bug_skip_close_notify@server",
            "lifecycle::both_test/openssl->own+bug_skip_close_notify@server",
        ]
    );
}
