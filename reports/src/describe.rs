//! Words for expected and observed outcomes, shared by every report.

use std::fmt::Write as _;

use crate::results::{
    CaseResult, Direction, Expected, ExpectedResult, Observed, ObservedResult, UnderTest,
};

/// The alert the side under test sent (or, failing that, the one the other side received).
pub fn observed_alert(case: &CaseResult) -> Option<String> {
    let client = case.observed.as_ref();
    let server = case.server_observed.as_ref();
    let sent = |o: Option<&Observed>| {
        o.filter(|o| o.direction == Some(Direction::Sent))
            .and_then(|o| o.alert.clone())
    };
    let received = |o: Option<&Observed>| {
        o.filter(|o| o.direction == Some(Direction::Received))
            .and_then(|o| o.alert.clone())
    };
    let by_server = || sent(server).or_else(|| received(client));
    let by_client = || sent(client).or_else(|| received(server));
    let found = match case.under_test {
        UnderTest::Server => by_server(),
        UnderTest::Client => by_client(),
        UnderTest::Both => by_server().or_else(by_client),
    };
    found
        .or_else(|| client.and_then(|o| o.alert.clone()))
        .or_else(|| server.and_then(|o| o.alert.clone()))
}

/// `connected (version=TLS1.3, group=x25519)` or `rejected with illegal_parameter`.
pub fn expected(e: &Expected) -> String {
    match e.result {
        ExpectedResult::Connected => {
            if e.checks.is_empty() {
                "connected".into()
            } else {
                let checks: Vec<String> =
                    e.checks.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("connected ({})", checks.join(", "))
            }
        }
        ExpectedResult::Rejected => match &e.alert {
            Some(a) => format!("rejected with {a}"),
            None => "rejected".into(),
        },
        ExpectedResult::Truncated => "the truncation reported".into(),
        ExpectedResult::Timeout => "its own timeout".into(),
        ExpectedResult::Waits => "no answer to the incomplete message".into(),
    }
}

/// One side's outcome in a line: `rejected, alert decode_error sent, at ClientHello`.
pub fn observed(o: &Observed) -> String {
    let mut s = match o.result {
        Some(ObservedResult::Connected) => "connected".to_string(),
        Some(ObservedResult::Rejected) => "rejected".to_string(),
        Some(ObservedResult::Error) => "error".to_string(),
        None => "no outcome".to_string(),
    };
    if let Some(a) = &o.alert {
        let dir = match o.direction {
            Some(Direction::Sent) => " sent",
            Some(Direction::Received) => " received",
            None => "",
        };
        let _ = write!(s, ", alert {a}{dir}");
    }
    let negotiated: Vec<String> = [
        ("version", &o.version),
        ("suite", &o.suite),
        ("group", &o.group),
        ("sigalg", &o.sigalg),
        ("alpn", &o.alpn),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .chain(o.resumed.filter(|r| *r).map(|_| "resumed".to_string()))
    .chain(o.hrr.filter(|r| *r).map(|_| "hrr".to_string()))
    .collect();
    if !negotiated.is_empty() {
        let _ = write!(s, " ({})", negotiated.join(", "));
    }
    if let Some(step) = &o.step {
        let _ = write!(s, ", step {step}");
    }
    if let Some(n) = o.app_data_len {
        let _ = write!(
            s,
            ", read {n} byte{} of application data",
            if n == 1 { "" } else { "s" }
        );
    }
    match (o.closed_after_alert, o.closed_after_alert_ms) {
        (Some(true), Some(ms)) => {
            let _ = write!(s, ", closed {ms} ms after the fatal alert");
        }
        (Some(false), Some(ms)) => {
            let _ = write!(s, ", closed only {ms} ms after the fatal alert");
        }
        (Some(false), None) => {
            let _ = write!(s, ", still open after the fatal alert");
        }
        _ => {}
    }
    if let Some(n) = o.bytes_after_alert.filter(|n| *n > 0) {
        let _ = write!(s, ", wrote {n} bytes after its fatal alert");
    }
    if let Some(e) = &o.error {
        let _ = write!(s, ": {e}");
    }
    s
}

/// `expected: …; observed: client …, server …` for failure messages.
pub fn expected_vs_observed(case: &CaseResult) -> String {
    let mut s = String::new();
    match &case.expected {
        Some(e) => {
            let _ = write!(s, "expected {}", expected(e));
        }
        None => s.push_str("expected: (not recorded)"),
    }
    let mut obs = Vec::new();
    if let Some(o) = &case.observed {
        obs.push(format!("client {}", observed(o)));
    }
    if let Some(o) = &case.server_observed {
        obs.push(format!("server {}", observed(o)));
    }
    if obs.is_empty() {
        s.push_str("; observed: (nothing recorded)");
    } else {
        let _ = write!(s, "; observed: {}", obs.join("; "));
    }
    s
}
