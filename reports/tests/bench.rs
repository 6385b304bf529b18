//! The "Benchmarks" section of index.html: the latest run per kind, a trend chart per pairing
//! from bench-history.jsonl, malformed history lines skipped and named.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{FULL, RESUMED, bench_history, fixture};
use reports::{Benchmarks, KnownDeviations};

/// Writes the files into a directory and renders the report there, as `write_all` does after
/// a run.
fn report_with(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let w = reports::write_all(&fixture(), &KnownDeviations::none(), None, dir.path()).unwrap();
    std::fs::read_to_string(w.index_html).unwrap()
}

/// The part of the page about one kind.
fn kind_block<'a>(html: &'a str, kind: &str) -> &'a str {
    let start = html
        .find(&format!("<div class=\"bkind\" data-kind=\"{kind}\">"))
        .unwrap_or_else(|| panic!("no block for {kind}"));
    let rest = &html[start..];
    let end = rest[1..]
        .find("<div class=\"bkind\"")
        .or_else(|| rest.find("</section>"))
        .unwrap();
    &rest[..end]
}

/// The `points` of every polyline, each as a list of (x, y).
fn polylines(block: &str) -> Vec<Vec<(f64, f64)>> {
    block
        .split("<polyline class=\"line\" points=\"")
        .skip(1)
        .map(|s| {
            s.split('"')
                .next()
                .unwrap()
                .split(' ')
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

#[test]
fn history_draws_the_latest_table_and_a_trend_per_pairing() {
    let html = report_with(&[("bench-history.jsonl", &bench_history())]);
    assert!(html.contains("<section class=\"bench\" id=\"benchmarks\">"));
    assert!(html.contains("<h2>Benchmarks"));
    assert!(
        html.contains("<b>ratio to rustls→rustls</b>") && html.contains("±20%"),
        "the section says why ratios"
    );
    assert!(html.contains("3 run(s) in bench-history.jsonl"));
    assert!(
        !html.contains("class=\"note bad bnotes\""),
        "no line was skipped"
    );

    // The latest run of FULL is the third line: its values, the floor's, the instruction count.
    let full = kind_block(&html, FULL);
    assert!(
        full.contains(
            "latest run: bench-history.jsonl line 3 · 2026-11-26 10:00 UTC · aaa0002 · --quick"
        ),
        "{full}"
    );
    assert!(full.contains(
        "<tr data-pairing=\"own-&#62;rustls\"><th>own→rustls</th><td>512.3</td><td>1.07</td><td>1.42</td><td title=\"4629000\">4.63 M</td></tr>"
    ), "{full}");
    assert!(full.contains("<tr data-pairing=\"rustls-&#62;rustls\"><th>rustls→rustls</th><td>478.8</td><td>1.00</td><td>1.33</td><td title=\"not measured (no valgrind)\">–</td></tr>"));
    assert!(full.contains("<tr data-pairing=\"floor\" class=\"floor\"><th>crypto floor</th><td>360.5</td><td>0.75</td><td>1.00</td><td title=\"3252211\">3.25 M</td></tr>"));
    assert_eq!(full.matches("<tr data-pairing=").count(), 4);

    // One chart per pairing and the floor, each over the three runs, at the same x.
    assert_eq!(
        full.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\"")
            .count(),
        4
    );
    let lines = polylines(full);
    assert_eq!(lines.len(), 4);
    for l in &lines {
        assert_eq!(l.len(), 3, "{l:?}");
        assert_eq!(
            l.iter().map(|p| p.0).collect::<Vec<_>>(),
            lines[0].iter().map(|p| p.0).collect::<Vec<_>>()
        );
    }
    // own->own's ratio falls (1.10, 1.08, 1.06): its line goes down the page (y grows);
    // own->rustls's rises. rustls->rustls is drawn in µs: 480, 470, 478.8.
    assert!(
        lines[0].windows(2).all(|w| w[1].1 > w[0].1),
        "{:?}",
        lines[0]
    );
    assert!(
        lines[1].windows(2).all(|w| w[1].1 < w[0].1),
        "{:?}",
        lines[1]
    );
    assert!(
        lines[2][1].1 > lines[2][0].1 && lines[2][2].1 < lines[2][1].1,
        "{:?}",
        lines[2]
    );
    assert!(full.contains("aria-label=\"own→rustls: ratio to rustls→rustls over 3 run(s)\""));
    assert!(full.contains("aria-label=\"rustls→rustls: median µs over 3 run(s)\""));
    assert!(full.contains("aria-label=\"crypto floor: ratio to rustls→rustls over 3 run(s)\""));
    assert!(full.contains("<b>own→rustls</b> <span class=\"muted\">× rustls→rustls</span><br><span class=\"muted\">latest ×1.07 · first ×1.05</span>"));
    // Each point names its run; the quick run is drawn hollow.
    assert!(full.contains("<title>2026-11-24 10:00 UTC · aaa0000&#10;×1.050 rustls→rustls · ×1.42 floor · 500.0 µs</title>"), "{full}");
    assert_eq!(full.matches("<circle class=\"pt quick\"").count(), 4);
    assert_eq!(full.matches("<circle class=\"pt\"").count(), 8);
    // The x axis names the first and the last run.
    assert!(full.contains(">11-24 10:00</text>") && full.contains(">aaa0000</text>"));
    assert!(full.contains(">11-26 10:00</text>") && full.contains(">aaa0002</text>"));
    assert!(full.contains("Trend over 3 run(s) with this kind."));

    // RESUMED was not in the last run: its table is the second line's, its trend two runs.
    let resumed = kind_block(&html, RESUMED);
    assert!(
        resumed.contains("latest run: bench-history.jsonl line 2 · 2026-11-25 10:00 UTC · aaa0001"),
        "{resumed}"
    );
    assert!(resumed.contains("<th>own→rustls</th><td>245.0</td><td>1.18</td><td>2.20</td><td title=\"1000000\">1.00 M</td>"));
    let lines = polylines(resumed);
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l.len() == 2), "{lines:?}");
    assert!(resumed.contains("Trend over 2 run(s) with this kind."));
}

