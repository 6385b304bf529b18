//! Verdicts of cases with a proxy in the middle.
//!
//! Differences from the ordinary judge: the side under test completing is `fail` by itself
//! (a man in the middle went unnoticed), whatever the other side did; an alert is credited to
//! a side only from its own report or from what it put on the wire (the proxy may have
//! injected alerts the other side received); and two more expectations exist: `truncated`
//! (the side under test reports that the connection ended without close_notify) and
//! `timeout` (it gives up on its own timeout instead of waiting forever).

use reports::{CaseResult, UnderTest, Verdict};

use super::ProxyReport;
use crate::fault::{After, after_fault, fault_point};
use crate::judge::{other, single_ut};
use crate::model::{AlertDescription, AlertSeen, Direction, Failure, Outcome, Role};
use crate::run::Case;
use crate::scenario::Expect;
use crate::transcript::Event;

fn roles(ut: UnderTest) -> &'static [Role] {
    match ut {
        UnderTest::Client => &[Role::Client],
        UnderTest::Server => &[Role::Server],
        UnderTest::Both => &[Role::Server, Role::Client],
    }
}

fn describe(name: &str, role: Role, o: &Outcome) -> String {
    let what = match &o.failure {
        None => "completed".to_string(),
        Some(Failure::Alert {
            direction: Direction::Sent,
            alert,
        }) => format!("sent {alert}"),
        Some(Failure::Alert {
            direction: Direction::Received,
            alert,
        }) => format!("received {alert}"),
        Some(Failure::Closed) => format!(
            "saw the connection close ({})",
            o.detail.as_deref().unwrap_or("")
        ),
        Some(Failure::Timeout) => "timed out".to_string(),
        Some(Failure::Internal(m)) => format!("internal error: {m}"),
        Some(Failure::Crash(m)) => format!("crashed: {m}"),
    };
    format!("{name} ({role}) {what} at step {}", o.step)
}

/// One line per endpoint: where it detected the attack (or that it did not).
pub fn detection_lines(case: &Case, c: &[Outcome], s: &[Outcome]) -> Vec<String> {
    let mut out = Vec::new();
    for (outs, name, role) in [
        (c, case.client.name(), Role::Client),
        (s, case.server.name(), Role::Server),
    ] {
        if let Some(o) = outs.last() {
            let verb = if o.is_connected() {
                "did not detect"
            } else {
                "detection"
            };
            out.push(format!("mitm: {verb}: {}", describe(name, role, o)));
        }
    }
    out
}

/// The alert `role` sent: what the proxy saw it send in plaintext (the wire is right where
/// an adapter infers the alert from its library's error: rustls reports a Finished that
/// does not verify and a record that does not decrypt as the same error), else from its
/// own outcome, else from what its peer received, when only `role` can have sent that (in
/// flight, and the proxy injected no alert towards the peer). An adapter may report
/// completion when its library rejected a record only after the application data exchange
/// (OpenSSL's server answering a replayed record with bad_record_mac while waiting for
/// close_notify).
fn alert_sent(
    role: Role,
    o: &Outcome,
    peer: &Outcome,
    report: Option<&ProxyReport>,
) -> Option<AlertSeen> {
    let i = usize::from(role == Role::Server);
    if let Some(a) = report
        .and_then(|r| r.alerts_sent.get(i))
        .and_then(|v| v.first())
    {
        return Some(AlertSeen::Named(*a));
    }
    if let Some((a @ AlertSeen::Named(_), Direction::Sent)) = o.alert() {
        return Some(a);
    }
    let credible = report.and_then(|r| r.action).is_some_and(|a| {
        !a.terminates() && (a != super::Action::InjectAlertC2s || role != Role::Client)
    });
    match peer.alert() {
        Some((a, Direction::Received))
            if credible && a != AlertSeen::Unnamed && !a.is(AlertDescription::CloseNotify) =>
        {
            Some(a)
        }
        _ => o
            .alert()
            .map(|(a, _)| a)
            .filter(|a| *a != AlertSeen::Unnamed),
    }
}

