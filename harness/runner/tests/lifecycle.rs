//! The lifecycle check (RFC 8446 6.2: after a fatal alert "both parties MUST immediately
//! close the connection") can fail: our engine as the side under test, with the planted bug
//! `bug_keep_open_after_alert` (it keeps the connection open after its alert), fails a
//! rejection case of every family that judges rejections, where the same case without the
//! bug passes; and a passing rejection case records how soon the side under test closed.

mod common;

use std::path::Path;
use std::sync::Arc;

use harness::peer::PeerRef;
use harness::run::{self, RunOptions};
use harness::scenario::{self, Expect, Scenario};
use reports::{Level, UnderTest, Verdict};

const FAMILIES: &[&str] = &[
    "certificate",
    "client_certificate",
    "client_hello",
    "server_hello",
    "record",
    "limits",
    "version",
    "mitm",
];

/// The default catalogue, our engine as the only peer, and the default run options.
fn catalogue() -> (Vec<Arc<Scenario>>, PeerRef, RunOptions) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let scenarios = scenario::load_dir(&dir).expect("catalogue loads");
    (scenarios, common::peer("own"), RunOptions::default())
}

#[test]
fn keeping_the_connection_open_after_a_fatal_alert_fails_a_case_of_every_family() {
    let (scenarios, own, opts) = catalogue();
    for family in FAMILIES {
        let mut found = None;
        'scenarios: for sc in scenarios.iter().filter(|s| s.family == *family) {
            if !matches!(sc.expect, Expect::Rejected { .. }) {
                continue;
            }
            for variant in sc.variants() {
                let cases = run::expand(std::slice::from_ref(&variant), std::slice::from_ref(&own));
                let Some(case) = cases.into_iter().next() else {
                    continue;
                };
                let clean = run::run_case(&case, &opts);
                if clean.verdict != Verdict::Pass {
                    continue;
                }
                let ut = match sc.under_test {
                    UnderTest::Server => clean.server_observed.as_ref(),
                    _ => clean.observed.as_ref(),
                };
                // Watched by the counterpart (not by a terminating MITM proxy, which does
                // not watch): it closed in time.
                match ut.and_then(|o| o.closed_after_alert) {
                    Some(true) => {}
                    None => continue,
                    Some(false) => panic!("{}: passed but did not close", clean.id),
                }
                let mut bugged = case.clone();
                let mut v = bugged.variant.clone();
                if matches!(sc.under_test, UnderTest::Client | UnderTest::Both) {
                    v.setup
                        .client_knobs
                        .insert("bug_keep_open_after_alert".into(), "true".into());
                }
                if matches!(sc.under_test, UnderTest::Server | UnderTest::Both) {
                    v.setup
                        .server_knobs
                        .insert("bug_keep_open_after_alert".into(), "true".into());
                }
                bugged.variant = v;
                let r = run::run_case(&bugged, &opts);
                found = Some((clean.id.clone(), r));
                break 'scenarios;
            }
        }
        let (id, r) =
            found.unwrap_or_else(|| panic!("{family}: no rejection case passes own->own"));
        assert_eq!(
            r.verdict,
            Verdict::Fail,
            "{id} with the planted bug: {:?}",
            r.reason
        );
        assert!(
            matches!(r.verdict_level, Some(Level::Must | Level::Should)),
            "{id}: {:?}",
            r.verdict_level
        );
        let reason = r.reason.unwrap_or_default();
        assert!(
            reason.contains("kept the connection open") || reason.contains("closed its end"),
            "{id}: {reason}"
        );
        assert!(
            reason.contains("MUST immediately close") || reason.contains("immediately close"),
            "{id}: {reason}"
        );
    }
}

/// Every `lifecycle` scenario `pick` chooses (at least `at_least` of them) passes own->own,
/// and fails at its level with our engine's planted bug `knob` on the side under test, for the
/// reason `says`.
fn planted_bug_fails(pick: impl Fn(&Scenario) -> bool, at_least: usize, knob: &str, says: &str) {
    let (scenarios, own, opts) = catalogue();
    let family: Vec<_> = scenarios
        .iter()
        .filter(|s| s.family == "lifecycle" && pick(s))
        .collect();
    assert!(
        family.len() >= at_least,
        "{knob}: {} scenarios",
        family.len()
    );
    for sc in family {
        let variant = sc.variants().remove(0);
        let case =
            run::expand(std::slice::from_ref(&variant), std::slice::from_ref(&own)).remove(0);
        let clean = run::run_case(&case, &opts);
        assert_eq!(
            clean.verdict,
            Verdict::Pass,
            "{}: {:?}",
            clean.id,
            clean.reason
        );
        let mut bugged = case.clone();
        let mut v = bugged.variant.clone();
        for (ut, knobs) in [
            (UnderTest::Client, &mut v.setup.client_knobs),
            (UnderTest::Server, &mut v.setup.server_knobs),
        ] {
            if sc.under_test == ut || sc.under_test == UnderTest::Both {
                knobs.insert(knob.into(), "true".into());
            }
        }
        bugged.variant = v;
        let r = run::run_case(&bugged, &opts);
        assert_eq!(
            r.verdict,
            Verdict::Fail,
            "{} with {knob}: {:?}",
            r.id,
            r.reason
        );
        assert_eq!(r.verdict_level, Some(sc.level), "{}", r.id);
        let reason = r.reason.unwrap_or_default();
        assert!(reason.contains(says), "{}: {reason}", r.id);
    }
}

/// `expect.close_notify` can fail: our engine as the side under test with the planted bug
/// `bug_skip_close_notify` (closing sends no close_notify) fails every scenario of the
/// `lifecycle` family that judges it, where the same case without the bug passes.
#[test]
fn closing_without_close_notify_fails_every_lifecycle_scenario() {
    planted_bug_fails(
        |s| s.close_notify,
        4,
        "bug_skip_close_notify",
        "without sending close_notify",
    );
}

/// `expect.data_after_close` can fail: our engine as the side under test with the planted
/// bug `bug_deliver_after_close_notify` (it reads on after the peer's close_notify and
/// delivers the data) fails both data-after-close_notify scenarios at their level.
#[test]
fn delivering_data_after_close_notify_fails_both_scenarios() {
    planted_bug_fails(
        |s| s.data_after_close_ignored,
        2,
        "bug_deliver_after_close_notify",
        "after the peer's close_notify",
    );
}
