//! The "Benchmarks" section of `index.html`: per kind, a table of the latest run and one
//! small trend chart (inline SVG) per pairing over the runs of `bench-history.jsonl`.
//!
//! The trend line of a pairing is its ratio to rustls->rustls measured in the same samples:
//! absolute times swing by about ±20% between runs on a shared machine, the ratio much less.
//! rustls->rustls itself (ratio 1 by definition) is drawn in median µs: the machine's drift.

use std::fmt::Write as _;

use crate::bench::{BenchResults, BenchRun, Benchmarks, FloorEntry, RUSTLS_BASELINE};
use crate::bench_history::{BenchHistory, HISTORY_FILE, HistoryRun};
use crate::html_escape;

/// Runs drawn per kind (the latest ones).
pub(crate) const MAX_RUNS: usize = 40;
/// Skipped history lines listed before "and N more".
const NOTES_MAX: usize = 10;

pub(crate) struct BenchView {
    /// Where the trends come from, or why there are none.
    pub history: String,
    /// Skipped history lines, an unreadable history file.
    pub notes: Vec<String>,
    pub kinds: Vec<KindView>,
}

pub(crate) struct KindView {
    pub kind: String,
    /// Which run the table shows.
    pub latest: String,
    pub rows: Vec<RowView>,
    pub trends: Vec<TrendView>,
    /// Runs the trends cover, or why there are none.
    pub trend_note: String,
}

pub(crate) struct RowView {
    /// `client->server` as in the files (`floor` for the crypto floor).
    pub key: String,
    /// For people: `client→server`.
    pub pairing: String,
    pub median: String,
    pub to_rustls: String,
    pub to_floor: String,
    pub instructions: String,
    /// The exact count, for the cell's title.
    pub instructions_exact: String,
    pub floor: bool,
}

pub(crate) struct TrendView {
    pub pairing: String,
    /// What the line is: "× rustls→rustls" or "median µs".
    pub unit: &'static str,
    /// The last value drawn and the first.
    pub latest: String,
    pub svg: String,
}

/// `client->server` as `client→server`.
fn arrow(pairing: &str) -> String {
    pairing.replacen("->", "→", 1)
}

fn ratio_text(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}")).unwrap_or_else(|| "–".into())
}

fn instructions_text(c: Option<u64>) -> (String, String) {
    match c {
        Some(c) => (format!("{:.2} M", c as f64 / 1e6), c.to_string()),
        None => ("–".into(), "not measured (no valgrind)".into()),
    }
}

/// `2026-11-27T01:55:27.78Z` as `2026-11-27 01:55` (UTC); anything else as it is.
fn when(run: &BenchRun) -> String {
    match run.started.as_deref() {
        Some(s)
            if s.len() >= 16 && s.as_bytes().get(10) == Some(&b'T') && s.is_char_boundary(16) =>
        {
            format!("{} UTC", s[..16].replacen('T', " ", 1))
        }
        Some(s) if !s.is_empty() => s.chars().take(40).collect(),
        _ => "unknown time".into(),
    }
}

fn commit(run: &BenchRun) -> String {
    run.git
        .as_deref()
        .filter(|g| !g.is_empty())
        .map(|g| g.chars().take(24).collect())
        .unwrap_or_else(|| "no commit".into())
}

fn run_text(run: &BenchRun) -> String {
    let mut s = format!("{} · {}", when(run), commit(run));
    if run.quick {
        s.push_str(" · --quick");
    }
    if run.slow_own {
        s.push_str(" · bench-slow-own build");
    }
    s
}

/// The kind a `bench.json` entry is grouped under: its kind, with the transport when that is
/// not `memory` (the history is in memory only).
fn kind_key(kind: &str, transport: Option<&str>) -> String {
    match transport {
        Some(t) if t != "memory" => format!("{kind} ({t})"),
        _ => kind.to_string(),
    }
}

/// One pairing's figures: its key as in `bench.json` (e.g. `own-own`), median, ratio to
/// rustls, ratio to the floor, instructions.
type Figures = (String, f64, Option<f64>, Option<f64>, Option<u64>);