/// `events`: the decrypted transcript of the client's connection, where a side under test
/// that went on past the action shows (see [`super::Action::fault_in`]).
pub fn judge(
    result: &mut CaseResult,
    case: &Case,
    c: &[Outcome],
    s: &[Outcome],
    report: Option<&ProxyReport>,
    events: &[Event],
) {
    let (Some(co), Some(so)) = (c.last(), s.last()) else {
        result.verdict = Verdict::Error;
        result.reason = Some("a peer reported no connection".into());
        return;
    };
    let ut = case.variant.scenario.under_test;
    let names = |r: Role| match r {
        Role::Client => case.client.name(),
        Role::Server => case.server.name(),
    };
    let outcome = |r: Role| if r == Role::Client { co } else { so };
    let peer_of = |r: Role| if r == Role::Client { so } else { co };
    let expect = &case.variant.scenario.expect;
    // Harness trouble first (an expected timeout is not trouble).
    for (o, role) in [(co, Role::Client), (so, Role::Server)] {
        if let Some(Failure::Internal(m)) = &o.failure {
            result.verdict = Verdict::Error;
            result.reason = Some(format!("{} ({role}): {m}", names(role)));
            return;
        }
    }
    if let Some(e) = report.and_then(|r| r.error.as_ref()) {
        result.verdict = Verdict::Error;
        result.reason = Some(format!("proxy: {e}"));
        return;
    }
    if *expect == Expect::Connected {
        let bad: Vec<String> = [(co, Role::Client), (so, Role::Server)]
            .iter()
            .filter(|(o, _)| !o.is_connected() || o.app_data != case.variant.setup.app_data)
            .map(|(o, r)| describe(names(*r), *r, o))
            .collect();
        if bad.is_empty() {
            result.verdict = Verdict::Pass;
        } else {
            result.verdict = Verdict::Fail;
            result.reason = Some(bad.join("; "));
        }
        return;
    }
    // The side under test completing is the failure a man in the middle looks for.
    let completed: Vec<String> = roles(ut)
        .iter()
        .filter(|r| {
            outcome(**r).is_connected()
                && !(matches!(expect, Expect::Rejected { .. })
                    && alert_sent(**r, outcome(**r), peer_of(**r), report).is_some())
        })
        .map(|r| describe(names(*r), *r, outcome(*r)))
        .collect();
    let applied = || {
        report
            .map(|r| r.applied.join("; "))
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| "no change applied".into())
    };
    if !completed.is_empty() {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "undetected: {} despite the proxy's action ({})",
            completed.join("; "),
            applied()
        ));
        return;
    }
    // It went on past the action (its next flight, its Finished), whoever aborted afterwards.
    if let Expect::Rejected { alert, .. } = expect
        && let Some(r) = single_ut(ut)
        && let Some(p) = fault_point(&case.variant.setup, r)
        && let After::WentOn(what) = after_fault(events, p, r)
    {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "undetected: the {ut} went on past the proxy's action ({}): after {p} it sent {what}, but must reject it (expected alert: {alert}); {}",
            applied(),
            describe(names(other(r)), other(r), outcome(other(r)))
        ));
        return;
    }
    match expect {
        Expect::Timeout => {
            let r = roles(ut).first().copied().unwrap_or(Role::Client);
            let o = outcome(r);
            match &o.failure {
                Some(Failure::Timeout) => result.verdict = Verdict::Pass,
                failure => {
                    result.verdict = if matches!(failure, Some(Failure::Closed)) {
                        Verdict::NoAlert
                    } else {
                        Verdict::AlertMismatch
                    };
                    result.reason =
                        Some(format!("{}, not its own timeout", describe(names(r), r, o)));
                }
            }
        }
        Expect::Truncated => {
            // The truncation reported: the connection closed without close_notify, and the
            // side under test says so (it did not complete, sent no alert of its own and got
            // none); waiting until its timeout is not noticing it.
            let r = roles(ut).first().copied().unwrap_or(Role::Client);
            let o = outcome(r);
            match &o.failure {
                Some(Failure::Closed) => result.verdict = Verdict::Pass,
                Some(Failure::Timeout) => {
                    result.verdict = Verdict::Timeout;
                    result.reason = Some(format!(
                        "{} instead of reporting the truncation",
                        describe(names(r), r, o)
                    ));
                }
                Some(Failure::Alert {
                    direction: Direction::Sent,
                    alert,
                }) => {
                    result.verdict = Verdict::AlertMismatch;
                    result.reason = Some(format!(
                        "{}: it answered the truncation with alert {alert}, which it cannot deliver; the scenario expects the connection reported as truncated",
                        describe(names(r), r, o)
                    ));
                }
                _ => {
                    result.verdict = Verdict::Inconclusive;
                    result.reason = Some(format!(
                        "{}: not a truncation the proxy made",
                        describe(names(r), r, o)
                    ));
                }
            }
        }
        Expect::Rejected { alert, .. } => {
            // A side under test that hung until its timeout did not detect anything.
            for r in roles(ut) {
                let o = outcome(*r);
                if o.failure == Some(Failure::Timeout) && ut != UnderTest::Both {
                    result.verdict = Verdict::Timeout;
                    result.reason = Some(format!(
                        "{}: the attack was neither detected nor reported",
                        describe(names(*r), *r, o)
                    ));
                    return;
                }
            }
            let seen: Vec<AlertSeen> = roles(ut)
                .iter()
                .filter_map(|r| alert_sent(*r, outcome(*r), peer_of(*r), report))
                .collect();
            if seen.iter().any(|a| a.is(*alert)) {
                result.verdict = Verdict::Pass;
            } else if let Some(a) = seen.first() {
                result.verdict = Verdict::AlertMismatch;
                result.reason = Some(format!("rejected with {a}, the scenario expects {alert}"));
            } else if roles(ut)
                .iter()
                .all(|r| outcome(*r).failure == Some(Failure::Timeout))
            {
                result.verdict = Verdict::Timeout;
                result.reason = Some(format!(
                    "neither side detected the attack before its timeout ({}; {})",
                    describe(names(Role::Client), Role::Client, co),
                    describe(names(Role::Server), Role::Server, so)
                ));
            } else {
                result.verdict = Verdict::NoAlert;
                result.reason = Some(format!(
                    "rejected without an alert from the {ut} ({}; {}), the scenario expects {alert}",
                    describe(names(Role::Client), Role::Client, co),
                    describe(names(Role::Server), Role::Server, so)
                ));
            }
        }
        Expect::Connected | Expect::Waits => {}
    }
}
