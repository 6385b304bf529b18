//! Our own engine (tls-engine) as client and server, over TCP.
//!
//! Seeded (see [`CaseCtx::random`]): client and server randoms, session ids, EC key shares,
//! ticket keys, nonces and age_add come from the case's generator, the clock from
//! [`CaseCtx::now`]. aws-lc still draws ML-KEM keys and encapsulations, ECDSA nonces and
//! RSA-PSS salts internally.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use rustls_pki_types::{PrivateKeyDer, UnixTime};
use tls_engine::{
    CertifiedKey, ClientConfig, Connection, Error, Event, Knobs, ServerConfig, StoredSession,
};
use tls_wire::NamedGroup;

use crate::model::{
    ClientAuth, Direction, Failure, Negotiated, Outcome, ProtocolVersion, Role, Setup, Step,
};
use crate::peer::{CaseCtx, Peer, Unsupported, each_connection, serve_each};
use crate::pump::{self, AppData, Endpoint, Observed};
use crate::scenario::expected_version;
use crate::steps::failed_step;
use crate::vocab::in_matrix;

/// Our engine.
#[derive(Debug, Default)]
pub struct OwnPeer;

/// The engine's progress as the runner's [`Step`] (the one place the two meet). The engine
/// counts verification: `CertificateVerified` (chain and CertificateVerify passed) is the
/// runner's `CertificateVerify`, and its `KeyExchange` (the peer's encrypted Finished
/// received, not yet verified) the runner's `KeyExchange`, between the signature and the
/// verified `Finished`.
fn step(s: tls_engine::Step) -> Step {
    use tls_engine::Step as E;
    match s {
        E::Start => Step::Tcp,
        E::ClientHello => Step::ClientHello,
        E::ServerHello => Step::ServerHello,
        E::Certificate => Step::Certificate,
        E::CertificateVerified => Step::CertificateVerify,
        E::KeyExchange => Step::KeyExchange,
        E::Finished => Step::Finished,
        E::AppData => Step::AppData,
    }
}

fn negotiated(conn: &Connection) -> Negotiated {
    let Some(n) = conn.negotiated() else {
        return Negotiated::default();
    };
    Negotiated {
        version: in_matrix(n.version),
        suite: in_matrix(n.cipher_suite),
        group: n.group.and_then(in_matrix),
        sig_scheme: n.signature_scheme.and_then(in_matrix),
        alpn: n
            .alpn
            .as_ref()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        resumed: n.resumed,
        hrr: n.hrr,
    }
}

/// The outcome of an engine error.
fn failure(e: &Error, conn: &Connection) -> Outcome {
    let reached = step(conn.step());
    let detail = format!("own: {e}");
    if let Some(a) = e.alert() {
        return Outcome::failed(
            Failure::Alert {
                direction: Direction::Sent,
                alert: a.into(),
            },
            failed_step(reached, Some(a)),
            detail,
        );
    }
    if let Some(a) = e.alert_received() {
        return Outcome::failed(
            Failure::Alert {
                direction: Direction::Received,
                alert: a.into(),
            },
            reached,
            detail,
        );
    }
    match e {
        Error::Closed(_) | Error::Truncated { .. } => {
            Outcome::failed(Failure::Closed, reached, detail)
        }
        _ => Outcome::internal(reached, detail),
    }
}

/// Our engine as a [`pump::Endpoint`]: the engine is sans-IO already; this keeps its events
/// (application data, the peer's close_notify, tickets).
pub(crate) struct OwnEndpoint {
    conn: Connection,
    /// The case's clock (`None`: the real one).
    clock: Option<UnixTime>,
    app: Vec<u8>,
    peer_closed: bool,
    /// Application data the engine delivered after the peer's close_notify (only with the
    /// negative control `bug_deliver_after_close_notify`), handed out after `Closed`.
    after_close: Vec<u8>,
    closed_reported: bool,
    tickets: Vec<StoredSession>,
}

impl OwnEndpoint {
    pub(crate) fn new(conn: Connection, clock: Option<UnixTime>) -> Self {
        OwnEndpoint {
            conn,
            clock,
            app: Vec::new(),
            peer_closed: false,
            after_close: Vec::new(),
            closed_reported: false,
            tickets: Vec::new(),
        }
    }

    fn events(&mut self) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::ApplicationData(d) if self.peer_closed => {
                    self.after_close.extend_from_slice(&d)
                }
                Event::ApplicationData(d) => self.app.extend_from_slice(&d),
                Event::PeerClosed => self.peer_closed = true,
                Event::NewTicket(t) => self.tickets.push(t),
                _ => {}
            }
        }
    }
}

