//! The results schema of the harness (`results.json`, schema_version 1) and the reports
//! written from it: `index.html`, `junit.xml`, `summary.md`.
//!
//! Fields may be added to the schema; they are never renamed. The JSON Schema that documents
//! the file is `reports/schema/results.schema.json`; a test checks that what we write
//! validates against it.
//!
//! ```no_run
//! # use std::path::Path;
//! let results = reports::Results::read(Path::new("reports/out/results.json"))?;
//! let deviations = reports::KnownDeviations::load(Path::new("scenarios/known-deviations.toml"))?;
//! let written = reports::write_all(&results, &deviations, None, Path::new("reports/out"))?;
//! for line in written.evaluation.messages() {
//!     eprintln!("{line}");
//! }
//! std::process::exit(if written.evaluation.ok() { 0 } else { 1 });
//! # Ok::<(), reports::ReportError>(())
//! ```

#![forbid(unsafe_code)]

pub mod bench;
pub mod bench_history;
mod bench_view;
mod context;
pub mod describe;
pub mod deviations;
mod error;
mod escape;
mod glob;
pub mod html;
pub mod junit;
pub mod ladder;
pub mod markdown;
mod merge;
pub mod results;
pub mod selftest;

use std::path::{Path, PathBuf};

pub use bench::{BENCH_SCHEMA, BenchEntry, BenchResults, Benchmarks};
pub use bench_history::BenchHistory;
pub use deviations::{Class, Deviation, Evaluation, KnownDeviations, StaleEntry};
pub use error::ReportError;
pub use html::html_escape;
pub use merge::merge;
pub use results::{
    AlertFrom, Binds, CaseResult, Direction, Expected, ExpectedResult, Level, Observed,
    ObservedResult, Results, RunInfo, SCHEMA_VERSION, UnderTest, Verdict,
};
pub use selftest::{Required, SelfTest};

use context::Context;

/// The JSON Schema of `results.json`.
pub const RESULTS_SCHEMA: &str = include_str!("../schema/results.schema.json");

/// What [`write_all`] wrote, and how the run stands.
#[derive(Debug)]
pub struct Written {
    pub index_html: PathBuf,
    pub junit_xml: PathBuf,
    pub summary_md: PathBuf,
    /// The run against the known deviations: `evaluation.ok()` is the exit status.
    pub evaluation: Evaluation,
    /// Cases whose verdict differs from the previous run (when one was given).
    pub changed: usize,
}

/// The three reports, in memory.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub index_html: String,
    pub junit_xml: String,
    pub summary_md: String,
    pub evaluation: Evaluation,
    pub changed: usize,
}

/// What `index.html` draws besides the run: the latest benchmark run and the history of runs,
/// and the self-test (`harness selftest`), each when given.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub bench: Option<Benchmarks>,
    pub selftest: Option<SelfTest>,
}

/// Renders every report without touching the disk.
pub fn render_all(
    results: &Results,
    deviations: &KnownDeviations,
    previous: Option<&Results>,
    extras: Extras,
) -> Result<Rendered, ReportError> {
    let ctx = Context::new(results, deviations, previous, extras);
    let changed = ctx.totals().changed;
    Ok(Rendered {
        index_html: html::render(&ctx)?,
        junit_xml: junit::render(&ctx),
        summary_md: markdown::render(&ctx),
        evaluation: ctx.eval.clone(),
        changed,
    })
}

/// Writes `index.html`, `junit.xml` and `summary.md` into `out_dir` (created if needed).
/// Draws the "Benchmarks" section from `out_dir/bench.json` (the latest run) and
/// `out_dir/bench-history.jsonl` (the trend) when either exists; a broken `bench.json` is an
/// error, malformed history lines are skipped and named in the report. Shows the self-test's
/// counts from `out_dir/selftest.json` when it exists.
pub fn write_all(
    results: &Results,
    deviations: &KnownDeviations,
    previous: Option<&Results>,
    out_dir: &Path,
) -> Result<Written, ReportError> {
    std::fs::create_dir_all(out_dir).map_err(|e| ReportError::io(out_dir, e))?;
    let extras = Extras {
        bench: Benchmarks::read_in(out_dir)?,
        selftest: SelfTest::read_in(out_dir)?,
    };
    let r = render_all(results, deviations, previous, extras)?;
    let write = |name: &str, text: &str| -> Result<PathBuf, ReportError> {
        let path = out_dir.join(name);
        let tmp = out_dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).map_err(|e| ReportError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| ReportError::io(&path, e))?;
        Ok(path)
    };
    Ok(Written {
        index_html: write("index.html", &r.index_html)?,
        junit_xml: write("junit.xml", &r.junit_xml)?,
        summary_md: write("summary.md", &r.summary_md)?,
        evaluation: r.evaluation,
        changed: r.changed,
    })
}

/// The capture and key log of a case, as relative paths.
pub(crate) fn artifacts(case: &CaseResult) -> (Option<&str>, Option<&str>) {
    (case.pcap.as_deref(), case.keylog.as_deref())
}
