//! Command peers: implementations started as external programs, described by a TOML file in
//! `scenarios/peers/` (see the README, "Adding a peer"). No Rust per implementation.
//!
//! A case runs a tool like this:
//!
//! - a per-case directory receives the PEM files (`server-chain.pem`, `server.key.pem`,
//!   `server.pem`, the same for `client`, `roots.pem`); the role's `setup` commands run
//!   there first (NSS builds its certificate database);
//! - the command line is expanded from the templates; the tool runs in its own process
//!   group, killed at the case deadline or when the case ends (and by the kernel if the
//!   harness dies);
//! - every connection is relayed through the runner, which records the bytes: the
//!   transcript, and the plaintext handshake facts a tool does not print (see [`wire`]);
//! - the outcome is read from the tool's output with the file's patterns.

pub mod proc;
mod session;
pub mod spec;
pub mod target;
pub mod wire;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::model::{
    AlertDescription, AlertSeen, Direction, Failure, Negotiated, Outcome, Role, Setup, Step,
};
use crate::peer::{CaseCtx, Peer, Unsupported, try_each_connection};
use crate::vocab;
use spec::{Echo, PeerFile, Read, RoleSpec, Vars};

pub use target::TargetPeer;

/// The names of the command peers found in the directory of peer files `dir`.
pub fn available(dirs: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::env::split_paths(dirs)
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The command peer of a name, from the first `DIR/NAME.toml` of `dirs` (a list of
/// directories as in `PATH`, see [`crate::cli::peers_dir`]); `None` when there is no such
/// file.
pub fn find(dirs: &Path, name: &str) -> Option<Result<CommandPeer, String>> {
    std::env::split_paths(dirs)
        .map(|dir| dir.join(format!("{name}.toml")))
        .find(|path| path.is_file())
        .map(|path| CommandPeer::load(&path))
}

/// A peer described by a peer file.
#[derive(Debug)]
pub struct CommandPeer {
    name: String,
    file: Arc<PeerFile>,
    version: OnceLock<String>,
    /// The outcome of the file's `build` commands, run once.
    built: OnceLock<Result<(), String>>,
    /// Per certificate profile: whether the server tool starts with it (checked once).
    preflight: std::sync::Mutex<std::collections::HashMap<String, Preflight>>,
}

/// The result of starting a server tool once with a certificate profile.
type Preflight = Arc<OnceLock<Result<(), String>>>;

impl CommandPeer {
    pub fn load(path: &Path) -> Result<Self, String> {
        let file = spec::load(path)?;
        Ok(CommandPeer {
            name: file.name.clone().unwrap_or_default(),
            file: Arc::new(file),
            version: OnceLock::new(),
            built: OnceLock::new(),
            preflight: Default::default(),
        })
    }

    fn spec(&self, role: Role) -> Option<&RoleSpec> {
        match role {
            Role::Client => self.file.client.as_ref(),
            Role::Server => self.file.server.as_ref(),
        }
    }

    fn read(&self, role: Role) -> Read {
        match self.spec(role) {
            Some(s) => self.file.read.merged(&s.read),
            None => self.file.read.clone(),
        }
    }

    /// Runs the file's `build` commands, once: the first that fails (or takes more than
    /// five minutes) is the error, with the end of its output.
    fn build(&self) -> Result<(), String> {
        self.built
            .get_or_init(|| {
                let f = &self.file;
                std::fs::create_dir_all(&f.build_dir)
                    .map_err(|e| format!("cannot create {}: {e}", f.build_dir.display()))?;
                for argv in &f.build {
                    let argv = spec::with_build_dirs(f, argv);
                    let mut p = proc::spawn(&argv, &f.source_dir)
                        .map_err(|e| format!("build command {argv:?}: {e}"))?;
                    p.close_stdin();
                    let status = p.wait_for(Duration::from_secs(300));
                    if !status.is_some_and(|s| s.success()) {
                        p.kill();
                        let out = p.output();
                        let tail: Vec<&str> = out.lines().rev().take(12).collect();
                        let tail: Vec<&str> = tail.into_iter().rev().collect();
                        return Err(format!(
                            "build command {argv:?} (in {}) failed ({}): {}",
                            f.source_dir.display(),
                            p.status_text(),
                            tail.join(" | ")
                        ));
                    }
                }
                Ok(())
            })
            .clone()
    }

    fn missing_tool(&self) -> Option<&str> {
        self.file
            .requires
            .iter()
            .map(String::as_str)
            .find(|t| !on_path(t))
    }
}

fn on_path(tool: &str) -> bool {
    if tool.contains('/') {
        return Path::new(tool).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

static CASE_DIRS: AtomicUsize = AtomicUsize::new(0);

/// A per-case directory, removed when dropped.
#[derive(Debug)]
struct CaseDir(PathBuf);

impl CaseDir {
    fn new(peer: &str, role: Role) -> Result<Self, String> {
        let n = CASE_DIRS.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("harness-{peer}-{role}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(CaseDir(dir))
    }
}

impl Drop for CaseDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn first_cert(chain: &str) -> String {
    const END: &str = "-----END CERTIFICATE-----";
    match chain.find(END) {
        Some(i) => format!("{}\n", chain.get(..i + END.len()).unwrap_or(chain)),
        None => chain.to_string(),
    }
}

fn after_first_cert(chain: &str) -> String {
    let first = first_cert(chain);
    chain
        .get(first.trim_end().len()..)
        .unwrap_or_default()
        .trim_start()
        .to_string()
}

/// Writes the case's certificates and keys as PEM files.
fn write_materials(setup: &Setup, dir: &Path) -> Result<(), String> {
    let m = setup.materials()?;
    let files = [
        ("server-chain.pem", m.server.chain_pem.clone()),
        ("server.key.pem", m.server.key_pem.clone()),
        ("server.pem", first_cert(&m.server.chain_pem)),
        ("client-chain.pem", m.client.chain_pem.clone()),
        ("client.key.pem", m.client.key_pem.clone()),
        ("client.pem", first_cert(&m.client.chain_pem)),
        ("roots.pem", m.roots_pem.clone()),
        (
            "server-intermediates.pem",
            after_first_cert(&m.server.chain_pem),
        ),
        (
            "client-intermediates.pem",
            after_first_cert(&m.client.chain_pem),
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

static PORT_SEQ: AtomicUsize = AtomicUsize::new(0);

/// A port for a server tool: free on every address (tools bind 0.0.0.0 and ::), taken
/// below the kernel's ephemeral range so the runner's own connections do not grab it
/// between the check and the tool's bind.
fn free_port() -> Result<u16, String> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as usize)
        ^ (std::process::id() as usize).wrapping_mul(7919);
    for _ in 0..200 {
        let n = PORT_SEQ.fetch_add(1, Ordering::SeqCst);
        let port = u16::try_from(20000 + (seed.wrapping_add(n.wrapping_mul(2654435761)) % 12000))
            .unwrap_or(20000);
        // Free on IPv4, and on IPv6 where the host has it.
        let v4 = TcpListener::bind(("0.0.0.0", port)).is_ok();
        if v4 && (TcpListener::bind(("::", port)).is_ok() || TcpListener::bind(("::1", 0)).is_err())
        {
            return Ok(port);
        }
    }
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// An alert from what a tool printed: a number, or a name in any case and with spaces.
fn alert_from(text: &str) -> Option<AlertDescription> {
    let t = text.trim();
    if let Ok(code) = t.parse::<u8>() {
        return Some(AlertDescription::from(code));
    }
    AlertDescription::from_name(&t.to_ascii_lowercase().replace([' ', '-'], "_"))
}

/// A crashed tool's outcome, at the step its relayed bytes reached.
fn crashed(flow: &wire::Flow, c: String) -> Outcome {
    Outcome::failed(Failure::Crash(c.clone()), wire::facts(flow).step, c)
}

/// One connection's outcome, from the tool's output and the relayed bytes.
fn outcome(
    read: &Read,
    text: &str,
    flow: &wire::Flow,
    role: Role,
    setup: &Setup,
    got_app: bool,
    timed_out: bool,
) -> Outcome {
    let w = wire::facts(flow);
    let matches = |r: &Option<String>| {
        r.as_deref()
            .is_some_and(|r| spec::regex(r).is_ok_and(|re| re.is_match(text)))
    };
    let value = |r: &Option<spec::Rule>| r.as_ref().and_then(|r| r.read(text));
    // A term the tool printed (by its IANA name), else what the wire showed.
    fn term<T: vocab::Term>(printed: Option<String>, wire: Option<T>) -> Option<T> {
        printed.and_then(|v| vocab::parse(&v).ok()).or(wire)
    }
    let negotiated = Negotiated {
        version: term(value(&read.version), w.negotiated.version),
        suite: term(value(&read.suite), w.negotiated.suite),
        group: term(value(&read.group), w.negotiated.group),
        sig_scheme: term(value(&read.sigalg), w.negotiated.sig_scheme),
        alpn: value(&read.alpn).or(w.negotiated.alpn.clone()),
        resumed: matches(&read.resumed) || w.negotiated.resumed,
        hrr: matches(&read.hrr) || w.negotiated.hrr,
    };
    // The alert: as the tool says, else a plaintext one from the wire (direction as this
    // side sees it).
    let printed = |r: &Option<spec::Rule>| {
        value(r).map(|v| alert_from(&v).map_or(AlertSeen::Unnamed, AlertSeen::Named))
    };
    let mut alert = match (printed(&read.alert_sent), printed(&read.alert_received)) {
        (Some(a), _) => Some((Direction::Sent, a)),
        (None, Some(a)) => Some((Direction::Received, a)),
        _ => None,
    };
    if alert.is_none_or(|(_, a)| a == AlertSeen::Unnamed)
        && let Some((d, a)) = w.alerts.first()
    {
        let d = match (role, d) {
            (Role::Client, d) => *d,
            (Role::Server, Direction::Sent) => Direction::Received,
            (Role::Server, Direction::Received) => Direction::Sent,
        };
        alert = Some((d, AlertSeen::Named(*a)));
    }
    let connected = matches(&read.connected);
    // After a complete exchange, an abrupt end (a tool killed without close_notify, the
    // other side's complaint about it) is not a failure of the connection, as for the
    // in-process peers; it stays in the detail.
    if connected && (alert.is_none() || got_app) {
        let late = alert.as_ref().map(|(d, a)| {
            format!(
                "after the exchange: alert {a} {}",
                if *d == Direction::Sent {
                    "sent"
                } else {
                    "received"
                }
            )
        });
        let app = if got_app {
            setup.app_data.clone()
        } else {
            Vec::new()
        };
        let mut o = Outcome::connected(negotiated, app);
        if !got_app {
            o.detail = Some(format!(
                "the application data did not come back; output ends: {}",
                proc::tail(text, 300)
            ));
        } else {
            o.detail = late;
        }
        return o;
    }
    let detail = read
        .error
        .as_deref()
        .and_then(|r| spec::regex(r).ok())
        .and_then(|re| re.find(text).map(|m| m.as_str().to_string()))
        .unwrap_or_else(|| proc::tail(text, 300));
    let failure = match alert {
        Some((direction, alert)) => Failure::Alert { direction, alert },
        None if timed_out => Failure::Timeout,
        None => Failure::Closed,
    };
    let mut o = Outcome::failed(failure, w.step, detail);
    *o.negotiated = negotiated;
    o
}

/// How long the runner waits for a tool's output to settle after its connection ended.
const SETTLE: Duration = Duration::from_millis(150);

impl Peer for CommandPeer {
    fn name(&self) -> &str {
        &self.name
    }

    fn version(&self) -> String {
        self.version
            .get_or_init(|| {
                if self.file.version.is_empty() {
                    return self.file.description.clone();
                }
                let Ok(dir) = CaseDir::new(&self.name, Role::Client) else {
                    return self.file.description.clone();
                };
                if self.build().is_err() {
                    return format!("{} (does not build)", self.file.description);
                }
                let version = spec::with_build_dirs(&self.file, &self.file.version);
                let Ok(mut p) = proc::spawn(&version, &dir.0) else {
                    return format!("{} (not installed)", self.file.description);
                };
                p.close_stdin();
                p.wait_for(Duration::from_secs(5));
                p.kill();
                p.output()
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or_default()
                    .to_string()
            })
            .clone()
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        let Some(spec) = self.spec(role) else {
            return Err(Unsupported(format!("the peer file describes no {role}")));
        };
        if let Some(t) = self.missing_tool() {
            return Err(Unsupported(format!(
                "`{t}` is not installed ({})",
                self.file.description
            )));
        }
        if !setup.knobs(role).is_empty() {
            return Err(Unsupported("engine knobs are our engine's".into()));
        }
        let m = setup.materials().map_err(Unsupported)?;
        let vars = Vars {
            file: &self.file,
            setup,
            role,
            port: 0,
            dir: PathBuf::from("/nonexistent"),
            conn: 0,
            server_key: m.server.key_type,
            client_key: m.client.key_type,
        };
        if let Some(reason) = vars.unsupported(spec) {
            return Err(Unsupported(reason));
        }
        // A tool that refuses the certificates (a malformed profile it cannot load) cannot
        // run the case: found out once per profile by starting the server, so it is a skip.
        if role == Role::Server {
            let cell = match self.preflight.lock() {
                Ok(mut map) => map.entry(m.profile.clone()).or_default().clone(),
                Err(_) => return Ok(()),
            };
            if let Err(e) = cell.get_or_init(|| self.preflight(setup)) {
                return Err(Unsupported(format!(
                    "the server tool does not start with certificate profile `{}`: {e}",
                    m.profile
                )));
            }
        }
        Ok(())
    }

    fn echoes(&self) -> bool {
        self.file
            .server
            .as_ref()
            .is_none_or(|s| s.echo != Echo::None)
    }

    fn preflight(&self) -> Result<(), String> {
        if let Some(t) = self.missing_tool() {
            let pkg = match self.file.packages.as_slice() {
                [] => format!(
                    " (the peer file names no Debian package: add `packages = [...]` to {}.toml)",
                    self.name
                ),
                p => format!(
                    "; it comes with the Debian package {} (apt-get install {})",
                    p.join(", "),
                    p.join(" ")
                ),
            };
            return Err(format!("`{t}` is not installed{pkg}"));
        }
        self.build()?;
        // The tools must start with a good certificate profile and the default setup: if
        // they do not, the command line is at fault, not a certificate.
        let setup = Setup::default();
        if self.file.server.is_some() {
            let m = setup.materials()?;
            let cell = match self.preflight.lock() {
                Ok(mut map) => map.entry(m.profile.clone()).or_default().clone(),
                Err(_) => return Ok(()),
            };
            if let Err(e) = cell.get_or_init(|| self.preflight(&setup)) {
                return Err(format!(
                    "the server tool does not start with the default setup: {e}"
                ));
            }
        }
        if self.file.client.is_some() {
            self.client_preflight(&setup).map_err(|e| {
                format!("the client tool does not start with the default setup: {e}")
            })?;
        }
        Ok(())
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        if let Err(e) = self.build() {
            return vec![Outcome::internal(Step::Tcp, format!("{}: {e}", self.name))];
        }
        match self.serve(setup, &listener, ctx) {
            Ok(o) => o,
            Err(e) if e.contains(") and crashed: ") => {
                vec![Outcome::failed(
                    Failure::Crash(format!("{}: {e}", self.name)),
                    Step::Tcp,
                    e,
                )]
            }
            Err(e) => vec![Outcome::internal(Step::Tcp, format!("{}: {e}", self.name))],
        }
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        if let Err(e) = self.build() {
            return vec![Outcome::internal(Step::Tcp, format!("{}: {e}", self.name))];
        }
        match self.connect(setup, addr, ctx) {
            Ok(o) => o,
            Err(e) => vec![Outcome::internal(Step::Tcp, format!("{}: {e}", self.name))],
        }
    }
}

fn tool_text_from(tool: &proc::Proc, start: usize) -> String {
    let all = tool.output();
    let start = (start.min(all.len())..=all.len())
        .find(|i| all.is_char_boundary(*i))
        .unwrap_or(all.len());
    all.get(start..).unwrap_or_default().to_string()
}
