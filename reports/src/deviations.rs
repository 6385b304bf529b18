//! `scenarios/known-deviations.toml`: the verdicts we expect other than `pass`, each with a
//! reason, and the classification of a run's cases against them.
//!
//! ```toml
//! [[deviation]]
//! case = "client_hello::duplicate_extension/*->openssl*"   # an id, or a pattern with `*`
//! verdict = "alert_mismatch"                               # any verdict name
//! alert = "decode_error"                                   # optional, for alert_mismatch
//! reason = "OpenSSL checks lengths before duplicates"      # required, not empty
//! ```
//!
//! The first entry whose pattern matches a case applies to it.
//!
//! Exit policy: by default only verdicts that break a MUST-level rule are gated (they need an
//! entry), and so are `crash` and `error` at every level (a peer process dying, the harness
//! breaking), and any non-pass of a result without levels (schema version 1). SHOULD, MAY,
//! hardening and policy differences are `reported`: counted and shown, not gated. With
//! `strict`, every non-pass verdict but a reasoned `skip` is gated.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::ReportError;
use crate::glob;
use crate::results::{CaseResult, Level, Results, Verdict};

/// The file the user is told to update.
pub const DEFAULT_PATH: &str = "scenarios/known-deviations.toml";

/// One entry of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deviation {
    /// A case id, or a pattern where `*` stands for any run of characters.
    pub case: String,
    /// The verdict expected for the matching cases.
    pub verdict: Verdict,
    /// For `alert_mismatch`: the alert actually sent, when the entry pins it.
    pub alert: Option<String>,
    /// Why this deviation is accepted.
    pub reason: String,
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownDeviations {
    /// Where it was read from (for messages); `None` when built in code or absent.
    pub path: Option<PathBuf>,
    pub entries: Vec<Deviation>,
    /// Gate every level (`--strict`), not only MUST.
    pub strict: bool,
}

/// How one case stands against the known deviations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Class {
    /// `pass`, and no entry says otherwise.
    ExpectedPass,
    /// `skip` with a reason (or a `skip` listed in the file).
    ExpectedSkip,
    /// The verdict the file lists for this case (entry index).
    KnownDeviation { entry: usize },
    /// A verdict nobody expected: a new failure.
    Unexpected { entry: Option<usize> },
    /// A non-pass verdict below the gate (SHOULD, MAY, hardening or policy, without
    /// `strict`): counted and shown, not a failure of the run.
    Reported { entry: Option<usize> },
    /// The file lists a deviation for this case, and it no longer happens.
    Stale { entry: usize },
}

impl Class {
    /// A short name, used as a CSS class and in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::ExpectedPass => "expected_pass",
            Class::ExpectedSkip => "expected_skip",
            Class::KnownDeviation { .. } => "known",
            Class::Unexpected { .. } => "unexpected",
            Class::Reported { .. } => "reported",
            Class::Stale { .. } => "stale",
        }
    }

    /// Whether this case makes the run fail.
    pub fn is_bad(self) -> bool {
        matches!(self, Class::Unexpected { .. } | Class::Stale { .. })
    }
}

/// A listed deviation that no longer happens, with the cases that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleEntry {
    pub index: usize,
    pub entry: Deviation,
    /// (case id, verdict now).
    pub cases: Vec<(String, Verdict)>,
}

/// The classification of every case of a run (same order as `Results::cases`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub classes: Vec<Class>,
    pub stale: Vec<StaleEntry>,
    /// Where the deviations came from, for messages.
    pub file: String,
    entries: Vec<Deviation>,
    /// Per case: a one-line explanation for `Unexpected` and `Stale`.
    notes: Vec<Option<String>>,
    ids: Vec<String>,
    verdicts: Vec<Verdict>,
}

fn field_err(path: &Path, index: usize, field: &str, message: impl Into<String>) -> ReportError {
    ReportError::Deviation {
        path: path.to_path_buf(),
        index,
        field: field.to_string(),
        message: message.into(),
    }
}

