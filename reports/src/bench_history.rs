//! `bench-history.jsonl`: one line per `cargo xtask bench` run, appended beside `bench.json`.
//!
//! ```json
//! {"run":{"started":"2026-11-27T01:55:27Z","git":"ddd8b94","quick":false,"slow_own":false,"callgrind_iters":10},
//!  "pairings":[{"client":"own","server":"rustls","kind":"tls13_full_ecdsa_p256_x25519","median_us":532.9,
//!               "ratio_to_rustls":1.03,"ratio_to_floor":1.37,"instructions":4419684}],
//!  "floor":[{"kind":"tls13_full_ecdsa_p256_x25519","median_us":395.6,"ratio_to_rustls":0.82,"instructions":3252211}]}
//! ```
//! (one line in the file). Lines are in the order the runs were made. A line that is not such
//! an object (bad JSON, a missing field, a negative or non-finite number, no pairings) is
//! skipped and recorded with its line number, so that the report still shows the others;
//! blank lines are ignored. Fields may be added to a line.

use std::path::Path;

use serde::Deserialize;

use crate::bench::{BenchRun, FloorEntry, non_negative};

/// The history file's name, beside `bench.json`.
pub const HISTORY_FILE: &str = "bench-history.jsonl";

/// Longest reason kept for a skipped line (serde quotes the offending value).
const REASON_MAX: usize = 160;

/// The runs of `bench-history.jsonl` that could be read, and the lines that could not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchHistory {
    /// In file order (oldest first).
    pub runs: Vec<HistoryRun>,
    pub skipped: Vec<SkippedLine>,
    /// The file exists but could not be read at all.
    pub unreadable: Option<String>,
}

/// One run: one line of the file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HistoryRun {
    /// 1-based line number in the file.
    #[serde(skip)]
    pub line: usize,
    pub run: BenchRun,
    pub pairings: Vec<HistoryPairing>,
    #[serde(default)]
    pub floor: Vec<FloorEntry>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HistoryPairing {
    pub client: String,
    pub server: String,
    pub kind: String,
    pub median_us: f64,
    pub ratio_to_rustls: f64,
    #[serde(default)]
    pub ratio_to_floor: Option<f64>,
    #[serde(default)]
    pub instructions: Option<u64>,
}

impl HistoryPairing {
    /// `client->server`, as in `bench.json`.
    pub fn pairing(&self) -> String {
        format!("{}->{}", self.client, self.server)
    }
}

/// A line that was not a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based.
    pub line: usize,
    pub reason: String,
}

impl HistoryRun {
    /// Which kinds this run measured.
    pub fn has_kind(&self, kind: &str) -> bool {
        self.pairings.iter().any(|p| p.kind == kind)
    }

    fn check(&self) -> Result<(), String> {
        if self.pairings.is_empty() {
            return Err("no pairings".into());
        }
        for (i, p) in self.pairings.iter().enumerate() {
            if p.client.is_empty() || p.server.is_empty() || p.kind.is_empty() {
                return Err(format!("pairings[{i}]: empty client, server or kind"));
            }
            if !(non_negative(p.median_us)
                && non_negative(p.ratio_to_rustls)
                && p.ratio_to_floor.is_none_or(non_negative))
            {
                return Err(format!(
                    "pairings[{i}]: median_us and ratios must be finite and >= 0"
                ));
            }
        }
        for (i, f) in self.floor.iter().enumerate() {
            if !(non_negative(f.median_us) && f.ratio_to_rustls.is_none_or(non_negative)) {
                return Err(format!(
                    "floor[{i}]: median_us and ratio_to_rustls must be finite and >= 0"
                ));
            }
        }
        Ok(())
    }
}

fn shorten(mut s: String) -> String {
    if s.chars().count() > REASON_MAX {
        s = s.chars().take(REASON_MAX).collect();
        s.push('…');
    }
    s
}

/// serde_json's message without its "at line 1 column N" (every line is line 1 to it).
fn json_reason(e: &serde_json::Error) -> String {
    let mut s = e.to_string();
    if let Some(i) = s.rfind(" at line ") {
        s.truncate(i);
    }
    format!("{} (column {})", shorten(s), e.column())
}

