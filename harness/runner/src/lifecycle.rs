//! The connection lifecycle, judged after the verdict: after a fatal alert, does the side
//! under test close its end, and does it write anything after its own alert?
//!
//! RFC 8446 6.2: "Upon transmission or receipt of a fatal alert message, both parties MUST
//! immediately close the connection." and "Whenever an implementation encounters a fatal
//! error condition, it SHOULD send an appropriate fatal alert and MUST close the connection
//! without sending or receiving any additional data." RFC 5246 7.2.2 states the same for
//! TLS 1.2 without a keyword ("Upon transmission or receipt of a fatal alert message, both
//! parties immediately close the connection."), so there a violation is graded SHOULD.
//!
//! Each in-process side watches its peer for [`CLOSE_BOUND`] after a fatal alert (see
//! `pump`); command peers and targets do not watch, so a side whose peer is one of them is
//! not judged here.

use reports::{CaseResult, ExpectedResult, Level, Observed, UnderTest, Verdict};

use crate::model::{AlertDescription, Direction, ProtocolVersion, Role, Setup};
use crate::peer::{AfterAlert, CLOSE_BOUND};
use crate::transcript::{Event, What};

/// Writes what each side's peer saw of it after a fatal alert, and for a completed exchange
/// whether it sent close_notify, into the observed outcomes. `through_proxy`: a MITM case,
/// whose capture (the client's side of the proxy) does not show what the server sent;
/// `terminating`: its proxy is the sides' TLS peer, so only the proxy's watch tells how a
/// side closed (the sides' own watches saw the proxy).
pub fn record(
    result: &mut CaseResult,
    seen: &[AfterAlert],
    last_connection: Option<&[Event]>,
    through_proxy: bool,
    terminating: bool,
) {
    for role in [Role::Client, Role::Server] {
        let watched = match role {
            Role::Client => result.observed.as_mut(),
            Role::Server => result.server_observed.as_mut(),
        };
        let Some(obs) = watched else { continue };
        // What the other side saw of this one (its last connection's watch).
        if let Some(a) = seen
            .iter()
            .rev()
            .find(|a| a.observer != role && a.by_proxy == terminating)
        {
            obs.closed_after_alert = Some(closed_in_time(a));
            obs.closed_after_alert_ms = a.peer_closed_ms.map(|ms| (ms * 10.0).round() / 10.0);
            obs.bytes_after_alert = a.peer_sent_alert.then_some(a.peer_bytes_after);
        }
        if obs.result == Some(reports::ObservedResult::Connected)
            && !(through_proxy && role == Role::Server)
            && let Some(events) = last_connection
        {
            let dir = match role {
                Role::Client => Direction::Sent,
                Role::Server => Direction::Received,
            };
            let mine = || events.iter().filter(|e| e.direction == dir);
            // Records that could not be decrypted hide it: then it is not known.
            if !mine().any(|e| matches!(e.what, What::Opaque { .. })) {
                obs.close_notify_sent = Some(mine().any(|e| {
                    matches!(
                        e.what,
                        What::Alert {
                            description: AlertDescription::CloseNotify,
                            ..
                        }
                    )
                }));
            }
        }
    }
}

/// `expect.close_notify`: a completed case (`pass`) whose side under test closed its write
/// side without close_notify becomes `fail` at the scenario's level; one whose records the
/// transcript could not decrypt (so it cannot tell) becomes `inconclusive`.
pub fn judge_close_notify(result: &mut CaseResult) {
    judge_sides(
        result,
        |o| o.close_notify_sent.map(|sent| !sent),
        |side, _| format!("{side} closed its write side without sending close_notify"),
        |sides| {
            format!(
                "whether {sides} sent close_notify is not known: its records could not be decrypted"
            )
        },
    );
}

/// Application data delivered after the peer's close_notify. With
/// `expect.data_after_close = "ignored"`, a completed case (`pass`) whose side under test
/// delivered any becomes `fail` at the scenario's level (RFC 8446 6.1: "Any data received
/// after a closure alert has been received MUST be ignored."), and one where it was not
/// watched `inconclusive`. Elsewhere the field stays in results.json only when nonzero.
pub fn judge_data_after_close(result: &mut CaseResult, expected: bool) {
    if !expected {
        for o in [&mut result.observed, &mut result.server_observed]
            .into_iter()
            .flatten()
        {
            o.app_data_after_close_notify = o.app_data_after_close_notify.filter(|n| *n > 0);
        }
        return;
    }
    judge_sides(
        result,
        |o| o.app_data_after_close_notify.map(|n| n > 0),
        |side, o| {
            format!(
                "{side} delivered {} bytes of application data received after the peer's close_notify",
                o.app_data_after_close_notify.unwrap_or(0)
            )
        },
        |sides| format!("what {sides} did with data after the peer's close_notify was not watched"),
    );
}