impl KnownDeviations {
    /// No deviations: every case must pass (or skip with a reason).
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the file. A missing file is an error; use [`KnownDeviations::load_or_default`]
    /// where an absent file means "none".
    pub fn load(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        Self::parse(&text, path)
    }

    /// Reads the file when it exists; no file means no deviations.
    pub fn load_or_default(path: &Path) -> Result<Self, ReportError> {
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self::none())
        }
    }

    /// Parses the text of a file; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ReportError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ReportError::Toml {
            path: path.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        let top_err = |message: String| ReportError::DeviationsFile {
            path: path.to_path_buf(),
            message,
        };
        for key in table.keys() {
            if key != "deviation" {
                return Err(top_err(format!(
                    "unknown top-level key `{key}`; expected only [[deviation]] entries"
                )));
            }
        }
        let mut entries = Vec::new();
        let Some(list) = table.get("deviation") else {
            return Ok(Self {
                path: Some(path.to_path_buf()),
                entries,
                strict: false,
            });
        };
        let Some(list) = list.as_array() else {
            return Err(top_err(
                "`deviation` must be an array of tables ([[deviation]])".into(),
            ));
        };
        for (index, item) in list.iter().enumerate() {
            let Some(t) = item.as_table() else {
                return Err(field_err(path, index, "deviation", "must be a table"));
            };
            for key in t.keys() {
                if !["case", "verdict", "alert", "reason"].contains(&key.as_str()) {
                    return Err(field_err(
                        path,
                        index,
                        key,
                        "unknown field; expected case, verdict, alert, reason",
                    ));
                }
            }
            let string = |field: &str| -> Result<Option<String>, ReportError> {
                match t.get(field) {
                    None => Ok(None),
                    Some(v) => v
                        .as_str()
                        .map(|s| Some(s.to_string()))
                        .ok_or_else(|| field_err(path, index, field, "must be a string")),
                }
            };
            // A string that must be given and must not be blank; `why` ends both messages.
            let required = |field: &str, why: &str| -> Result<String, ReportError> {
                let v = string(field)?
                    .ok_or_else(|| field_err(path, index, field, format!("missing{why}")))?;
                if v.trim().is_empty() {
                    return Err(field_err(
                        path,
                        index,
                        field,
                        format!("must not be empty{why}"),
                    ));
                }
                Ok(v)
            };
            let case = required("case", " (a case id or a pattern with `*`)")?;
            let verdicts = Verdict::ALL.map(Verdict::as_str).join(", ");
            let verdict_s = required("verdict", &format!(" ({verdicts})"))?;
            let verdict = verdict_s.parse::<Verdict>().map_err(|_| {
                field_err(
                    path,
                    index,
                    "verdict",
                    format!("`{verdict_s}` is not one of {verdicts}"),
                )
            })?;
            let alert = string("alert")?;
            if alert.is_some() && verdict != Verdict::AlertMismatch {
                return Err(field_err(
                    path,
                    index,
                    "alert",
                    "only allowed with verdict = \"alert_mismatch\"",
                ));
            }
            if alert.as_deref().is_some_and(|a| a.trim().is_empty()) {
                return Err(field_err(path, index, "alert", "must not be empty"));
            }
            let reason = required("reason", ": say why this deviation is accepted")?;
            entries.push(Deviation {
                case,
                verdict,
                alert,
                reason,
            });
        }
        Ok(Self {
            path: Some(path.to_path_buf()),
            entries,
            strict: false,
        })
    }

    /// The same deviations, gating every level (`--strict`) or only MUST (the default).
    pub fn with_strict(self, strict: bool) -> Self {
        Self { strict, ..self }
    }

    /// Whether a non-pass verdict of `case` needs an entry to keep the run green.
    pub fn gates(&self, case: &CaseResult) -> bool {
        if self.strict || matches!(case.verdict, Verdict::Crash | Verdict::Error) {
            return true;
        }
        match case.breaks() {
            Some(level) => level == Level::Must,
            // A pass or skip gates nothing; a version 1 result has no levels: gate it all.
            None => !matches!(case.verdict, Verdict::Pass | Verdict::Skip),
        }
    }

    /// The first entry that applies to `id`.
    pub fn lookup(&self, id: &str) -> Option<(usize, &Deviation)> {
        self.entries
            .iter()
            .enumerate()
            .find(|(_, d)| glob::matches(&d.case, id))
    }

    fn file(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| DEFAULT_PATH.to_string())
    }

    /// Classifies each case of a run.
    pub fn evaluate(&self, results: &Results) -> Evaluation {
        let mut classes = Vec::with_capacity(results.cases.len());
        let mut notes = Vec::with_capacity(results.cases.len());
        let mut stale: BTreeMap<usize, Vec<(String, Verdict)>> = BTreeMap::new();
        for case in &results.cases {
            let (class, note) = self.classify(case);
            if let Class::Stale { entry } = class {
                stale
                    .entry(entry)
                    .or_default()
                    .push((case.id.clone(), case.verdict));
            }
            classes.push(class);
            notes.push(note);
        }
        Evaluation {
            classes,
            stale: stale
                .into_iter()
                .filter_map(|(index, cases)| {
                    self.entries.get(index).map(|e| StaleEntry {
                        index,
                        entry: e.clone(),
                        cases,
                    })
                })
                .collect(),
            file: self.file(),
            entries: self.entries.clone(),
            notes,
            ids: results.cases.iter().map(|c| c.id.clone()).collect(),
            verdicts: results.cases.iter().map(|c| c.verdict).collect(),
        }
    }

    fn classify(&self, case: &CaseResult) -> (Class, Option<String>) {
        let has_reason = case.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        let observed_alert = crate::describe::observed_alert(case);
        match self.lookup(&case.id) {
            None => match case.verdict {
                Verdict::Pass => (Class::ExpectedPass, None),
                Verdict::Skip if has_reason => (Class::ExpectedSkip, None),
                Verdict::Skip => (
                    Class::Unexpected { entry: None },
                    Some("skip without a reason".into()),
                ),
                v if !self.gates(case) => (
                    Class::Reported { entry: None },
                    Some(format!(
                        "{v} at {} level: reported, not gated (--strict gates it)",
                        level_name(case)
                    )),
                ),
                v => (
                    Class::Unexpected { entry: None },
                    Some(format!(
                        "new {v}{}, not listed in {}",
                        at_level(case),
                        self.file()
                    )),
                ),
            },
            Some((i, d)) => {
                let alert_ok = match (&d.alert, &observed_alert) {
                    (None, _) => true,
                    (Some(want), Some(got)) => want == got,
                    (Some(_), None) => false,
                };
                if case.verdict == d.verdict && alert_ok {
                    return match d.verdict {
                        Verdict::Pass => (Class::ExpectedPass, None),
                        Verdict::Skip => (Class::ExpectedSkip, None),
                        _ => (Class::KnownDeviation { entry: i }, None),
                    };
                }
                match case.verdict {
                    Verdict::Pass => (
                        Class::Stale { entry: i },
                        Some(format!(
                            "now passes, but {} #{} lists it as {}: remove or narrow that entry",
                            self.file(),
                            i + 1,
                            d.verdict
                        )),
                    ),
                    Verdict::Skip if has_reason => (Class::ExpectedSkip, None),
                    v => {
                        let listed = match &d.alert {
                            Some(a) => format!("{} (alert {a})", d.verdict),
                            None => d.verdict.to_string(),
                        };
                        let now = match (&observed_alert, v) {
                            (Some(a), Verdict::AlertMismatch) => format!("{v} (alert {a})"),
                            _ => v.to_string(),
                        };
                        let class = if self.gates(case) {
                            Class::Unexpected { entry: Some(i) }
                        } else {
                            Class::Reported { entry: Some(i) }
                        };
                        (
                            class,
                            Some(format!(
                                "{now}{}, but {} #{} lists {listed}",
                                at_level(case),
                                self.file(),
                                i + 1
                            )),
                        )
                    }
                }
            }
        }
    }
}

