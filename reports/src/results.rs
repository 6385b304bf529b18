//! `results.json`: one run of the harness, case by case.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The version of the results schema this crate writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The schema versions this crate reads: version 1 files have no levels and only the verdicts
/// pass, alert_mismatch, fail, error and skip; they read with the scenario fields absent.
pub const READS_SCHEMA_VERSIONS: [u32; 2] = [1, 2];

/// A whole run: what ran, where, and every case's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub schema_version: u32,
    pub run: RunInfo,
    pub cases: Vec<CaseResult>,
}

/// Facts about the run itself.
#[serde_with::skip_serializing_none]
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
    pub shard: Option<String>,
    /// Wall time of the whole run, in milliseconds.
    pub duration_ms: Option<f64>,
}

/// A closed set of names written to and read from the results: the enum with one serde
/// name per variant, `ALL` in declaration order, `as_str`, `Display`, and `FromStr` whose
/// error lists the names (`expected`).
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident (expected $expected:literal) {
            $( $(#[$vmeta:meta])* $var:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $var, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),*].len()] = [$($name::$var),*];

            /// The name written to the results.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$var => $text, )*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("`{s}`: expected {}", $expected))
            }
        }
    };
}

named_enum! {
    /// Which side of a case the scenario puts under test.
    pub enum UnderTest (expected "client, server or both") {
        Client = "client",
        Server = "server",
        Both = "both",
    }
}

named_enum! {
    /// How strong the rule behind a scenario is.
    pub enum Level (expected "one of MUST, SHOULD, MAY, hardening, policy") {
        /// MUST, MUST NOT, REQUIRED, SHALL: a violation is a conformance failure.
        Must = "MUST",
        /// SHOULD, SHOULD NOT, RECOMMENDED.
        Should = "SHOULD",
        /// MAY, OPTIONAL.
        May = "MAY",
        /// A bound trusted stacks enforce that no RFC requires (e.g. BoringSSL's 32 empty
        /// records).
        Hardening = "hardening",
        /// The RFC lets each implementation choose (e.g. strict serial numbers, requiring
        /// extended_master_secret).
        Policy = "policy",
    }
}

impl Level {
    /// The level of the alert half of an expectation: when the alert is chosen by its
    /// meaning (RFC 8446 6.2) rather than named by the section, at most SHOULD.
    pub fn for_alert(self, from: AlertFrom) -> Level {
        match (self, from) {
            (Level::Must, AlertFrom::Meaning) => Level::Should,
            (l, _) => l,
        }
    }
}

named_enum! {
    /// Whom the quoted sentence obliges.
    pub enum Binds (expected "receiver or sender") {
        /// The side that receives and processes the message (the side under test, for a fault).
        Receiver = "receiver",
        /// The side that sends the message: a receiver's reaction is not stated by it.
        Sender = "sender",
    }
}

named_enum! {
    /// Where the expected alert comes from.
    pub enum AlertFrom (expected "section, meaning or none") {
        /// The quoted section names the alert.
        Section = "section",
        /// The alert is chosen by its RFC 8446 6.2 (RFC 5246 7.2.2) meaning; the alert half of the
        /// expectation is then SHOULD at most.
        Meaning = "meaning",
        /// The expectation names no alert (`connected`, `truncated`, `timeout`, `waits`).
        None = "none",
    }
}

named_enum! {
    /// The verdict of one case: a tier, in the spirit of TLS-Anvil's strictly / conceptually
    /// succeeded and partially / fully failed.
    pub enum Verdict (expected "one of pass, alert_mismatch, no_alert, fail, crash, timeout, error, inconclusive, skip") {
        /// As the scenario expects.
        Pass = "pass",
        /// The right decision, another alert than the one expected.
        AlertMismatch = "alert_mismatch",
        /// (v2) The right decision, but the connection closed without an alert.
        NoAlert = "no_alert",
        /// The wrong decision: accepted what must be rejected (went on past the point where it
        /// had to reject), or rejected what must connect.
        Fail = "fail",
        /// (v2) A peer process died or panicked.
        Crash = "crash",
        /// (v2) A peer hung: it neither finished nor gave up within its time.
        Timeout = "timeout",
        /// The harness itself broke (it could not listen, a proxy failed, an adapter erred).
        Error = "error",
        /// (v2) The side under test was never judged: the fault never reached it. Never counted
        /// as success.
        Inconclusive = "inconclusive",
        /// A peer lacks a feature the case needs; the reason says which.
        Skip = "skip",
    }
}

impl Verdict {
    /// Whether the verdict is about the alert only (the decision was right).
    pub fn alert_only(self) -> bool {
        matches!(self, Verdict::AlertMismatch | Verdict::NoAlert)
    }

