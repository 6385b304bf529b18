//! Scenarios as data: TOML files under `scenarios/`, loaded, validated and expanded into
//! concrete setups.
//!
//! A file holds `[[scenario]]` tables:
//!
//! ```toml
//! [[scenario]]
//! id = "interop::tls13"
//! title = "TLS 1.3 handshake and application data"
//! rfc = "RFC 8446 2"
//! requirement = "The handshake ... MUST ..."
//! under_test = "both"            # client | server | both
//! setup = { versions = ["TLS1.3"] }
//! matrix = { suite = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"], group = ["x25519"] }
//! expect = { result = "connected" }
//! ```
//!
//! `setup` sets keys for every variant; `matrix` lists values per key, and the runner expands
//! the cartesian product (in the order the axes are written). Combinations that cannot exist
//! (an ECDHE_RSA suite with an ECDSA certificate, a PKCS#1 signature in TLS 1.3) are not
//! generated. Setup keys:
//!
//! | key | value | effect |
//! |---|---|---|
//! | `versions`, `client_versions`, `server_versions` | list of `TLS1.2`, `TLS1.3` | versions enabled |
//! | `suite` / `suites` | IANA suite name / list | suites enabled on both sides |
//! | `group` | IANA group name | the only group of both sides (TLS 1.2 with an ECDSA certificate: then the certificate's curve, see `add_certificate_curve`) |
//! | `hrr_group` | IANA group name | server supports only this group; the client prefers (and sends its key share for) another one, so the server must send a HelloRetryRequest |
//! | `share_group` | IANA group name | the client prefers (and sends its key share for) this group; the server supports it but prefers another one the client also offers: the server answers the usable share, no HelloRetryRequest |
//! | `sigalg` | IANA signature scheme | the only handshake signature scheme of both sides |
//! | `cert` | certificate profile | server and client certificates, trust anchors |
//! | `client_auth` | `none`, `optional`, `required` | CertificateRequest and client certificate |
//! | `client_certificate` | bool (default true) | `false`: the client has no certificate and answers the CertificateRequest with an empty Certificate |
//! | `resumption` | bool | a second connection must resume the first one's session |
//! | `client_alpn`, `server_alpn` | list of strings | ALPN offered / accepted |
//! | `server_name` | string | SNI sent and name verified |
//! | `app_data` | string | bytes the client sends and the server echoes |
//! | `client_knobs`, `server_knobs` | table `knob = value` | misbehaviour knobs of our engine (`tls_engine::Knobs::set`); that side is then always `own` |
//! | `mitm` | action name, or `{ action, record, delay_ms }` | a man-in-the-middle proxy between client and server doing that action ([`crate::mitm::Action`]) |
//!
//! Besides `connected` and `rejected`, `expect.result` may be `truncated` (the side under
//! test reports a connection cut without close_notify) or `timeout` (it gives up on its own
//! timeout); both are for `mitm` scenarios.
//!
//! `controls` lists the scenario's negative controls, the `bug_*` knobs that make our engine,
//! as the side under test, break the rule it checks (`scenario/controls.rs`); `harness selftest` runs
//! them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reports::{AlertFrom, Binds, Expected, ExpectedResult, Level, UnderTest};
use serde::Deserialize;

use crate::model::AlertDescription;
use crate::model::{CipherSuite, ClientAuth, NamedGroup, ProtocolVersion, Setup, SignatureScheme};
use crate::vocab;
use tls_wire::HandshakeType;

mod controls;
mod grading;
mod setup;

pub use controls::Control;

use grading::grading;
use setup::{apply, check_key, value_label};

/// A scenario file or entry that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}{field}: {message}", scenario.as_deref().map(|s| format!("scenario `{s}`: ")).unwrap_or_default())]
pub struct ScenarioError {
    pub file: String,
    pub scenario: Option<String>,
    /// The field at fault (`matrix.suite[2]`, `expect.result`, ...).
    pub field: String,
    pub message: String,
}

/// What a scenario expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Both sides complete every connection and the checks hold.
    Connected,
    /// The side under test rejects with this alert (the one the RFC names); with `before`,
    /// also before it sends that message (a server that must answer a ClientHello with an
    /// alert instead of its ServerHello).
    Rejected {
        alert: AlertDescription,
        before: Option<HandshakeType>,
    },
    /// The side under test reports that the connection was cut without close_notify.
    Truncated,
    /// The side under test gives up on its own timeout.
    Timeout,
    /// The side under test does not answer an incomplete message: it waits for the rest, or
    /// gives up on it (an alert or a close, as a bound on message size allows). Sending a
    /// handshake message in reply is `fail`.
    Waits,
}

