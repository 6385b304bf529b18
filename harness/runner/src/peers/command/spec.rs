//! The peer description file (`scenarios/peers/NAME.toml`) and its small template language.
//!
//! Templates: `{name}` is a value (`{port}`, `{cert}`, `{groups}`, ...); `{?cond:text}` is
//! `text` when the condition holds, `{!cond:text}` when it does not (text may hold further
//! `{...}`). A command argument that expands to nothing is dropped. Conditions are names
//! joined by `&`, each optionally negated with `!` (see [`Vars::cond`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use crate::model::{
    CipherSuite, ClientAuth, KeyType, NamedGroup, ProtocolVersion, Role, Setup, Side,
    SignatureScheme,
};
use crate::vocab;

/// A peer file as written. Every key may be left out.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeerFile {
    /// Name used in `--peers` and case ids (defaults to the file name).
    pub name: Option<String>,
    /// One line for the run header and the README.
    pub description: String,
    /// Executables that must be on PATH. When one is missing the run fails before any case,
    /// naming it and its package (`--allow-missing-peers`: every case is `skip` instead).
    pub requires: Vec<String>,
    /// The Debian packages that provide `requires` (named when a tool is missing, and
    /// installed by `cargo xtask conformance` run as root).
    pub packages: Vec<String>,
    /// Command whose first output line is the version string.
    pub version: Vec<String>,
    /// Commands run once per run before any case (a shim to compile: `go build`, `javac`),
    /// in the peer's source directory `{source}` (the directory named like the file, beside
    /// it), writing into `{build}`; both placeholders work in every command of the file (in
    /// `build` and `version`, which run outside a case, they are the only ones).
    pub build: Vec<Vec<String>>,
    /// The directory of the peer's sources (`<peers dir>/<name>/`), set when loaded.
    #[serde(skip)]
    pub source_dir: PathBuf,
    /// Where `build` writes (`$TMPDIR/harness-peers/<name>`), set when loaded.
    #[serde(skip)]
    pub build_dir: PathBuf,
    /// Setup values -> the tool's spellings. A value without an entry is unsupported.
    pub spell: Spell,
    /// How list placeholders are written.
    pub lists: BTreeMap<String, ListFmt>,
    /// Lists the tool cannot restrict (`["suites"]` for a TLS 1.3 stack with fixed suites):
    /// a setup that pins one runs the tool with its defaults instead of skipping, and the
    /// case is judged by what was negotiated with the pinned counterpart.
    pub defaults: Vec<String>,
    /// Conditions under which a case is `skip` (both roles), with the reason.
    pub unsupported: BTreeMap<String, String>,
    /// How outcomes are read from the output (both roles; a role's `read` overrides keys).
    pub read: Read,
    pub client: Option<RoleSpec>,
    pub server: Option<RoleSpec>,
    /// Free-form notes (limitations, deviations); shown nowhere, read by people.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spell {
    pub version: BTreeMap<String, String>,
    pub suite: BTreeMap<String, String>,
    pub group: BTreeMap<String, String>,
    pub sigalg: BTreeMap<String, String>,
}

impl Spell {
    /// The four tables, by the name a peer file gives them.
    fn tables(&self) -> [(&'static str, &BTreeMap<String, String>); 4] {
        [
            ("version", &self.version),
            ("suite", &self.suite),
            ("group", &self.group),
            ("sigalg", &self.sigalg),
        ]
    }
}

/// `{versions}` etc.: each item written as `item` (`{}` is the spelling), joined with `sep`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFmt {
    #[serde(default = "default_item")]
    pub item: String,
    #[serde(default = "default_sep")]
    pub sep: String,
}

fn default_item() -> String {
    "{}".into()
}

fn default_sep() -> String {
    ",".into()
}

