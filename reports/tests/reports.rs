//! The report writers: contents, escaping, known deviations, merge, history, benchmarks.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{DEVIATIONS, EVIL, fixture, fixture_v1, previous, synthetic};
use reports::{Class, KnownDeviations, ReportError, Results, Verdict, render_all};

fn deviations() -> KnownDeviations {
    KnownDeviations::parse(DEVIATIONS, Path::new("scenarios/known-deviations.toml")).unwrap()
}

#[test]
fn write_all_writes_three_files_with_every_case_id() {
    let dir = tempfile::tempdir().unwrap();
    let results = synthetic(600);
    let w = reports::write_all(&results, &KnownDeviations::none(), None, dir.path()).unwrap();
    let html = std::fs::read_to_string(&w.index_html).unwrap();
    let junit = std::fs::read_to_string(&w.junit_xml).unwrap();
    let md = std::fs::read_to_string(&w.summary_md).unwrap();
    for c in &results.cases {
        assert!(html.contains(&c.id), "index.html lacks {}", c.id);
        assert!(
            junit.contains(&reports::junit::xml_escape(&c.id)),
            "junit.xml lacks {}",
            c.id
        );
    }
    assert_eq!(junit.matches("<testcase ").count(), results.cases.len());
    assert!(md.starts_with("## TLS conformance: ❌"));
    assert!(!w.evaluation.ok());
}

#[test]
fn peer_strings_are_escaped() {
    let r = render_all(&fixture(), &deviations(), None, Default::default()).unwrap();
    let html = &r.index_html;
    std::fs::write(std::env::temp_dir().join("reports-escape.html"), html).unwrap();
    // Exactly three script elements: two JSON islands and the page's own script.
    assert_eq!(
        html.matches("<script").count(),
        3,
        "a peer string became markup"
    );
    assert!(!html.contains(EVIL));
    // In the header (a peer's version) it is text, escaped by the template...
    assert!(
        html.contains("&#60;script&#62;alert(&#39;pwned&#39;)&#60;/script&#62;"),
        "escaped text expected"
    );
    // ...and in the JSON island it cannot close the element.
    assert!(html.contains("\\u003cscript>alert('pwned')\\u003c/script>"));
    // JUnit and Markdown escape it too.
    assert!(!r.junit_xml.contains(EVIL));
    assert!(r.junit_xml.contains("&lt;script&gt;"));
    // Markdown: outside code spans (rendered as text) no `<` is left.
    for line in r.summary_md.lines() {
        for (k, part) in line.split('`').enumerate() {
            assert!(
                k % 2 == 1
                    || !part.contains('<')
                    || part.contains("<details>")
                    || part.contains("</details>"),
                "{line}"
            );
        }
    }
}

#[test]
fn summary_snapshot() {
    let r = render_all(
        &fixture(),
        &deviations(),
        Some(&previous()),
        Default::default(),
    )
    .unwrap();
    insta::assert_snapshot!("summary_md", r.summary_md);
}