#[test]
fn malformed_history_lines_are_skipped_and_named() {
    let good: Vec<String> = bench_history().lines().map(str::to_string).collect();
    let missing = good[1].replacen("\"median_us\":520.0", "\"median\":520.0", 1);
    // Lines: run, broken JSON, run, a run lacking a field, blank, run, not UTF-8 is tested in
    // the crate; a run with a negative time.
    let negative = good[2].replacen("\"median_us\":510.0", "\"median_us\":-510.0", 1);
    let text = format!(
        "{}\n{{ \"run\": \n{}\n{missing}\n\n{}\n{negative}\n",
        good[0], good[1], good[2]
    );
    let html = report_with(&[("bench-history.jsonl", &text)]);
    assert!(
        html.contains("<section class=\"bench\" id=\"benchmarks\">"),
        "the report still has the section"
    );
    assert!(
        html.contains(
            "<li>bench-history.jsonl line 2 skipped: EOF while parsing a value (column 8)</li>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<li>bench-history.jsonl line 4 skipped: missing field `median_us` (column"),
        "a missing field is named"
    );
    assert!(html.contains("<li>bench-history.jsonl line 7 skipped: pairings[0]: median_us and ratios must be finite and &#62;= 0</li>"));
    assert!(
        !html.contains("line 5 skipped"),
        "a blank line is no run and no error"
    );
    assert!(html.contains("3 run(s) in bench-history.jsonl"));
    // The three good runs are drawn (lines 1, 3, 6); the latest table is line 6's.
    let full = kind_block(&html, FULL);
    assert!(
        full.contains("latest run: bench-history.jsonl line 6 · "),
        "{full}"
    );
    assert!(polylines(full).iter().all(|l| l.len() == 3));

    // Nothing readable at all: the notes are shown, the report is written.
    let html = report_with(&[("bench-history.jsonl", "not json\n[]\n")]);
    assert!(html.contains("line 1 skipped") && html.contains("line 2 skipped"));
    assert!(html.contains("0 run(s) in bench-history.jsonl"));
    assert!(!html.contains("<div class=\"bkind\""));
}