/// How the tool answers the application data in a case (server role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Echo {
    /// The tool echoes by itself (`gnutls-serv --echo`).
    #[default]
    Native,
    /// The tool prints what it receives and sends its stdin: the runner writes the request
    /// back to stdin once it shows up in the output (`openssl s_server`).
    Stdin,
    /// The tool answers something else (an HTTP page): the client's check is that an answer
    /// arrived; declared per peer file.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpec {
    /// Commands run first, in order, in the case directory (e.g. a certificate database).
    #[serde(default)]
    pub setup: Vec<Vec<String>>,
    pub command: Vec<String>,
    #[serde(default)]
    pub options: Vec<OptionSpec>,
    /// Arguments after the options (a tool that wants its host:port last).
    #[serde(default)]
    pub tail: Vec<String>,
    /// Server: a regex on the output that says the server listens. Without it the runner
    /// waits until the port accepts connections.
    pub ready: Option<String>,
    /// Server: how the tool answers the application data.
    #[serde(default)]
    pub echo: Echo,
    /// Server: a regex that starts each connection's part of the output.
    pub connection: Option<String>,
    /// Client: how long to wait for the tool to exit after its stdin closed (ms).
    pub linger_ms: Option<u64>,
    #[serde(default)]
    pub unsupported: BTreeMap<String, String>,
    #[serde(default)]
    pub read: Read,
    /// This role's spellings, where they differ from the file's `[spell]` (a client tool
    /// and a server tool that name a group differently).
    #[serde(default)]
    pub spell: Spell,
}

/// Arguments added when `when` holds, once or once per item of the list `each`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSpec {
    pub when: Option<String>,
    pub each: Option<String>,
    pub args: Vec<String>,
}

/// Output patterns. Every regex runs on stdout and stderr together.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Read {
    /// The handshake completed.
    pub connected: Option<String>,
    pub version: Option<Rule>,
    pub suite: Option<Rule>,
    pub group: Option<Rule>,
    pub sigalg: Option<Rule>,
    pub alpn: Option<Rule>,
    /// Present: the connection resumed a session.
    pub resumed: Option<String>,
    /// Present: a HelloRetryRequest happened.
    pub hrr: Option<String>,
    /// The alert the tool sent / received: captures give a name or a number.
    pub alert_sent: Option<Rule>,
    pub alert_received: Option<Rule>,
    /// A line worth quoting in the report when the connection failed.
    pub error: Option<String>,
}

/// A value read from the output: one regex whose captures (joined by a space) are mapped
/// through `map` (or taken as they are), or a list of `{ regex, value }` tried in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    Capture {
        regex: String,
        #[serde(default)]
        map: BTreeMap<String, String>,
    },
    Cases(Vec<CaseRule>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRule {
    pub regex: String,
    pub value: String,
}

impl Read {
    /// `self` with the keys `over` sets replaced.
    pub fn merged(&self, over: &Read) -> Read {
        Read {
            connected: over.connected.clone().or_else(|| self.connected.clone()),
            version: over.version.clone().or_else(|| self.version.clone()),
            suite: over.suite.clone().or_else(|| self.suite.clone()),
            group: over.group.clone().or_else(|| self.group.clone()),
            sigalg: over.sigalg.clone().or_else(|| self.sigalg.clone()),
            alpn: over.alpn.clone().or_else(|| self.alpn.clone()),
            resumed: over.resumed.clone().or_else(|| self.resumed.clone()),
            hrr: over.hrr.clone().or_else(|| self.hrr.clone()),
            alert_sent: over.alert_sent.clone().or_else(|| self.alert_sent.clone()),
            alert_received: over
                .alert_received
                .clone()
                .or_else(|| self.alert_received.clone()),
            error: over.error.clone().or_else(|| self.error.clone()),
        }
    }

    /// Every regex, for checking when the file loads.
    pub fn regexes(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("connected", &self.connected),
            ("resumed", &self.resumed),
            ("hrr", &self.hrr),
            ("error", &self.error),
        ] {
            if let Some(r) = v {
                out.push((k, r.as_str()));
            }
        }
        for (k, v) in [
            ("version", &self.version),
            ("suite", &self.suite),
            ("group", &self.group),
            ("sigalg", &self.sigalg),
            ("alpn", &self.alpn),
            ("alert_sent", &self.alert_sent),
            ("alert_received", &self.alert_received),
        ] {
            match v {
                Some(Rule::Capture { regex, .. }) => out.push((k, regex.as_str())),
                Some(Rule::Cases(cs)) => out.extend(cs.iter().map(|c| (k, c.regex.as_str()))),
                None => {}
            }
        }
        out
    }
}