#[test]
fn known_deviations_classify_every_case() {
    let results = fixture();
    let eval = deviations().evaluate(&results);
    let class_of = |id: &str| {
        let i = results.cases.iter().position(|c| c.id == id).unwrap();
        eval.class(i)
    };
    // Unexpected, with no entry to excuse them.
    let unexpected = [
        "certificate::expired_leaf/rustls->own",
        "certificate::expired_leaf/openssl->own",
        // MUST-level no_alert and inconclusive are gated; a crash is gated at every level.
        "alert::record_overflow/own->openssl",
        "state::ccs_after_finished/own->openssl",
    ];
    // Below the gate (hardening, SHOULD, policy): reported, not unexpected.
    let reported = [
        "record::empty_records/own->rustls",
        "alert::bad_padding/rustls->own",
        "record::incomplete_record/own->openssl",
        "certificate::serial_too_long/openssl->rustls",
    ];
    let expected = [
        (
            "interop::tls13/rustls->rustls/aes128gcm-x25519-ecdsa_p256",
            Class::ExpectedPass,
        ),
        (
            "interop::tls13/rustls->openssl/aes128gcm-x25519mlkem768-ecdsa_p256",
            Class::ExpectedSkip,
        ),
        (
            "client_hello::duplicate_extension/own->openssl",
            Class::KnownDeviation { entry: 0 },
        ),
        (
            "client_hello::truncated_extension/own->openssl",
            Class::Stale { entry: 1 },
        ),
        (
            "mitm::strip_sni/openssl->rustls",
            Class::Unexpected { entry: Some(2) },
        ),
    ]
    .into_iter()
    .chain(unexpected.map(|id| (id, Class::Unexpected { entry: None })))
    .chain(reported.map(|id| (id, Class::Reported { entry: None })));
    for (id, class) in expected {
        assert_eq!(class_of(id), class, "{id}");
    }
    assert_eq!(eval.unexpected_count(), 5);
    assert_eq!(eval.reported_count(), 4);
    assert_eq!(eval.known_count(), 2);
    assert_eq!(eval.stale.len(), 1);
    assert!(!eval.ok());
    let msgs = eval.messages().join("\n");
    assert!(
        msgs.contains("stale deviation: scenarios/known-deviations.toml #2"),
        "{msgs}"
    );
    assert!(
        msgs.contains("update scenarios/known-deviations.toml"),
        "{msgs}"
    );
    assert!(msgs.contains("unexpected fail"), "{msgs}");
}

/// One `[[deviation]]` entry of a known-deviations file (starts and ends with a newline).
fn deviation(case: &str, verdict: &str, reason: &str) -> String {
    format!("\n[[deviation]]\ncase = \"{case}\"\nverdict = \"{verdict}\"\nreason = \"{reason}\"\n")
}

fn only(results: &Results, ids: &[&str]) -> Results {
    let mut r = results.clone();
    r.cases.retain(|c| ids.contains(&c.id.as_str()));
    r
}

#[test]
fn a_new_failure_fails_the_run() {
    let all = fixture();
    // The deviation alone: ok.
    let known = only(
        &all,
        &[
            "client_hello::duplicate_extension/own->openssl",
            "client_hello::duplicate_extension/own->rustls",
        ],
    );
    let file = deviation(
        "client_hello::duplicate_extension/own->openssl",
        "alert_mismatch",
        "OpenSSL answers decode_error",
    );
    let d = KnownDeviations::parse(&file, Path::new("kd.toml")).unwrap();
    assert!(
        d.evaluate(&known).ok(),
        "{:?}",
        d.evaluate(&known).messages()
    );
    // Without the entry, the same verdict is a new failure.
    let e = KnownDeviations::none().evaluate(&known);
    assert!(!e.ok());
    assert_eq!(e.unexpected_count(), 1);
    // A listed alert that differs from the one observed is unexpected too.
    let pinned = KnownDeviations::parse(
        &format!("{file}alert = \"bad_record_mac\"\n"),
        Path::new("kd.toml"),
    )
    .unwrap();
    let e = pinned.evaluate(&known);
    assert!(!e.ok());
    assert!(
        e.messages()[0].contains("lists alert_mismatch (alert bad_record_mac)"),
        "{:?}",
        e.messages()
    );
    // Another failure next to a known deviation fails the run.
    let mut more = known.clone();
    more.cases
        .extend(only(&all, &["certificate::expired_leaf/rustls->own"]).cases);
    assert!(!d.evaluate(&more).ok());
}