    /// The index of the verdict in [`Verdict::ALL`].
    pub fn index(self) -> usize {
        Verdict::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// What the scenario expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedResult {
    Connected,
    Rejected,
    /// (v2) The side under test reports a connection cut without close_notify.
    Truncated,
    /// (v2) The side under test gives up on its own timeout.
    Timeout,
    /// (v2) The side under test does not answer an incomplete message (it waits, or gives
    /// up on it).
    Waits,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub result: ExpectedResult,
    /// The alert the RFC names, for `rejected`.
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Observed {
    #[serialize_always]
    pub result: Option<ObservedResult>,
    /// Last handshake step reached (`Tcp`, `ClientHello`, `ServerHello`, `Certificate`,
    /// `CertificateVerify`, `KeyExchange`, `Finished`, `AppData`).
    pub step: Option<String>,
    pub version: Option<String>,
    pub suite: Option<String>,
    pub group: Option<String>,
    pub sigalg: Option<String>,
    pub alpn: Option<String>,
    pub resumed: Option<bool>,
    pub hrr: Option<bool>,
    pub alert: Option<String>,
    pub direction: Option<Direction>,
    /// What went wrong, in words, when the result is not `connected`.
    pub error: Option<String>,
    /// (v2) How many bytes of application data this side received.
    pub app_data_len: Option<usize>,
    /// (v2) The first bytes of that application data, as text (lossy UTF-8, at most 120
    /// characters): what was actually read, not what was expected.
    pub app_data: Option<String>,
    /// (v2) After a fatal alert of the connection (this side's or its peer's), whether this
    /// side closed its end (FIN or RST) within the bound (1 s), as its peer saw. Absent when
    /// nobody watched (no fatal alert, or a peer that cannot watch).
    pub closed_after_alert: Option<bool>,
    /// (v2) How many milliseconds after that alert this side closed its end.
    pub closed_after_alert_ms: Option<f64>,
    /// (v2) Bytes this side wrote after its own fatal alert, as its peer read them.
    pub bytes_after_alert: Option<usize>,
    /// (v2) For a completed exchange: whether this side sent close_notify (read off the
    /// decrypted transcript).
    pub close_notify_sent: Option<bool>,
    /// (v2) Bytes of application data this side's library delivered after the peer's
    /// close_notify (RFC 8446 6.1: they MUST be ignored). Absent where not watched.
    pub app_data_after_close_notify: Option<usize>,
}

/// One case: a scenario with a client peer and a server peer.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub scenario: String,
    pub family: String,
    pub client: String,
    pub server: String,
    pub under_test: UnderTest,
    pub rfc: Option<String>,
    /// The requirement the verdict is about, quoted from the RFC.
    pub requirement: Option<String>,
    /// (v2) How strong the scenario's rule is.
    pub level: Option<Level>,
    /// (v2) Whom the scenario's quoted sentence obliges.
    pub binds: Option<Binds>,
    /// (v2) Whether the quoted section names the expected alert, or it is chosen by meaning.
    pub alert_from: Option<AlertFrom>,
    /// (v2) The scenario's note: why its level is what it is.
    pub note: Option<String>,
    pub verdict: Verdict,
    /// (v2) The level this verdict breaks, for every verdict but pass and skip: the scenario's
    /// level, or, for an alert-only verdict whose alert is chosen by meaning, at most SHOULD.
    pub verdict_level: Option<Level>,
    /// Why the verdict is what it is (always given for `skip`, `error`, `fail`,
    /// `alert_mismatch`).
    pub reason: Option<String>,
    pub expected: Option<Expected>,
    /// The client's view of the (last) connection of the case.
    pub observed: Option<Observed>,
    /// The server's view of the same connection.
    pub server_observed: Option<Observed>,
    pub duration_ms: Option<f64>,
    /// Decoded transcript, one line per record or message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<String>,
    /// Packet capture of the case (pcapng), relative to the directory of results.json.
    pub pcap: Option<String>,
    /// TLS key log of the case (SSLKEYLOGFILE format), relative to the directory of
    /// results.json.
    pub keylog: Option<String>,
    /// Whether the case's bytes on the wire are a function of the run's seed (every source of
    /// randomness in it was seeded); absent for a case that did not run.
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
    #[error("{path}: schema_version {found}, this harness reads 1 and {SCHEMA_VERSION}")]
    Version { path: String, found: u32 },
}

impl CaseResult {
    /// A case of `scenario` (in `family`) between `client` and `server`, with its verdict and
    /// nothing else: the grading, the expectation, the observations and the evidence are absent
    /// until the caller sets them.
    pub fn new(
        id: &str,
        scenario: &str,
        family: &str,
        (client, server): (&str, &str),
        under_test: UnderTest,
        verdict: Verdict,
    ) -> Self {
        CaseResult {
            id: id.into(),
            scenario: scenario.into(),
            family: family.into(),
            client: client.into(),
            server: server.into(),
            under_test,
            rfc: None,
            requirement: None,
            level: None,
            binds: None,
            alert_from: None,
            note: None,
            verdict,
            verdict_level: None,
            reason: None,
            expected: None,
            observed: None,
            server_observed: None,
            duration_ms: None,
            transcript: Vec::new(),
            pcap: None,
            keylog: None,
            replayable: None,
            unseeded: Vec::new(),
        }
    }

    /// The level this case's verdict breaks (see `verdict_level`): `None` for pass and skip,
    /// and for a version 1 result, which has no levels.
    pub fn breaks(&self) -> Option<Level> {
        match self.verdict {
            Verdict::Pass | Verdict::Skip => None,
            _ => self.verdict_level.or(self.level),
        }
    }

    /// The implementations this case judges: the client, the server, or both (once when they
    /// are the same).
    pub fn under_test_names(&self) -> Vec<&str> {
        match self.under_test {
            UnderTest::Client => vec![self.client.as_str()],
            UnderTest::Server => vec![self.server.as_str()],
            UnderTest::Both if self.client == self.server => vec![self.client.as_str()],
            UnderTest::Both => vec![self.client.as_str(), self.server.as_str()],
        }
    }

    /// Sets `verdict_level` from the verdict and the scenario's grading.
    pub fn grade(&mut self) {
        self.verdict_level = match (self.verdict, self.level) {
            (Verdict::Pass | Verdict::Skip, _) | (_, None) => None,
            (v, Some(l)) if v.alert_only() => {
                Some(l.for_alert(self.alert_from.unwrap_or(AlertFrom::Section)))
            }
            (_, Some(l)) => Some(l),
        };
    }
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
        let results: Results =
            serde_json::from_str(&text).map_err(|source| ResultsError::Json {
                path: path.display().to_string(),
                source,
            })?;
        if !READS_SCHEMA_VERSIONS.contains(&results.schema_version) {
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