/// Compiles a pattern of a peer file (multi-line mode: `^` and `$` match at line ends).
pub fn regex(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .map_err(|e| format!("bad regex `{pattern}`: {e}"))
}

impl Rule {
    /// The value this rule reads from `text`, if it matches.
    pub fn read(&self, text: &str) -> Option<String> {
        match self {
            Rule::Capture { regex: r, map } => {
                let re = regex(r).ok()?;
                let caps = re.captures(text)?;
                let got: Vec<&str> = caps.iter().skip(1).flatten().map(|m| m.as_str()).collect();
                let got = if got.is_empty() {
                    caps.get(0)?.as_str().to_string()
                } else {
                    got.join(" ")
                };
                if map.is_empty() {
                    Some(got)
                } else {
                    map.get(&got).cloned()
                }
            }
            Rule::Cases(cases) => cases
                .iter()
                .find(|c| regex(&c.regex).is_ok_and(|re| re.is_match(text)))
                .map(|c| c.value.clone()),
        }
    }
}

/// Loads and checks one peer file.
pub fn load(path: &Path) -> Result<PeerFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut f: PeerFile = toml::from_str(&text)
        .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if f.name.is_none() {
        f.name = Some(stem.clone());
    }
    f.source_dir = path.with_file_name(&stem);
    f.build_dir = std::env::temp_dir()
        .join("harness-peers")
        .join(f.name.as_deref().unwrap_or(&stem));
    let at = |field: &str, m: String| format!("{}: {field}: {m}", path.display());
    if f.client.is_none() && f.server.is_none() {
        return Err(at("client/server", "describe at least one role".into()));
    }
    let role_spells = [("client.", &f.client), ("server.", &f.server)]
        .into_iter()
        .filter_map(|(p, r)| r.as_ref().map(|r| (p, &r.spell)));
    for (prefix, name, table) in std::iter::once(("", &f.spell))
        .chain(role_spells)
        .flat_map(|(p, sp)| sp.tables().map(|(n, t)| (p, n, t)))
    {
        for k in table.keys() {
            let ok = match name {
                "version" => vocab::parse::<ProtocolVersion>(k).is_ok(),
                "suite" => vocab::parse::<CipherSuite>(k).is_ok(),
                "group" => vocab::parse::<NamedGroup>(k).is_ok(),
                _ => vocab::parse::<SignatureScheme>(k).is_ok(),
            };
            if !ok {
                return Err(at(
                    &format!("{prefix}spell.{name}.{k}"),
                    "not a name the harness knows (IANA spelling)".into(),
                ));
            }
        }
    }
    let mut regexes: Vec<(String, String)> = f
        .read
        .regexes()
        .into_iter()
        .map(|(k, r)| (format!("read.{k}"), r.to_string()))
        .collect();
    for (role, spec) in [("client", &f.client), ("server", &f.server)] {
        let Some(spec) = spec else { continue };
        if spec.command.is_empty() {
            return Err(at(&format!("{role}.command"), "empty command".into()));
        }
        regexes.extend(
            spec.read
                .regexes()
                .into_iter()
                .map(|(k, r)| (format!("{role}.read.{k}"), r.to_string())),
        );
        for (k, r) in [("ready", &spec.ready), ("connection", &spec.connection)] {
            if let Some(r) = r {
                regexes.push((format!("{role}.{k}"), r.clone()));
            }
        }
        for (i, o) in spec.options.iter().enumerate() {
            if let Some(e) = &o.each
                && !LISTS.contains(&e.as_str())
            {
                return Err(at(
                    &format!("{role}.options[{i}].each"),
                    format!("`{e}`: expected one of {}", LISTS.join(", ")),
                ));
            }
            if let Some(w) = &o.when {
                check_cond(w).map_err(|m| at(&format!("{role}.options[{i}].when"), m))?;
            }
        }
        for c in spec.unsupported.keys() {
            check_cond(c).map_err(|m| at(&format!("{role}.unsupported"), m))?;
        }
        let plain = [("command", &spec.command), ("tail", &spec.tail)];
        let setups = spec
            .setup
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("setup[{i}]"), c));
        for (field, args) in plain
            .into_iter()
            .map(|(f, a)| (f.to_string(), a))
            .chain(setups)
        {
            for a in args {
                check_template(a, false).map_err(|m| at(&format!("{role}.{field}"), m))?;
            }
        }
        for (i, o) in spec.options.iter().enumerate() {
            for a in &o.args {
                check_template(a, o.each.is_some())
                    .map_err(|m| at(&format!("{role}.options[{i}].args"), m))?;
            }
        }
    }
    for c in f.unsupported.keys() {
        check_cond(c).map_err(|m| at("unsupported", m))?;
    }
    for (i, l) in f.defaults.iter().enumerate() {
        if !LISTS.contains(&l.as_str()) {
            return Err(at(
                &format!("defaults[{i}]"),
                format!("`{l}`: expected one of {}", LISTS.join(", ")),
            ));
        }
    }
    for (field, r) in regexes {
        regex(&r).map_err(|m| at(&field, m))?;
    }
    Ok(f)
}

