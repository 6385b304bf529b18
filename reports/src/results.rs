//! `results.json`: one run of the harness, case by case.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The version of the results schema this crate writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole run: what ran, where, and every case's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub run: RunInfo,
    pub cases: Vec<CaseResult>,
}

/// Facts about the run itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// RFC 3339 UTC time the run started.
    pub started: String,
    /// Short commit hash of the harness, or "unknown".
    pub git: String,
    /// The run's `--seed`: each case's peers draw their randomness from a seed derived from
    /// it and the case id, so a case marked `replayable` sends the same bytes again with it.
    pub seed: u64,
    /// Each peer's name and the version of the implementation behind it.
    pub peers: BTreeMap<String, String>,
    /// `K/N` when the run is one shard of a split run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Wall time of the whole run, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
}

/// Which side of a case the scenario puts under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnderTest {
    Client,
    Server,
    Both,
}

impl fmt::Display for UnderTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnderTest::Client => "client",
            UnderTest::Server => "server",
            UnderTest::Both => "both",
        })
    }
}

/// The verdict of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// As the RFC expects.
    Pass,
    /// Rejected, but with another alert than the RFC names.
    AlertMismatch,
    /// Accepted what must be rejected, or rejected what must connect.
    Fail,
    /// The harness or a peer broke: crash, hang, timeout.
    Error,
    /// A peer lacks a feature the case needs; the reason says which.
    Skip,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::AlertMismatch,
        Verdict::Fail,
        Verdict::Error,
        Verdict::Skip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::AlertMismatch => "alert_mismatch",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the scenario expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedResult {
    Connected,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub result: ExpectedResult,
    /// The alert the RFC names, for `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// Negotiated values a `connected` case checks (`version`, `suite`, `group`, `resumed`,
    /// `hrr`, `alpn`, ...), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, String>,
}

/// What one side of a connection saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedResult {
    Connected,
    Rejected,
    Error,
}

/// Whether an alert was sent or received by the side whose outcome this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Sent,
    Received,
}

/// One side's outcome of a connection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Observed {
    pub result: Option<ObservedResult>,
    /// Last handshake step reached (`Tcp`, `ClientHello`, `ServerHello`, `Certificate`,
    /// `CertificateVerify`, `KeyExchange`, `Finished`, `AppData`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigalg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hrr: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// What went wrong, in words, when the result is not `connected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One case: a scenario with a client peer and a server peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub scenario: String,
    pub family: String,
    pub client: String,
    pub server: String,
    pub under_test: UnderTest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rfc: Option<String>,
    /// The requirement the verdict is about, quoted from the RFC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    pub verdict: Verdict,
    /// Why the verdict is what it is (always given for `skip`, `error`, `fail`,
    /// `alert_mismatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
    /// The client's view of the (last) connection of the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    /// The server's view of the same connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_observed: Option<Observed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// Decoded transcript, one line per record or message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<String>,
    /// Packet capture of the case (pcapng), relative to the directory of results.json.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcap: Option<String>,
    /// TLS key log of the case (SSLKEYLOGFILE format), relative to the directory of
    /// results.json.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keylog: Option<String>,
    /// Whether the case's bytes on the wire are a function of the run's seed (every source of
    /// randomness in it was seeded); absent for a case that did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replayable: Option<bool>,
    /// What in the case the seed does not drive (a peer that cannot be seeded, randomness its
    /// crypto library draws internally), when it is not replayable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unseeded: Vec<String>,
}

/// Errors reading or writing results.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a results file: {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: schema_version {found}, this harness reads {SCHEMA_VERSION}")]
    Version { path: String, found: u32 },
}

impl Results {
    /// Counts of each verdict.
    pub fn counts(&self) -> BTreeMap<Verdict, usize> {
        let mut counts = BTreeMap::new();
        for case in &self.cases {
            *counts.entry(case.verdict).or_insert(0) += 1;
        }
        counts
    }

    /// Reads a `results.json`, checking its schema version.
    pub fn read(path: &Path) -> Result<Self, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let results: Results = serde_json::from_str(&text).map_err(|source| ResultsError::Json {
            path: path.display().to_string(),
            source,
        })?;
        if results.schema_version != SCHEMA_VERSION {
            return Err(ResultsError::Version {
                path: path.display().to_string(),
                found: results.schema_version,
            });
        }
        Ok(results)
    }

    /// Writes pretty JSON, atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), ResultsError> {
        let io = |source| ResultsError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = serde_json::to_string_pretty(self).map_err(|source| ResultsError::Json {
            path: path.display().to_string(),
            source,
        })?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}