#[test]
fn a_listed_deviation_that_now_passes_fails_the_run() {
    let all = fixture();
    let file = deviation(
        "client_hello::truncated_extension/*->openssl",
        "alert_mismatch",
        "OpenSSL answered illegal_parameter",
    );
    let d = KnownDeviations::parse(&file, Path::new("scenarios/known-deviations.toml")).unwrap();
    let r = only(&all, &["client_hello::truncated_extension/own->openssl"]);
    assert_eq!(r.cases[0].verdict, Verdict::Pass);
    let e = d.evaluate(&r);
    assert!(!e.ok());
    assert_eq!(e.unexpected_count(), 0);
    assert_eq!(e.stale.len(), 1);
    assert_eq!(
        e.stale[0].cases,
        vec![(
            "client_hello::truncated_extension/own->openssl".to_string(),
            Verdict::Pass
        )]
    );
    let msgs = e.messages().join("\n");
    assert!(
        msgs.contains("no longer happens")
            && msgs.contains("update scenarios/known-deviations.toml"),
        "{msgs}"
    );
    // An entry that matches no case of this run (another shard, a filtered run) is not stale.
    let other = only(
        &all,
        &["interop::tls13/rustls->rustls/aes128gcm-x25519-ecdsa_p256"],
    );
    assert!(d.evaluate(&other).ok());
}

#[test]
fn deviation_file_errors_name_file_entry_and_field() {
    let p = Path::new("scenarios/known-deviations.toml");
    let err = |text: &str| KnownDeviations::parse(text, p).unwrap_err().to_string();
    let e = err("[[deviation]]\ncase = \"a::b/*\"\nverdict = \"alert_mismatch\"\n");
    assert!(
        e.contains("scenarios/known-deviations.toml")
            && e.contains("deviation #1")
            && e.contains("`reason`"),
        "{e}"
    );
    let e = err(
        "[[deviation]]\ncase = \"a\"\nverdict = \"fail\"\nreason = \"r\"\n[[deviation]]\ncase = \"b\"\nverdict = \"passed\"\nreason = \"r\"\n",
    );
    assert!(
        e.contains("deviation #2") && e.contains("`verdict`") && e.contains("`passed`"),
        "{e}"
    );
    let e = err("[[deviation]]\ncase = \"a\"\nverdict = \"fail\"\nreason = \"  \"\n");
    assert!(e.contains("`reason`") && e.contains("empty"), "{e}");
    let e = err("[[deviation]]\nverdict = \"fail\"\nreason = \"r\"\n");
    assert!(e.contains("`case`") && e.contains("missing"), "{e}");
    let e = err("[[deviation]]\ncase = \"a\"\nverdict = \"fail\"\nreason = \"r\"\nalert = \"x\"\n");
    assert!(e.contains("`alert`"), "{e}");
    let e =
        err("[[deviation]]\ncase = \"a\"\nverdict = \"fail\"\nreason = \"r\"\nreasons = \"x\"\n");
    assert!(
        e.contains("`reasons`") && e.contains("unknown field"),
        "{e}"
    );
    let e = err("deviation = 3\n");
    assert!(e.contains("array of tables"), "{e}");
    let e = err("[[deviation]\n");
    assert!(e.contains("not valid TOML"), "{e}");
    let e = KnownDeviations::load(Path::new("/nonexistent/kd.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/kd.toml"), "{e}");
    // The file of the repository loads.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/known-deviations.toml");
    KnownDeviations::load(&repo).unwrap();
}

