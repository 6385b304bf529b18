//! The compact matrix printed at the end of a run: one row per scenario, one column per
//! client->server pairing, and the counts per verdict.

use std::collections::BTreeMap;
use std::fmt::Write;

use reports::{CaseResult, Verdict};

/// Counts of verdicts in one cell.
#[derive(Debug, Default, Clone, Copy)]
struct Cell {
    counts: [usize; 5],
}

fn index(v: Verdict) -> usize {
    match v {
        Verdict::Pass => 0,
        Verdict::AlertMismatch => 1,
        Verdict::Fail => 2,
        Verdict::Error => 3,
        Verdict::Skip => 4,
    }
}

impl Cell {
    fn render(&self) -> String {
        let total: usize = self.counts.iter().sum();
        let mut s = format!("{}/{}", self.counts[0], total);
        for (i, tag) in [(2, "F"), (1, "A"), (3, "E"), (4, "s")] {
            if self.counts[i] > 0 {
                let _ = write!(s, " {tag}{}", self.counts[i]);
            }
        }
        s
    }
}

/// Renders the matrix and the verdict counts. Cells read `passed/total`, followed by
/// `F` fail, `A` alert_mismatch, `E` error, `s` skip counts where non-zero.
pub fn render(cases: &[CaseResult]) -> String {
    let mut pairings: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut totals = [0usize; 5];
    for c in cases {
        let pairing = format!("{}->{}", c.client, c.server);
        if !pairings.contains(&pairing) {
            pairings.push(pairing.clone());
        }
        if !rows.contains(&c.scenario) {
            rows.push(c.scenario.clone());
        }
        let cell = cells.entry((c.scenario.clone(), pairing)).or_default();
        cell.counts[index(c.verdict)] += 1;
        totals[index(c.verdict)] += 1;
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
    let total: usize = totals.iter().sum();
    let _ = writeln!(
        out,
        "\n{total} cases: {} pass, {} alert_mismatch, {} fail, {} error, {} skip",
        totals[0], totals[1], totals[2], totals[3], totals[4]
    );
    out
}
