//! `index.html`: one self-contained page (inline CSS, SVG and script; no network).
//!
//! The page skeleton, counts, matrices and case list are rendered here through askama
//! templates (checked at compile time, HTML-escaped by default). Each case's detail view is
//! built in the browser from a JSON island (`<script type="application/json">`, with `<`
//! written as `\u003c` so no peer string can close it) using `textContent` only, and opens
//! from the URL fragment `#case=<percent-encoded id>`.

use std::collections::HashMap;

use askama::Template;
use serde::Serialize;

use crate::bench_view::{self, BenchView};
use crate::context::{Context, Counts, ImplLevels, non_pass};
use crate::deviations::Class;
use crate::error::ReportError;
pub use crate::escape::html_escape;
use crate::ladder;
use crate::results::{Expected, Level, Observed, SCHEMA_VERSION, Verdict};

const CSS: &str = include_str!("../templates/report.css");
const JS: &str = include_str!("../templates/report.js");
/// Unexpected cases listed at the top of the page before "and N more".
const ATTENTION_LIMIT: usize = 12;
/// A family matrix with more pairings than this (three implementations each way) is drawn
/// wide: columns grouped by client, the client named once above its servers, narrow cells.
const WIDE_MATRIX: usize = 9;

/// Percent-encodes like JavaScript's `encodeURIComponent`, and also `!'()*` (RFC 3986
/// reserves them; `decodeURIComponent` reads either form): a case link then survives being
/// pasted into a shell or passed on a command line (Chromium 148 opens nothing for a file URL
/// with a raw apostrophe in its fragment).
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The fragment that opens a case's detail view.
pub fn case_href(id: &str) -> String {
    format!("#case={}", encode_uri_component(id))
}

struct Pairing {
    client: String,
    server: String,
    /// The first column of its client's group (a wide matrix draws a separator before it).
    first: bool,
}

struct Cell {
    client: String,
    server: String,
    total: usize,
    pass: usize,
    css: &'static str,
    tags: Vec<(&'static str, &'static str, usize)>,
    title: String,
    href: String,
    /// The first column of its client's group.
    first: bool,
}

struct MatrixRow {
    scenario: String,
    short: String,
    rfc: String,
    cells: Vec<Cell>,
}

struct Family {
    name: String,
    total: usize,
    /// Drawn wide (more than [`WIDE_MATRIX`] pairings): two header rows, client over server.
    wide: bool,
    /// The clients in column order, each with how many pairings (columns) it has.
    groups: Vec<(String, usize)>,
    pairings: Vec<Pairing>,
    rows: Vec<MatrixRow>,
}

struct CountRow {
    name: String,
    total: usize,
    cols: Vec<usize>,
    known: usize,
    reported: usize,
    unexpected: usize,
    changed: usize,
}

/// One implementation under test in the by-level table.
struct LevelImpl {
    name: String,
    judged: usize,
    skipped: usize,
    rows: Vec<LevelView>,
}

/// One row of the by-level table: an implementation's non-pass verdicts at one level.
struct LevelView {
    level: &'static str,
    /// `l-must` for MUST (the gated level), `l-other` otherwise, `l-none` for results
    /// without levels.
    css: &'static str,
    cols: Vec<usize>,
    total: usize,
    unexpected: usize,
    reported: usize,
    known: usize,
}

struct Attention {
    id: String,
    href: String,
    verdict: &'static str,
    note: String,
}

struct StaleView {
    index: usize,
    pattern: String,
    verdict: &'static str,
    detail: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    css: &'static str,
    js: &'static str,
    index: String,
    data: String,
    ok: bool,
    status: String,
    status_short: String,
    total: usize,
    run_git: String,
    run_started: String,
    run_seed: u64,
    run_shard: Option<String>,
    run_duration: Option<String>,
    peers: Vec<(String, String)>,
    verdict_chips: Vec<(&'static str, &'static str, usize)>,
    family_names: Vec<String>,
    impl_names: Vec<String>,
    has_previous: bool,
    attention: Vec<Attention>,
    attention_more: usize,
    attention_total: usize,
    stale: Vec<StaleView>,
    deviations_file: String,
    verdict_cols: Vec<String>,
    count_tables: Vec<(&'static str, Vec<CountRow>)>,
    level_cols: Vec<String>,
    levels: Vec<LevelImpl>,
    levels_clean: Vec<(String, usize)>,
    reported: usize,
    strict: bool,
    schema_version: u32,
    schema_note: String,
    families: Vec<Family>,
    bench: Option<BenchView>,
    /// The self-test's line (`harness selftest`), and whether it passed.
    selftest: Option<(bool, String)>,
}

/// One case in the list:
/// `[id, family, scenario, client, server, verdict, class, prev, reason, breaks]`, where
/// `breaks` is the level a non-pass verdict breaks (`MUST`, ...; empty for pass, skip and
/// results without levels).
type IndexRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'static str,
    &'static str,
    &'static str,
    &'a str,
    &'static str,
);

