//! Errors of the report writers. Each names the file it is about.

use std::path::{Path, PathBuf};

use crate::results::ResultsError;

/// Everything that can go wrong reading inputs or writing reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The known-deviations file is not valid TOML.
    #[error("{}: not valid TOML: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    /// One entry of the known-deviations file is wrong.
    #[error("{}: deviation #{} (0-based {index}): field `{field}`: {message}", path.display(), index + 1)]
    Deviation {
        path: PathBuf,
        index: usize,
        field: String,
        message: String,
    },
    /// The known-deviations file has a wrong top-level shape.
    #[error("{}: {message}", path.display())]
    DeviationsFile { path: PathBuf, message: String },
    /// Shards that do not belong to the same run.
    #[error("{}: cannot merge: {message}", path.display())]
    Merge { path: PathBuf, message: String },
    /// The benchmark file is not valid.
    #[error("{}: not a bench.json file: {message}", path.display())]
    Bench { path: PathBuf, message: String },
    /// The self-test file is not valid.
    #[error("{}: not a selftest.json file: {message}", path.display())]
    SelfTest { path: PathBuf, message: String },
    #[error("rendering {what}: {message}")]
    Render { what: &'static str, message: String },
}

impl ReportError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
