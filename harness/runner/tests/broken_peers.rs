//! A peer that panics or dies makes its case `crash`, one that hangs or stalls `timeout`,
//! within the deadline,
//! and the other cases of the run still finish.

mod common;

use std::time::{Duration, Instant};

use harness::testing::{Breakage, BrokenPeer};
use reports::Verdict;
use rstest::rstest;

fn scenario() -> String {
    common::handshake_completes(
        "interop::tls13_smoke",
        "TLS 1.3 handshake",
        "RFC 8446 2",
        &[
            r#"setup = { versions = ["TLS1.3"] }"#,
            r#"matrix.cert = ["ecdsa_p256", "ed25519"]"#,
        ],
    )
}

#[rstest]
#[case::panic(
    Breakage::Panic,
    Verdict::Crash,
    "panicked: broken peer: deliberate panic"
)]
#[case::hang(
    Breakage::Hang,
    Verdict::Timeout,
    "did not finish within the case deadline"
)]
#[case::stall(Breakage::Stall, Verdict::Timeout, "timeout")]
#[case::drop(Breakage::Drop, Verdict::Crash, "died mid-handshake")]
fn broken_peer_is_its_verdict_and_the_run_goes_on(
    #[case] breakage: Breakage,
    #[case] verdict: Verdict,
    #[case] reason: &str,
) {
    let opts = common::quick();
    let peers = [common::peer("rustls"), common::arc(BrokenPeer { breakage })];
    let started = Instant::now();
    let results = common::run(&scenario(), &peers, &opts);
    let elapsed = started.elapsed();
    // 2 variants x 4 pairings, all reported.
    assert_eq!(results.len(), 8);
    for r in &results {
        let broken_involved = r.client == "broken" || r.server == "broken";
        if broken_involved {
            assert_eq!(r.verdict, verdict, "{}: {:?}", r.id, r.reason);
            let text = r.reason.as_deref().unwrap_or_default();
            assert!(
                text.contains(reason) || (breakage == Breakage::Drop && text.contains("closed")),
                "{}: reason `{text}` does not mention `{reason}`",
                r.id
            );
            // Within the deadline plus the grace period (and scheduling slack).
            let ms = r.duration_ms.unwrap_or(f64::MAX);
            assert!(ms < 4000.0, "{} took {ms} ms", r.id);
        } else {
            assert_eq!(r.verdict, Verdict::Pass, "{}: {:?}", r.id, r.reason);
        }
    }
    // Cases run in parallel: the whole run is far below the sum of the deadlines.
    assert!(elapsed < Duration::from_secs(12), "run took {elapsed:?}");
}