#[serde_with::skip_serializing_none]
#[derive(Serialize)]
struct CaseData<'a> {
    id: &'a str,
    scenario: &'a str,
    family: &'a str,
    client: &'a str,
    server: &'a str,
    under_test: String,
    verdict: &'static str,
    class: &'static str,
    /// How strong the scenario's rule is (schema version 2).
    level: Option<&'static str>,
    binds: Option<&'static str>,
    alert_from: Option<&'static str>,
    /// The level the verdict breaks (non-pass, non-skip).
    verdict_level: Option<&'static str>,
    /// The scenario's note on its level.
    scenario_note: Option<&'a str>,
    /// The evaluation's note (why a case is unexpected, reported or stale).
    note: Option<&'a str>,
    deviation: Option<&'a str>,
    deviation_pattern: Option<&'a str>,
    prev: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    new_case: bool,
    reason: Option<&'a str>,
    rfc: Option<&'a str>,
    requirement: Option<&'a str>,
    expected: Option<&'a Expected>,
    observed: Option<&'a Observed>,
    server_observed: Option<&'a Observed>,
    duration_ms: Option<f64>,
    pcap: Option<&'a str>,
    keylog: Option<&'a str>,
    replayable: Option<bool>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unseeded: &'a [String],
    ladder: Vec<(u32, Option<ladder::Lane>, Option<ladder::Lane>, String)>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    proxy: bool,
}

fn count_row(name: String, c: &Counts) -> CountRow {
    CountRow {
        name,
        total: c.total,
        cols: Verdict::ALL.iter().map(|v| c.get(*v)).collect(),
        known: c.known,
        reported: c.reported,
        unexpected: c.unexpected,
        changed: c.changed,
    }
}

fn level_impl(i: &ImplLevels) -> LevelImpl {
    LevelImpl {
        name: i.name.clone(),
        judged: i.judged,
        skipped: i.skipped,
        rows: i
            .rows
            .iter()
            .map(|r| LevelView {
                level: r.level_name(),
                css: match r.level {
                    Some(Level::Must) => "l-must",
                    Some(_) => "l-other",
                    None => "l-none",
                },
                cols: non_pass().map(|v| r.get(v)).collect(),
                total: r.total,
                unexpected: r.gated,
                reported: r.reported,
                known: r.known,
            })
            .collect(),
    }
}

/// Only relative links to files beside the report: no scheme, no `..` escaping upward is
/// refused (a capture may live in a sibling directory), but `javascript:` and the like are.
fn safe_link(p: Option<&str>) -> Option<&str> {
    let p = p?.trim();
    if p.is_empty() || p.contains(':') || p.starts_with("//") || p.starts_with('\\') {
        return None;
    }
    Some(p)
}

