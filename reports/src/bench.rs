//! `bench.json`, written by `cargo xtask bench` into `reports/out/`, and the benchmark
//! history beside it (see [`crate::bench_history`]): the "Benchmarks" section of the report.
//!
//! ```json
//! { "schema_version": 1,
//!   "baseline": "rustls->rustls",
//!   "entries": [
//!     { "pairing": "own->rustls", "kind": "tls13_full_ecdsa_p256_x25519", "transport": "memory",
//!       "samples": 201, "median_us": 532.9, "mean_us": 529.6, "ratio": 1.03,
//!       "ratio_to_rustls": 1.03, "ratio_to_floor": 1.37, "instructions": 4419684 } ],
//!   "floor": [ { "kind": "tls13_full_ecdsa_p256_x25519", "median_us": 395.6,
//!                "ratio_to_rustls": 0.82, "instructions": 3252211 } ],
//!   "run": { "started": "2026-11-27T01:55:27Z", "git": "ddd8b94", "quick": false } }
//! ```
//! `ratio` is the median over the baseline pairing's median of the same kind and transport,
//! measured in the same run; the ratio mode also writes `ratio_to_rustls`, `ratio_to_floor`,
//! `instructions`, `floor` and `run` (all optional here). The JSON Schema is
//! `reports/schema/bench.schema.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bench_history::BenchHistory;
use crate::error::ReportError;

pub const BENCH_SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of `bench.json`.
pub const BENCH_SCHEMA: &str = include_str!("../schema/bench.schema.json");

/// The pairing every ratio of the ratio mode is relative to.
pub const RUSTLS_BASELINE: &str = "rustls->rustls";

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResults {
    pub schema_version: u32,
    /// The pairing `ratio` is relative to.
    pub baseline: Option<String>,
    pub entries: Vec<BenchEntry>,
    /// The crypto floor of each kind (ratio mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub floor: Vec<FloorEntry>,
    /// When and how the run was made (ratio mode).
    pub run: Option<BenchRun>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchEntry {
    /// `client->server`.
    pub pairing: String,
    /// e.g. `tls13_full_ecdsa_p256_x25519` (`full` or `resumed` in older files).
    pub kind: String,
    /// `memory` or `tcp`.
    pub transport: Option<String>,
    pub samples: Option<u64>,
    pub median_us: f64,
    pub mean_us: f64,
    pub ratio: Option<f64>,
    /// Median over samples of this pairing's time / rustls->rustls's, same sample.
    pub ratio_to_rustls: Option<f64>,
    /// Median over samples of this pairing's time / the crypto floor's, same sample.
    pub ratio_to_floor: Option<f64>,
    /// Instructions per handshake, both sides (callgrind); absent or null without valgrind.
    pub instructions: Option<u64>,
}

/// The crypto floor of one kind: the public-key operations a handshake cannot avoid.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorEntry {
    pub kind: String,
    pub median_us: f64,
    pub ratio_to_rustls: Option<f64>,
    pub instructions: Option<u64>,
}

/// Run metadata of `bench.json` and of each history line.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    /// RFC 3339, UTC.
    pub started: Option<String>,
    /// `git describe --always --dirty`.
    pub git: Option<String>,
    /// `--quick`: fewer samples.
    #[serde(default)]
    pub quick: bool,
    /// Built with the `bench-slow-own` feature (own deliberately slowed: the gate's own test).
    #[serde(default)]
    pub slow_own: bool,
}

impl BenchEntry {
    /// The ratio to rustls->rustls: `ratio_to_rustls`, else `ratio` when that is relative to
    /// rustls->rustls.
    pub fn to_rustls(&self, baseline: Option<&str>) -> Option<f64> {
        self.ratio_to_rustls
            .or(self.ratio.filter(|_| baseline == Some(RUSTLS_BASELINE)))
    }
}

/// Whether `x` is a number a time or ratio can be.
pub(crate) fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

impl BenchResults {
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        let bad = |message: String| ReportError::Bench {
            path: path.to_path_buf(),
            message,
        };
        let b: BenchResults = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if b.schema_version != BENCH_SCHEMA_VERSION {
            return Err(bad(format!(
                "schema_version {}, expected {BENCH_SCHEMA_VERSION}",
                b.schema_version
            )));
        }
        for (i, e) in b.entries.iter().enumerate() {
            if !(non_negative(e.median_us) && non_negative(e.mean_us)) {
                return Err(bad(format!(
                    "entries[{i}]: median_us and mean_us must be finite and >= 0"
                )));
            }
            if ![e.ratio, e.ratio_to_rustls, e.ratio_to_floor]
                .into_iter()
                .flatten()
                .all(non_negative)
            {
                return Err(bad(format!("entries[{i}]: ratios must be finite and >= 0")));
            }
        }
        for (i, f) in b.floor.iter().enumerate() {
            if !(non_negative(f.median_us) && f.ratio_to_rustls.is_none_or(non_negative)) {
                return Err(bad(format!(
                    "floor[{i}]: median_us and ratio_to_rustls must be finite and >= 0"
                )));
            }
        }
        Ok(b)
    }

    /// Reads `dir/bench.json` when it exists.
    pub fn read_in(dir: &Path) -> Result<Option<Self>, ReportError> {
        let path = dir.join("bench.json");
        if path.is_file() {
            Self::read(&path).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// What the "Benchmarks" section is drawn from: the latest run (`bench.json`) and the
/// history of runs (`bench-history.jsonl`), either of which may be missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Benchmarks {
    pub latest: Option<BenchResults>,
    pub history: Option<BenchHistory>,
}

impl Benchmarks {
    /// Reads `dir/bench.json` and `dir/bench-history.jsonl`; `None` when neither exists. A
    /// broken `bench.json` is an error; malformed history lines are skipped and noted (see
    /// [`BenchHistory::read`]).
    pub fn read_in(dir: &Path) -> Result<Option<Self>, ReportError> {
        let latest = BenchResults::read_in(dir)?;
        let history = BenchHistory::read_in(dir);
        Ok((latest.is_some() || history.is_some()).then_some(Benchmarks { latest, history }))
    }
}