/// The placeholders that name a value (besides the lists, `{item}` and `{?cond:text}`).
pub const PLACEHOLDERS: &[&str] = &[
    "port",
    "host",
    "servername",
    "dir",
    "build",
    "source",
    "conn",
    "connections",
    "cert",
    "key",
    "leaf",
    "intermediates",
    "server_cert",
    "server_key",
    "client_cert",
    "client_key",
    "ca",
    "version_min",
    "version_max",
];

/// The next `{...}` of `rest` (a part of the template `t`, named in the error): the text
/// before it, what is inside (nested braces included), and the text after; `None` when
/// there is none.
fn next_placeholder<'a>(
    rest: &'a str,
    t: &str,
) -> Result<Option<(&'a str, &'a str, &'a str)>, String> {
    let Some(open) = rest.find('{') else {
        return Ok(None);
    };
    let after = rest.get(open + 1..).unwrap_or_default();
    let mut depth = 1usize;
    for (i, c) in after.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let before = rest.get(..open).unwrap_or_default();
                    let inner = after.get(..i).unwrap_or_default();
                    return Ok(Some((
                        before,
                        inner,
                        after.get(i + 1..).unwrap_or_default(),
                    )));
                }
            }
            _ => {}
        }
    }
    Err(format!("unclosed `{{` in `{t}`"))
}