fn cell_of(ctx: &Context<'_>, idx: &[usize], client: &str, server: &str, scenario: &str) -> Cell {
    let mut c = Counts::default();
    for &i in idx {
        if let Some(case) = ctx.results.cases.get(i) {
            c.add_case(
                case,
                ctx.eval.class(i),
                ctx.changed_from(&case.id, case.verdict).is_some(),
            );
        }
    }
    let mut unexpected = [0usize; Verdict::ALL.len()];
    for &i in idx {
        if let (Some(case), Class::Unexpected { .. }) =
            (ctx.results.cases.get(i), ctx.eval.class(i))
        {
            unexpected[crate::context::verdict_index(case.verdict)] += 1;
        }
    }
    let un = |v: Verdict| unexpected[v.index()];
    let css = if un(Verdict::Fail) > 0 || un(Verdict::Inconclusive) > 0 {
        "c-fail"
    } else if un(Verdict::Error) > 0 || un(Verdict::Crash) > 0 || un(Verdict::Timeout) > 0 {
        "c-error"
    } else if un(Verdict::AlertMismatch) > 0 || un(Verdict::NoAlert) > 0 || un(Verdict::Skip) > 0 {
        "c-am"
    } else if c.stale > 0 {
        "c-stale"
    } else if c.reported > 0 {
        "c-reported"
    } else if c.known > 0 {
        "c-known"
    } else if c.get(Verdict::Skip) == c.total {
        "c-skip"
    } else {
        "c-pass"
    };
    let mut tags = Vec::new();
    for (tag, cls, n) in [
        ("F", "t-f", c.get(Verdict::Fail)),
        ("A", "t-a", c.get(Verdict::AlertMismatch)),
        ("N", "t-n", c.get(Verdict::NoAlert)),
        ("C", "t-c", c.get(Verdict::Crash)),
        ("T", "t-t", c.get(Verdict::Timeout)),
        ("E", "t-e", c.get(Verdict::Error)),
        ("I", "t-i", c.get(Verdict::Inconclusive)),
        ("s", "t-s", c.get(Verdict::Skip)),
        ("!", "t-must", c.must),
        ("K", "t-k", c.known),
        ("X", "t-x", c.stale),
        ("Δ", "t-d", c.changed),
    ] {
        if n > 0 {
            tags.push((tag, cls, n));
        }
    }
    // Every verdict that occurs, pass first: `3 pass, 1 fail`.
    let verdicts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|v| **v == Verdict::Pass || c.get(**v) > 0)
        .map(|v| format!("{} {v}", c.get(*v)))
        .collect();
    let mut title = format!("{scenario}, {client}→{server}: {}", verdicts.join(", "));
    if c.must > 0 {
        title.push_str(&format!("; {} break(s) a MUST", c.must));
    }
    if c.known > 0 {
        title.push_str(&format!("; {} known deviation(s)", c.known));
    }
    if c.unexpected > 0 {
        title.push_str(&format!("; {} unexpected", c.unexpected));
    }
    if c.reported > 0 {
        title.push_str(&format!(
            "; {} reported, not gated (below MUST)",
            c.reported
        ));
    }
    if c.changed > 0 {
        title.push_str(&format!("; {} changed since the previous run", c.changed));
    }
    // A cell with one case opens it directly; otherwise the script filters the case list.
    let href = match idx {
        [one] => ctx
            .results
            .cases
            .get(*one)
            .map(|c| case_href(&c.id))
            .unwrap_or_default(),
        _ => "#cases".to_string(),
    };
    Cell {
        client: client.to_string(),
        server: server.to_string(),
        total: c.total,
        pass: c.get(Verdict::Pass),
        css,
        tags,
        title,
        href,
        first: false,
    }
}

fn families(ctx: &Context<'_>) -> Vec<Family> {
    let mut order: Vec<String> = Vec::new();
    let mut by_family: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in ctx.results.cases.iter().enumerate() {
        if !by_family.contains_key(c.family.as_str()) {
            order.push(c.family.clone());
        }
        by_family.entry(&c.family).or_default().push(i);
    }
    order
        .into_iter()
        .map(|fam| {
            let idx = by_family.get(fam.as_str()).cloned().unwrap_or_default();
            let mut pairings: Vec<(String, String)> = Vec::new();
            let mut scenarios: Vec<String> = Vec::new();
            let mut cells: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
            for &i in &idx {
                let Some(c) = ctx.results.cases.get(i) else {
                    continue;
                };
                let p = (c.client.clone(), c.server.clone());
                if !pairings.contains(&p) {
                    pairings.push(p);
                }
                if !scenarios.contains(&c.scenario) {
                    scenarios.push(c.scenario.clone());
                }
                cells
                    .entry((&c.scenario, &c.client, &c.server))
                    .or_default()
                    .push(i);
            }
            let wide = pairings.len() > WIDE_MATRIX;
            if wide {
                // Each client's columns side by side, clients in the order they first appear.
                let mut clients: Vec<&str> = Vec::new();
                for (c, _) in &pairings {
                    if !clients.contains(&c.as_str()) {
                        clients.push(c);
                    }
                }
                let rank: HashMap<String, usize> = clients
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.to_string(), i))
                    .collect();
                pairings.sort_by_key(|(c, _)| rank.get(c).copied().unwrap_or(usize::MAX));
            }
            let mut groups: Vec<(String, usize)> = Vec::new();
            let mut first = Vec::with_capacity(pairings.len());
            for (c, _) in &pairings {
                match groups.last_mut() {
                    Some((g, n)) if g == c => {
                        *n += 1;
                        first.push(false);
                    }
                    _ => {
                        groups.push((c.clone(), 1));
                        first.push(true);
                    }
                }
            }
            let mut rfcs: HashMap<&str, &str> = HashMap::new();
            for &i in &idx {
                if let Some(c) = ctx.results.cases.get(i)
                    && let Some(r) = &c.rfc
                {
                    rfcs.entry(&c.scenario).or_insert(r);
                }
            }
            let rows = scenarios
                .iter()
                .map(|sc| MatrixRow {
                    scenario: sc.clone(),
                    short: sc
                        .split_once("::")
                        .map(|(_, s)| s.to_string())
                        .unwrap_or_else(|| sc.clone()),
                    rfc: rfcs
                        .get(sc.as_str())
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    cells: pairings
                        .iter()
                        .zip(&first)
                        .map(|((cl, sv), &first)| {
                            let list = cells
                                .get(&(sc.as_str(), cl.as_str(), sv.as_str()))
                                .cloned()
                                .unwrap_or_default();
                            Cell {
                                first,
                                ..cell_of(ctx, &list, cl, sv, sc)
                            }
                        })
                        .collect(),
                })
                .collect();
            Family {
                name: fam,
                total: idx.len(),
                wide,
                groups,
                pairings: pairings
                    .into_iter()
                    .zip(first)
                    .map(|((client, server), first)| Pairing {
                        client,
                        server,
                        first,
                    })
                    .collect(),
                rows,
            }
        })
        .collect()
}