impl Endpoint for OwnEndpoint {
    fn handle_input(&mut self, bytes: &[u8]) -> Result<(), Outcome> {
        let now = self.clock.unwrap_or_else(UnixTime::now);
        let result = self.conn.handle_input(bytes, now);
        self.events();
        result.map_err(|e| failure(&e, &self.conn))
    }

    fn handle_eof(&mut self) -> Result<(), Outcome> {
        self.conn.handle_eof().map_err(|e| {
            let mut o = failure(&e, &self.conn);
            if matches!(e, Error::Truncated { .. } | Error::Closed(_)) {
                o.failure = Some(Failure::Closed);
            }
            o
        })
    }

    fn take_output(&mut self) -> Vec<u8> {
        self.conn.take_output()
    }

    fn send_app_data(&mut self, data: &[u8]) -> Result<(), Outcome> {
        self.conn
            .send_application_data(data)
            .map_err(|e| failure(&e, &self.conn))
    }

    fn poll_app_data(&mut self, into: &mut Vec<u8>) -> Result<AppData, Outcome> {
        if !self.app.is_empty() {
            into.append(&mut self.app);
            Ok(AppData::Read)
        } else if self.closed_reported && !self.after_close.is_empty() {
            into.append(&mut self.after_close);
            Ok(AppData::Read)
        } else if self.peer_closed {
            self.closed_reported = true;
            Ok(AppData::Closed)
        } else {
            Ok(AppData::Pending)
        }
    }

    fn send_close_notify(&mut self) {
        self.conn.send_close_notify();
    }

    fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn step(&self) -> Step {
        step(self.conn.step())
    }

    fn negotiated(&self) -> Negotiated {
        negotiated(&self.conn)
    }

    fn observed(&self) -> Observed {
        let n = self.conn.negotiated();
        Observed {
            done: !self.conn.is_handshaking(),
            resumed: n.map(|n| n.resumed),
            hrr: n.map(|n| n.hrr),
            version: n.and_then(|n| in_matrix(n.version)),
        }
    }

    fn take_ticket(&mut self) -> Option<StoredSession> {
        (!self.tickets.is_empty()).then(|| self.tickets.remove(0))
    }

    fn keeps_open_after_alert(&self) -> bool {
        self.conn.knobs().bug_keep_open_after_alert
    }

    fn half_closes_after_close_notify(&self) -> bool {
        self.conn.knobs().half_close_after_close_notify
    }
}

/// One connection over `sock`: our engine through the pump.
fn drive<S: Read + Write>(
    conn: Connection,
    sock: &mut S,
    role: Role,
    setup: &Setup,
    ctx: &CaseCtx,
) -> (Outcome, Option<StoredSession>) {
    let mut ep = OwnEndpoint::new(conn, ctx.fixed_clock());
    let o = pump::connection(&mut ep, sock, role, setup, ctx);
    (o, ep.take_ticket())
}

fn certified(identity: &certs::Identity) -> Result<CertifiedKey, String> {
    CertifiedKey::new(
        identity.chain.clone(),
        PrivateKeyDer::Pkcs8(identity.key.clone_key()),
    )
    .map_err(|e| format!("own: the {} key: {e}", identity.key_type))
}

/// Sets the lists `side` names on an engine config (client or server: the fields share their
/// names); an empty list keeps the engine's default.
macro_rules! side_lists {
    ($c:expr, $side:expr) => {{
        let side: &crate::model::Side = $side;
        if !side.versions.is_empty() {
            $c.versions = side.versions.clone();
        }
        if !side.suites.is_empty() {
            $c.cipher_suites = side.suites.clone();
        }
        if !side.groups.is_empty() {
            $c.groups = side.groups.clone();
        }
        if !side.sig_schemes.is_empty() {
            $c.signature_schemes = side.sig_schemes.clone();
        }
        $c.alpn = side.alpn_wire();
    }};
}

/// Sets the setup's knobs of `role` on the engine's knobs of that side.
fn set_knobs(knobs: &mut Knobs, setup: &Setup, role: Role) -> Result<(), String> {
    for (name, value) in setup.knobs(role) {
        knobs
            .set(name, value)
            .map_err(|e| format!("own: {role} knob `{name}`: {e}"))?;
    }
    Ok(())
}

fn client_config(setup: &Setup, resumption: Option<StoredSession>) -> Result<ClientConfig, String> {
    let materials = setup.materials()?;
    let mut c = ClientConfig::default();
    side_lists!(c, &setup.client);
    c.roots = materials.roots.clone();
    c.server_name = Some(setup.server_name.clone());
    if setup.client_presents_certificate() {
        c.client_auth = Some(certified(&materials.client)?);
    }
    c.resumption = resumption;
    c.knobs.allow_no_extended_master_secret = setup.allow_no_ems;
    set_knobs(&mut c.knobs, setup, Role::Client)?;
    Ok(c)
}