/// The level a case's verdict breaks, for messages.
fn level_name(case: &CaseResult) -> &'static str {
    case.breaks().map_or("unknown", Level::as_str)
}

/// ` (MUST)` after a verdict, when the case has a level.
fn at_level(case: &CaseResult) -> String {
    case.breaks().map(|l| format!(" ({l})")).unwrap_or_default()
}

impl Evaluation {
    /// True when nothing is unexpected and no listed deviation is stale.
    pub fn ok(&self) -> bool {
        self.unexpected_count() == 0 && self.stale.is_empty()
    }

    pub fn unexpected_count(&self) -> usize {
        self.classes
            .iter()
            .filter(|c| matches!(c, Class::Unexpected { .. }))
            .count()
    }

    /// Non-pass verdicts below the gate: reported, not failing the run.
    pub fn reported_count(&self) -> usize {
        self.classes
            .iter()
            .filter(|c| matches!(c, Class::Reported { .. }))
            .count()
    }

    pub fn known_count(&self) -> usize {
        self.classes
            .iter()
            .filter(|c| matches!(c, Class::KnownDeviation { .. }))
            .count()
    }

    /// The class of case `i` (in `Results::cases` order).
    pub fn class(&self, i: usize) -> Class {
        self.classes.get(i).copied().unwrap_or(Class::ExpectedPass)
    }