impl BenchHistory {
    /// Parses the bytes of a history file: every line that is a run, the others noted.
    pub fn parse(bytes: &[u8]) -> Self {
        let mut h = BenchHistory::default();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = i + 1;
            let Ok(text) = std::str::from_utf8(raw) else {
                h.skipped.push(SkippedLine {
                    line,
                    reason: "not UTF-8".into(),
                });
                continue;
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let parsed = serde_json::from_str::<HistoryRun>(text)
                .map_err(|e| json_reason(&e))
                .and_then(|run| run.check().map(|()| run));
            match parsed {
                Ok(mut run) => {
                    run.line = line;
                    h.runs.push(run);
                }
                Err(reason) => h.skipped.push(SkippedLine { line, reason }),
            }
        }
        h
    }

    /// Reads a history file. Never fails: a file that cannot be read is noted in
    /// `unreadable`, bad lines in `skipped`.
    pub fn read(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => Self::parse(&bytes),
            Err(e) => BenchHistory {
                unreadable: Some(shorten(e.to_string())),
                ..BenchHistory::default()
            },
        }
    }

    /// Reads `dir/bench-history.jsonl` when it exists.
    pub fn read_in(dir: &Path) -> Option<Self> {
        let path = dir.join(HISTORY_FILE);
        path.exists().then(|| Self::read(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"run":{"started":"2026-11-27T01:55:27Z","git":"abc","quick":true,"slow_own":false,"callgrind_iters":10},"pairings":[{"client":"own","server":"rustls","kind":"k","median_us":500.0,"ratio_to_rustls":1.05,"ratio_to_floor":1.4,"instructions":null}],"floor":[{"kind":"k","median_us":300.0,"ratio_to_rustls":0.6,"instructions":null}]}"#;

    #[test]
    fn reads_runs_and_names_the_lines_it_skips() {
        let negative = GOOD.replace("500.0", "-1.0");
        let no_pairings = r#"{"run":{"started":"x"},"pairings":[]}"#;
        let text = format!(
            "{GOOD}\n{{ not json\n\n{negative}\n{no_pairings}\n{}\n",
            GOOD.replace("abc", "def")
        );
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        let h = BenchHistory::parse(&bytes);
        assert_eq!(
            h.runs.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 6]
        );
        assert_eq!(h.runs[1].run.git.as_deref(), Some("def"));
        assert!(h.runs[0].run.quick && !h.runs[0].run.slow_own);
        assert_eq!(h.runs[0].pairings[0].pairing(), "own->rustls");
        assert_eq!(h.runs[0].pairings[0].instructions, None);
        assert_eq!(h.runs[0].floor[0].ratio_to_rustls, Some(0.6));
        let skipped: Vec<(usize, &str)> = h
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(skipped.len(), 4, "{skipped:?}");
        assert_eq!(skipped[0].0, 2);
        assert!(
            skipped[0].1.contains("column") && !skipped[0].1.contains("line 1"),
            "{skipped:?}"
        );
        assert_eq!(
            skipped[1],
            (
                4,
                "pairings[0]: median_us and ratios must be finite and >= 0"
            )
        );
        assert_eq!(skipped[2], (5, "no pairings"));
        assert_eq!(skipped[3], (7, "not UTF-8"));
        let missing = BenchHistory::parse(GOOD.replace(r#""median_us":500.0,"#, "").as_bytes());
        assert!(missing.runs.is_empty());
        assert!(
            missing.skipped[0]
                .reason
                .starts_with("missing field `median_us`"),
            "{:?}",
            missing.skipped
        );
    }

    #[test]
    fn a_missing_file_is_no_history_and_an_unreadable_one_is_noted() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(BenchHistory::read_in(dir.path()), None);
        // A directory where the file should be: exists, cannot be read as a file.
        std::fs::create_dir(dir.path().join(HISTORY_FILE)).unwrap();
        let h = BenchHistory::read_in(dir.path()).unwrap();
        assert!(h.runs.is_empty() && h.unreadable.is_some(), "{h:?}");
    }
}
