//! A real run writes a results.json that validates against the schema, and the printed
//! matrix has a stable shape (snapshot).

mod common;

use reports::{RESULTS_SCHEMA, Results, Verdict};

#[test]
fn real_run_validates_against_schema() {
    let cases = common::catalogue_cases(
        |s| {
            s.id == "interop::tls13_client_auth"
                || s.id == "interop::alpn_no_overlap"
                || s.id == "interop::tls13_hrr"
        },
        &["rustls", "openssl"],
    );
    let n = cases.len();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = common::quick();
    opts.deadline = std::time::Duration::from_secs(10);
    opts.idle_timeout = std::time::Duration::from_secs(5);
    opts.partial = Some(dir.path().join("partial.jsonl"));
    let cases_out = common::run_cases(cases, &opts);
    assert_eq!(cases_out.len(), n);
    // Every case was flushed to the partial file as it finished.
    let partial = std::fs::read_to_string(dir.path().join("partial.jsonl")).unwrap();
    assert_eq!(partial.lines().count(), n);
    let results = Results {
        schema_version: reports::SCHEMA_VERSION,
        run: reports::RunInfo {
            started: "2026-11-26T00:00:00Z".into(),
            git: "test".into(),
            seed: 0,
            peers: [("rustls".to_string(), "x".to_string())]
                .into_iter()
                .collect(),
            shard: None,
            duration_ms: Some(1.0),
        },
        cases: cases_out,
    };
    let path = harness::run::write_results(dir.path(), &results).unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(RESULTS_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The skips (X25519MLKEM768 with OpenSSL) carry their reason; everything else passed.
    for c in &results.cases {
        match c.verdict {
            Verdict::Pass => {}
            Verdict::Skip => assert!(
                c.reason.as_deref().unwrap().contains("X25519MLKEM768"),
                "{c:?}"
            ),
            _ => panic!("{}: {:?} {:?}", c.id, c.verdict, c.reason),
        }
    }
    // Reading it back gives the same results.
    assert_eq!(Results::read(&path).unwrap(), results);
    // The matrix of this run, which has no timings in it.
    insta::assert_snapshot!(harness::matrix::render(&results.cases));
}

#[test]
fn matrix_counts_each_verdict() {
    let mk = |id: &str, client: &str, verdict: Verdict| reports::CaseResult {
        reason: Some("r".into()),
        duration_ms: Some(1.5),
        ..common::case_result(&format!("{id}/{client}->own"), id, client, "own", verdict)
    };
    let cases = vec![
        mk("f::a", "rustls", Verdict::Pass),
        mk("f::a", "rustls", Verdict::Fail),
        mk("f::a", "openssl", Verdict::Skip),
        mk("f::b", "rustls", Verdict::AlertMismatch),
        mk("f::b", "openssl", Verdict::Error),
        mk("f::c", "rustls", Verdict::NoAlert),
        mk("f::c", "openssl", Verdict::Inconclusive),
    ];
    // Levels: f::a and f::c are MUST rules, f::c's alert chosen by meaning (its no_alert is
    // then at most SHOULD); f::b is hardening.
    let mut cases = cases;
    for c in &mut cases {
        c.level = Some(if c.scenario == "f::b" {
            reports::Level::Hardening
        } else {
            reports::Level::Must
        });
        c.alert_from = Some(if c.scenario == "f::c" {
            reports::AlertFrom::Meaning
        } else {
            reports::AlertFrom::Section
        });
        c.grade();
    }
    insta::assert_snapshot!(harness::matrix::render(&cases));
}