#[test]
fn history_marks_changed_verdicts() {
    let r = render_all(
        &fixture(),
        &deviations(),
        Some(&previous()),
        Default::default(),
    )
    .unwrap();
    assert_eq!(r.changed, 2);
    assert!(r.index_html.contains(r#""prev":"alert_mismatch""#));
    assert!(r.index_html.contains(r#"["certificate::expired_leaf/rustls->own","certificate","certificate::expired_leaf","rustls","own","fail","unexpected","pass","#));
    assert!(r.index_html.contains("<option value=\"changed\">"));
    assert!(
        r.summary_md
            .contains("### Changed since the previous run (2)")
    );
    assert!(
        r.junit_xml
            .contains("verdict changed since the previous run: pass -&gt; fail")
    );
    let none = render_all(
        &fixture(),
        &deviations(),
        Some(&fixture()),
        Default::default(),
    )
    .unwrap();
    assert_eq!(none.changed, 0);
}

fn write_results(dir: &Path, name: &str, r: &Results) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    r.write(&d.join("results.json")).unwrap();
    d
}

#[test]
fn merge_joins_shards_in_run_order() {
    let dir = tempfile::tempdir().unwrap();
    let whole = synthetic(103);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let mut r = whole.clone();
        r.run.shard = Some(format!("{k}/3"));
        r.cases = whole
            .cases
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 == k - 1)
            .map(|(_, c)| c.clone())
            .collect();
        shards.push(r);
    }
    // Given in any order, directories or files.
    let paths = vec![
        write_results(dir.path(), "s3", &shards[2]),
        write_results(dir.path(), "s1", &shards[0]).join("results.json"),
        write_results(dir.path(), "s2", &shards[1]),
    ];
    let merged = reports::merge(&paths).unwrap();
    assert_eq!(merged.cases, whole.cases);
    assert_eq!(merged.run.shard, None);

    // Re-runs of the same cases: de-duplicated, first kept.
    let again = reports::merge(&[paths[0].clone(), paths[0].clone()]).unwrap();
    assert_eq!(again.cases.len(), shards[2].cases.len());

    // A conflicting duplicate is an error naming the case and both files.
    let mut conflict = shards[2].clone();
    conflict.run.shard = None;
    conflict.cases[0].verdict = Verdict::Error;
    let p = write_results(dir.path(), "conflict", &conflict);
    let e = reports::merge(&[paths[0].clone(), p])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&conflict.cases[0].id) && e.contains("conflict/results.json"),
        "{e}"
    );

    // Another commit or seed is not the same run.
    let mut other = shards[0].clone();
    other.run.git = "fffffff".into();
    let p = write_results(dir.path(), "other", &other);
    let e = reports::merge(&[paths[0].clone(), p]).unwrap_err();
    assert!(
        matches!(e, ReportError::Merge { .. }) && e.to_string().contains("git fffffff"),
        "{e}"
    );

    // A broken file is named.
    std::fs::write(dir.path().join("broken.json"), "{ not json").unwrap();
    let e = reports::merge(&[dir.path().join("broken.json")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.json"), "{e}");
    assert!(reports::merge(&[]).is_err());
}

#[test]
fn bench_json_draws_the_latest_run_per_kind() {
    let dir = tempfile::tempdir().unwrap();
    // An older bench.json: `ratio` only (no floor, no instruction counts, no history).
    let bench = r#"{ "schema_version": 1, "baseline": "rustls->rustls", "entries": [
        { "pairing": "rustls->rustls", "kind": "full", "transport": "memory", "samples": 200, "median_us": 800.0, "mean_us": 820.5, "ratio": 1.0 },
        { "pairing": "rustls->openssl", "kind": "full", "transport": "memory", "samples": 200, "median_us": 1010.0, "mean_us": 1100.0, "ratio": 1.2625 },
        { "pairing": "own->rustls", "kind": "full", "transport": "memory", "samples": 200, "median_us": 905.0, "mean_us": 930.0, "ratio": 1.13 },
        { "pairing": "rustls->rustls", "kind": "full", "transport": "tcp", "samples": 200, "median_us": 950.0, "mean_us": 960.0, "ratio": 1.0 },
        { "pairing": "rustls->rustls", "kind": "resumed", "transport": "memory", "samples": 200, "median_us": 300.0, "mean_us": 310.0, "ratio": 1.0 },
        { "pairing": "rustls->openssl", "kind": "resumed", "transport": "memory", "samples": 200, "median_us": 420.0, "mean_us": 450.0, "ratio": 1.4 } ] }"#;
    // It validates against its schema.
    let schema: serde_json::Value = serde_json::from_str(reports::BENCH_SCHEMA).unwrap();
    let value: serde_json::Value = serde_json::from_str(bench).unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&value));
    std::fs::write(dir.path().join("bench.json"), bench).unwrap();
    let w = reports::write_all(&fixture(), &deviations(), None, dir.path()).unwrap();
    let html = std::fs::read_to_string(w.index_html).unwrap();
    assert!(html.contains("<h2>Benchmarks"));
    // One table per kind (a transport other than memory is a kind of its own), in file order.
    let kinds: Vec<&str> = html
        .split("<div class=\"bkind\" data-kind=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(kinds, ["full", "full (tcp)", "resumed"]);
    assert!(html.contains("<th>rustls→openssl</th><td>1010.0</td><td>1.26</td><td>–</td><td title=\"not measured (no valgrind)\">–</td>"));
    assert!(html.contains("<th>rustls→openssl</th><td>420.0</td><td>1.40</td>"));
    assert!(html.contains("No bench-history.jsonl beside the results: no trends yet"));
    assert!(!html.contains("<polyline"));
    // Without bench.json: no section.
    let r = render_all(&fixture(), &deviations(), None, Default::default()).unwrap();
    assert!(!r.index_html.contains("id=\"benchmarks\""));
    // A broken bench.json is an error naming it.
    std::fs::write(dir.path().join("bench.json"), "{\"schema_version\": 1}").unwrap();
    let e = reports::write_all(&fixture(), &deviations(), None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bench.json"), "{e}");
}

/// The validator of the results schema.
fn results_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(reports::RESULTS_SCHEMA).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Every place where `value` breaks the schema, with its path.
fn schema_errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn written_results_with_artifacts_validate() {
    let mut r = fixture();
    r.cases[0].pcap = Some("captures/case0.pcapng".into());
    r.cases[0].keylog = Some("captures/case0.keys".into());
    r.cases[1].pcap = Some("javascript:alert(1)".into());
    let value = serde_json::to_value(&r).unwrap();
    let errors = schema_errors(&results_validator(), &value);
    assert!(errors.is_empty(), "{errors:#?}");
    let html = render_all(&r, &deviations(), None, Default::default())
        .unwrap()
        .index_html;
    assert!(
        html.contains("\"pcap\":\"captures/case0.pcapng\"")
            && html.contains("\"keylog\":\"captures/case0.keys\"")
    );
    assert!(
        !html.contains("javascript:alert"),
        "unsafe links are dropped"
    );
}

#[test]
fn a_version_1_results_file_reads_renders_merges_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = fixture_v1();
    let p = write_results(dir.path(), "v1", &v1).join("results.json");
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(
        text.contains("\"schema_version\": 1") && !text.contains("\"level\""),
        "a v1 file, no v2 fields"
    );
    let read = Results::read(&p).unwrap();
    assert_eq!(read, v1);
    // Rendered with v2 code: no levels, so every non-pass verdict is gated (as v1 was).
    let r = render_all(&read, &deviations(), None, Default::default()).unwrap();
    assert_eq!(r.evaluation.reported_count(), 0);
    assert!(r.index_html.contains(&v1.cases[0].id));
    assert!(
        r.summary_md.contains("no level") || !r.summary_md.contains("**MUST**"),
        "{}",
        r.summary_md
    );
    // A v2 run compares against a v1 previous run: the one case whose verdict differs.
    let mut before = read.clone();
    let flipped = before
        .cases
        .iter()
        .position(|c| c.verdict == Verdict::Pass)
        .unwrap();
    before.cases[flipped].verdict = Verdict::Fail;
    let now = render_all(&fixture(), &deviations(), Some(&before), Default::default()).unwrap();
    assert_eq!(now.changed, 1);
    // Shards of one run share their schema version: v1 with v2 is refused, naming the files.
    let mut v2 = fixture();
    v2.cases.retain(|c| !v1.cases.iter().any(|x| x.id == c.id));
    let q = write_results(dir.path(), "v2", &v2).join("results.json");
    let e = reports::merge(&[p.clone(), q]).unwrap_err().to_string();
    assert!(
        e.contains("schema_version") && e.contains("v1/results.json"),
        "{e}"
    );
    // v1 shards alone merge, written at the current version with their cases unchanged.
    let merged = reports::merge(&[p]).unwrap();
    assert_eq!(merged.schema_version, reports::SCHEMA_VERSION);
    assert_eq!(merged.cases, v1.cases);
}