/// One scenario as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub id: String,
    pub family: String,
    pub title: String,
    pub rfc: String,
    pub requirement: String,
    /// How strong the quoted rule is.
    pub level: Level,
    /// Whom the quoted sentence obliges.
    pub binds: Binds,
    /// Whether the quoted section names the expected alert, or it is chosen by its meaning.
    pub alert_from: AlertFrom,
    /// Free text beside the quote: why the level is what it is, what a stack does.
    pub note: Option<String>,
    pub under_test: UnderTest,
    pub expect: Expect,
    /// `expect.close_notify = true` (with `connected`): each side under test sends
    /// close_notify before it closes its write side, as read off the decrypted transcript.
    pub close_notify: bool,
    /// `expect.data_after_close = "ignored"` (with `connected`): application data the peer
    /// sends after its close_notify must not reach the side under test's application.
    pub data_after_close_ignored: bool,
    /// `expect.resumed = "any"` (with `connected` and `resumption`): the second connection
    /// may resume or not, as the side under test chooses; by default it must resume.
    pub resumed_any: bool,
    /// The negative controls: `bug_*` knobs that must make the scenario fail
    /// (`scenario/controls.rs`).
    pub controls: Vec<Control>,
    /// File the scenario came from.
    pub file: PathBuf,
    setup: toml::Table,
    matrix: Vec<(String, Vec<toml::Value>)>,
}

