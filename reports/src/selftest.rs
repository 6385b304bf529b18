//! `selftest.json`: what `harness selftest` measured. Every negative control (a `bug_*` knob of
//! our engine that a scenario names) was run with our engine as the side under test against
//! each counterpart; a control whose case still scored `pass` is missed: that scenario cannot
//! fail.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{ReportError, RunInfo, Verdict};

/// The version of the `selftest.json` layout (fields may be added, never renamed).
pub const SELFTEST_SCHEMA: u32 = 1;

/// The verdict a control must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// `fail`: the bug makes the side under test take the wrong decision, and the harness
    /// must say so.
    Fail,
    /// Any verdict but `pass` (and `skip`, and `error`, which says the harness broke): for a
    /// bug that makes the side under test hang or answer wrongly rather than accept.
    NonPass,
}

impl Required {
    /// Whether `v` is what the control requires.
    pub fn met_by(self, v: Verdict) -> bool {
        match self {
            Required::Fail => v == Verdict::Fail,
            Required::NonPass => !matches!(v, Verdict::Pass | Verdict::Skip | Verdict::Error),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Required::Fail => "fail",
            Required::NonPass => "non_pass",
        }
    }
}

/// One case of a control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlCase {
    pub id: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One control against one counterpart: every case of the scenario (its matrix variants)
/// with the bug knob set on our side under test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlRun {
    pub scenario: String,
    /// The knob and its value, `bug_x=value`.
    pub bug: String,
    pub required: Required,
    pub counterpart: String,
    /// Every case that played (not `skip`, not `inconclusive`) met `required`, and at least
    /// one played.
    pub caught: bool,
    pub cases: Vec<ControlCase>,
}

/// The counts of a self-test.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfTestSummary {
    /// Control runs (scenario x control x counterpart) with at least one case that ran.
    pub controls_run: usize,
    pub caught: usize,
    pub missed: usize,
    /// Control runs whose every case was skipped or inconclusive (the counterpart cannot play
    /// the scenario, or aborts before the fault reaches our side).
    pub not_run: usize,
    /// Scenarios that expect a rejection.
    pub rejection_scenarios: usize,
    /// Rejection scenarios that name no control.
    pub uncontrolled: usize,
}

/// What one bug knob catches, over every scenario that names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnobTally {
    /// The knob and its value, `bug_x=value`.
    pub bug: String,
    /// Scenarios with at least one caught control run.
    pub scenarios: usize,
    /// Cases that met the requirement.
    pub cases: usize,
    /// The counterparts of those cases (peer names).
    pub counterparts: Vec<String>,
}

/// Per knob, what the caught control runs cover (in knob order).
pub fn by_knob(runs: &[ControlRun]) -> Vec<KnobTally> {
    let mut out: std::collections::BTreeMap<
        &str,
        (
            std::collections::BTreeSet<&str>,
            usize,
            std::collections::BTreeSet<&str>,
        ),
    > = Default::default();
    for r in runs.iter().filter(|r| r.caught) {
        let e = out.entry(&r.bug).or_default();
        e.0.insert(&r.scenario);
        e.1 += r
            .cases
            .iter()
            .filter(|c| r.required.met_by(c.verdict))
            .count();
        // "rustls as server" (both sides under test) is the counterpart rustls.
        e.2.insert(r.counterpart.split(" as ").next().unwrap_or(&r.counterpart));
    }
    out.into_iter()
        .map(|(bug, (scenarios, cases, counterparts))| KnobTally {
            bug: bug.to_string(),
            scenarios: scenarios.len(),
            cases,
            counterparts: counterparts.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

/// The whole `selftest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTest {
    pub schema_version: u32,
    /// When, at which commit, against which counterparts (their versions), how long.
    pub run: RunInfo,
    pub summary: SelfTestSummary,
    pub controls: Vec<ControlRun>,
    /// Per knob: the scenarios, cases and counterparts its caught runs cover.
    #[serde(default)]
    pub knobs: Vec<KnobTally>,
    /// The ids of the uncontrolled rejection scenarios.
    pub uncontrolled: Vec<String>,
}

impl SelfTest {
    /// Whether the self-test passes: no control missed.
    pub fn ok(&self) -> bool {
        self.summary.missed == 0
    }

    /// Reads `dir/selftest.json` when it exists; a broken file is an error naming it.
    pub fn read_in(dir: &Path) -> Result<Option<Self>, ReportError> {
        let path = dir.join("selftest.json");
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| ReportError::io(&path, e))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ReportError::SelfTest {
                path: path.clone(),
                message: e.to_string(),
            })
    }

    /// One line for people: the counts.
    pub fn line(&self) -> String {
        let s = &self.summary;
        format!(
            "self-test: {} controls run, {} caught, {} missed{}; {} of {} rejection scenarios uncontrolled",
            s.controls_run,
            s.caught,
            s.missed,
            if s.not_run > 0 {
                format!(
                    " ({} not run: every case skipped or inconclusive)",
                    s.not_run
                )
            } else {
                String::new()
            },
            s.uncontrolled,
            s.rejection_scenarios
        )
    }
}
