//! The compact matrix printed at the end of a run: one row per scenario, one column per
//! client->server pairing, the counts per verdict, and per implementation under test its
//! non-pass verdicts by level.

use std::collections::BTreeMap;
use std::fmt::Write;

use reports::{CaseResult, Level, Verdict};

/// The tag of each non-pass verdict in a cell, in the order they are shown.
const TAGS: [(Verdict, &str); 8] = [
    (Verdict::Fail, "F"),
    (Verdict::AlertMismatch, "A"),
    (Verdict::NoAlert, "N"),
    (Verdict::Crash, "C"),
    (Verdict::Timeout, "T"),
    (Verdict::Error, "E"),
    (Verdict::Inconclusive, "I"),
    (Verdict::Skip, "s"),
];

/// Counts of verdicts in one cell, and how many non-pass verdicts break a MUST.
#[derive(Debug, Default, Clone, Copy)]
struct Cell {
    counts: [usize; Verdict::ALL.len()],
    must: usize,
}

impl Cell {
    fn add(&mut self, c: &CaseResult) {
        self.counts[c.verdict.index()] += 1;
        if c.breaks() == Some(Level::Must) {
            self.must += 1;
        }
    }

    fn render(&self) -> String {
        let total: usize = self.counts.iter().sum();
        let mut s = format!("{}/{}", self.counts[Verdict::Pass.index()], total);
        for (v, tag) in TAGS {
            let n = self.counts[v.index()];
            if n > 0 {
                let _ = write!(s, " {tag}{n}");
            }
        }
        if self.must > 0 {
            let _ = write!(s, " !{}", self.must);
        }
        s
    }
}

/// Renders the matrix, the verdict counts and the per-implementation table. Cells read
/// `passed/total`, followed by `F` fail, `A` alert_mismatch, `N` no_alert, `C` crash,
/// `T` timeout, `E` error, `I` inconclusive, `s` skip counts where non-zero, and `!n`: how
/// many of the cell's non-pass verdicts break a MUST-level rule.
pub fn render(cases: &[CaseResult]) -> String {
    let mut pairings: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut totals = Cell::default();
    for c in cases {
        let pairing = format!("{}->{}", c.client, c.server);
        if !pairings.contains(&pairing) {
            pairings.push(pairing.clone());
        }
        if !rows.contains(&c.scenario) {
            rows.push(c.scenario.clone());
        }
        cells
            .entry((c.scenario.clone(), pairing))
            .or_default()
            .add(c);
        totals.add(c);
    }
    let first = rows.iter().map(String::len).max().unwrap_or(8).max(8);
    let widths: Vec<usize> = pairings
        .iter()
        .map(|p| {
            rows.iter()
                .map(|r| {
                    cells
                        .get(&(r.clone(), p.clone()))
                        .map_or(1, |c| c.render().len())
                })
                .max()
                .unwrap_or(1)
                .max(p.len())
        })
        .collect();
    let mut out = String::new();
    let _ = write!(out, "{:first$}", "scenario");
    for (p, w) in pairings.iter().zip(&widths) {
        let _ = write!(out, "  {p:>w$}");
    }
    out.push('\n');
    for r in &rows {
        let _ = write!(out, "{r:first$}");
        for (p, w) in pairings.iter().zip(&widths) {
            let text = cells
                .get(&(r.clone(), p.clone()))
                .map_or_else(|| "-".to_string(), Cell::render);
            let _ = write!(out, "  {text:>w$}");
        }
        out.push('\n');
    }
    let total: usize = totals.counts.iter().sum();
    let parts: Vec<String> = Verdict::ALL
        .iter()
        .filter(|v| {
            matches!(
                v,
                Verdict::Pass
                    | Verdict::AlertMismatch
                    | Verdict::Fail
                    | Verdict::Error
                    | Verdict::Skip
            ) || totals.counts[v.index()] > 0
        })
        .map(|v| format!("{} {v}", totals.counts[v.index()]))
        .collect();
    let _ = writeln!(out, "\n{total} cases: {}", parts.join(", "));
    out.push_str(&by_level(cases));
    out
}

/// Per implementation under test: its non-pass verdicts (skips left out) by the level they
/// break, and per level by verdict. Cases of schema version 1 (no level) count as `-`.
pub fn by_level(cases: &[CaseResult]) -> String {
    // implementation -> level -> verdict -> count
    let mut table: BTreeMap<&str, BTreeMap<Option<Level>, BTreeMap<Verdict, usize>>> =
        BTreeMap::new();
    let mut judged: BTreeMap<&str, usize> = BTreeMap::new();
    for c in cases {
        for name in c.under_test_names() {
            if c.verdict != Verdict::Skip {
                *judged.entry(name).or_default() += 1;
            }
            let entry = table.entry(name).or_default();
            if matches!(c.verdict, Verdict::Pass | Verdict::Skip) {
                continue;
            }
            *entry
                .entry(c.breaks())
                .or_default()
                .entry(c.verdict)
                .or_default() += 1;
        }
    }
    let mut out = String::new();
    if table.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nnon-pass verdicts per implementation under test, by the level they break (skips left out):"
    );
    let w = table.keys().map(|k| k.len()).max().unwrap_or(4).max(14);
    let _ = write!(out, "{:w$}  {:>6}", "implementation", "judged");
    for l in Level::ALL {
        let _ = write!(out, "  {:>9}", l.as_str());
    }
    out.push('\n');
    for (name, levels) in &table {
        let _ = write!(
            out,
            "{name:w$}  {:>6}",
            judged.get(name).copied().unwrap_or(0)
        );
        for l in Level::ALL {
            let n: usize = levels.get(&Some(l)).map_or(0, |v| v.values().sum());
            let _ = write!(out, "  {n:>9}");
        }
        let unlevelled: usize = levels.get(&None).map_or(0, |v| v.values().sum());
        if unlevelled > 0 {
            let _ = write!(out, "  (+{unlevelled} without a level)");
        }
        out.push('\n');
        for (level, verdicts) in levels {
            let detail: Vec<String> = verdicts.iter().map(|(v, n)| format!("{n} {v}")).collect();
            let label = level.map_or("-", Level::as_str);
            let _ = writeln!(out, "{:w$}    {label}: {}", "", detail.join(", "));
        }
    }
    out
}
