//! The judge: a case's verdict from what the side under test did, read off both sides'
//! outcomes and the decoded transcript (the verdict tiers of the results schema).

use reports::{CaseResult, Expected, ExpectedResult, UnderTest, Verdict};

use crate::model::{AlertDescription, AlertSeen, Direction, Failure, Outcome, Role};
use crate::run::{Case, RunOptions};
use crate::scenario::Expect;
use crate::steps::failed_step;
use crate::transcript;

/// What a peer thread delivered: its outcomes, or why it gave none.
pub(crate) enum Delivery {
    Outcomes(Vec<Outcome>),
    Panicked(String),
    Hung,
}

/// Checks an alert the side says it sent against the wire: fills in one its adapter could not
/// name, and takes back one the wire shows it never sent. `whole_wire`: `o` is the last
/// connection's, the capture is of the two sides themselves (no proxy between them), and it
/// holds all the side sent (the client's own writes; the server's when the client read until
/// the transport closed). Then, when every record the side sent was decrypted and none is an
/// alert, it sent none, whatever its adapter said (rustls infers its alert from the error,
/// and after a hostile-peer limit had tickets, not an alert, queued), and the outcome is a
/// close without one.
fn complete_alert(o: &mut Outcome, role: Role, wire: &transcript::Decoded, whole_wire: bool) {
    let Some(Failure::Alert { direction, alert }) = &mut o.failure else {
        return;
    };
    if *direction != Direction::Sent || *alert == AlertSeen::Encrypted {
        return;
    }
    // The client's capture: what the client sent is `Sent`.
    let wire_dir = match (role, *direction) {
        (Role::Client, d) => d,
        (Role::Server, Direction::Sent) => Direction::Received,
        (Role::Server, Direction::Received) => Direction::Sent,
    };
    if let Some((_, a)) = wire.alerts.iter().find(|(d, _)| *d == wire_dir) {
        if *alert == AlertSeen::Unnamed {
            *alert = AlertSeen::Named(*a);
        }
        return;
    }
    let events = wire.last_connection();
    let all_read = events
        .iter()
        .filter(|e| e.direction == wire_dir)
        .all(|e| !matches!(e.what, transcript::What::Opaque { .. }));
    if whole_wire && !events.is_empty() && all_read {
        let claimed = match alert {
            AlertSeen::Named(d) => format!("reported {d} sent"),
            _ => "inferred an alert".to_string(),
        };
        let note = format!("its adapter {claimed}, but the decrypted wire shows no alert from it");
        o.failure = Some(Failure::Closed);
        o.detail = Some(match o.detail.take() {
            Some(d) => format!("{d} ({note})"),
            None => note,
        });
    } else if *alert == AlertSeen::Unnamed {
        *alert = AlertSeen::Encrypted;
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn judge(
    result: &mut CaseResult,
    case: &Case,
    client: Delivery,
    server: Delivery,
    cut: bool,
    wire: &transcript::Decoded,
    mitm: Option<&crate::mitm::ProxyReport>,
    opts: &RunOptions,
) {
    let names = [
        case.client.name().to_string(),
        case.server.name().to_string(),
    ];
    let mut outcomes: [Vec<Outcome>; 2] = [Vec::new(), Vec::new()];
    let mut crashed = Vec::new();
    let mut hung = Vec::new();
    for (i, (d, role)) in [(client, Role::Client), (server, Role::Server)]
        .into_iter()
        .enumerate()
    {
        let name = names.get(i).cloned().unwrap_or_default();
        match d {
            Delivery::Outcomes(mut o) => {
                let n = o.len();
                // The client's capture holds all the server sent once the client read until
                // the transport closed.
                let client_read_all = outcomes[0]
                    .last()
                    .is_some_and(|c| c.failure == Some(Failure::Closed));
                for (k, x) in o.iter_mut().enumerate() {
                    let whole_wire = k + 1 == n
                        && case.variant.setup.mitm.is_none()
                        && (role == Role::Client || client_read_all);
                    complete_alert(x, role, wire, whole_wire);
                    if role == Role::Client {
                        let sent = match x.alert() {
                            Some((a, Direction::Sent)) => a.description(),
                            _ => None,
                        };
                        x.step = failed_step(x.step.max(wire.client_step), sent);
                    }
                }
                if let Some(slot) = outcomes.get_mut(i) {
                    *slot = o;
                }
            }
            Delivery::Panicked(m) => crashed.push(format!("{name} ({role}) panicked: {m}")),
            Delivery::Hung => hung.push(format!(
                "{name} ({role}) did not finish within the case deadline of {:?}{}",
                opts.deadline,
                if cut { " (hung)" } else { "" }
            )),
        }
    }
    if case.variant.setup.mitm.is_none() {
        let [c, s] = &mut outcomes;
        reconcile_alerts(c, s);
    }
    let [c, s] = &outcomes;
    result.observed = c.last().map(Outcome::observed);
    result.server_observed = s.last().map(Outcome::observed);
    // A peer that died is a crash, one that never returned a hang: whatever else happened.
    for (outs, name, role) in [(c, &names[0], Role::Client), (s, &names[1], Role::Server)] {
        for (n, o) in outs.iter().enumerate() {
            if let Some(Failure::Crash(m)) = &o.failure {
                crashed.push(format!("{name} ({role}), connection {}: {m}", n + 1));
            }
        }
    }
    if !crashed.is_empty() {
        result.verdict = Verdict::Crash;
        result.reason = Some(crashed.join("; "));
        return;
    }
    if !hung.is_empty() {
        result.verdict = Verdict::Timeout;
        result.reason = Some(hung.join("; "));
        return;
    }
    // The harness's own trouble (an adapter that erred, a proxy that failed): not a verdict
    // on either implementation.
    for (outs, name, role) in [(c, &names[0], Role::Client), (s, &names[1], Role::Server)] {
        for (n, o) in outs.iter().enumerate() {
            if let Some(Failure::Internal(m)) = &o.failure {
                result.verdict = Verdict::Error;
                result.reason = Some(format!("{name} ({role}), connection {}: {m}", n + 1));
                return;
            }
        }
    }
    let events = wire.last_connection();
    if mitm.is_some() {
        return crate::mitm::judge::judge(result, case, c, s, mitm, events);
    }
    let expected = result.expected.clone().unwrap_or(Expected {
        result: ExpectedResult::Connected,
        alert: None,
        checks: Default::default(),
    });
    match &case.variant.scenario.expect {
        Expect::Connected => judge_connected(result, case, c, s, &expected),
        Expect::Rejected { alert, .. } => judge_rejected(result, case, c, s, *alert, events),
        Expect::Truncated | Expect::Timeout => {
            crate::mitm::judge::judge(result, case, c, s, None, events)
        }
        Expect::Waits => judge_waits(result, case, c, s, events),
    }
}

/// When one side says it sent an alert and the other decoded another one (or the sender
/// could not name it), the receiver is right: it read the alert off the wire, while some
/// libraries (rustls) do not say which alert they sent and the adapter infers it from the
/// error. Only without a proxy in between, which may inject alerts of its own.
fn reconcile_alerts(client: &mut [Outcome], server: &mut [Outcome]) {
    for (a, b) in client.iter_mut().zip(server.iter_mut()) {
        let received_by_b = b
            .alert()
            .filter(|(_, d)| *d == Direction::Received)
            .map(|(x, _)| x);
        let received_by_a = a
            .alert()
            .filter(|(_, d)| *d == Direction::Received)
            .map(|(x, _)| x);
        if let Some(got) = received_by_b {
            correct_sent(a, got);
        }
        if let Some(got) = received_by_a {
            correct_sent(b, got);
        }
    }
}

fn correct_sent(sender: &mut Outcome, got: AlertSeen) {
    if let Some(Failure::Alert {
        direction: Direction::Sent,
        alert,
    }) = &mut sender.failure
        && *alert != got
    {
        let claimed = std::mem::replace(alert, got);
        let note = format!("alert as the peer received it; the adapter had inferred `{claimed}`");
        sender.detail = Some(match sender.detail.take() {
            Some(d) => format!("{d} ({note})"),
            None => note,
        });
    }
}

fn describe_failure(name: &str, role: Role, o: &Outcome) -> String {
    match &o.failure {
        Some(Failure::Alert { direction, alert }) => format!(
            "{name} ({role}) {} alert {alert} at step {}",
            match direction {
                Direction::Sent => "sent",
                Direction::Received => "received",
            },
            o.step
        ),
        Some(Failure::Closed) => format!(
            "{name} ({role}): connection closed at step {}: {}",
            o.step,
            o.detail.as_deref().unwrap_or("")
        ),
        Some(Failure::Timeout) => format!(
            "{name} ({role}) timed out at step {}: {}",
            o.step,
            o.detail.as_deref().unwrap_or("")
        ),
        Some(f) => format!("{name} ({role}): {f:?} at step {}", o.step),
        None => format!("{name} ({role}) connected"),
    }
}

/// A side that timed out: the case is a hang, with who hung and where.
fn timed_out(case: &Case, c: &[Outcome], s: &[Outcome]) -> Option<String> {
    let mut out = Vec::new();
    for (outs, name, role) in [
        (c, case.client.name(), Role::Client),
        (s, case.server.name(), Role::Server),
    ] {
        for (n, o) in outs.iter().enumerate() {
            if o.failure == Some(Failure::Timeout) {
                out.push(format!(
                    "{name} ({role}), connection {}: timeout at step {}: {}",
                    n + 1,
                    o.step,
                    o.detail.as_deref().unwrap_or("")
                ));
            }
        }
    }
    (!out.is_empty()).then(|| out.join("; "))
}

fn judge_connected(
    result: &mut CaseResult,
    case: &Case,
    c: &[Outcome],
    s: &[Outcome],
    expected: &Expected,
) {
    let setup = &case.variant.setup;
    let want = setup.connections();
    // A server that answers otherwise than by echoing (a target, a tool serving a page):
    // the client's check is that an answer arrived.
    let any_answer = !case.server.echoes();
    let mut reasons = Vec::new();
    for (outs, name, role) in [
        (c, case.client.name(), Role::Client),
        (s, case.server.name(), Role::Server),
    ] {
        if let Some(o) = outs.iter().find(|o| !o.is_connected()) {
            reasons.push(describe_failure(name, role, o));
            continue;
        }
        if outs.len() != want {
            reasons.push(format!(
                "{name} ({role}) made {} of {want} connections",
                outs.len()
            ));
            continue;
        }
        for (n, o) in outs.iter().enumerate() {
            let data_ok = if any_answer && role == Role::Client {
                !o.app_data.is_empty()
            } else if role == Role::Server && !case.server.observed() {
                // An unobserved server's outcomes are the client's view: what it read is
                // not known.
                true
            } else {
                o.app_data == setup.app_data
            };
            if !data_ok {
                reasons.push(format!(
                    "{name} ({role}), connection {}: application data differs ({} bytes{}, expected {})",
                    n + 1,
                    o.app_data.len(),
                    if o.app_data.is_empty() {
                        String::new()
                    } else {
                        format!(": {:?}", String::from_utf8_lossy(o.app_data.get(..o.app_data.len().min(40)).unwrap_or_default()))
                    },
                    if any_answer && role == Role::Client {
                        "any answer".to_string()
                    } else {
                        format!("the {} bytes sent", setup.app_data.len())
                    }
                ));
                if let Some(d) = &o.detail {
                    reasons.push(format!("{name} ({role}): {d}"));
                }
            }
            let neg = &o.negotiated;
            let first = n == 0;
            for (key, value) in &expected.checks {
                // (what this side saw, what the scenario expects); group, hrr and the
                // signature are checked on the first connection only (a resumed connection
                // may skip the key exchange and the signature).
                let (seen, want): (Option<String>, String) = match key.as_str() {
                    "version" => (neg.version.map(|v| v.to_string()), value.clone()),
                    "suite" => (neg.suite.map(|v| v.to_string()), value.clone()),
                    "alpn" => (neg.alpn.clone(), value.clone()),
                    "group" if first => (neg.group.map(|v| v.to_string()), value.clone()),
                    "hrr" if first => (Some(neg.hrr.to_string()), value.clone()),
                    // The client reports the server's signature; the server reports the
                    // client's only with client authentication, so only the client checks.
                    "sigalg" if first && role == Role::Client => {
                        (neg.sig_scheme.map(|v| v.to_string()), value.clone())
                    }
                    "resumed" => (Some(neg.resumed.to_string()), (!first).to_string()),
                    // Not checked on this connection or by this side (see above).
                    // close_notify: judged from the transcript once the case is done
                    // (`lifecycle::judge_close_notify`).
                    "group" | "hrr" | "sigalg" | "close_notify" | "data_after_close" => continue,
                    other => {
                        // The loader writes only the keys above: another is a harness bug,
                        // never a silent pass.
                        reasons.push(format!("the judge knows no check `{other}`"));
                        continue;
                    }
                };
                if seen.as_deref() != Some(want.as_str()) {
                    reasons.push(format!(
                        "{name} ({role}), connection {}: {key} is {}, expected {want}",
                        n + 1,
                        seen.as_deref().unwrap_or("not reported")
                    ));
                }
            }
        }
    }
    if reasons.is_empty() {
        result.verdict = Verdict::Pass;
    } else if let Some(t) = timed_out(case, c, s) {
        result.verdict = Verdict::Timeout;
        result.reason = Some(t);
    } else {
        result.verdict = Verdict::Fail;
        result.reason = Some(reasons.join("; "));
    }
}

/// The side under test of a case with one side under test.
pub(crate) fn single_ut(ut: UnderTest) -> Option<Role> {
    match ut {
        UnderTest::Client => Some(Role::Client),
        UnderTest::Server => Some(Role::Server),
        UnderTest::Both => None,
    }
}

/// The first error alert `role` put on the wire (decrypted where the key log allowed),
/// close_notify and user_canceled left out.
fn wire_alert(events: &[transcript::Event], role: Role) -> Option<AlertDescription> {
    let dir = match role {
        Role::Client => Direction::Sent,
        Role::Server => Direction::Received,
    };
    events
        .iter()
        .filter(|e| e.direction == dir)
        .find_map(|e| match &e.what {
            transcript::What::Alert { description, .. } if is_error_alert(*description) => {
                Some(*description)
            }
            _ => None,
        })
}

/// An error alert: neither close_notify nor user_canceled.
fn is_error_alert(d: AlertDescription) -> bool {
    d != AlertDescription::CloseNotify && d != AlertDescription::UserCanceled
}

/// Which side's error alert came first on the wire.
fn first_alert_by(events: &[transcript::Event]) -> Option<Role> {
    events.iter().find_map(|e| match &e.what {
        transcript::What::Alert { description, .. } if is_error_alert(*description) => {
            Some(if e.direction == Direction::Sent {
                Role::Client
            } else {
                Role::Server
            })
        }
        _ => None,
    })
}

fn judge_rejected(
    result: &mut CaseResult,
    case: &Case,
    c: &[Outcome],
    s: &[Outcome],
    alert: AlertDescription,
    events: &[transcript::Event],
) {
    let ut = case.variant.scenario.under_test;
    let (Some(co), Some(so)) = (c.last(), s.last()) else {
        result.verdict = Verdict::Error;
        result.reason = Some("a peer reported no connection".into());
        return;
    };
    let name = |r: Role| match r {
        Role::Client => case.client.name(),
        Role::Server => case.server.name(),
    };
    let outcome = |r: Role| if r == Role::Client { co } else { so };
    if co.is_connected() && so.is_connected() {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "connected, but the {ut} must reject it (expected alert: {alert})"
        ));
        return;
    }
    let single = single_ut(ut);
    // The side under test completed on its own: it accepted the fault.
    if let Some(r) = single
        && outcome(r).is_connected()
    {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "the {ut} completed the connection, but must reject it (expected alert: {alert}); {}",
            describe_failure(name(other(r)), other(r), outcome(other(r)))
        ));
        return;
    }
    // It went on past the fault (its next flight, its Finished, application data), whoever
    // aborted afterwards.
    let point =
        single.and_then(|r| crate::fault::fault_point(&case.variant.setup, r).map(|p| (r, p)));
    let after = point.map(|(r, p)| (p, crate::fault::after_fault(events, p, r)));
    if let Some((p, crate::fault::After::WentOn(what))) = &after {
        result.verdict = Verdict::Fail;
        let end = match single.map(|r| outcome(other(r))) {
            Some(o) if !o.is_connected() => format!(
                "; then {}",
                describe_failure(
                    name(other(single.unwrap_or(Role::Client))),
                    other(single.unwrap_or(Role::Client)),
                    o
                )
            ),
            _ => String::new(),
        };
        result.reason = Some(format!(
            "the {ut} went on past the fault in {p}: it sent {what}, but must reject it (expected alert: {alert}){end}"
        ));
        return;
    }
    // It sent the message it had to reject before (`expect.before`), then its alert.
    if let (Some(r), Expect::Rejected {
        before: Some(m), ..
    }) = (single, &case.variant.scenario.expect)
        && events.iter().any(|e| {
            e.direction == crate::fault::direction_of(r)
                && matches!(e.what, transcript::What::Handshake { typ, hrr: false, .. } if typ == m.get())
        })
    {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "the {ut} sent its {} before rejecting, but must reject instead of sending it (expected alert: {alert})",
            crate::fault::message_name(m.get())
        ));
        return;
    }
    // The alert the side under test sent: on the wire (decrypted where the key log allowed),
    // else as its adapter or its peer reported it.
    let sent_by = |role: Role| -> Option<AlertSeen> {
        if let Some(a) = wire_alert(events, role) {
            return Some(a.into());
        }
        let (own, peer) = (outcome(role), outcome(other(role)));
        match (own.alert(), peer.alert()) {
            (Some((a, Direction::Sent)), _) if a != AlertSeen::Unnamed => Some(a),
            (_, Some((a, Direction::Received)))
                if a != AlertSeen::Unnamed && !a.is(AlertDescription::CloseNotify) =>
            {
                Some(a)
            }
            _ => None,
        }
    };
    let seen = match single {
        Some(r) => sent_by(r).map(|a| (r, a)),
        None => sent_by(Role::Server)
            .map(|a| (Role::Server, a))
            .or_else(|| sent_by(Role::Client).map(|a| (Role::Client, a))),
    };
    // The counterpart aborted first: the side under test never decided.
    if let Some(r) = single {
        let cp = other(r);
        let cp_first = match first_alert_by(events) {
            Some(first) => first == cp,
            None => seen.is_none() && matches!(outcome(cp).alert(), Some((_, Direction::Sent))),
        };
        if cp_first {
            let cp_alert = wire_alert(events, cp)
                .map(AlertSeen::Named)
                .or_else(|| outcome(cp).alert().map(|(a, _)| a))
                .map_or_else(|| "an alert".into(), |a| a.to_string());
            let reached = match &after {
                Some((p, crate::fault::After::Stopped)) => {
                    format!("the fault in {p} had reached the {ut}, which had not decided")
                }
                Some((p, _)) => format!("the fault in {p} is not on the wire before it"),
                None => "the {ut} had not decided".replace("{ut}", &ut.to_string()),
            };
            result.verdict = Verdict::Inconclusive;
            result.reason = Some(format!(
                "{} ({cp}) aborted the handshake itself with {cp_alert} at step {} ({}): {reached}; the {ut} was not judged",
                name(cp),
                outcome(cp).step,
                outcome(cp).detail.as_deref().unwrap_or("no detail")
            ));
            return;
        }
    }
    match seen {
        Some((_, a)) if a.is(alert) => result.verdict = Verdict::Pass,
        Some((_, a)) => {
            result.verdict = Verdict::AlertMismatch;
            result.reason = Some(format!("rejected with {a}, the scenario expects {alert}"));
        }
        None => {
            if let Some(t) = timed_out(case, c, s) {
                result.verdict = Verdict::Timeout;
                result.reason = Some(format!("the {ut} neither rejected nor went on: {t}"));
                return;
            }
            result.verdict = Verdict::NoAlert;
            result.reason = Some(format!(
                "rejected without an alert from the {ut} ({}; {}), the scenario expects {alert}",
                describe_failure(case.client.name(), Role::Client, co),
                describe_failure(case.server.name(), Role::Server, so)
            ));
        }
    }
}

