//! The harness tells a verifying client from one that does not verify: the `certificate`
//! family run with `rustls-noverify` (the rustls client, certificate verification off) as
//! client turns every bad-certificate case into `fail`, where the verifying rustls client
//! rejects them.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use harness::peer::PeerRef;
use harness::peers::noverify::NoVerifyRustls;
use harness::run::{self, Case, RunOptions};
use reports::{CaseResult, Direction, ExpectedResult, Verdict};

use common::{arc, peer, scenarios_dir, variants};

fn opts() -> RunOptions {
    RunOptions {
        jobs: 8,
        idle_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(5),
        grace: Duration::from_millis(300),
        partial: None,
    }
}

/// The certificate family with `client` against the rustls and OpenSSL servers.
fn run_with_client(client: PeerRef) -> Vec<CaseResult> {
    let text = std::fs::read_to_string(scenarios_dir().join("certificate.toml")).unwrap();
    let name = client.name().to_string();
    let peers = [client, peer("rustls"), peer("openssl")];
    let cases: Vec<Case> = run::expand(&variants(&text), &peers)
        .into_iter()
        .filter(|c| c.client.name() == name && c.server.name() != name)
        .collect();
    assert!(!cases.is_empty());
    common::run_cases(cases, &opts())
}

fn expects_rejection(c: &CaseResult) -> bool {
    c.expected
        .as_ref()
        .is_some_and(|e| e.result == ExpectedResult::Rejected)
}

/// The server could not serve the profile (it refused to load the certificate, or aborted the
/// handshake itself): the client never got to judge the certificate.
fn server_gave_up(c: &CaseResult) -> bool {
    // A server that cannot load the profile makes the case a skip, with the reason.
    if c.verdict == Verdict::Skip && c.reason.as_deref().is_some_and(|r| r.contains("as server")) {
        return true;
    }
    let Some(s) = &c.server_observed else {
        return false;
    };
    s.error
        .as_deref()
        .is_some_and(|e| e.starts_with("internal error"))
        || (s.direction == Some(Direction::Sent) && s.alert.is_some())
}

#[test]
fn noverify_client_fails_every_bad_certificate_case() {
    let results = run_with_client(arc(NoVerifyRustls));
    let mut failed = BTreeSet::new();
    for c in &results {
        if expects_rejection(c) {
            if c.verdict == Verdict::Fail {
                failed.insert(c.scenario.clone());
            } else {
                assert!(
                    server_gave_up(c),
                    "{}: {:?} ({:?}); a client without verification must accept",
                    c.id,
                    c.verdict,
                    c.reason
                );
            }
        } else {
            // The chains a verifier SHOULD tolerate connect as well.
            assert_eq!(c.verdict, Verdict::Pass, "{}: {:?}", c.id, c.reason);
        }
    }
    let bad: BTreeSet<_> = results
        .iter()
        .filter(|c| expects_rejection(c))
        .map(|c| c.scenario.clone())
        .collect();
    // Every bad profile a server can serve was accepted somewhere; only rsa1024_leaf has no
    // server here that loads it.
    let never: Vec<_> = bad.difference(&failed).collect();
    assert_eq!(
        never,
        ["certificate::rsa1024_leaf"],
        "never accepted: {never:?}"
    );
    assert!(failed.len() >= 50, "{} scenarios", failed.len());
}

#[test]
fn verifying_client_is_told_apart() {
    let noverify = run_with_client(arc(NoVerifyRustls));
    let verifying = run_with_client(peer("rustls"));
    let fails = |r: &[CaseResult]| {
        r.iter()
            .filter(|c| expects_rejection(c) && c.verdict == Verdict::Fail)
            .count()
    };
    let rejected_by_verifier = verifying
        .iter()
        .filter(|c| expects_rejection(c))
        .filter(|c| matches!(c.verdict, Verdict::Pass | Verdict::AlertMismatch))
        .map(|c| c.scenario.clone())
        .collect::<BTreeSet<_>>();
    assert!(
        rejected_by_verifier.len() >= 40,
        "the verifying client rejected only {} scenarios",
        rejected_by_verifier.len()
    );
    assert!(
        fails(&noverify) > 2 * fails(&verifying),
        "noverify {} vs verifying {} fails",
        fails(&noverify),
        fails(&verifying)
    );
}
