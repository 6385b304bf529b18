//! What every report needs: the run, how each case stands, what changed.

use std::collections::{BTreeMap, HashMap};

use crate::bench::Benchmarks;
use crate::deviations::{Class, Evaluation, KnownDeviations};
use crate::results::{CaseResult, Level, Results, Verdict};

/// The verdicts of the by-level table: every non-pass verdict but `skip` (a skip judges
/// nothing), in the order of [`Verdict::ALL`].
pub fn non_pass() -> impl Iterator<Item = Verdict> {
    Verdict::ALL
        .into_iter()
        .filter(|v| !matches!(v, Verdict::Pass | Verdict::Skip))
}

/// Counts of a group of cases.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub by_verdict: [usize; Verdict::ALL.len()],
    pub known: usize,
    pub unexpected: usize,
    /// Non-pass verdicts below the gate (`Class::Reported`).
    pub reported: usize,
    pub stale: usize,
    pub changed: usize,
    /// Non-pass verdicts that break a MUST-level rule (whatever their class).
    pub must: usize,
}

pub fn verdict_index(v: Verdict) -> usize {
    v.index()
}

impl Counts {
    /// Counts one case.
    pub fn add_case(&mut self, c: &CaseResult, class: Class, changed: bool) {
        self.add(c.verdict, class, changed);
        if c.breaks() == Some(Level::Must) {
            self.must += 1;
        }
    }

    pub fn add(&mut self, v: Verdict, class: Class, changed: bool) {
        self.total += 1;
        self.by_verdict[verdict_index(v)] += 1;
        match class {
            Class::KnownDeviation { .. } => self.known += 1,
            Class::Unexpected { .. } => self.unexpected += 1,
            Class::Reported { .. } => self.reported += 1,
            Class::Stale { .. } => self.stale += 1,
            _ => {}
        }
        if changed {
            self.changed += 1;
        }
    }
    pub fn get(&self, v: Verdict) -> usize {
        self.by_verdict[verdict_index(v)]
    }
}

/// A run, evaluated.
pub struct Context<'a> {
    pub results: &'a Results,
    pub eval: Evaluation,
    previous: Option<HashMap<&'a str, Verdict>>,
    pub bench: Option<Benchmarks>,
    pub selftest: Option<crate::SelfTest>,
    /// Whether every level is gated (`--strict`), not only MUST.
    pub strict: bool,
}

impl<'a> Context<'a> {
    pub fn new(
        results: &'a Results,
        deviations: &KnownDeviations,
        previous: Option<&'a Results>,
        extras: crate::Extras,
    ) -> Self {
        Context {
            results,
            eval: deviations.evaluate(results),
            previous: previous
                .map(|p| p.cases.iter().map(|c| (c.id.as_str(), c.verdict)).collect()),
            bench: extras.bench,
            selftest: extras.selftest,
            strict: deviations.strict,
        }
    }

    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The previous verdict of case `id`, when it differs from `now`.
    pub fn changed_from(&self, id: &str, now: Verdict) -> Option<Verdict> {
        self.previous
            .as_ref()?
            .get(id)
            .copied()
            .filter(|&v| v != now)
    }

    /// Whether case `id` did not exist in the previous run.
    pub fn is_new(&self, id: &str) -> bool {
        self.previous.as_ref().is_some_and(|p| !p.contains_key(id))
    }