pub(crate) fn other(r: Role) -> Role {
    match r {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    }
}

/// `waits`: the side under test must not answer the incomplete message (it waits for the
/// rest, or gives up on it).
fn judge_waits(
    result: &mut CaseResult,
    case: &Case,
    c: &[Outcome],
    s: &[Outcome],
    events: &[transcript::Event],
) {
    let ut = case.variant.scenario.under_test;
    let Some(role) = single_ut(ut) else {
        result.verdict = Verdict::Error;
        result.reason = Some("`waits` needs one side under test".into());
        return;
    };
    let outs = if role == Role::Client { c } else { s };
    if outs.iter().any(Outcome::is_connected) {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "the {ut} completed a handshake on an incomplete message"
        ));
        return;
    }
    if let Some(p) = crate::fault::fault_point(&case.variant.setup, role)
        && let crate::fault::After::WentOn(what) = crate::fault::after_fault(events, p, role)
    {
        result.verdict = Verdict::Fail;
        result.reason = Some(format!(
            "the {ut} answered the incomplete {}: it sent {what}",
            p.msg.name()
        ));
        return;
    }
    result.verdict = Verdict::Pass;
    result.reason = outs.last().map(|o| {
        format!(
            "the {ut} did not answer: {}",
            describe_failure(case.peer(role).name(), role, o)
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Step;
    use transcript::{Decoded, Event, What};

    fn unnamed() -> Outcome {
        let alert = Failure::Alert {
            direction: Direction::Sent,
            alert: AlertSeen::Unnamed,
        };
        Outcome::failed(alert, Step::Finished, "rustls: peer misbehaved")
    }

    fn wire(what: What) -> Decoded {
        Decoded {
            connections: vec![vec![Event {
                direction: Direction::Sent,
                what,
            }]],
            ..Decoded::default()
        }
    }

    #[test]
    fn an_inferred_alert_the_decrypted_wire_does_not_show_is_a_close_without_one() {
        let mut o = unnamed();
        complete_alert(&mut o, Role::Client, &wire(What::AppData(18)), true);
        assert_eq!(o.failure, Some(Failure::Closed));
        assert!(
            o.detail
                .as_deref()
                .unwrap_or("")
                .contains("inferred an alert"),
            "{o:?}"
        );
        // So is a named one the wire does not show (rustls names its alert from the error).
        let mut o = unnamed();
        o.failure = Some(Failure::Alert {
            direction: Direction::Sent,
            alert: AlertDescription::CertificateRequired.into(),
        });
        complete_alert(&mut o, Role::Client, &wire(What::AppData(18)), true);
        assert_eq!(o.failure, Some(Failure::Closed));
        let detail = o.detail.as_deref().unwrap_or("");
        assert!(
            detail.contains("reported certificate_required sent"),
            "{o:?}"
        );
        // Behind a proxy, or with a record that could not be decrypted, it is not known.
        let mut o = unnamed();
        complete_alert(&mut o, Role::Client, &wire(What::AppData(18)), false);
        assert_eq!(o.alert(), Some((AlertSeen::Encrypted, Direction::Sent)));
        let opaque = What::Opaque {
            outer: tls_wire::ContentType::ApplicationData,
            len: 19,
        };
        let mut o = unnamed();
        complete_alert(&mut o, Role::Client, &wire(opaque), true);
        assert_eq!(o.alert(), Some((AlertSeen::Encrypted, Direction::Sent)));
    }
}