/// The rows of one kind: its pairings, then the crypto floor.
fn rows(pairings: impl Iterator<Item = Figures>, floor: &[FloorEntry], kind: &str) -> Vec<RowView> {
    let floor = floor.iter().filter(|f| f.kind == kind).map(|f| {
        let (instructions, instructions_exact) = instructions_text(f.instructions);
        RowView {
            key: "floor".into(),
            pairing: FLOOR.into(),
            median: format!("{:.1}", f.median_us),
            to_rustls: ratio_text(f.ratio_to_rustls),
            to_floor: "1.00".into(),
            instructions,
            instructions_exact,
            floor: true,
        }
    });
    pairings
        .map(|(key, median_us, to_rustls, to_floor, instructions)| {
            let (instructions, instructions_exact) = instructions_text(instructions);
            RowView {
                pairing: arrow(&key),
                key,
                median: format!("{median_us:.1}"),
                to_rustls: ratio_text(to_rustls),
                to_floor: ratio_text(to_floor),
                instructions,
                instructions_exact,
                floor: false,
            }
        })
        .chain(floor)
        .collect()
}

fn rows_from_bench(b: &BenchResults, kind: &str) -> Vec<RowView> {
    let baseline = b.baseline.as_deref();
    let pairings = b
        .entries
        .iter()
        .filter(|e| kind_key(&e.kind, e.transport.as_deref()) == kind)
        .map(|e| {
            (
                e.pairing.clone(),
                e.median_us,
                e.to_rustls(baseline),
                e.ratio_to_floor,
                e.instructions,
            )
        });
    rows(pairings, &b.floor, kind)
}

fn rows_from_run(run: &HistoryRun, kind: &str) -> Vec<RowView> {
    let pairings = run.pairings.iter().filter(|p| p.kind == kind);
    let figures = pairings.map(|p| {
        (
            p.pairing(),
            p.median_us,
            Some(p.ratio_to_rustls),
            p.ratio_to_floor,
            p.instructions,
        )
    });
    rows(figures, &run.floor, kind)
}

/// One point of a trend: where in the kind's runs, the value drawn, its tooltip, the run.
struct Point<'a> {
    x: usize,
    y: f64,
    tip: String,
    run: &'a BenchRun,
}

/// What is drawn for a pairing (or the floor) across the runs of one kind.
struct Series<'a> {
    name: String,
    /// Ratios (with a reference line at 1) or microseconds.
    ratio: bool,
    points: Vec<Point<'a>>,
}

const FLOOR: &str = "crypto floor";

fn series<'a>(runs: &[&'a HistoryRun], kind: &str, name: &str) -> Series<'a> {
    let baseline = name == RUSTLS_BASELINE;
    let mut points = Vec::new();
    for (x, r) in runs.iter().enumerate() {
        if name == FLOOR {
            if let Some(f) = r.floor.iter().find(|f| f.kind == kind)
                && let Some(to_rustls) = f.ratio_to_rustls
            {
                let tip = format!("×{to_rustls:.3} rustls→rustls · {:.1} µs", f.median_us);
                points.push(Point {
                    x,
                    y: to_rustls,
                    tip,
                    run: &r.run,
                });
            }
        } else if let Some(p) = r
            .pairings
            .iter()
            .find(|p| p.kind == kind && p.pairing() == name)
        {
            let (y, tip) = if baseline {
                (p.median_us, format!("{:.1} µs", p.median_us))
            } else {
                let floor = p
                    .ratio_to_floor
                    .map(|f| format!(" · ×{f:.2} floor"))
                    .unwrap_or_default();
                (
                    p.ratio_to_rustls,
                    format!(
                        "×{:.3} rustls→rustls{floor} · {:.1} µs",
                        p.ratio_to_rustls, p.median_us
                    ),
                )
            };
            points.push(Point {
                x,
                y,
                tip,
                run: &r.run,
            });
        }
    }
    Series {
        name: name.to_string(),
        ratio: !baseline,
        points,
    }
}

const W: f64 = 260.0;
const H: f64 = 132.0;
const ML: f64 = 44.0;
const MR: f64 = 12.0;
const MT: f64 = 10.0;
const MB: f64 = 34.0;

