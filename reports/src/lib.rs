//! The results schema of the harness (`results.json`, schema_version 1) and the reports
//! written from it.
//!
//! Fields may be added to the schema; they are never renamed. The JSON Schema that documents
//! the file is `reports/schema/results.schema.json`; a test checks that what we write
//! validates against it.

#![forbid(unsafe_code)]

pub mod results;

pub use results::{
    CaseResult, Direction, Expected, ExpectedResult, Observed, ObservedResult, Results, RunInfo,
    UnderTest, Verdict, SCHEMA_VERSION,
};

/// The JSON Schema of `results.json`.
pub const RESULTS_SCHEMA: &str = include_str!("../schema/results.schema.json");
