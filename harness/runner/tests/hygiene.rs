//! Runner hygiene: a run leaves no thread, socket or child process behind, and a verdict
//! that changes between repeated runs is reported as a flake.

mod common;

use std::time::{Duration, Instant};

use reports::{CaseResult, Verdict};

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn children() -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
                // Field 4 of /proc/PID/stat is the parent pid (after the `(comm)` field).
                stat.rsplit_once(") ")
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(|ppid| ppid == me))
                    .unwrap_or(false)
            })
        })
        .count()
}

/// Waits until `f()` is back at `start` or the time is up; returns the last value.
fn settle(start: usize, f: impl Fn() -> usize) -> usize {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let now = f();
        if now <= start || Instant::now() > until {
            return now;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_run_leaves_no_threads_sockets_or_processes() {
    let cases = common::catalogue_cases(
        |s| {
            [
                "interop::tls13_hrr",
                "interop::alpn_no_overlap",
                "certificate::expired",
                "mitm::truncate",
            ]
            .contains(&s.id.as_str())
        },
        &["own", "rustls", "openssl", "openssl-cli"],
    );
    assert!(cases.len() > 40);
    // Warm-up: lazily built certificate caches and the like stay for the process.
    let _ = common::run_cases(cases.clone(), &common::quick());
    let fds = count("/proc/self/fd");
    let threads = count("/proc/self/task");
    let kids = children();
    let mut opts = common::quick();
    opts.deadline = Duration::from_secs(10);
    let results = common::run_cases(cases, &opts);
    assert!(
        results.iter().all(|r| r.verdict != Verdict::Error),
        "{:#?}",
        results
            .iter()
            .filter(|r| r.verdict == Verdict::Error)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        settle(fds, || count("/proc/self/fd")),
        fds,
        "file descriptors left open"
    );
    assert_eq!(
        settle(threads, || count("/proc/self/task")),
        threads,
        "threads left running"
    );
    assert_eq!(settle(kids, children), kids, "child processes left behind");
}

fn case(id: &str, verdict: Verdict) -> CaseResult {
    common::case_result(id, "f::s", "a", "b", verdict)
}

#[test]
fn a_changed_verdict_is_a_flake() {
    let mut first = vec![
        case("f::s/a->b/1", Verdict::Pass),
        case("f::s/a->b/2", Verdict::Fail),
    ];
    let again = vec![
        case("f::s/a->b/1", Verdict::Pass),
        case("f::s/a->b/2", Verdict::Pass),
    ];
    harness::run::mark_flakes(&mut first, &again, 2);
    assert_eq!(first[0].verdict, Verdict::Pass);
    assert_eq!(first[1].verdict, Verdict::Error);
    let reason = first[1].reason.as_deref().unwrap();
    assert!(
        reason.starts_with("flaky: fail in the first run, pass in run 2"),
        "{reason}"
    );
}

#[test]
fn shards_merged_equal_one_run() {
    let cases = common::catalogue_cases(
        |s| s.id == "interop::tls13_client_auth" || s.id == "certificate::expired",
        &["own", "rustls", "openssl"],
    );
    let run = |cases: Vec<harness::run::Case>| common::run_cases(cases, &common::quick());
    let info = |shard: Option<&str>| reports::RunInfo {
        started: "2026-11-27T00:00:00Z".into(),
        git: "test".into(),
        seed: 0,
        peers: Default::default(),
        shard: shard.map(str::to_string),
        duration_ms: None,
    };
    let whole = run(cases.clone());
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for k in 1..=3 {
        let shard: harness::run::Shard = format!("{k}/3").parse().unwrap();
        let results = reports::Results {
            schema_version: reports::SCHEMA_VERSION,
            run: info(Some(&shard.to_string())),
            cases: run(shard.select(cases.clone())),
        };
        let d = dir.path().join(format!("shard-{k}"));
        harness::run::write_results(&d, &results).unwrap();
        paths.push(d);
    }
    let merged = reports::merge(&paths).unwrap();
    let ids = |v: &[CaseResult]| {
        v.iter()
            .map(|c| (c.id.clone(), c.verdict))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&merged.cases),
        ids(&whole),
        "merged shards differ from one run (ids, order, verdicts)"
    );
}