/// One concrete variant of a scenario.
#[derive(Debug, Clone)]
pub struct Variant {
    pub scenario: Arc<Scenario>,
    /// Axis values joined by `-` (empty for a scenario without matrix).
    pub label: String,
    pub setup: Setup,
    pub expected: Expected,
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.label.is_empty() {
            f.write_str(&self.scenario.id)
        } else {
            write!(f, "{}/{}", self.scenario.id, self.label)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: String,
    title: String,
    rfc: String,
    requirement: String,
    level: Option<String>,
    binds: Option<String>,
    alert_from: Option<String>,
    note: Option<String>,
    under_test: String,
    #[serde(default)]
    setup: toml::Table,
    #[serde(default)]
    matrix: toml::Table,
    expect: RawExpect,
    #[serde(default)]
    controls: Vec<controls::RawControl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    result: String,
    alert: Option<String>,
    /// `rejected` only: the handshake message (IANA name, e.g. `server_hello`) the side
    /// under test must not send before its alert.
    before: Option<String>,
    /// `connected` only: the side under test must send close_notify before closing.
    close_notify: Option<bool>,
    /// `connected` with `resumption` only: `any` when the side under test may choose a full
    /// handshake instead.
    resumed: Option<String>,
    /// `connected` only: `ignored` when data after the peer's close_notify must not be
    /// delivered.
    data_after_close: Option<String>,
}

/// Loads every `*.toml` scenario file directly under `dir` (sorted by name; the file
/// `known-deviations.toml` is not a scenario file).
pub fn load_dir(dir: &Path) -> Result<Vec<Arc<Scenario>>, ScenarioError> {
    let err = |message: String| ScenarioError {
        file: dir.display().to_string(),
        scenario: None,
        field: String::new(),
        message,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| err(format!("cannot read the scenario directory: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_some_and(|n| n != "known-deviations.toml")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(err("no scenario files (*.toml) found".into()));
    }
    let mut all = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| ScenarioError {
            file: file.display().to_string(),
            scenario: None,
            field: String::new(),
            message: format!("cannot read: {e}"),
        })?;
        all.extend(parse(&file, &text)?);
    }
    let mut seen = BTreeMap::new();
    for s in &all {
        if let Some(first) = seen.insert(s.id.clone(), s.file.clone()) {
            return Err(ScenarioError {
                file: s.file.display().to_string(),
                scenario: Some(s.id.clone()),
                field: "id".into(),
                message: format!("duplicate scenario id (also in {})", first.display()),
            });
        }
    }
    Ok(all)
}

/// Parses and validates one scenario file.
pub fn parse(file: &Path, text: &str) -> Result<Vec<Arc<Scenario>>, ScenarioError> {
    let fname = file.display().to_string();
    let raw: RawFile = toml::from_str(text).map_err(|e| ScenarioError {
        file: fname.clone(),
        scenario: None,
        field: String::new(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut out = Vec::new();
    for (index, r) in raw.scenario.into_iter().enumerate() {
        let sid = if r.id.is_empty() {
            format!("#{index}")
        } else {
            r.id.clone()
        };
        let fail = |field: &str, message: String| ScenarioError {
            file: fname.clone(),
            scenario: Some(sid.clone()),
            field: field.to_string(),
            message,
        };
        let (family, name) =
            r.id.split_once("::")
                .ok_or_else(|| fail("id", "expected `family::name`".into()))?;
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !valid(family) || !valid(name) {
            return Err(fail(
                "id",
                "family and name must be lowercase letters, digits and `_`".into(),
            ));
        }
        if r.title.trim().is_empty() {
            return Err(fail("title", "must not be empty".into()));
        }
        let rfc_ok = r
            .rfc
            .strip_prefix("RFC ")
            .and_then(|rest| rest.split(' ').next())
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !rfc_ok {
            return Err(fail(
                "rfc",
                format!("`{}`: expected `RFC <number> <section>`", r.rfc),
            ));
        }
        if r.requirement.trim().is_empty() {
            return Err(fail(
                "requirement",
                "quote the RFC sentence the scenario checks".into(),
            ));
        }
        let under_test = match r.under_test.as_str() {
            "client" => UnderTest::Client,
            "server" => UnderTest::Server,
            "both" => UnderTest::Both,
            other => {
                return Err(fail(
                    "under_test",
                    format!("`{other}`: expected client, server or both"),
                ));
            }
        };
        let expect = match (r.expect.result.as_str(), r.expect.alert.clone()) {
            ("connected", None) => Expect::Connected,
            ("connected", Some(_)) => {
                return Err(fail(
                    "expect.alert",
                    "an alert makes no sense with result = \"connected\"".into(),
                ));
            }
            ("rejected", Some(alert)) => match AlertDescription::from_name(&alert) {
                Some(alert) => Expect::Rejected {
                    alert,
                    before: match r.expect.before.as_deref() {
                        None => None,
                        Some(m) => Some(HandshakeType::from_name(m).ok_or_else(|| {
                            fail(
                                "expect.before",
                                format!(
                                    "`{m}` is not a handshake message name (e.g. server_hello)"
                                ),
                            )
                        })?),
                    },
                },
                None => {
                    return Err(fail(
                        "expect.alert",
                        format!("`{alert}` is not an alert name (e.g. illegal_parameter)"),
                    ));
                }
            },
            ("truncated", None) => Expect::Truncated,
            ("timeout", None) => Expect::Timeout,
            ("waits", None) => Expect::Waits,
            ("rejected", None) => {
                return Err(fail(
                    "expect.alert",
                    "a rejection names the alert the RFC requires".into(),
                ));
            }
            (other, _) => {
                return Err(fail(
                    "expect.result",
                    format!(
                        "`{other}`: expected connected, rejected, waits (or, in mitm scenarios, truncated or timeout)"
                    ),
                ));
            }
        };
        // An expectation key of a completed exchange that takes one word.
        let connected_word = |field: &str, value: Option<&str>, word: &str| match value {
            None => Ok(false),
            Some(w) if w == word && expect == Expect::Connected => Ok(true),
            Some(other) => Err(fail(
                field,
                format!("`{other}`: only `{word}` (with result = \"connected\")"),
            )),
        };
        let resumed_any = connected_word("expect.resumed", r.expect.resumed.as_deref(), "any")?;
        let data_after_close_ignored = connected_word(
            "expect.data_after_close",
            r.expect.data_after_close.as_deref(),
            "ignored",
        )?;
        if r.expect.close_notify.is_some() && expect != Expect::Connected {
            return Err(fail(
                "expect.close_notify",
                "judged on a completed exchange only: result = \"connected\"".into(),
            ));
        }
        if r.expect.before.is_some() && !matches!(expect, Expect::Rejected { .. }) {
            return Err(fail(
                "expect.before",
                "only a rejection can come before a message: result = \"rejected\"".into(),
            ));
        }
        let (level, binds, alert_from) = grading(&r, &expect).map_err(|(f, m)| fail(f, m))?;
        if r.note.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(fail(
                "note",
                "empty: leave it out, or say why the level is what it is".into(),
            ));
        }
        for (key, value) in &r.setup {
            check_key(key, value).map_err(|m| fail(&format!("setup.{key}"), m))?;
        }
        let mut matrix = Vec::new();
        for (key, values) in r.matrix {
            let field = format!("matrix.{key}");
            if r.setup.contains_key(&key) {
                return Err(fail(
                    &field,
                    "also set in `setup`; set it in one place".into(),
                ));
            }
            let toml::Value::Array(values) = values else {
                return Err(fail(&field, "expected a list of values".into()));
            };
            if values.is_empty() {
                return Err(fail(
                    &field,
                    "empty list: the scenario would have no case".into(),
                ));
            }
            for (i, v) in values.iter().enumerate() {
                check_key(&key, v).map_err(|m| fail(&format!("{field}[{i}]"), m))?;
            }
            matrix.push((key, values));
        }
        let controls =
            controls::parse(&r.controls, under_test, &r.setup).map_err(|(f, m)| fail(&f, m))?;
        let scenario = Scenario {
            id: r.id.clone(),
            family: family.to_string(),
            title: r.title,
            rfc: r.rfc,
            requirement: r.requirement.trim().to_string(),
            level,
            binds,
            alert_from,
            note: r.note.map(|n| n.trim().to_string()),
            under_test,
            expect,
            close_notify: r.expect.close_notify.unwrap_or(false),
            resumed_any,
            data_after_close_ignored,
            controls,
            file: file.to_path_buf(),
            setup: r.setup,
            matrix,
        };
        // Every variant must build; report the first that does not.
        scenario
            .variants_checked()
            .map_err(|(field, m)| fail(&field, m))?;
        out.push(Arc::new(scenario));
    }
    Ok(out)
}

impl Scenario {
    /// Expands the matrix into concrete variants (invalid combinations are left out).
    pub fn variants(self: &Arc<Self>) -> Vec<Variant> {
        self.variants_checked()
            .unwrap_or_default()
            .into_iter()
            .map(|(label, setup, expected)| Variant {
                scenario: self.clone(),
                label,
                setup,
                expected,
            })
            .collect()
    }

    #[allow(clippy::type_complexity)]
    fn variants_checked(&self) -> Result<Vec<(String, Setup, Expected)>, (String, String)> {
        let mut base = Setup::default();
        for (k, v) in &self.setup {
            apply(&mut base, k, v).map_err(|m| (format!("setup.{k}"), m))?;
        }
        let mut combos: Vec<(Vec<String>, Setup)> = vec![(Vec::new(), base)];
        for (key, values) in &self.matrix {
            let mut next = Vec::new();
            for (labels, setup) in &combos {
                for v in values {
                    let mut s = setup.clone();
                    apply(&mut s, key, v).map_err(|m| (format!("matrix.{key}"), m))?;
                    let mut l = labels.clone();
                    l.push(value_label(key, v));
                    next.push((l, s));
                }
            }
            combos = next;
        }
        let mut out = Vec::new();
        for (labels, mut setup) in combos {
            add_certificate_curve(&mut setup);
            if !coherent(&setup) {
                continue;
            }
            // A positive case needs a version both sides enable.
            if self.expect == Expect::Connected && expected_version(&setup).is_none() {
                continue;
            }
            let expected = self.expected(&setup);
            out.push((labels.join("-"), setup, expected));
        }
        if out.is_empty() {
            return Err((
                "matrix".into(),
                "no coherent combination (suites, certificates, versions and signature schemes exclude each other)".into(),
            ));
        }
        Ok(out)
    }

    /// The expectation of one variant, with the negotiated values it pins.
    fn expected(&self, setup: &Setup) -> Expected {
        let mut checks = BTreeMap::new();
        if let Expect::Rejected {
            before: Some(m), ..
        } = &self.expect
        {
            checks.insert("before".to_string(), m.name().to_string());
        }
        if self.close_notify {
            checks.insert("close_notify".to_string(), "sent".to_string());
        }
        if self.data_after_close_ignored {
            checks.insert("data_after_close".to_string(), "ignored".to_string());
        }
        if let Expect::Connected = self.expect {
            if let Some(v) = expected_version(setup) {
                checks.insert("version".to_string(), v.to_string());
            }
            if let Some(c) = pinned(&setup.client.suites, &setup.server.suites) {
                checks.insert("suite".into(), c.to_string());
            }
            // The client sends its key share for its first group. In TLS 1.3 a server that
            // supports that group answers the share (no HelloRetryRequest, whatever the
            // server's own order: `share_group`); otherwise, as in TLS 1.2, the server's first
            // group that the client supports is the one negotiated (after a
            // HelloRetryRequest in TLS 1.3: `hrr_group`).
            let tls13 = expected_version(setup) == Some(ProtocolVersion::TLSv1_3);
            let share = setup
                .client
                .groups
                .first()
                .filter(|g| tls13 && setup.server.groups.contains(g));
            if let Some(g) = share.or_else(|| {
                setup
                    .server
                    .groups
                    .iter()
                    .find(|g| setup.client.groups.contains(g))
            }) {
                checks.insert("group".into(), g.to_string());
            }
            if tls13 {
                let hrr = share.is_none() && !setup.server.groups.is_empty();
                checks.insert("hrr".into(), hrr.to_string());
            }
            if let Some(c) = pinned(&setup.client.sig_schemes, &setup.server.sig_schemes) {
                checks.insert("sigalg".into(), c.to_string());
            }
            if let Some(p) = setup
                .server
                .alpn
                .iter()
                .find(|p| setup.client.alpn.contains(p))
            {
                checks.insert("alpn".into(), p.clone());
            }
            if setup.resumption && !self.resumed_any {
                checks.insert("resumed".into(), "true".into());
            }
        }
        Expected {
            result: match self.expect {
                Expect::Connected => ExpectedResult::Connected,
                Expect::Rejected { .. } => ExpectedResult::Rejected,
                Expect::Truncated => ExpectedResult::Truncated,
                Expect::Timeout => ExpectedResult::Timeout,
                Expect::Waits => ExpectedResult::Waits,
            },
            alert: match &self.expect {
                Expect::Rejected { alert, .. } => Some(alert.name().to_string()),
                Expect::Connected | Expect::Truncated | Expect::Timeout | Expect::Waits => None,
            },
            checks,
        }
    }
}

/// In TLS 1.2 the client's supported_groups also names the curves it accepts for ECDSA
/// certificates (RFC 8422 5.1.1: servers "MUST NOT negotiate the use of an ECC cipher suite
/// unless they can complete the handshake while respecting the choice of curves specified by
/// the client"). When a TLS 1.2 setup pins a key exchange group other than the certificate's
/// curve, the curve is added after it on both sides, so the group still wins and the
/// certificate stays usable.
fn add_certificate_curve(setup: &mut Setup) {
    if expected_version(setup) != Some(ProtocolVersion::TLSv1_2) {
        return;
    }
    let curve = match certs::materials(&setup.cert).map(|m| m.server.key_type) {
        Ok(crate::model::KeyType::EcdsaP256) => NamedGroup::Secp256r1,
        Ok(crate::model::KeyType::EcdsaP384) => NamedGroup::Secp384r1,
        _ => return,
    };
    for side in [&mut setup.client, &mut setup.server] {
        if !side.groups.is_empty() && !side.groups.contains(&curve) {
            side.groups.push(curve);
        }
    }
}

/// The highest version both sides enable (defaults: both versions).
pub fn expected_version(setup: &Setup) -> Option<ProtocolVersion> {
    let all = [ProtocolVersion::TLSv1_2, ProtocolVersion::TLSv1_3];
    let c: &[ProtocolVersion] = if setup.client.versions.is_empty() {
        &all
    } else {
        &setup.client.versions
    };
    let s: &[ProtocolVersion] = if setup.server.versions.is_empty() {
        &all
    } else {
        &setup.server.versions
    };
    c.iter().filter(|v| s.contains(v)).max().copied()
}

/// Whether a setup can exist at all: every pinned suite belongs to an enabled version, TLS 1.2
/// suites fit the certificate's key, signature schemes fit the key and the version.
fn coherent(setup: &Setup) -> bool {
    let key = match certs::materials(&setup.cert) {
        Ok(m) => m.server.key_type,
        Err(_) => return false,
    };
    let Some(version) = expected_version(setup) else {
        // No common version: a coherent negative setup.
        return true;
    };
    let enabled = |side: &crate::model::Side, v: ProtocolVersion| {
        side.versions.is_empty() || side.versions.contains(&v)
    };
    for suite in setup.all_suites() {
        if !enabled(&setup.client, vocab::suite_version(suite))
            || !enabled(&setup.server, vocab::suite_version(suite))
        {
            return false;
        }
        if !vocab::suite_fits_key(suite, key) {
            return false;
        }
    }
    // The pinned suites must include one of the negotiated version.
    if !setup.server.suites.is_empty()
        && !setup
            .server
            .suites
            .iter()
            .any(|s| vocab::suite_version(*s) == version)
    {
        return false;
    }
    for sig in setup.all_sig_schemes() {
        if !vocab::scheme_fits_key(sig, key)
            || (version == ProtocolVersion::TLSv1_3 && !vocab::scheme_allowed_in_tls13(sig))
        {
            return false;
        }
    }
    true
}

/// The one value both sides allow, when each allows exactly that one.
fn pinned<'a, T: PartialEq>(client: &'a [T], server: &[T]) -> Option<&'a T> {
    match (client, server) {
        ([c], [s]) if c == s => Some(c),
        _ => None,
    }
}