    pub fn cases(&self) -> impl Iterator<Item = (usize, &'a CaseResult, Class)> + '_ {
        self.results
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c, self.eval.class(i)))
    }

    /// The cases of the classes `keep` accepts, in order.
    pub fn cases_of(&self, keep: impl Fn(Class) -> bool) -> Vec<(usize, &'a CaseResult, Class)> {
        self.cases().filter(|(_, _, cl)| keep(*cl)).collect()
    }

    /// Counts per family, in order of first appearance.
    pub fn per_family(&self) -> Vec<(String, Counts)> {
        let mut order: Vec<String> = Vec::new();
        let mut map: HashMap<String, Counts> = HashMap::new();
        for (_, c, class) in self.cases() {
            if !map.contains_key(&c.family) {
                order.push(c.family.clone());
            }
            map.entry(c.family.clone()).or_default().add_case(
                c,
                class,
                self.changed_from(&c.id, c.verdict).is_some(),
            );
        }
        order
            .into_iter()
            .map(|f| {
                let c = map.get(&f).copied().unwrap_or_default();
                (f, c)
            })
            .collect()
    }

    /// Counts per implementation: every case it took part in, as client or server (once).
    pub fn per_implementation(&self) -> Vec<(String, Counts)> {
        let mut map: BTreeMap<String, Counts> = BTreeMap::new();
        for (_, c, class) in self.cases() {
            let changed = self.changed_from(&c.id, c.verdict).is_some();
            map.entry(c.client.clone())
                .or_default()
                .add_case(c, class, changed);
            if c.server != c.client {
                map.entry(c.server.clone())
                    .or_default()
                    .add_case(c, class, changed);
            }
        }
        map.into_iter().collect()
    }

    /// The run's standing in words, for the reports' headings.
    pub fn status(&self) -> String {
        let reported = self.eval.reported_count();
        let reported_part = format!("{reported} reported (not gated)");
        if self.eval.ok() {
            return if reported > 0 {
                format!("every gated verdict as expected, {reported_part}")
            } else {
                "every verdict as expected".to_string()
            };
        }
        let mut parts = Vec::new();
        if self.eval.unexpected_count() > 0 {
            parts.push(format!("{} unexpected", self.eval.unexpected_count()));
        }
        if !self.eval.stale.is_empty() {
            parts.push(format!(
                "{} stale known deviation(s)",
                self.eval.stale.len()
            ));
        }
        if reported > 0 {
            parts.push(reported_part);
        }
        parts.join(", ")
    }

    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for (_, c, class) in self.cases() {
            t.add_case(c, class, self.changed_from(&c.id, c.verdict).is_some());
        }
        t
    }

    /// Per implementation under test ([`CaseResult::under_test_names`]): its non-pass
    /// verdicts (skips left out) by the level they break, and how many cases judged it.
    /// A case with both sides under test and two implementations counts for both.
    pub fn by_level(&self) -> Vec<ImplLevels> {
        let mut map: BTreeMap<&str, ImplLevels> = BTreeMap::new();
        for (_, c, class) in self.cases() {
            for name in c.under_test_names() {
                let entry = map.entry(name).or_insert_with(|| ImplLevels {
                    name: name.to_string(),
                    ..ImplLevels::default()
                });
                if c.verdict == Verdict::Skip {
                    entry.skipped += 1;
                    continue;
                }
                entry.judged += 1;
                if c.verdict == Verdict::Pass {
                    continue;
                }
                let level = c.breaks();
                let pos = entry
                    .rows
                    .iter()
                    .position(|r| r.level == level)
                    .unwrap_or_else(|| {
                        entry.rows.push(LevelRow {
                            level,
                            ..LevelRow::default()
                        });
                        entry.rows.len() - 1
                    });
                let Some(row) = entry.rows.get_mut(pos) else {
                    continue;
                };
                row.by_verdict[c.verdict.index()] += 1;
                row.total += 1;
                match class {
                    Class::Unexpected { .. } => row.gated += 1,
                    Class::Reported { .. } => row.reported += 1,
                    Class::KnownDeviation { .. } => row.known += 1,
                    _ => {}
                }
            }
        }
        let mut out: Vec<ImplLevels> = map.into_values().collect();
        for i in &mut out {
            // MUST first, then SHOULD, MAY, hardening, policy; results without a level last.
            i.rows.sort_by_key(|r| {
                r.level
                    .and_then(|l| Level::ALL.iter().position(|x| *x == l))
                    .unwrap_or(Level::ALL.len())
            });
        }
        out
    }
}

/// One implementation under test in the by-level table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImplLevels {
    pub name: String,
    /// Cases that judged it (under test, not skipped).
    pub judged: usize,
    /// Cases that would have judged it but were skipped.
    pub skipped: usize,
    /// One row per level with at least one non-pass verdict (MUST first; `None`, results of
    /// schema version 1, last).
    pub rows: Vec<LevelRow>,
}

impl ImplLevels {
    /// Non-pass verdicts that break a MUST-level rule.
    pub fn must(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.level == Some(Level::Must))
            .map(|r| r.total)
            .sum()
    }
}

/// Non-pass verdicts of one implementation at one level.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LevelRow {
    /// The level the verdicts break; `None` for results without levels (schema version 1).
    pub level: Option<Level>,
    /// Indexed like [`Verdict::ALL`]; pass and skip stay 0.
    pub by_verdict: [usize; Verdict::ALL.len()],
    pub total: usize,
    /// Of these, unexpected (gated, failing the run), reported (below the gate) and known
    /// deviations.
    pub gated: usize,
    pub reported: usize,
    pub known: usize,
}

impl LevelRow {
    pub fn get(&self, v: Verdict) -> usize {
        self.by_verdict[v.index()]
    }

    /// The level's name, or `no level` for a result of schema version 1.
    pub fn level_name(&self) -> &'static str {
        self.level.map_or("no level (v1)", Level::as_str)
    }
}