/// A completed case (`pass`) against one observation of each side under test: `broke` says
/// whether the side broke the rule (`None`: not known). Any side that broke it makes the
/// case `fail` at the scenario's level (`says` words it); otherwise any side not known makes
/// it `inconclusive` (`unknown` words it, given the sides).
fn judge_sides(
    result: &mut CaseResult,
    broke: impl Fn(&Observed) -> Option<bool>,
    says: impl Fn(&str, &Observed) -> String,
    unknown: impl Fn(&str) -> String,
) {
    if result.verdict != Verdict::Pass {
        return;
    }
    let mut failed = Vec::new();
    let mut not_known = Vec::new();
    for (role, name, obs) in [
        (Role::Client, &result.client, &result.observed),
        (Role::Server, &result.server, &result.server_observed),
    ] {
        let judged = under_test_sides(result.under_test).contains(&role);
        let side = format!("{name} ({role})");
        match obs.as_ref().map(|o| (broke(o), o)) {
            _ if !judged => {}
            Some((Some(false), _)) => {}
            Some((Some(true), o)) => failed.push(says(&side, o)),
            _ => not_known.push(side),
        }
    }
    if !failed.is_empty() {
        result.verdict = Verdict::Fail;
        result.reason = Some(failed.join("; "));
    } else if !not_known.is_empty() {
        result.verdict = Verdict::Inconclusive;
        result.reason = Some(unknown(&not_known.join(" and ")));
    } else {
        return;
    }
    result.grade();
}

/// The sides a case puts under test.
fn under_test_sides(ut: UnderTest) -> &'static [Role] {
    match ut {
        UnderTest::Client => &[Role::Client],
        UnderTest::Server => &[Role::Server],
        UnderTest::Both => &[Role::Client, Role::Server],
    }
}

fn closed_in_time(a: &AfterAlert) -> bool {
    a.peer_closed_ms
        .is_some_and(|ms| ms <= CLOSE_BOUND.as_secs_f64() * 1000.0)
}

/// A rejection case whose side under test rejected (pass, alert_mismatch, no_alert) but did
/// not close within the bound after the alert, or wrote after its own fatal alert, becomes
/// `fail`: MUST for a TLS 1.3-capable setup (RFC 8446 6.2), SHOULD for TLS 1.2 only.
/// Called after the verdict is graded.
pub fn judge(result: &mut CaseResult, setup: &Setup) {
    let rejection = result
        .expected
        .as_ref()
        .is_some_and(|e| e.result == ExpectedResult::Rejected);
    if !rejection
        || !matches!(
            result.verdict,
            Verdict::Pass | Verdict::AlertMismatch | Verdict::NoAlert
        )
    {
        return;
    }
    let sides = under_test_sides(result.under_test);
    let mut reasons = Vec::new();
    for role in sides {
        let (name, obs): (&str, Option<&Observed>) = match role {
            Role::Client => (&result.client, result.observed.as_ref()),
            Role::Server => (&result.server, result.server_observed.as_ref()),
        };
        let Some(obs) = obs else { continue };
        if obs.closed_after_alert == Some(false) {
            reasons.push(match obs.closed_after_alert_ms {
                Some(ms) => format!(
                    "{name} ({role}) closed its end {ms} ms after the fatal alert, not within {} ms",
                    CLOSE_BOUND.as_millis()
                ),
                None => format!(
                    "{name} ({role}) kept the connection open for {} ms after the fatal alert",
                    CLOSE_BOUND.as_millis()
                ),
            });
        }
        if let Some(n) = obs.bytes_after_alert.filter(|n| *n > 0) {
            reasons.push(format!(
                "{name} ({role}) wrote {n} bytes after its fatal alert"
            ));
        }
    }
    if reasons.is_empty() {
        return;
    }
    let tls13 = crate::scenario::expected_version(setup) != Some(ProtocolVersion::TLSv1_2);
    let (level, rule) = if tls13 {
        (
            Level::Must,
            "RFC 8446 6.2: \"Upon transmission or receipt of a fatal alert message, both parties MUST immediately close the connection.\"",
        )
    } else {
        (
            Level::Should,
            "RFC 5246 7.2.2: \"Upon transmission or receipt of a fatal alert message, both parties immediately close the connection.\" (no keyword: graded SHOULD)",
        )
    };
    let before = result.reason.take();
    result.verdict = Verdict::Fail;
    result.verdict_level = Some(level);
    result.reason = Some(format!(
        "{}; {rule}{}",
        reasons.join("; "),
        before
            .map(|b| format!(" (the rejection itself: {b})"))
            .unwrap_or_default()
    ));
}