fn json_island<T: Serialize>(value: &T) -> Result<String, ReportError> {
    let json = serde_json::to_string(value).map_err(|e| ReportError::Render {
        what: "index.html case data",
        message: e.to_string(),
    })?;
    // `<` cannot start `</script` or `<!--` then; U+2028/9 are escaped for old parsers.
    Ok(json
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029"))
}

/// Renders `index.html`.
pub fn render(ctx: &Context<'_>) -> Result<String, ReportError> {
    let r = ctx.results;
    let totals = ctx.totals();
    let mut data = Vec::with_capacity(r.cases.len());
    let mut index: Vec<IndexRow<'_>> = Vec::with_capacity(r.cases.len());
    let mut attention = Vec::new();
    let mut attention_total = 0usize;
    for (i, c, class) in ctx.cases() {
        let prev = ctx.changed_from(&c.id, c.verdict);
        let mut steps = ladder::parse(&c.transcript);
        let closes = ladder::close_notes(&steps, c);
        steps.extend(closes);
        let proxy = ladder::has_proxy(&steps);
        let entry = ctx.eval.entry(i);
        let (pcap, keylog) = crate::artifacts(c);
        data.push(CaseData {
            id: &c.id,
            scenario: &c.scenario,
            family: &c.family,
            client: &c.client,
            server: &c.server,
            under_test: c.under_test.to_string(),
            verdict: c.verdict.as_str(),
            class: class.as_str(),
            level: c.level.map(Level::as_str),
            binds: c.binds.map(|b| b.as_str()),
            alert_from: c.alert_from.map(|a| a.as_str()),
            verdict_level: c.breaks().map(Level::as_str),
            scenario_note: c.note.as_deref().filter(|n| !n.trim().is_empty()),
            note: ctx.eval.note(i),
            deviation: entry
                .filter(|_| matches!(class, Class::KnownDeviation { .. }))
                .map(|d| d.reason.as_str()),
            deviation_pattern: entry.map(|d| d.case.as_str()),
            prev: prev.map(Verdict::as_str),
            new_case: ctx.is_new(&c.id),
            reason: c.reason.as_deref(),
            rfc: c.rfc.as_deref(),
            requirement: c.requirement.as_deref(),
            expected: c.expected.as_ref(),
            observed: c.observed.as_ref(),
            server_observed: c.server_observed.as_ref(),
            duration_ms: c.duration_ms.filter(|d| d.is_finite()),
            pcap: safe_link(pcap),
            keylog: safe_link(keylog),
            replayable: c.replayable,
            unseeded: &c.unseeded,
            ladder: steps
                .into_iter()
                .map(|s| (s.conn, s.from, s.to, s.text))
                .collect(),
            proxy,
        });
        if class.is_bad() {
            attention_total += 1;
            if attention.len() < ATTENTION_LIMIT {
                attention.push(Attention {
                    id: c.id.clone(),
                    href: case_href(&c.id),
                    verdict: c.verdict.as_str(),
                    note: c
                        .reason
                        .clone()
                        .or_else(|| ctx.eval.note(i).map(str::to_string))
                        .unwrap_or_default(),
                });
            }
        }
        index.push((
            &c.id,
            &c.family,
            &c.scenario,
            &c.client,
            &c.server,
            c.verdict.as_str(),
            class.as_str(),
            prev.map(Verdict::as_str).unwrap_or(""),
            c.reason.as_deref().unwrap_or(""),
            c.breaks().map_or("", Level::as_str),
        ));
    }
    let reported = ctx.eval.reported_count();
    let status = ctx.status();
    let by_level = ctx.by_level();
    let levels_clean: Vec<(String, usize)> = by_level
        .iter()
        .filter(|i| i.rows.is_empty())
        .map(|i| (i.name.clone(), i.judged))
        .collect();
    let levels: Vec<LevelImpl> = by_level
        .iter()
        .filter(|i| !i.rows.is_empty())
        .map(level_impl)
        .collect();
    let mut impl_names: Vec<String> = Vec::new();
    for c in &r.cases {
        for p in [&c.client, &c.server] {
            if !impl_names.contains(p) {
                impl_names.push(p.clone());
            }
        }
    }
    impl_names.sort();
    let fams = families(ctx);
    let page = IndexPage {
        css: CSS,
        js: JS,
        index: json_island(&index)?,
        data: json_island(&data)?,
        ok: ctx.eval.ok(),
        status_short: if ctx.eval.ok() {
            "ok".into()
        } else {
            status.clone()
        },
        status,
        total: totals.total,
        run_git: r.run.git.clone(),
        run_started: r.run.started.clone(),
        run_seed: r.run.seed,
        run_shard: r.run.shard.clone(),
        run_duration: r
            .run
            .duration_ms
            .filter(|d| d.is_finite())
            .map(|d| format!("{:.1} s", d / 1000.0)),
        peers: r
            .run
            .peers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        verdict_chips: Verdict::ALL
            .iter()
            .map(|v| (v.as_str(), css_verdict(*v), totals.get(*v)))
            .collect(),
        family_names: fams.iter().map(|f| f.name.clone()).collect(),
        impl_names,
        has_previous: ctx.has_previous(),
        attention_more: attention_total.saturating_sub(attention.len()),
        attention_total,
        attention,
        stale: ctx
            .eval
            .stale
            .iter()
            .map(|s| StaleView {
                index: s.index + 1,
                pattern: s.entry.case.clone(),
                verdict: s.entry.verdict.as_str(),
                detail: {
                    let mut d: Vec<String> = s
                        .cases
                        .iter()
                        .take(5)
                        .map(|(id, v)| format!("{id} is now {v}"))
                        .collect();
                    if s.cases.len() > 5 {
                        d.push(format!("and {} more", s.cases.len() - 5));
                    }
                    d.join("; ")
                },
            })
            .collect(),
        deviations_file: ctx.eval.file.clone(),
        verdict_cols: Verdict::ALL
            .iter()
            .map(|v| v.as_str().replace('_', " "))
            .collect(),
        level_cols: non_pass().map(|v| v.as_str().replace('_', " ")).collect(),
        levels,
        levels_clean,
        reported,
        strict: ctx.strict,
        schema_version: r.schema_version,
        schema_note: if r.schema_version == SCHEMA_VERSION {
            String::new()
        } else {
            format!(
                ", read as version {SCHEMA_VERSION}: its cases have no levels, every non-pass verdict is gated"
            )
        },
        count_tables: vec![
            (
                "implementation",
                ctx.per_implementation()
                    .into_iter()
                    .map(|(n, c)| count_row(n, &c))
                    .collect(),
            ),
            (
                "family",
                ctx.per_family()
                    .into_iter()
                    .map(|(n, c)| count_row(n, &c))
                    .chain(std::iter::once(count_row("total".into(), &totals)))
                    .collect(),
            ),
        ],
        families: fams,
        bench: ctx.bench.as_ref().and_then(bench_view::view),
        selftest: ctx.selftest.as_ref().map(|t| {
            (
                t.ok(),
                format!("{} ({}, {})", t.line(), t.run.git, t.run.started),
            )
        }),
    };
    page.render().map_err(|e| ReportError::Render {
        what: "index.html",
        message: e.to_string(),
    })
}

fn css_verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "v-pass",
        Verdict::AlertMismatch => "v-alert_mismatch",
        Verdict::NoAlert => "v-no_alert",
        Verdict::Fail => "v-fail",
        Verdict::Crash => "v-crash",
        Verdict::Timeout => "v-timeout",
        Verdict::Error => "v-error",
        Verdict::Inconclusive => "v-inconclusive",
        Verdict::Skip => "v-skip",
    }
}
