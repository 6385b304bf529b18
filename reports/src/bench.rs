//! `bench.json`, written by the benchmarks into `reports/out/`, and its latency chart.
//!
//! ```json
//! { "schema_version": 1,
//!   "baseline": "rustls->rustls",
//!   "entries": [
//!     { "pairing": "rustls->openssl", "kind": "full", "transport": "memory",
//!       "samples": 200, "median_us": 812.5, "mean_us": 830.1, "ratio": 1.07 } ] }
//! ```
//! `kind` is `full` or `resumed` (others are drawn too); `ratio` is the median over the
//! baseline pairing's median of the same kind and transport, measured in the same run.
//! The JSON Schema is `reports/schema/bench.schema.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::html_escape;

pub const BENCH_SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of `bench.json`.
pub const BENCH_SCHEMA: &str = include_str!("../schema/bench.schema.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResults {
    pub schema_version: u32,
    /// The pairing ratios are relative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub entries: Vec<BenchEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchEntry {
    /// `client->server`.
    pub pairing: String,
    /// `full` or `resumed`.
    pub kind: String,
    /// `memory` or `tcp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    pub median_us: f64,
    pub mean_us: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
}

impl BenchResults {
    pub fn read(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        let b: BenchResults = serde_json::from_str(&text).map_err(|e| ReportError::Bench {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if b.schema_version != BENCH_SCHEMA_VERSION {
            return Err(ReportError::Bench {
                path: path.to_path_buf(),
                message: format!("schema_version {}, expected {BENCH_SCHEMA_VERSION}", b.schema_version),
            });
        }
        for (i, e) in b.entries.iter().enumerate() {
            if !(e.median_us.is_finite() && e.median_us >= 0.0 && e.mean_us.is_finite() && e.mean_us >= 0.0) {
                return Err(ReportError::Bench {
                    path: path.to_path_buf(),
                    message: format!("entries[{i}]: median_us and mean_us must be finite and >= 0"),
                });
            }
        }
        Ok(b)
    }

    /// Reads `dir/bench.json` when it exists.
    pub fn read_in(dir: &Path) -> Result<Option<Self>, ReportError> {
        let path = dir.join("bench.json");
        if path.is_file() { Self::read(&path).map(Some) } else { Ok(None) }
    }

    /// One horizontal bar chart per kind (and transport): median as a bar, mean as a tick,
    /// the ratio to the baseline as a label. Self-contained SVG, labels escaped.
    pub fn svg_charts(&self) -> Vec<(String, String)> {
        let mut groups: BTreeMap<String, Vec<&BenchEntry>> = BTreeMap::new();
        for e in &self.entries {
            let key = match &e.transport {
                Some(t) => format!("{} handshake, {t}", e.kind),
                None => format!("{} handshake", e.kind),
            };
            groups.entry(key).or_default().push(e);
        }
        groups.into_iter().map(|(title, entries)| {
            let svg = bar_chart(&entries);
            (title, svg)
        }).collect()
    }
}

fn bar_chart(entries: &[&BenchEntry]) -> String {
    let row = 26.0;
    let label_w = 170.0;
    let bar_w = 420.0;
    let width = label_w + bar_w + 140.0;
    let height = row * entries.len() as f64 + 34.0;
    let max = entries.iter().map(|e| e.median_us.max(e.mean_us)).fold(0.0f64, f64::max).max(1e-9);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">"#
    );
    for (i, e) in entries.iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let w = (e.median_us / max * bar_w).max(1.0);
        let mean_x = label_w + e.mean_us / max * bar_w;
        let ratio = e.ratio.map(|r| format!("  ×{r:.2}")).unwrap_or_default();
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="lbl">{label}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="16" rx="3" class="bar"><title>{label}: median {med:.1} µs, mean {mean:.1} µs</title></rect><line x1="{mean_x:.1}" x2="{mean_x:.1}" y1="{y1}" y2="{y2}" class="mean"/><text x="{vx:.1}" y="{ty}" class="val">{med:.0} µs{ratio}</text>"#,
            lx = label_w - 8.0,
            ty = y + 12.5,
            label = html_escape(&e.pairing),
            med = e.median_us,
            mean = e.mean_us,
            y1 = y - 2.0,
            y2 = y + 18.0,
            vx = label_w + w.max(mean_x - label_w) + 8.0,
        );
    }
    let axis_y = 8.0 + row * entries.len() as f64 + 4.0;
    let _ = write!(
        s,
        r#"<line x1="{label_w}" x2="{x2}" y1="{axis_y}" y2="{axis_y}" class="axis"/><text x="{label_w}" y="{ty}" class="val">0</text><text x="{x2}" y="{ty}" text-anchor="end" class="val">{max:.0} µs</text></svg>"#,
        x2 = label_w + bar_w,
        ty = axis_y + 14.0,
    );
    s
}