#[test]
fn bench_json_is_the_latest_run_and_history_the_trend() {
    // bench.json as the ratio mode writes it, for the run of history line 3 but with other
    // numbers, so that one can tell which file a value came from.
    let bench = format!(
        r#"{{ "schema_version": 1, "baseline": "rustls->rustls",
        "entries": [
          {{ "pairing": "own->rustls", "kind": "{FULL}", "transport": "memory", "samples": 201, "median_us": 600.25,
             "mean_us": 610.0, "ratio": 1.11, "client": "own", "server": "rustls", "ratio_to_rustls": 1.11,
             "ratio_to_floor": 1.5, "instructions": null }},
          {{ "pairing": "rustls->rustls", "kind": "{FULL}", "transport": "memory", "samples": 201, "median_us": 540.0,
             "mean_us": 545.0, "ratio": 1.0, "client": "rustls", "server": "rustls", "ratio_to_rustls": 1.0,
             "ratio_to_floor": 1.35, "instructions": 4100000 }} ],
        "floor": [ {{ "kind": "{FULL}", "median_us": 400.0, "ratio_to_rustls": 0.74, "instructions": null }} ],
        "run": {{ "started": "2026-11-26T10:00:00.5Z", "git": "aaa0002", "quick": false, "slow_own": false, "callgrind_iters": 10 }} }}"#
    );
    let schema: serde_json::Value = serde_json::from_str(reports::BENCH_SCHEMA).unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&serde_json::from_str(&bench).unwrap())
    );
    let html = report_with(&[
        ("bench.json", &bench),
        ("bench-history.jsonl", &bench_history()),
    ]);
    let full = kind_block(&html, FULL);
    assert!(
        full.contains("latest run: bench.json · 2026-11-26 10:00 UTC · aaa0002 · 201 samples"),
        "{full}"
    );
    assert!(full.contains("<th>own→rustls</th><td>600.2</td><td>1.11</td><td>1.50</td><td title=\"not measured (no valgrind)\">–</td>"), "{full}");
    assert!(full.contains("<th>rustls→rustls</th><td>540.0</td><td>1.00</td><td>1.35</td><td title=\"4100000\">4.10 M</td>"));
    assert!(full.contains("<th>crypto floor</th><td>400.0</td><td>0.74</td>"));
    // The trends are the history's: own->own is in the history only and is drawn after
    // bench.json's pairings.
    assert_eq!(polylines(full).len(), 4);
    let order: Vec<usize> = [
        "<b>own→rustls</b>",
        "<b>rustls→rustls</b>",
        "<b>own→own</b>",
        "<b>crypto floor</b>",
    ]
    .iter()
    .map(|s| full.find(s).unwrap_or_else(|| panic!("no chart {s}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(
        html.contains(&format!("data-kind=\"{RESUMED}\"")),
        "kinds of the history only are shown too"
    );

    // bench.json alone: the table, and the note that there is no history.
    let html = report_with(&[("bench.json", &bench)]);
    assert!(html.contains("No bench-history.jsonl beside the results: no trends yet"));
    assert!(kind_block(&html, FULL).contains("<td>600.2</td>"));
    assert!(!html.contains("<polyline"));
}

#[test]
fn bench_strings_are_escaped() {
    let evil = common::EVIL;
    // In a kind, a server's name (own->own's) and a commit.
    let text = bench_history()
        .replace(FULL, evil)
        .replace(
            "\"server\":\"own\"",
            &format!("\"server\":{}", serde_json::to_string(evil).unwrap()),
        )
        .replace("aaa0002", &format!("aaa{evil}"));
    let html = report_with(&[("bench-history.jsonl", &text)]);
    assert!(
        !html.contains(evil),
        "a kind, pairing or commit became markup"
    );
    assert_eq!(html.matches("<script").count(), 3);
    // In the SVG (escaped in Rust): the chart's label, the x axis (commits are cut at 24
    // characters), and by the template: the kind's heading and the table.
    assert!(html.contains("aria-label=\"own→&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;: ratio to rustls→rustls over 3 run(s)\""));
    assert!(
        html.contains(">aaa&lt;script&gt;alert(&#39;pwned&#39;</text>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<h3><code>&#60;script&#62;alert(&#39;pwned&#39;)&#60;/script&#62;</code></h3>"
        )
    );
    assert!(html.contains("<th>own→&#60;script&#62;alert(&#39;pwned&#39;)&#60;/script&#62;</th>"));
}

#[test]
fn benchmarks_are_read_when_either_file_exists() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Benchmarks::read_in(dir.path()).unwrap(), None);
    std::fs::write(dir.path().join("bench-history.jsonl"), bench_history()).unwrap();
    let b = Benchmarks::read_in(dir.path()).unwrap().unwrap();
    assert!(b.latest.is_none());
    let h = b.history.unwrap();
    assert_eq!(h.runs.len(), 3);
    assert_eq!(h.runs[2].line, 3);
    assert!(h.runs[2].run.quick);
    // A broken bench.json stays an error naming it.
    std::fs::write(dir.path().join("bench.json"), "{\"schema_version\": 1}").unwrap();
    let e = Benchmarks::read_in(Path::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bench.json"), "{e}");
}