#[test]
fn results_with_every_verdict_validate_against_the_schema() {
    let validator = results_validator();
    let results = fixture();
    for v in Verdict::ALL {
        assert!(
            results.cases.iter().any(|c| c.verdict == v),
            "the fixture lacks {v}"
        );
    }
    let value = serde_json::to_value(&results).unwrap();
    let errors = schema_errors(&validator, &value);
    assert!(errors.is_empty(), "{errors:#?}");
    let mut bad = value.clone();
    bad["cases"][9]["level"] = "must".into();
    assert!(
        !validator.is_valid(&bad),
        "an unknown level must not validate"
    );
}

#[test]
fn a_reported_difference_is_no_junit_failure_but_a_must_fail_is() {
    let r = render_all(&fixture(), &deviations(), None, Default::default()).unwrap();
    let x = &r.junit_xml;
    let case = |id: &str| {
        let start = x
            .find(&format!("name=\"{}\"", reports::html_escape(id)))
            .unwrap_or_else(|| panic!("{id} in junit"));
        let end = x[start..].find("</testcase>").unwrap() + start;
        x[start..end].to_string()
    };
    let reported = case("record::empty_records/own->rustls");
    assert!(
        !reported.contains("<failure") && !reported.contains("<error"),
        "{reported}"
    );
    assert!(
        reported.contains("reported: fail at hardening level (not gated; --strict gates it)"),
        "{reported}"
    );
    let must = case("certificate::expired_leaf/rustls->own");
    assert!(
        must.contains("<failure message=\"fail at MUST level"),
        "{must}"
    );
    // --strict gates the reported one too.
    let strict = render_all(
        &fixture(),
        &deviations().with_strict(true),
        None,
        Default::default(),
    )
    .unwrap();
    assert_eq!(strict.evaluation.reported_count(), 0);
    assert!(strict.evaluation.unexpected_count() > r.evaluation.unexpected_count());
}