    /// The explanation of case `i`, for unexpected and stale cases.
    pub fn note(&self, i: usize) -> Option<&str> {
        self.notes.get(i).and_then(|n| n.as_deref())
    }

    /// The entry a known deviation (or stale/unexpected case) refers to.
    pub fn entry(&self, i: usize) -> Option<&Deviation> {
        match self.class(i) {
            Class::KnownDeviation { entry } | Class::Stale { entry } => self.entries.get(entry),
            Class::Unexpected { entry: Some(entry) } | Class::Reported { entry: Some(entry) } => {
                self.entries.get(entry)
            }
            _ => None,
        }
    }

    /// Lines for the terminal: each unexpected case, each stale entry, and what to do.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, class) in self.classes.iter().enumerate() {
            if let Class::Unexpected { .. } = class {
                let id = self.ids.get(i).map(String::as_str).unwrap_or("?");
                let v = self.verdicts.get(i).map(|v| v.as_str()).unwrap_or("?");
                out.push(format!(
                    "unexpected {v:<14} {id}: {}",
                    self.note(i).unwrap_or("")
                ));
            }
        }
        for s in &self.stale {
            let mut line = format!(
                "stale deviation: {} #{} (case = \"{}\", verdict = \"{}\") no longer happens:",
                self.file,
                s.index + 1,
                s.entry.case,
                s.entry.verdict
            );
            for (id, v) in s.cases.iter().take(5) {
                let _ = write!(line, " {id} is now {v};");
            }
            if s.cases.len() > 5 {
                let _ = write!(line, " and {} more;", s.cases.len() - 5);
            }
            out.push(line.trim_end_matches(';').to_string());
        }
        if !self.stale.is_empty() {
            out.push(format!(
                "update {}: remove or narrow the stale entries above (the implementations now behave as the RFC says)",
                self.file
            ));
        }
        let unexpected = self.unexpected_count();
        if unexpected > 0 {
            out.push(format!(
                "{unexpected} unexpected verdict(s): fix them, or, if a deviation is accepted, list it with a reason in {}",
                self.file
            ));
        }
        out
    }
}
