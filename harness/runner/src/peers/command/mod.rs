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
pub mod spec;
pub mod target;
pub mod wire;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::model::{Direction, Failure, Negotiated, Outcome, Role, Setup, Step};
use crate::peer::{CaseCtx, Peer, Unsupported, io_failure};
use spec::{Echo, PeerFile, Read, RoleSpec, Vars};

pub use target::TargetPeer;

/// The directory of peer files: `$HARNESS_PEERS_DIR`, else `scenarios/peers/` of the
/// workspace.
pub fn peers_dir() -> PathBuf {
    match std::env::var_os("HARNESS_PEERS_DIR") {
        Some(d) => PathBuf::from(d),
        None => crate::cli::default_scenarios().join("peers"),
    }
}

/// The names of the command peers found in [`peers_dir`].
pub fn available() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(peers_dir())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The command peer of a name, from `peers_dir()/NAME.toml`; `None` when there is no such file.
pub fn find(name: &str) -> Option<Result<CommandPeer, String>> {
    let path = peers_dir().join(format!("{name}.toml"));
    path.is_file().then(|| CommandPeer::load(&path))
}

/// A peer described by a peer file.
#[derive(Debug)]
pub struct CommandPeer {
    name: String,
    file: Arc<PeerFile>,
    version: OnceLock<String>,
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

/// An alert name from what a tool printed: a number, or a name in any case and with spaces.
fn alert_from(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(code) = t.parse::<u8>() {
        return Some(crate::alerts::alert_name(code));
    }
    let name = t.to_ascii_lowercase().replace([' ', '-'], "_");
    tls_wire::AlertDescription::from_name(&name)
        .is_some()
        .then_some(name)
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
    let negotiated = Negotiated {
        version: value(&read.version)
            .and_then(|v| v.parse().ok())
            .or(w.version),
        suite: value(&read.suite).and_then(|v| v.parse().ok()).or(w.suite),
        group: value(&read.group).and_then(|v| v.parse().ok()).or(w.group),
        sig_scheme: value(&read.sigalg)
            .and_then(|v| v.parse().ok())
            .or(w.sigalg),
        alpn: value(&read.alpn).or(w.alpn.clone()),
        resumed: matches(&read.resumed) || w.resumed,
        hrr: matches(&read.hrr) || w.hrr,
    };
    // The alert: as the tool says, else a plaintext one from the wire (direction as this
    // side sees it).
    let printed = |r: &Option<spec::Rule>| value(r).map(|v| alert_from(&v).unwrap_or_default());
    let mut alert = match (printed(&read.alert_sent), printed(&read.alert_received)) {
        (Some(a), _) => Some((Direction::Sent, a)),
        (None, Some(a)) => Some((Direction::Received, a)),
        _ => None,
    };
    if alert.as_ref().is_none_or(|(_, a)| a.is_empty())
        && let Some((d, a)) = w.alerts.first()
    {
        let d = match (role, d) {
            (Role::Client, d) => *d,
            (Role::Server, Direction::Sent) => Direction::Received,
            (Role::Server, Direction::Received) => Direction::Sent,
        };
        alert = Some((d, a.clone()));
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
        Some((direction, description)) => Failure::Alert {
            direction,
            description,
        },
        None if timed_out => Failure::Timeout,
        None => Failure::Closed,
    };
    let mut o = Outcome::failed(failure, w.step, detail);
    o.negotiated = negotiated;
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
                let Ok(mut p) = proc::spawn(&self.file.version, &dir.0) else {
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
        match self.connect(setup, addr, ctx) {
            Ok(o) => o,
            Err(e) => vec![Outcome::internal(Step::Tcp, format!("{}: {e}", self.name))],
        }
    }
}

impl CommandPeer {
    /// The case directory with the materials written and the role's setup commands run.
    fn prepare(
        &self,
        setup: &Setup,
        role: Role,
    ) -> Result<(CaseDir, Arc<certs::Materials>), String> {
        let dir = CaseDir::new(&self.name, role)?;
        write_materials(setup, &dir.0)?;
        let m = setup.materials()?;
        let spec = self.spec(role).ok_or("no such role")?;
        let vars = self.vars(setup, role, 0, &dir, &m, 0);
        for cmd in &spec.setup {
            let mut argv = Vec::new();
            for a in cmd {
                let v = vars.expand(a, None)?;
                if !v.is_empty() || a.is_empty() {
                    argv.push(v);
                }
            }
            proc::run_to_end(&argv, &dir.0, Duration::from_secs(20))
                .map_err(|e| format!("setup: {e}"))?;
        }
        Ok((dir, m))
    }