/// The small trend chart of one series over `n` runs (`labels`: first and last run).
fn trend_svg(s: &Series<'_>, n: usize, first: &BenchRun, last: &BenchRun) -> String {
    let pw = W - ML - MR;
    let ph = H - MT - MB;
    let lo = s.points.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
    let hi = s
        .points
        .iter()
        .map(|p| p.y)
        .fold(f64::NEG_INFINITY, f64::max);
    let mid = (lo + hi) / 2.0;
    // At least ±5% around the middle: run-to-run noise of a percent must not fill the chart.
    let half = ((hi - lo).max(0.1 * mid.abs()).max(1e-9) / 2.0) * 1.15;
    let (ylo, yhi) = ((mid - half).max(0.0), mid + half);
    let xpos = |i: usize| {
        if n <= 1 {
            ML + pw / 2.0
        } else {
            ML + pw * i as f64 / (n - 1) as f64
        }
    };
    let ypos = |v: f64| MT + ph * (yhi - v) / (yhi - ylo);
    let fmt = |v: f64| {
        if s.ratio {
            format!("{v:.2}")
        } else {
            format!("{v:.0}")
        }
    };
    let mut svg = String::new();
    let label = format!(
        "{}: {} over {} run(s)",
        arrow(&s.name),
        if s.ratio {
            "ratio to rustls→rustls"
        } else {
            "median µs"
        },
        s.points.len()
    );
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}">"#,
        html_escape(&label)
    );
    for v in [yhi, (ylo + yhi) / 2.0, ylo] {
        let y = ypos(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{ML}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{}</text>"#,
            fmt(v),
            x2 = W - MR,
            tx = ML - 4.0,
            ty = y + 3.5,
        );
    }
    if s.ratio && ylo <= 1.0 && 1.0 <= yhi {
        let y = ypos(1.0);
        let _ = write!(
            svg,
            r#"<line class="ref" x1="{ML}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"><title>1 = as fast as rustls→rustls</title></line>"#,
            x2 = W - MR
        );
    }
    let pts: Vec<String> = s
        .points
        .iter()
        .map(|p| format!("{:.1},{:.1}", xpos(p.x), ypos(p.y)))
        .collect();
    let _ = write!(
        svg,
        r#"<polyline class="line" points="{}"/>"#,
        pts.join(" ")
    );
    for p in &s.points {
        let mut class = String::from("pt");
        if p.run.quick {
            class.push_str(" quick");
        }
        let _ = write!(
            svg,
            r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="3"><title>{}&#10;{}</title></circle>"#,
            xpos(p.x),
            ypos(p.y),
            html_escape(&run_text(p.run)),
            html_escape(&p.tip)
        );
    }
    // The x axis: runs in file order, the first and the last labelled (time, commit).
    let base = MT + ph;
    let short = |r: &BenchRun| {
        let w = when(r);
        w.get(5..16)
            .filter(|_| w.ends_with(" UTC"))
            .map(str::to_string)
            .unwrap_or(w)
    };
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{ML}" x2="{x2}" y1="{base}" y2="{base}"/>"#,
        x2 = W - MR
    );
    let ends: Vec<(f64, &str, &BenchRun)> = if n <= 1 {
        vec![(xpos(0), "middle", last)]
    } else {
        vec![(ML, "start", first), (W - MR, "end", last)]
    };
    for (x, anchor, r) in ends {
        let _ = write!(
            svg,
            r#"<text class="run" x="{x}" y="{y1}" text-anchor="{anchor}">{}</text><text class="run" x="{x}" y="{y2}" text-anchor="{anchor}">{}</text>"#,
            html_escape(&short(r)),
            html_escape(&commit(r)),
            y1 = base + 13.0,
            y2 = base + 25.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn trend_view(s: &Series<'_>, runs: &[&HistoryRun]) -> Option<TrendView> {
    let (Some(first_point), Some(last_point), Some(first), Some(last)) =
        (s.points.first(), s.points.last(), runs.first(), runs.last())
    else {
        return None;
    };
    let value = |y: f64| {
        if s.ratio {
            format!("×{y:.2}")
        } else {
            format!("{y:.0} µs")
        }
    };
    let mut latest = format!("latest {}", value(last_point.y));
    if s.points.len() > 1 {
        let _ = write!(latest, " · first {}", value(first_point.y));
    }
    Some(TrendView {
        pairing: if s.name == FLOOR {
            FLOOR.into()
        } else {
            arrow(&s.name)
        },
        unit: if s.ratio {
            "× rustls→rustls"
        } else {
            "median µs"
        },
        latest,
        svg: trend_svg(s, runs.len(), &first.run, &last.run),
    })
}

fn kind_view(kind: String, bench: &Benchmarks) -> KindView {
    let with_kind: Vec<&HistoryRun> = bench
        .history
        .iter()
        .flat_map(|h| h.runs.iter())
        .filter(|r| r.has_kind(&kind))
        .collect();
    // A bench-slow-own build slows own down on purpose (the gate's own test): not a trend.
    let runs: Vec<&HistoryRun> = with_kind
        .iter()
        .copied()
        .filter(|r| !r.run.slow_own)
        .collect();
    let slow = with_kind.len() - runs.len();
    let (rows, latest) = match &bench.latest {
        Some(b)
            if b.entries
                .iter()
                .any(|e| kind_key(&e.kind, e.transport.as_deref()) == kind) =>
        {
            let samples = b
                .entries
                .iter()
                .find_map(|e| e.samples)
                .map(|n| format!(" · {n} samples"))
                .unwrap_or_default();
            let run = b
                .run
                .as_ref()
                .map(|r| format!(" · {}", run_text(r)))
                .unwrap_or_default();
            (
                rows_from_bench(b, &kind),
                format!("bench.json{run}{samples}"),
            )
        }
        _ => match with_kind.last() {
            Some(r) => (
                rows_from_run(r, &kind),
                format!("{HISTORY_FILE} line {} · {}", r.line, run_text(&r.run)),
            ),
            None => (Vec::new(), String::new()),
        },
    };
    let shown = &runs[runs.len().saturating_sub(MAX_RUNS)..];
    // Pairings in table order, then any the history has besides, then the floor.
    let mut names: Vec<String> = rows
        .iter()
        .filter(|r| !r.floor)
        .map(|r| r.key.clone())
        .collect();
    for r in shown {
        for p in r.pairings.iter().filter(|p| p.kind == kind) {
            let name = p.pairing();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.push(FLOOR.into());
    let trends: Vec<TrendView> = names
        .iter()
        .filter_map(|n| trend_view(&series(shown, &kind, n), shown))
        .collect();
    let mut trend_note = if bench.history.is_none() {
        String::new()
    } else if shown.is_empty() {
        format!("No run in {HISTORY_FILE} has this kind: no trend.")
    } else if shown.len() < runs.len() {
        format!(
            "Trend over the last {} of {} runs with this kind.",
            shown.len(),
            runs.len()
        )
    } else {
        format!("Trend over {} run(s) with this kind.", shown.len())
    };
    if slow > 0 {
        let _ = write!(
            trend_note,
            " {slow} run(s) of a bench-slow-own build (own slowed on purpose) not drawn."
        );
    }
    KindView {
        kind,
        latest,
        rows,
        trends,
        trend_note,
    }
}

fn history_text(h: Option<&BenchHistory>) -> String {
    match h {
        None => format!(
            "No {HISTORY_FILE} beside the results: no trends yet (every `cargo xtask bench` run appends a line)."
        ),
        Some(h) => format!(
            "{} run(s) in {HISTORY_FILE}; each kind draws its latest {MAX_RUNS} at most.",
            h.runs.len()
        ),
    }
}

fn notes(h: Option<&BenchHistory>) -> Vec<String> {
    let Some(h) = h else { return Vec::new() };
    let mut notes = Vec::new();
    if let Some(e) = &h.unreadable {
        notes.push(format!("{HISTORY_FILE} could not be read: {e}"));
    }
    for s in h.skipped.iter().take(NOTES_MAX) {
        notes.push(format!(
            "{HISTORY_FILE} line {} skipped: {}",
            s.line, s.reason
        ));
    }
    if h.skipped.len() > NOTES_MAX {
        notes.push(format!(
            "… and {} more skipped line(s)",
            h.skipped.len() - NOTES_MAX
        ));
    }
    notes
}

/// The section, or `None` when there is nothing to show.
pub(crate) fn view(bench: &Benchmarks) -> Option<BenchView> {
    // Kinds: those of bench.json in its order, then the history's, latest run first.
    let mut kinds: Vec<String> = Vec::new();
    let mut add = |k: String| {
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    };
    if let Some(b) = &bench.latest {
        b.entries
            .iter()
            .for_each(|e| add(kind_key(&e.kind, e.transport.as_deref())));
    }
    if let Some(h) = &bench.history {
        h.runs
            .iter()
            .rev()
            .flat_map(|r| r.pairings.iter())
            .for_each(|p| add(p.kind.clone()));
    }
    let notes = notes(bench.history.as_ref());
    if kinds.is_empty() && notes.is_empty() {
        return None;
    }
    Some(BenchView {
        history: history_text(bench.history.as_ref()),
        notes,
        kinds: kinds.into_iter().map(|k| kind_view(k, bench)).collect(),
    })
}