/// Checks one template: braces close, every placeholder and condition exists, `{item}` only
/// in an option with `each`.
fn check_template(t: &str, in_each: bool) -> Result<(), String> {
    let mut rest = t;
    while let Some((_, inner, after)) = next_placeholder(rest, t)? {
        rest = after;
        if let Some(body) = inner.strip_prefix('?').or_else(|| inner.strip_prefix('!')) {
            let (cond, text) = body
                .split_once(':')
                .ok_or_else(|| format!("`{{{inner}}}`: expected {{?cond:text}}"))?;
            check_cond(cond)?;
            check_template(text, in_each)?;
        } else if inner == "item" {
            if !in_each {
                return Err("`{item}` outside an option with `each`".into());
            }
        } else if !PLACEHOLDERS.contains(&inner) && !LISTS.contains(&inner) {
            return Err(format!(
                "unknown placeholder `{{{inner}}}`; known: {}, {}, {{item}}",
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                LISTS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    Ok(())
}

/// The list placeholders.
pub const LISTS: &[&str] = &["versions", "suites", "groups", "sigalgs", "alpn"];

/// Condition names.
pub const CONDS: &[&str] = &[
    "versions",
    "suites",
    "groups",
    "sigalgs",
    "alpn",
    "tls12",
    "tls13",
    "tls12_only",
    "tls13_only",
    "client_auth",
    "client_presents_cert",
    "client_auth_required",
    "client_auth_optional",
    "resumption",
    "first",
    "resuming",
    "cert_ecdsa_p256",
    "cert_ecdsa_p384",
    "cert_rsa",
    "cert_ed25519",
    "client_cert_ed25519",
    "client_cert_rsa",
    "other_tls12_only",
    "other_tls13_only",
    "hrr_forced",
];

/// A value condition `LIST == "value"`: the list and the value.
fn value_cond(atom: &str) -> Option<Result<(&str, &str), String>> {
    let (list, value) = atom.split_once("==")?;
    let (list, value) = (list.trim(), value.trim());
    if !LISTS.contains(&list) {
        return Some(Err(format!(
            "`{atom}`: a value condition names a list: {}",
            LISTS.join(", ")
        )));
    }
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(v) => Some(Ok((list, v))),
        None => Some(Err(format!(
            "`{atom}`: quote the value, as in alpn == \"http/1.1\""
        ))),
    }
}

fn check_cond(c: &str) -> Result<(), String> {
    for part in c.split('&').map(str::trim) {
        let name = part.strip_prefix('!').unwrap_or(part).trim();
        if let Some(v) = value_cond(name) {
            v?;
            continue;
        }
        if !CONDS.contains(&name) {
            return Err(format!(
                "unknown condition `{name}`; known: {}",
                CONDS.join(", ")
            ));
        }
    }
    Ok(())
}

/// Everything a template can name, for one role of one connection.
#[derive(Debug)]
pub struct Vars<'a> {
    pub file: &'a PeerFile,
    pub setup: &'a Setup,
    pub role: Role,
    pub port: u16,
    pub dir: PathBuf,
    pub conn: usize,
    pub server_key: KeyType,
    pub client_key: KeyType,
}

/// Every item as `table` (one of the peer file's [`Spell`] tables) spells it, or the first
/// `what` without a spelling.
fn spelled_all<T: ToString>(
    items: &[T],
    table: &BTreeMap<String, String>,
    what: &str,
) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|v| {
            let v = v.to_string();
            table
                .get(&v)
                .cloned()
                .ok_or_else(|| format!("no {what} `{v}`"))
        })
        .collect()
}

fn side_versions(side: &Side) -> Vec<ProtocolVersion> {
    if side.versions.is_empty() {
        vocab::VERSIONS.to_vec()
    } else {
        side.versions.clone()
    }
}