#[test]
fn the_self_test_line_is_drawn_from_selftest_json_and_a_broken_file_is_named() {
    use reports::selftest::{SELFTEST_SCHEMA, SelfTestSummary};
    let dir = tempfile::tempdir().unwrap();
    let test = reports::SelfTest {
        schema_version: SELFTEST_SCHEMA,
        started: "2026-12-04T22:00:00Z".into(),
        git: "abc1234".into(),
        duration_ms: 1.0,
        summary: SelfTestSummary {
            controls_run: 7,
            caught: 6,
            missed: 1,
            not_run: 0,
            rejection_scenarios: 10,
            uncontrolled: 3,
        },
        controls: Vec::new(),
        uncontrolled: vec!["a::b".into(), "a::c".into(), "a::d".into()],
    };
    std::fs::write(
        dir.path().join("selftest.json"),
        serde_json::to_string(&test).unwrap(),
    )
    .unwrap();
    let w = reports::write_all(&fixture(), &deviations(), None, dir.path()).unwrap();
    let html = std::fs::read_to_string(&w.index_html).unwrap();
    assert!(
        html.contains(r#"<p class="selftest bad" id="selftest">self-test: 7 controls run, 6 caught, 1 missed; 3 of 10 rejection scenarios uncontrolled (abc1234, 2026-12-04T22:00:00Z)</p>"#),
        "{}",
        html.lines().find(|l| l.contains("selftest")).unwrap_or("no selftest line")
    );
    std::fs::write(dir.path().join("selftest.json"), "{").unwrap();
    let e = reports::write_all(&fixture(), &deviations(), None, dir.path()).unwrap_err();
    assert!(
        e.to_string()
            .contains("selftest.json: not a selftest.json file"),
        "{e}"
    );
}