fn server_config(setup: &Setup) -> Result<ServerConfig, String> {
    let materials = setup.materials()?;
    let mut c = ServerConfig::new(
        materials.server.chain.clone(),
        PrivateKeyDer::Pkcs8(materials.server.key.clone_key()),
    )
    .map_err(|e| format!("own: server key: {e}"))?;
    side_lists!(c, &setup.server);
    let roots = materials.roots.clone();
    c.client_auth = match setup.client_auth {
        ClientAuth::None => tls_engine::ClientAuth::None,
        ClientAuth::Optional => tls_engine::ClientAuth::Optional { roots },
        ClientAuth::Required => tls_engine::ClientAuth::Required { roots },
    };
    c.knobs.allow_no_extended_master_secret = setup.allow_no_ems;
    set_knobs(&mut c.knobs, setup, Role::Server)?;
    if let Some(n) = setup.tickets {
        c.tickets = n;
    }
    Ok(c)
}

/// The engine's key log hook (`ClientConfig::key_log`, `ServerConfig::key_log`).
type EngineKeyLog = Arc<dyn Fn(&str, &[u8], &[u8]) + Send + Sync>;

/// The engine's key log hook, feeding the case's key log.
fn key_log(ctx: &CaseCtx) -> EngineKeyLog {
    let sink = ctx.key_log();
    Arc::new(move |label, client_random, secret| sink.add(label, client_random, secret))
}

impl Peer for OwnPeer {
    fn name(&self) -> &str {
        "own"
    }

    fn version(&self) -> String {
        format!(
            "tls-engine {} (TLS 1.3, TLS 1.2)",
            env!("CARGO_PKG_VERSION")
        )
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        let side = setup.side(role);
        if expected_version(setup) == Some(ProtocolVersion::TLSv1_2)
            && side.groups.contains(&NamedGroup::X25519MlKem768)
            && side.groups.iter().all(|g| *g == NamedGroup::X25519MlKem768)
        {
            return Err(Unsupported(
                "own: X25519MLKEM768 is a TLS 1.3 group; TLS 1.2 ECDHE needs an EC group".into(),
            ));
        }
        // The identity this side presents must load (our engine takes ECDSA P-256/P-384,
        // RSA and Ed25519 keys).
        let materials = setup.materials().map_err(Unsupported)?;
        if let Some(id) = setup.presented_identity(role, &materials) {
            certified(id).map_err(Unsupported)?;
        }
        Ok(())
    }

    fn unseeded(&self) -> Option<String> {
        None
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        let config = match server_config(setup) {
            Ok(mut c) => {
                c.key_log = Some(key_log(ctx));
                if let Some(random) = ctx.random(Role::Server) {
                    // The ticket key too (`ServerConfig::new` drew it from the system).
                    if let Err(e) = random.fill(&mut c.ticket_key) {
                        return vec![Outcome::internal(
                            Step::Tcp,
                            format!("own: ticket key: {e}"),
                        )];
                    }
                    c.random = random;
                }
                Arc::new(c)
            }
            Err(e) => return vec![Outcome::internal(Step::Tcp, e)],
        };
        serve_each(setup, &listener, ctx, |mut sock| {
            match Connection::server(config.clone(), ctx.now()) {
                Ok(conn) => drive(conn, &mut sock, Role::Server, setup, ctx).0,
                Err(e) => Outcome::internal(Step::Tcp, format!("own: {e}")),
            }
        })
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        let mut session: Option<StoredSession> = None;
        // One generator for all connections of the case: each draws after the previous one.
        let random = ctx.random(Role::Client);
        each_connection(setup, ctx, |i| {
            if i > 0 && session.is_none() {
                return Err(Outcome::internal(
                    Step::Tcp,
                    "own: the first connection yielded no session ticket to resume",
                ));
            }
            let mut c = client_config(setup, session.clone())
                .map_err(|e| Outcome::internal(Step::Tcp, e))?;
            c.key_log = Some(key_log(ctx));
            if let Some(r) = &random {
                c.random = r.clone();
            }
            let mut sock = ctx.connect_or_outcome(addr)?;
            let (o, ticket) = match Connection::client(Arc::new(c), ctx.now()) {
                Ok(conn) => drive(conn, &mut sock, Role::Client, setup, ctx),
                Err(e) => (Outcome::internal(Step::Tcp, format!("own: {e}")), None),
            };
            if session.is_none() {
                session = ticket;
            }
            Ok(o)
        })
    }
}