    fn vars<'a>(
        &'a self,
        setup: &'a Setup,
        role: Role,
        port: u16,
        dir: &CaseDir,
        m: &certs::Materials,
        conn: usize,
    ) -> Vars<'a> {
        Vars {
            file: &self.file,
            setup,
            role,
            port,
            dir: dir.0.clone(),
            conn,
            server_key: m.server.key_type,
            client_key: m.client.key_type,
        }
    }

    /// Whether the server tool starts with the setup's certificates (the setup commands
    /// included); the reason, shortened, if not.
    fn preflight(&self, setup: &Setup) -> Result<(), String> {
        let spec = self.spec(Role::Server).ok_or("no server")?;
        let short = |e: String| {
            let one: String = e
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            one.chars().take(240).collect::<String>()
        };
        let (dir, m) = self.prepare(setup, Role::Server).map_err(short)?;
        let ctx = CaseCtx::new(
            Duration::from_secs(5),
            Instant::now() + Duration::from_secs(10),
        );
        for _ in 0..2 {
            let port = free_port()?;
            match self.start_server(
                spec,
                &self.vars(setup, Role::Server, port, &dir, &m, 0),
                &dir,
                &ctx,
            ) {
                Ok(Some(mut tool)) => {
                    // Still there a moment later (some tools check their key after binding).
                    std::thread::sleep(Duration::from_millis(200));
                    let died = tool.exited().is_some();
                    tool.kill();
                    if died {
                        return Err(short(format!(
                            "it exited after start-up ({}): {}",
                            tool.status_text(),
                            proc::tail(&tool.output(), 300)
                        )));
                    }
                    return Ok(());
                }
                Ok(None) => return Ok(()),
                Err(e) if e.contains("in use") => continue,
                Err(e) => return Err(short(e)),
            }
        }
        Ok(())
    }

    /// Whether the client tool, started with `setup` against a listener that accepts and
    /// closes, connects at all (a tool that rejects its command line exits first).
    fn client_preflight(&self, setup: &Setup) -> Result<(), String> {
        let spec = self.spec(Role::Client).ok_or("no client")?;
        let (dir, m) = self.prepare(setup, Role::Client)?;
        let local = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = local.local_addr().map_err(|e| e.to_string())?.port();
        let argv = self
            .vars(setup, Role::Client, port, &dir, &m, 0)
            .command(spec)?;
        let mut tool = proc::spawn(&argv, &dir.0)?;
        local.set_nonblocking(true).map_err(|e| e.to_string())?;
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match local.accept() {
                Ok(_) => {
                    tool.kill();
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.to_string()),
            }
            if tool.exited().is_some() {
                std::thread::sleep(SETTLE);
                let status = tool.status_text();
                tool.kill();
                return Err(format!(
                    "it exited without connecting ({status}): {}",
                    proc::tail(&tool.output(), 400)
                ));
            }
            if Instant::now() > until {
                tool.kill();
                return Err(format!(
                    "it did not connect within 10 s: {}",
                    proc::tail(&tool.output(), 400)
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts the server tool and waits until it is ready; `Ok(None)` at the deadline.
    fn start_server(
        &self,
        spec: &RoleSpec,
        vars: &Vars<'_>,
        dir: &CaseDir,
        ctx: &CaseCtx,
    ) -> Result<Option<proc::Proc>, String> {
        let argv = vars.command(spec)?;
        let mut tool = proc::spawn(&argv, &dir.0)?;
        // Ready: a line of output, or the port accepting.
        let ready = spec.ready.as_deref().map(spec::regex).transpose()?;
        loop {
            if let Some(re) = &ready {
                if re.is_match(&tool.output()) {
                    return Ok(Some(tool));
                }
            } else if TcpStream::connect(("127.0.0.1", vars.port)).is_ok() {
                return Ok(Some(tool));
            }
            if tool.exited().is_some() {
                std::thread::sleep(SETTLE);
                let crash = tool
                    .crash(&tool.output())
                    .map(|c| format!(" and crashed: {c}"))
                    .unwrap_or_default();
                return Err(format!(
                    "the server exited before it was ready ({}){crash}: {}",
                    tool.status_text(),
                    proc::tail(&tool.output(), 400)
                ));
            }
            if ctx.is_cancelled() {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn serve(
        &self,
        setup: &Setup,
        listener: &TcpListener,
        ctx: &CaseCtx,
    ) -> Result<Vec<Outcome>, String> {
        let spec = self.spec(Role::Server).ok_or("no server")?;
        let (dir, m) = self.prepare(setup, Role::Server)?;
        // A port taken by someone else between the check and the bind: one more try.
        let mut port = free_port()?;
        let mut started = self.start_server(
            spec,
            &self.vars(setup, Role::Server, port, &dir, &m, 0),
            &dir,
            ctx,
        );
        if started.is_err() && !ctx.is_cancelled() {
            port = free_port()?;
            started = self.start_server(
                spec,
                &self.vars(setup, Role::Server, port, &dir, &m, 0),
                &dir,
                ctx,
            );
        }
        let Some(mut tool) = started? else {
            return Ok(vec![Outcome::failed(
                Failure::Timeout,
                Step::Tcp,
                "the server tool was not ready before the deadline",
            )]);
        };
        let read = self.read(Role::Server);
        let mut outcomes = Vec::new();
        for _ in 0..setup.connections() {
            let mut stream = match ctx.accept(listener) {
                Ok(s) => s,
                Err(e) => {
                    outcomes.push(io_failure(&e, Step::Tcp, ctx));
                    break;
                }
            };
            let start = tool.output().len();
            let mut to_tool = TcpStream::connect(("127.0.0.1", port))
                .map_err(|e| format!("cannot reach the server tool on port {port}: {e}"))?;
            let _ = to_tool.set_nodelay(true);
            let tcp = to_tool.try_clone().map_err(|e| e.to_string())?;
            let flow = std::thread::scope(|s| {
                let relay = s.spawn(|| wire::relay(&mut stream, &mut to_tool, &tcp, ctx));
                let mut echoed = false;
                while !relay.is_finished() {
                    if spec.echo == Echo::Stdin
                        && !echoed
                        && tool_text_from(&tool, start)
                            .contains(&*String::from_utf8_lossy(&setup.app_data))
                    {
                        tool.write_stdin(&setup.app_data);
                        echoed = true;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                relay.join().unwrap_or_default()
            });
            std::thread::sleep(SETTLE);
            let text = tool_text_from(&tool, start);
            let got = match spec.echo {
                Echo::None => true,
                _ => text.contains(&*String::from_utf8_lossy(&setup.app_data)),
            };
            let _ = tool.exited();
            let o = match tool.crash(&text) {
                Some(c) => crashed(&flow, c),
                None => outcome(
                    &read,
                    &text,
                    &flow,
                    Role::Server,
                    setup,
                    got,
                    ctx.is_cancelled(),
                ),
            };
            if ctx.keep_outcome(&mut outcomes, o) {
                break;
            }
        }
        tool.kill();
        Ok(outcomes)
    }

    fn connect(
        &self,
        setup: &Setup,
        addr: SocketAddr,
        ctx: &CaseCtx,
    ) -> Result<Vec<Outcome>, String> {
        let spec = self.spec(Role::Client).ok_or("no client")?;
        let (dir, m) = self.prepare(setup, Role::Client)?;
        let read = self.read(Role::Client);
        let linger = Duration::from_millis(spec.linger_ms.unwrap_or(1000));
        let mut outcomes = Vec::new();
        for conn in 0..setup.connections() {
            let local = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let port = local.local_addr().map_err(|e| e.to_string())?.port();
            let vars = self.vars(setup, Role::Client, port, &dir, &m, conn);
            let argv = vars.command(spec)?;
            let mut tool = proc::spawn(&argv, &dir.0)?;
            tool.write_stdin(&setup.app_data);
            // The tool connects to the runner, which connects to the server and relays.
            local.set_nonblocking(true).map_err(|e| e.to_string())?;
            let mut from_tool = loop {
                match local.accept() {
                    Ok((s, _)) => break Some(s),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.to_string()),
                }
                if tool.exited().is_some() || ctx.is_cancelled() {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(2));
            };
            let Some(mut from_tool) = from_tool.take() else {
                std::thread::sleep(SETTLE);
                tool.kill();
                let o = if let Some(c) = tool.crash(&tool.output()) {
                    Outcome::failed(Failure::Crash(c.clone()), Step::Tcp, c)
                } else if ctx.is_cancelled() {
                    Outcome::failed(
                        Failure::Timeout,
                        Step::Tcp,
                        "the client did not connect before the deadline",
                    )
                } else {
                    Outcome::internal(
                        Step::Tcp,
                        format!(
                            "the client exited without connecting ({}): {}",
                            tool.status_text(),
                            proc::tail(&tool.output(), 400)
                        ),
                    )
                };
                outcomes.push(o);
                break;
            };
            let _ = from_tool.set_nonblocking(false);
            let _ = from_tool.set_nodelay(true);
            let mut server = match ctx.connect(addr) {
                Ok(s) => s,
                Err(e) => {
                    outcomes.push(io_failure(&e, Step::Tcp, ctx));
                    break;
                }
            };
            let tcp = server.tcp().try_clone().map_err(|e| e.to_string())?;
            let needle = String::from_utf8_lossy(&setup.app_data).into_owned();
            let (flow, got) = std::thread::scope(|s| {
                let relay = s.spawn(|| wire::relay(&mut from_tool, &mut server, &tcp, ctx));
                let mut closed_at: Option<Instant> = None;
                let mut got = false;
                loop {
                    if !got && tool.output().contains(&needle) {
                        got = true;
                        // The answer is in: closing stdin makes the tool close the connection.
                        tool.close_stdin();
                        closed_at = Some(Instant::now());
                    }
                    if tool.exited().is_some()
                        || ctx.is_cancelled()
                        || closed_at.is_some_and(|t| t.elapsed() > linger)
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(20));
                tool.kill();
                let flow = relay.join().unwrap_or_default();
                (flow, got || tool.output().contains(&needle))
            });
            let text = tool.output();
            let timed_out = ctx.is_cancelled() || (tool.killed && !got);
            let o = match tool.crash(&text) {
                Some(c) => crashed(&flow, c),
                None => outcome(&read, &text, &flow, Role::Client, setup, got, timed_out),
            };
            if ctx.keep_outcome(&mut outcomes, o) {
                break;
            }
        }
        Ok(outcomes)
    }
}

fn tool_text_from(tool: &proc::Proc, start: usize) -> String {
    let all = tool.output();
    let start = (start.min(all.len())..=all.len())
        .find(|i| all.is_char_boundary(*i))
        .unwrap_or(all.len());
    all.get(start..).unwrap_or_default().to_string()
}

/// The server's view of connections only the client observed: the client's outcomes with
/// alert directions turned round.
pub fn mirror(client: &[Outcome]) -> Vec<Outcome> {
    client
        .iter()
        .map(|o| {
            let mut m = o.clone();
            if let Some(Failure::Alert { direction, .. }) = &mut m.failure {
                *direction = match direction {
                    Direction::Sent => Direction::Received,
                    Direction::Received => Direction::Sent,
                };
            }
            m.detail = Some(format!(
                "not observed (a target); the client's view: {}",
                o.detail.as_deref().unwrap_or("-")
            ));
            m
        })
        .collect()
}
