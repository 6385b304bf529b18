//! What every report needs: the run, how each case stands, what changed.

use std::collections::{BTreeMap, HashMap};

use crate::bench::Benchmarks;
use crate::deviations::{Class, Evaluation, KnownDeviations};
use crate::results::{CaseResult, Results, Verdict};

/// Counts of a group of cases.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub by_verdict: [usize; 5],
    pub known: usize,
    pub unexpected: usize,
    pub stale: usize,
    pub changed: usize,
}

pub fn verdict_index(v: Verdict) -> usize {
    match v {
        Verdict::Pass => 0,
        Verdict::AlertMismatch => 1,
        Verdict::Fail => 2,
        Verdict::Error => 3,
        Verdict::Skip => 4,
    }
}

impl Counts {
    pub fn add(&mut self, v: Verdict, class: Class, changed: bool) {
        self.total += 1;
        self.by_verdict[verdict_index(v)] += 1;
        match class {
            Class::KnownDeviation { .. } => self.known += 1,
            Class::Unexpected { .. } => self.unexpected += 1,
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
}

impl<'a> Context<'a> {
    pub fn new(
        results: &'a Results,
        deviations: &KnownDeviations,
        previous: Option<&'a Results>,
        bench: Option<Benchmarks>,
    ) -> Self {
        Context {
            results,
            eval: deviations.evaluate(results),
            previous: previous.map(|p| p.cases.iter().map(|c| (c.id.as_str(), c.verdict)).collect()),
            bench,
        }
    }

    pub fn has_previous(&self) -> bool {
        self.previous.is_some()
    }

    /// The previous verdict of case `id`, when it differs from `now`.
    pub fn changed_from(&self, id: &str, now: Verdict) -> Option<Verdict> {
        self.previous.as_ref()?.get(id).copied().filter(|&v| v != now)
    }

    /// Whether case `id` did not exist in the previous run.
    pub fn is_new(&self, id: &str) -> bool {
        self.previous.as_ref().is_some_and(|p| !p.contains_key(id))
    }

    pub fn cases(&self) -> impl Iterator<Item = (usize, &'a CaseResult, Class)> + '_ {
        self.results.cases.iter().enumerate().map(|(i, c)| (i, c, self.eval.class(i)))
    }

    /// Counts per family, in order of first appearance.
    pub fn per_family(&self) -> Vec<(String, Counts)> {
        let mut order: Vec<String> = Vec::new();
        let mut map: HashMap<String, Counts> = HashMap::new();
        for (_, c, class) in self.cases() {
            if !map.contains_key(&c.family) {
                order.push(c.family.clone());
            }
            map.entry(c.family.clone()).or_default().add(c.verdict, class, self.changed_from(&c.id, c.verdict).is_some());
        }
        order.into_iter().map(|f| { let c = map.get(&f).copied().unwrap_or_default(); (f, c) }).collect()
    }

    /// Counts per implementation: every case it took part in, as client or server (once).
    pub fn per_implementation(&self) -> Vec<(String, Counts)> {
        let mut map: BTreeMap<String, Counts> = BTreeMap::new();
        for (_, c, class) in self.cases() {
            let changed = self.changed_from(&c.id, c.verdict).is_some();
            map.entry(c.client.clone()).or_default().add(c.verdict, class, changed);
            if c.server != c.client {
                map.entry(c.server.clone()).or_default().add(c.verdict, class, changed);
            }
        }
        map.into_iter().collect()
    }

    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for (_, c, class) in self.cases() {
            t.add(c.verdict, class, self.changed_from(&c.id, c.verdict).is_some());
        }
        t
    }
}