impl Vars<'_> {
    fn side(&self) -> &Side {
        self.setup.side(self.role)
    }

    fn other(&self) -> &Side {
        self.setup.side(match self.role {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        })
    }

    /// The spelled items of a list, or the first value without a spelling.
    pub fn items(&self, list: &str) -> Result<Vec<String>, String> {
        if self.defaults(list) {
            return Ok(Vec::new());
        }
        let side = self.side();
        let sp = self.spell();
        match list {
            "versions" => spelled_all(&side.versions, &sp.version, "version"),
            "suites" => spelled_all(&side.suites, &sp.suite, "cipher suite"),
            "groups" => spelled_all(&side.groups, &sp.group, "group"),
            "sigalgs" => spelled_all(&side.sig_schemes, &sp.sigalg, "signature scheme"),
            "alpn" => Ok(side.alpn.clone()),
            other => Err(format!("unknown list `{other}`")),
        }
    }

    fn list_value(&self, list: &str) -> Result<String, String> {
        let items = self.items(list)?;
        let fmt = self.file.lists.get(list).cloned().unwrap_or(ListFmt {
            item: default_item(),
            sep: default_sep(),
        });
        Ok(items
            .iter()
            .map(|i| fmt.item.replace("{}", i))
            .collect::<Vec<_>>()
            .join(&fmt.sep))
    }

    /// Whether a condition holds.
    pub fn cond(&self, expr: &str) -> bool {
        expr.split('&')
            .map(str::trim)
            .all(|part| match part.strip_prefix('!') {
                Some(name) => !self.atom(name.trim()),
                None => self.atom(part),
            })
    }

    /// Whether the tool runs with its own defaults for `list` (the file's `defaults`).
    fn defaults(&self, list: &str) -> bool {
        self.file.defaults.iter().any(|l| l == list)
    }

    /// This role's spellings: the role's own, then the file's.
    fn spell(&self) -> Spell {
        let mut sp = self.file.spell.clone();
        let role = match self.role {
            Role::Client => self.file.client.as_ref(),
            Role::Server => self.file.server.as_ref(),
        };
        if let Some(r) = role {
            sp.version.extend(r.spell.version.clone());
            sp.suite.extend(r.spell.suite.clone());
            sp.group.extend(r.spell.group.clone());
            sp.sigalg.extend(r.spell.sigalg.clone());
        }
        sp
    }

    fn atom(&self, name: &str) -> bool {
        // `LIST == "value"`: this side's list is exactly that one value (IANA names; ALPN
        // protocols as written).
        if let Some(Ok((list, value))) = value_cond(name) {
            let side = self.side();
            let names: Vec<String> = match list {
                "versions" => side.versions.iter().map(|v| v.to_string()).collect(),
                "suites" => side.suites.iter().map(|v| v.to_string()).collect(),
                "groups" => side.groups.iter().map(|v| v.to_string()).collect(),
                "sigalgs" => side.sig_schemes.iter().map(|v| v.to_string()).collect(),
                _ => side.alpn.clone(),
            };
            return names == [value];
        }
        let side = self.side();
        let vs = side_versions(side);
        let other = side_versions(self.other());
        match name {
            l if LISTS.contains(&l) && self.defaults(l) => false,
            "versions" => !side.versions.is_empty(),
            "suites" => !side.suites.is_empty(),
            "groups" => !side.groups.is_empty(),
            "sigalgs" => !side.sig_schemes.is_empty(),
            "alpn" => !side.alpn.is_empty(),
            "tls12" => vs.contains(&ProtocolVersion::TLSv1_2),
            "tls13" => vs.contains(&ProtocolVersion::TLSv1_3),
            "tls12_only" => vs == [ProtocolVersion::TLSv1_2],
            "tls13_only" => vs == [ProtocolVersion::TLSv1_3],
            "other_tls12_only" => other == [ProtocolVersion::TLSv1_2],
            "other_tls13_only" => other == [ProtocolVersion::TLSv1_3],
            "client_auth" => self.setup.client_auth != ClientAuth::None,
            "client_presents_cert" => self.setup.client_presents_certificate(),
            "client_auth_required" => self.setup.client_auth == ClientAuth::Required,
            "client_auth_optional" => self.setup.client_auth == ClientAuth::Optional,
            "resumption" => self.setup.resumption,
            "first" => self.conn == 0,
            "resuming" => self.setup.resumption && self.conn > 0,
            "cert_ecdsa_p256" => self.server_key == KeyType::EcdsaP256,
            "cert_ecdsa_p384" => self.server_key == KeyType::EcdsaP384,
            "cert_rsa" => self.server_key == KeyType::Rsa2048,
            "cert_ed25519" => self.server_key == KeyType::Ed25519,
            "client_cert_ed25519" => self.client_key == KeyType::Ed25519,
            "client_cert_rsa" => self.client_key == KeyType::Rsa2048,
            // The client's first group is not the server's: a HelloRetryRequest is wanted.
            "hrr_forced" => {
                !self.setup.server.groups.is_empty()
                    && self.setup.client.groups.first() != self.setup.server.groups.first()
            }
            _ => false,
        }
    }

    fn value(&self, name: &str) -> Result<String, String> {
        let file = |n: &str| Ok(self.dir.join(n).display().to_string());
        let mine = match self.role {
            Role::Client => "client",
            Role::Server => "server",
        };
        let spell = self.spell();
        let spelled_version = |v: ProtocolVersion| {
            spell
                .version
                .get(v.name())
                .cloned()
                .ok_or_else(|| format!("no version `{v}`"))
        };
        match name {
            "port" => Ok(self.port.to_string()),
            "host" => Ok("127.0.0.1".into()),
            "servername" => Ok(self.setup.server_name.clone()),
            "dir" => Ok(self.dir.display().to_string()),
            "build" => Ok(self.file.build_dir.display().to_string()),
            "source" => Ok(self.file.source_dir.display().to_string()),
            "conn" => Ok(self.conn.to_string()),
            "connections" => Ok(self.setup.connections().to_string()),
            "cert" => file(&format!("{mine}-chain.pem")),
            "key" => file(&format!("{mine}.key.pem")),
            "leaf" => file(&format!("{mine}.pem")),
            "intermediates" => file(&format!("{mine}-intermediates.pem")),
            "server_cert" => file("server-chain.pem"),
            "server_key" => file("server.key.pem"),
            "client_cert" => file("client-chain.pem"),
            "client_key" => file("client.key.pem"),
            "ca" => file("roots.pem"),
            "version_min" => side_versions(self.side())
                .into_iter()
                .min()
                .map_or(Err("no version".into()), spelled_version),
            "version_max" => side_versions(self.side())
                .into_iter()
                .max()
                .map_or(Err("no version".into()), spelled_version),
            l if LISTS.contains(&l) => self.list_value(l),
            other => Err(format!("unknown placeholder `{{{other}}}`")),
        }
    }

    /// Expands one template.
    pub fn expand(&self, t: &str, item: Option<&str>) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = t;
        while let Some((before, inner, after)) = next_placeholder(rest, t)? {
            out.push_str(before);
            rest = after;
            if let Some(body) = inner.strip_prefix('?').or_else(|| inner.strip_prefix('!')) {
                let negate = inner.starts_with('!');
                let (cond, text) = body
                    .split_once(':')
                    .ok_or_else(|| format!("`{{{inner}}}`: expected {{?cond:text}}"))?;
                if self.cond(cond) != negate {
                    out.push_str(&self.expand(text, item)?);
                }
            } else if inner == "item" {
                out.push_str(item.ok_or("`{item}` outside an option with `each`")?);
            } else {
                out.push_str(&self.value(inner)?);
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The command line of this role: command, then the options that apply, then `tail`.
    pub fn command(&self, spec: &RoleSpec) -> Result<Vec<String>, String> {
        let mut args = Vec::new();
        for a in &spec.command {
            let v = self.expand(a, None)?;
            // An argument written empty (`""`) stays; one that expands to nothing goes.
            if !v.is_empty() || a.is_empty() {
                args.push(v);
            }
        }
        for o in &spec.options {
            if let Some(w) = &o.when
                && !self.cond(w)
            {
                continue;
            }
            let items = match &o.each {
                Some(list) => self.items(list)?.into_iter().map(Some).collect(),
                None => vec![None],
            };
            for item in items {
                for a in &o.args {
                    let v = self.expand(a, item.as_deref())?;
                    if !v.is_empty() || a.is_empty() {
                        args.push(v);
                    }
                }
            }
        }
        for a in &spec.tail {
            let v = self.expand(a, None)?;
            if !v.is_empty() || a.is_empty() {
                args.push(v);
            }
        }
        Ok(args)
    }

    /// Why this role cannot run the setup, if it cannot.
    pub fn unsupported(&self, spec: &RoleSpec) -> Option<String> {
        for (cond, reason) in self.file.unsupported.iter().chain(&spec.unsupported) {
            if self.cond(cond) {
                return Some(reason.clone());
            }
        }
        for l in LISTS {
            if let Err(e) = self.items(l) {
                return Some(format!("{e} (no spelling in the peer file)"));
            }
        }
        // Every template must expand.
        if let Err(e) = self.command(spec) {
            return Some(e);
        }
        for s in &spec.setup {
            for a in s {
                if let Err(e) = self.expand(a, None) {
                    return Some(e);
                }
            }
        }
        None
    }
}

/// `argv` with `{build}` and `{source}` replaced (the file's `build` and `version` commands,
/// which run outside a case).
pub fn with_build_dirs(f: &PeerFile, argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            a.replace("{build}", &f.build_dir.display().to_string())
                .replace("{source}", &f.source_dir.display().to_string())
        })
        .collect()
}
