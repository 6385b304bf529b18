//! The proxy thread: accept the client, connect to the server, forward and act.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tls_wire::{
    Alert, CipherSuite, Codec, DecodeCtx, Extension, ExtensionType, HandshakeJoiner,
    HandshakeMessage, HandshakePayload, ProtocolVersion,
};

use super::pcap::{Conversation, Payload, Segment};
use super::{Action, MitmSpec};
use crate::model::{Direction, Setup};
use crate::peer::{Capture, CaseCtx};

/// Everything the proxy saw and did in one case.
#[derive(Debug, Clone, Default)]
pub struct ProxyReport {
    pub action: Option<Action>,
    /// The two-sided transcript: one line per record (or message) with its time, and one per
    /// thing the proxy did.
    pub log: Vec<String>,
    /// What the action changed (empty: the point it waits for never came).
    pub applied: Vec<String>,
    /// client <-> proxy: `Sent` is what the client sent.
    pub client_leg: Capture,
    /// proxy <-> server: `Sent` is what the proxy sent to the server.
    pub server_leg: Capture,
    /// The two TCP conversations (client->proxy, proxy->server) for the pcapng file.
    pub convs: Vec<Conversation>,
    pub segments: Vec<Segment>,
    /// Plaintext alerts each endpoint sent, as the proxy saw them: [client, server].
    pub alerts_sent: [Vec<String>; 2],
    /// Why the proxy could not do its job, if it could not.
    pub error: Option<String>,
}

/// A running proxy.
#[derive(Debug)]
pub struct ProxyHandle {
    /// Where the client connects.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<ProxyReport>>,
}

impl ProxyHandle {
    /// Stops the proxy (after draining what is in flight) and returns its report.
    pub fn finish(mut self) -> ProxyReport {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => ProxyReport {
                error: Some("the proxy thread panicked".into()),
                ..ProxyReport::default()
            },
            None => ProxyReport::default(),
        }
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a proxy for one connection between the case's client and `server`.
pub fn start(
    spec: &MitmSpec,
    server: SocketAddr,
    setup: Arc<Setup>,
    ctx: Arc<CaseCtx>,
) -> io::Result<ProxyHandle> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (spec, stop2) = (spec.clone(), stop.clone());
    let thread = std::thread::Builder::new()
        .name("mitm-proxy".into())
        .spawn(move || run(listener, server, &spec, &setup, &ctx, &stop2))?;
    Ok(ProxyHandle {
        addr,
        stop,
        thread: Some(thread),
    })
}

/// Records what crossed the proxy, with time.
pub(super) struct Tape {
    t0: Instant,
    epoch_us: u64,
    pub(super) report: ProxyReport,
}

impl Tape {
    fn new(action: Action) -> Self {
        let epoch_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        Tape {
            t0: Instant::now(),
            epoch_us,
            report: ProxyReport {
                action: Some(action),
                client_leg: Capture {
                    connections: vec![Vec::new()],
                },
                server_leg: Capture {
                    connections: vec![Vec::new()],
                },
                ..ProxyReport::default()
            },
        }
    }

    fn stamp(&self) -> String {
        format!("+{:.1}ms", self.t0.elapsed().as_secs_f64() * 1000.0)
    }

    pub(super) fn log(&mut self, line: impl AsRef<str>) {
        let l = format!("{} {}", self.stamp(), line.as_ref());
        self.report.log.push(l);
    }

    pub(super) fn applied(&mut self, what: impl Into<String>) {
        let what = what.into();
        self.log(format!("proxy: {what}"));
        self.report.applied.push(what);
    }

    fn segment(&mut self, leg: usize, from_a: bool, payload: Payload) {
        let micros = self.epoch_us + self.t0.elapsed().as_micros() as u64;
        self.report.segments.push(Segment {
            micros,
            conv: leg,
            from_a,
            payload,
        });
    }

    /// Bytes on `leg` (0: client<->proxy, 1: proxy<->server), sent by the initiator or not.
    pub(super) fn data(&mut self, leg: usize, from_a: bool, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.segment(leg, from_a, Payload::Data(bytes.to_vec()));
        let d = if from_a {
            Direction::Sent
        } else {
            Direction::Received
        };
        let cap = if leg == 0 {
            &mut self.report.client_leg
        } else {
            &mut self.report.server_leg
        };
        if let Some(conn) = cap.connections.first_mut() {
            match conn.last_mut() {
                Some((last, buf)) if *last == d => buf.extend_from_slice(bytes),
                _ => conn.push((d, bytes.to_vec())),
            }
        }
    }

    pub(super) fn fin(&mut self, leg: usize, from_a: bool) {
        self.segment(leg, from_a, Payload::Fin);
    }
}

/// The two sockets, non-blocking.
pub(super) struct Net {
    pub(super) client: TcpStream,
    pub(super) server: TcpStream,
    /// Whether the proxy may still write to [client, server].
    writable: [bool; 2],
    deadline: Instant,
}

pub(super) enum ReadResult {
    Data(usize),
    Nothing,
    Eof,
}

impl Net {
    /// Reads from the client (`from_server == false`) or the server.
    pub(super) fn read(&mut self, from_server: bool, buf: &mut [u8]) -> ReadResult {
        let s = if from_server {
            &mut self.server
        } else {
            &mut self.client
        };
        match s.read(buf) {
            Ok(0) => ReadResult::Eof,
            Ok(n) => ReadResult::Data(n),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                ReadResult::Nothing
            }
            Err(_) => ReadResult::Eof,
        }
    }

    /// Writes everything to the client or the server (tape records it).
    pub(super) fn send(&mut self, tape: &mut Tape, to_server: bool, bytes: &[u8]) {
        let i = usize::from(to_server);
        if bytes.is_empty() || !self.writable.get(i).copied().unwrap_or(false) {
            return;
        }
        let s = if to_server {
            &mut self.server
        } else {
            &mut self.client
        };
        let mut rest = bytes;
        while !rest.is_empty() {
            match s.write(rest) {
                Ok(0) => break,
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::Interrupted =>
                {
                    if Instant::now() >= self.deadline {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(_) => break,
            }
        }
        let sent = bytes.len() - rest.len();
        let written = bytes.get(..sent).unwrap_or_default();
        if to_server {
            tape.data(1, true, written);
        } else {
            tape.data(0, false, written);
        }
        if !rest.is_empty()
            && let Some(w) = self.writable.get_mut(i)
        {
            *w = false;
        }
    }

    /// Closes the write side towards the client or the server (a FIN).
    pub(super) fn fin(&mut self, tape: &mut Tape, to_server: bool) {
        let i = usize::from(to_server);
        if !self.writable.get(i).copied().unwrap_or(false) {
            return;
        }
        if let Some(w) = self.writable.get_mut(i) {
            *w = false;
        }
        let s = if to_server {
            &self.server
        } else {
            &self.client
        };
        let _ = s.shutdown(Shutdown::Write);
        if to_server {
            tape.fin(1, true);
        } else {
            tape.fin(0, false);
        }
    }

    /// Closes both connections at once.
    pub(super) fn close_all(&mut self, tape: &mut Tape) {
        self.fin(tape, true);
        self.fin(tape, false);
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }
}

/// Where the in-flight proxy's output goes: the two sockets ([`Net`]), or, replaying bytes
/// without sockets ([`replay`]), only the tape.
trait Outlet {
    /// Sends to the server (`to_server`) or the client; the tape records what was sent.
    fn send(&mut self, tape: &mut Tape, to_server: bool, bytes: &[u8]);
    /// Closes the write side towards the server or the client (a FIN).
    fn fin(&mut self, tape: &mut Tape, to_server: bool);
    /// Closes both connections at once.
    fn close_all(&mut self, tape: &mut Tape);
}

impl Outlet for Net {
    fn send(&mut self, tape: &mut Tape, to_server: bool, bytes: &[u8]) {
        Net::send(self, tape, to_server, bytes);
    }
    fn fin(&mut self, tape: &mut Tape, to_server: bool) {
        Net::fin(self, tape, to_server);
    }
    fn close_all(&mut self, tape: &mut Tape) {
        Net::close_all(self, tape);
    }
}

/// The outlet of [`replay`]: everything is sent whole until that side is closed, and only
/// the tape sees it.
struct TapeOnly {
    /// Whether the proxy may still write to [client, server].
    writable: [bool; 2],
}

impl Outlet for TapeOnly {
    fn send(&mut self, tape: &mut Tape, to_server: bool, bytes: &[u8]) {
        let leg = usize::from(to_server);
        if self.writable.get(leg).copied().unwrap_or(false) {
            tape.data(leg, to_server, bytes);
        }
    }
    fn fin(&mut self, tape: &mut Tape, to_server: bool) {
        let leg = usize::from(to_server);
        if let Some(w) = self.writable.get_mut(leg)
            && *w
        {
            *w = false;
            tape.fin(leg, to_server);
        }
    }
    fn close_all(&mut self, tape: &mut Tape) {
        self.fin(tape, true);
        self.fin(tape, false);
    }
}

/// How long `delay_s2c` holds in a [`replay`] when the spec gives no `delay_ms` (a live run
/// holds for the case's idle timeout plus one second): longer than any replay takes.
const REPLAY_DELAY: Duration = Duration::from_secs(3600);

/// Replays one connection through the in-flight proxy, without sockets or threads: the
/// same parsing and rewriting as a live run, for the fuzz target `mitm` and for tests.
///
/// `chunks` are what the proxy reads, in order: `(true, bytes)` from the client, `(false,
/// bytes)` from the server; an empty chunk is that side closing its connection (as a read
/// of 0 bytes is), after which its further chunks are ignored. Sides still open at the end
/// are closed. The report's `client_leg` and `server_leg` hold what the proxy read and
/// what it forwarded, as in a live run.
///
/// Time does not pass in a replay: the timers of `reorder_c2s` (500 ms), `truncate`
/// (300 ms) and `delay_s2c` do not fire, so what they hold at the end is not forwarded.
/// Terminating actions have no record parser (rustls terminates both legs): the report
/// says so in `error` and nothing is read.
pub fn replay(spec: &MitmSpec, chunks: &[(bool, &[u8])]) -> ProxyReport {
    let mut tape = Tape::new(spec.action);
    tape.log(format!(
        "proxy: {} ({})",
        spec.action,
        spec.action.describe()
    ));
    if spec.action.terminates() {
        tape.report.error = Some(format!(
            "{} terminates TLS with rustls; there are no records to replay through the proxy",
            spec.action
        ));
        return tape.report;
    }
    let delay = spec
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(REPLAY_DELAY);
    let mut t = Transparent::new(spec.clone(), delay);
    let mut outlet = TapeOnly {
        writable: [true, true],
    };
    let mut closed_all = false;
    for &(from_client, bytes) in chunks {
        let dir = if from_client { C2S } else { S2C };
        if t.flows.get(dir).is_none_or(|f| f.eof) {
            continue;
        }
        if bytes.is_empty() {
            t.closed(dir, &mut tape);
        } else {
            t.received(dir, bytes, &mut tape);
        }
        if t.flush(&mut outlet, &mut tape) {
            closed_all = true;
            break;
        }
    }
    if !closed_all {
        for dir in [C2S, S2C] {
            if t.flows.get(dir).is_some_and(|f| !f.eof) {
                t.closed(dir, &mut tape);
            }
        }
        t.flush(&mut outlet, &mut tape);
    }
    untriggered(spec, &mut tape);
    tape.report
}

/// Says so when the action never applied.
fn untriggered(spec: &MitmSpec, tape: &mut Tape) {
    if tape.report.applied.is_empty() && spec.action != Action::PassThrough {
        tape.log("proxy: the action's trigger point never came; nothing was changed");
    }
}

fn run(
    listener: TcpListener,
    server: SocketAddr,
    spec: &MitmSpec,
    setup: &Setup,
    ctx: &CaseCtx,
    stop: &AtomicBool,
) -> ProxyReport {
    let mut tape = Tape::new(spec.action);
    let client = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if ctx.is_cancelled() || stop.load(Ordering::SeqCst) {
                    tape.report.error = Some("no client connected to the proxy".into());
                    return tape.report;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => {
                tape.report.error = Some(format!("proxy accept: {e}"));
                return tape.report;
            }
        }
    };
    drop(listener);
    let remaining = ctx.deadline.saturating_duration_since(Instant::now());
    let server_sock =
        match TcpStream::connect_timeout(&server, remaining.max(Duration::from_millis(1))) {
            Ok(s) => s,
            Err(e) => {
                tape.report.error = Some(format!("proxy cannot connect to the server: {e}"));
                return tape.report;
            }
        };
    let port = |r: io::Result<SocketAddr>| r.map(|a| a.port()).unwrap_or(0);
    tape.report.convs = vec![
        Conversation {
            a_port: port(client.peer_addr()),
            b_port: port(client.local_addr()),
        },
        Conversation {
            a_port: port(server_sock.local_addr()),
            b_port: port(server_sock.peer_addr()),
        },
    ];
    for s in [&client, &server_sock] {
        let _ = s.set_nonblocking(true);
        let _ = s.set_nodelay(true);
    }
    let mut net = Net {
        client,
        server: server_sock,
        writable: [true, true],
        deadline: ctx.deadline,
    };
    tape.log(format!(
        "proxy: {} ({})",
        spec.action,
        spec.action.describe()
    ));
    if spec.action.terminates() {
        super::terminate::run(&mut net, &mut tape, spec, setup, ctx, stop);
    } else {
        let delay = spec
            .delay_ms
            .map(Duration::from_millis)
            .unwrap_or(ctx.idle_timeout + Duration::from_secs(1));
        let mut t = Transparent::new(spec.clone(), delay);
        t.run(&mut net, &mut tape, ctx, stop);
    }
    untriggered(spec, &mut tape);
    tape.report
}

/// Per-direction record state.
struct Flow {
    inbuf: Vec<u8>,
    /// Not TLS (or undecodable): forward bytes as they come.
    raw: bool,
    joiner: HandshakeJoiner,
    /// Records are protected from here on.
    enc: bool,
    enc_count: usize,
    pending_raw: Vec<Vec<u8>>,
    pending_msgs: Vec<Vec<u8>>,
    modified: bool,
    version: [u8; 2],
    eof: bool,
    fin_pending: bool,
}

impl Flow {
    fn new() -> Self {
        Flow {
            inbuf: Vec::new(),
            raw: false,
            joiner: HandshakeJoiner::with_max_message(1 << 24),
            enc: false,
            enc_count: 0,
            pending_raw: Vec::new(),
            pending_msgs: Vec::new(),
            modified: false,
            version: [3, 3],
            eof: false,
            fin_pending: false,
        }
    }
}

const C2S: usize = 0;
const S2C: usize = 1;

fn arrow(dir: usize) -> &'static str {
    if dir == C2S { "C->S" } else { "S->C" }
}

fn content_name(ct: u8) -> &'static str {
    match ct {
        20 => "ChangeCipherSpec",
        21 => "Alert",
        22 => "Handshake",
        23 => "ApplicationData",
        _ => "unknown",
    }
}

/// Re-frames handshake messages into records of at most 16384 bytes.
fn frame_handshake(msgs: &[Vec<u8>], version: [u8; 2]) -> Vec<u8> {
    let all: Vec<u8> = msgs.concat();
    let mut out = Vec::new();
    for chunk in all.chunks(16384) {
        out.push(22);
        out.extend_from_slice(&version);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Another suite of the same kind (TLS 1.3, ECDHE_ECDSA or ECDHE_RSA) from `offered`.
fn sibling_suite(chosen: CipherSuite, offered: &[CipherSuite]) -> Option<CipherSuite> {
    let family = |s: CipherSuite| match s.get() {
        0x1301..=0x1305 => 0,
        0xc02b | 0xc02c | 0xcca9 => 1,
        0xc02f | 0xc030 | 0xcca8 => 2,
        _ => 3,
    };
    offered
        .iter()
        .copied()
        .find(|s| s.get() != chosen.get() && family(*s) == family(chosen) && family(*s) != 3)
}

/// The in-flight proxy: forwards records, changing what the action says.
struct Transparent {
    spec: MitmSpec,
    flows: [Flow; 2],
    tls13: Option<bool>,
    client_suites: Vec<CipherSuite>,
    done: bool,
    held: Option<(Instant, Vec<u8>)>,
    delay: Duration,
    delay_until: Option<Instant>,
    delayed: Vec<u8>,
    truncate_at: Option<Instant>,
    close_all: bool,
    out: Vec<(usize, Vec<u8>)>,
}

impl Transparent {
    fn new(spec: MitmSpec, delay: Duration) -> Self {
        Transparent {
            spec,
            flows: [Flow::new(), Flow::new()],
            tls13: None,
            client_suites: Vec::new(),
            done: false,
            held: None,
            delay,
            delay_until: None,
            delayed: Vec::new(),
            truncate_at: None,
            close_all: false,
            out: Vec::new(),
        }
    }

    fn run(&mut self, net: &mut Net, tape: &mut Tape, ctx: &CaseCtx, stop: &AtomicBool) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut stopping: Option<Instant> = None;
        loop {
            if ctx.is_cancelled() {
                tape.log("proxy: case deadline; closing both connections");
                net.close_all(tape);
                break;
            }
            if stop.load(Ordering::SeqCst) && stopping.is_none() {
                stopping = Some(Instant::now());
            }
            if stopping.is_some_and(|t| t.elapsed() > Duration::from_millis(50)) {
                break;
            }
            let mut idle = true;
            for dir in [C2S, S2C] {
                if self.flows.get(dir).is_none_or(|f| f.eof) {
                    continue;
                }
                match net.read(dir == S2C, &mut buf) {
                    ReadResult::Data(n) => {
                        idle = false;
                        self.received(dir, buf.get(..n).unwrap_or_default(), tape);
                    }
                    ReadResult::Eof => {
                        idle = false;
                        self.closed(dir, tape);
                    }
                    ReadResult::Nothing => {}
                }
            }
            if self.flush(net, tape) {
                break;
            }
            if self.flows.iter().all(|f| f.eof && !f.fin_pending) {
                break;
            }
            if idle {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    /// Bytes read from the client (`C2S`) or the server.
    fn received(&mut self, dir: usize, bytes: &[u8], tape: &mut Tape) {
        if dir == C2S {
            tape.data(0, true, bytes);
        } else {
            tape.data(1, false, bytes);
        }
        self.feed(dir, bytes, tape);
    }

    /// The client (`C2S`) or the server closed its connection.
    fn closed(&mut self, dir: usize, tape: &mut Tape) {
        tape.log(format!(
            "{} connection closed by the {}",
            arrow(dir),
            if dir == C2S { "client" } else { "server" }
        ));
        self.eof(dir, tape);
    }

    /// After each round of reads: timers, then the output and the FINs that are due. Returns
    /// whether the proxy closed both connections (the end of the run).
    fn flush(&mut self, outlet: &mut impl Outlet, tape: &mut Tape) -> bool {
        self.tick(tape);
        for (dir, bytes) in std::mem::take(&mut self.out) {
            outlet.send(tape, dir == C2S, &bytes);
        }
        for dir in [C2S, S2C] {
            let held = self.holding(dir);
            if let Some(f) = self.flows.get_mut(dir)
                && f.fin_pending
                && !held
            {
                f.fin_pending = false;
                outlet.fin(tape, dir == C2S);
            }
        }
        if self.close_all {
            tape.log("proxy: closed both connections without close_notify");
            outlet.close_all(tape);
            return true;
        }
        false
    }

    fn holding(&self, dir: usize) -> bool {
        match dir {
            C2S => self.held.is_some(),
            _ => !self.delayed.is_empty(),
        }
    }

    fn eof(&mut self, dir: usize, tape: &mut Tape) {
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        f.eof = true;
        f.fin_pending = true;
        let tail = std::mem::take(&mut f.inbuf);
        // Whatever was waiting for the rest of a message or a flight goes out.
        self.release(dir, tape);
        if !tail.is_empty() {
            self.emit(dir, tail, tape);
        }
    }

    /// Sends the handshake records the flow holds (a message or a flight not complete yet):
    /// as they came, or re-framed when a message was changed, then with the start of a
    /// message still incomplete.
    fn release(&mut self, dir: usize, tape: &mut Tape) {
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        if f.pending_raw.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut f.pending_raw);
        let mut msgs = std::mem::take(&mut f.pending_msgs);
        let out = if std::mem::take(&mut f.modified) {
            // The joiner's bytes are the end of the held records' payloads.
            let payload: Vec<u8> = raw
                .iter()
                .flat_map(|r| r.get(5..).unwrap_or_default())
                .copied()
                .collect();
            let partial = payload
                .get(payload.len().saturating_sub(f.joiner.pending())..)
                .unwrap_or_default();
            msgs.push(partial.to_vec());
            frame_handshake(&msgs, f.version)
        } else {
            raw.concat()
        };
        self.emit(dir, out, tape);
    }

    /// Stops parsing the flow: what it holds goes out, then everything as it comes.
    fn go_raw(&mut self, dir: usize, tape: &mut Tape) {
        self.release(dir, tape);
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        f.raw = true;
        let rest = std::mem::take(&mut f.inbuf);
        if !rest.is_empty() {
            self.emit(dir, rest, tape);
        }
    }

    /// Output towards the other side, subject to truncation and delay.
    fn emit(&mut self, dir: usize, bytes: Vec<u8>, tape: &mut Tape) {
        if dir == S2C && self.truncate_at.is_some() {
            tape.log(format!(
                "proxy: dropped {} bytes S->C (truncation)",
                bytes.len()
            ));
            return;
        }
        if dir == S2C && self.spec.action == Action::DelayS2c {
            let until = *self
                .delay_until
                .get_or_insert_with(|| Instant::now() + self.delay);
            if Instant::now() < until {
                if self.delayed.is_empty() {
                    tape.applied(format!("holding the server's bytes for {:?}", self.delay));
                }
                self.delayed.extend_from_slice(&bytes);
                return;
            }
        }
        self.out.push((dir, bytes));
    }

    fn tick(&mut self, tape: &mut Tape) {
        let now = Instant::now();
        if let Some((t, _)) = &self.held
            && now.duration_since(*t) > Duration::from_millis(500)
            && let Some((_, rec)) = self.held.take()
        {
            tape.log("proxy: no second record within 500 ms; the held record goes out unchanged");
            self.out.push((C2S, rec));
        }
        if let Some(until) = self.delay_until
            && now >= until
            && !self.delayed.is_empty()
        {
            let d = std::mem::take(&mut self.delayed);
            tape.log(format!("proxy: releasing {} delayed bytes S->C", d.len()));
            self.out.push((S2C, d));
        }
        if let Some(t) = self.truncate_at
            && now.duration_since(t) > Duration::from_millis(300)
        {
            self.close_all = true;
        }
    }

    fn feed(&mut self, dir: usize, bytes: &[u8], tape: &mut Tape) {
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        if f.raw {
            self.emit(dir, bytes.to_vec(), tape);
            return;
        }
        f.inbuf.extend_from_slice(bytes);
        loop {
            let Some(f) = self.flows.get_mut(dir) else {
                return;
            };
            if f.raw {
                // A record before made the flow unparseable: the rest goes as it came.
                let rest = std::mem::take(&mut f.inbuf);
                if !rest.is_empty() {
                    self.emit(dir, rest, tape);
                }
                return;
            }
            let (Some(&ct), Some(&major)) = (f.inbuf.first(), f.inbuf.get(1)) else {
                break;
            };
            if !(20..=24).contains(&ct) || major != 3 {
                tape.log(format!(
                    "{} not TLS; forwarding {} bytes as they come",
                    arrow(dir),
                    f.inbuf.len()
                ));
                self.go_raw(dir, tape);
                return;
            }
            let Some(len) = f
                .inbuf
                .get(3..5)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            else {
                break;
            };
            if f.inbuf.len() < 5 + len {
                break;
            }
            let rec: Vec<u8> = f.inbuf.drain(..5 + len).collect();
            self.record(dir, rec, tape);
        }
    }

    fn record(&mut self, dir: usize, rec: Vec<u8>, tape: &mut Tape) {
        let ct = rec.first().copied().unwrap_or(0);
        let payload_len = rec.len().saturating_sub(5);
        let tls13 = self.tls13 == Some(true);
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        if (ct != 22 || f.enc) && !f.pending_raw.is_empty() {
            // Another record while handshake records are held: they go first, in order. A
            // message cut in two by it can no longer be parsed or changed.
            if f.joiner.pending() > 0 {
                tape.log(format!(
                    "{} {} record inside a handshake message; forwarding as they come",
                    arrow(dir),
                    content_name(ct)
                ));
                self.release(dir, tape);
                if let Some(f) = self.flows.get_mut(dir) {
                    f.raw = true;
                }
                // The bytes after it go out as they are in `feed`.
                self.emit(dir, rec, tape);
                return;
            }
            self.release(dir, tape);
        }
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        if ct == 20 {
            tape.log(format!("{} ChangeCipherSpec", arrow(dir)));
            if !tls13 {
                f.enc = true;
            }
            self.emit(dir, rec, tape);
            return;
        }
        if ct == 21 && payload_len == 2 && (!f.enc || tls13) {
            let text = match Alert::decode(rec.get(5..).unwrap_or_default()) {
                Ok(a) => {
                    if let Some(v) = tape.report.alerts_sent.get_mut(dir) {
                        v.push(a.description.name().to_string());
                    }
                    a.to_string()
                }
                Err(e) => format!("Alert, undecodable: {e}"),
            };
            tape.log(format!("{} {text}", arrow(dir)));
            self.emit(dir, rec, tape);
            return;
        }
        if f.enc {
            f.enc_count += 1;
            let n = f.enc_count;
            tape.log(format!(
                "{} {} record #{n}, {payload_len} bytes (encrypted)",
                arrow(dir),
                content_name(ct)
            ));
            self.encrypted(dir, n, rec, tape);
            return;
        }
        if ct != 22 {
            tape.log(format!(
                "{} {} record, {payload_len} bytes",
                arrow(dir),
                content_name(ct)
            ));
            self.emit(dir, rec, tape);
            return;
        }
        if let (Some(a), Some(b)) = (rec.get(1), rec.get(2)) {
            f.version = [*a, *b];
        }
        f.joiner.push(rec.get(5..).unwrap_or_default());
        f.pending_raw.push(rec);
        loop {
            let Some(f) = self.flows.get_mut(dir) else {
                return;
            };
            let msg = match f.joiner.next_message() {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => {
                    tape.log(format!(
                        "{} handshake bytes undecodable ({e}); forwarding as they come",
                        arrow(dir)
                    ));
                    self.go_raw(dir, tape);
                    return;
                }
            };
            self.observe(dir, &msg, tape);
            if let Some(m) = self.transform(dir, msg, tape)
                && let Some(f) = self.flows.get_mut(dir)
            {
                f.pending_msgs.push(m);
            }
        }
        self.flight_action(dir, tape);
        let hold = self.holds_flight(dir);
        if self.flows.get(dir).is_some_and(|f| f.joiner.pending() == 0) && !hold {
            self.release(dir, tape);
        }
    }

    /// Logs a plaintext handshake message and learns the version and the client's suites.
    fn observe(&mut self, dir: usize, msg: &[u8], tape: &mut Tape) {
        let ctx = DecodeCtx {
            tls13: self.tls13 == Some(true),
        };
        match HandshakeMessage::decode_with(msg, &ctx) {
            Ok(m) => {
                tape.log(format!("{} {m}", arrow(dir)));
                match &m.payload {
                    HandshakePayload::ClientHello(ch) if dir == C2S => {
                        self.client_suites = ch.cipher_suites.clone();
                    }
                    HandshakePayload::ServerHello(sh) if dir == S2C && !sh.is_hrr() => {
                        let v13 = sh.selected_version() == ProtocolVersion::TLSv1_3;
                        self.tls13 = Some(v13);
                        if v13 {
                            for f in &mut self.flows {
                                f.enc = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Err(e) => tape.log(format!(
                "{} handshake message type {}, {} bytes, undecodable: {e}",
                arrow(dir),
                msg.first().copied().unwrap_or(0),
                msg.len()
            )),
        }
    }

    /// Changes one handshake message; `None` drops it.
    fn transform(&mut self, dir: usize, mut msg: Vec<u8>, tape: &mut Tape) -> Option<Vec<u8>> {
        if self.done {
            return Some(msg);
        }
        let typ = msg.first().copied().unwrap_or(0);
        let a = self.spec.action;
        let mut changed = None;
        match (a, dir, typ) {
            (Action::ChRandom, C2S, 1) | (Action::ShRandom, S2C, 2) => {
                let is_hrr = typ == 2 && msg.get(6..38) == Some(&tls_wire::HRR_RANDOM[..]);
                if !is_hrr && let Some(b) = msg.get_mut(6) {
                    *b ^= 0x01;
                    changed = Some("flipped bit 0 of random[0]".to_string());
                }
            }
            (Action::SkeKeyShare, S2C, 12) => {
                if let Some(b) = msg.get_mut(8) {
                    *b ^= 0x01;
                    changed = Some(
                        "flipped bit 0 of the first byte of the ECDHE public value".to_string(),
                    );
                }
            }
            (
                Action::ChDropSuite | Action::ChDropSupportedVersions | Action::ChDropExtension,
                C2S,
                1,
            ) => {
                if let Ok(mut m) = HandshakeMessage::decode_with(&msg, &DecodeCtx::TLS13)
                    && let HandshakePayload::ClientHello(ch) = &mut m.payload
                {
                    changed = match a {
                        Action::ChDropSuite if ch.cipher_suites.len() > 1 => {
                            let s = ch.cipher_suites.remove(0);
                            Some(format!("dropped cipher suite {}", s.name()))
                        }
                        Action::ChDropSupportedVersions => {
                            let before = ch.extensions.len();
                            ch.extensions
                                .retain(|e| e.typ() != ExtensionType::SupportedVersions);
                            (ch.extensions.len() < before)
                                .then(|| "dropped supported_versions".to_string())
                        }
                        Action::ChDropExtension => {
                            let before = ch.extensions.len();
                            ch.extensions
                                .retain(|e| e.typ() != ExtensionType::ServerName);
                            (ch.extensions.len() < before)
                                .then(|| "dropped server_name".to_string())
                        }
                        _ => None,
                    };
                    if changed.is_some() {
                        msg = m.to_bytes();
                    }
                }
            }
            (Action::ShSuite | Action::ShKeyShare, S2C, 2) => {
                if let Ok(mut m) = HandshakeMessage::decode_with(&msg, &DecodeCtx::TLS13)
                    && let HandshakePayload::ServerHello(sh) = &mut m.payload
                    && !sh.is_hrr()
                {
                    changed = match a {
                        Action::ShSuite => {
                            sibling_suite(sh.cipher_suite, &self.client_suites).map(|s| {
                                let from = sh.cipher_suite.name();
                                sh.cipher_suite = s;
                                format!("changed the suite from {from} to {}", s.name())
                            })
                        }
                        _ => sh.extensions.iter_mut().find_map(|e| match e {
                            Extension::KeyShareServer(k) => k.key_exchange.first_mut().map(|b| {
                                *b ^= 0x01;
                                format!("flipped bit 0 of the {} key share", k.group.name())
                            }),
                            _ => None,
                        }),
                    };
                    if changed.is_some() {
                        msg = m.to_bytes();
                    }
                }
            }
            _ => {}
        }
        if let Some(what) = changed {
            self.done = true;
            if let Some(f) = self.flows.get_mut(dir) {
                f.modified = true;
            }
            tape.applied(format!("{} {what}", arrow(dir)));
            if let Ok(m) = HandshakeMessage::decode_with(
                &msg,
                &DecodeCtx {
                    tls13: self.tls13 == Some(true),
                },
            ) {
                tape.log(format!("proxy -> {m}"));
            }
        }
        Some(msg)
    }

    /// Whether the server's TLS 1.2 flight is held until ServerHelloDone (flight actions).
    fn holds_flight(&self, dir: usize) -> bool {
        dir == S2C
            && !self.done
            && matches!(
                self.spec.action,
                Action::ReorderServerFlight | Action::DropSke
            )
            && self.tls13 == Some(false)
    }

    fn flight_action(&mut self, dir: usize, tape: &mut Tape) {
        if !self.holds_flight(dir) {
            return;
        }
        let Some(f) = self.flows.get_mut(dir) else {
            return;
        };
        if !f.pending_msgs.iter().any(|m| m.first() == Some(&14)) {
            return;
        }
        let pos = |t: u8, f: &Flow| f.pending_msgs.iter().position(|m| m.first() == Some(&t));
        let what = match self.spec.action {
            Action::DropSke => pos(12, f).map(|i| {
                f.pending_msgs.remove(i);
                "S->C dropped ServerKeyExchange".to_string()
            }),
            _ => match (pos(11, f), pos(12, f)) {
                (Some(i), Some(j)) => {
                    f.pending_msgs.swap(i, j);
                    Some("S->C swapped Certificate and ServerKeyExchange".to_string())
                }
                _ => None,
            },
        };
        f.modified = what.is_some();
        self.done = true;
        match what {
            Some(w) => tape.applied(w),
            None => tape.log("proxy: the flight lacks the messages to act on; forwarded unchanged"),
        }
    }

    fn encrypted(&mut self, dir: usize, n: usize, mut rec: Vec<u8>, tape: &mut Tape) {
        let target = self.spec.record;
        match (self.spec.action, dir) {
            (Action::FlipC2s, C2S) | (Action::FlipS2c, S2C) if n == target => {
                let i = 5 + rec.len().saturating_sub(5) / 2;
                if let Some(b) = rec.get_mut(i) {
                    *b ^= 0x01;
                    tape.applied(format!(
                        "{} flipped bit 0 of byte {} of encrypted record #{n}",
                        arrow(dir),
                        i - 5
                    ));
                }
                self.emit(dir, rec, tape);
            }
            (Action::ReplayC2s, C2S) if n == target => {
                tape.applied(format!("C->S replayed encrypted record #{n}"));
                self.emit(dir, rec.clone(), tape);
                self.emit(dir, rec, tape);
            }
            (Action::ReorderC2s, C2S) if n == target => {
                tape.log(format!("proxy: holding encrypted record #{n}"));
                self.held = Some((Instant::now(), rec));
            }
            (Action::ReorderC2s, C2S) if n == target + 1 && self.held.is_some() => {
                tape.applied(format!("C->S sent encrypted record #{n} before #{target}"));
                self.emit(dir, rec, tape);
                if let Some((_, h)) = self.held.take() {
                    self.emit(dir, h, tape);
                }
            }
            (Action::DropS2c, S2C) | (Action::DropC2s, C2S) if n == target => {
                tape.applied(format!("{} dropped encrypted record #{n}", arrow(dir)));
            }
            (Action::InjectAlertC2s, C2S) if n == target => {
                self.emit(dir, rec, tape);
                tape.applied(format!(
                    "C->S injected a plaintext close_notify alert after encrypted record #{n}"
                ));
                self.emit(dir, vec![21, 3, 3, 0, 2, 1, 0], tape);
            }
            (Action::InjectCcsC2s, C2S) if n == target => {
                self.emit(dir, rec, tape);
                tape.applied(format!(
                    "C->S injected a plaintext ChangeCipherSpec after encrypted record #{n}"
                ));
                self.emit(dir, vec![20, 3, 3, 0, 1, 1], tape);
            }
            // The client's first application data record (after its Finished).
            (Action::Truncate, C2S) if n == 2 && self.truncate_at.is_none() => {
                self.emit(dir, rec, tape);
                tape.applied("after the client's application data: dropping everything S->C, closing both connections in 300 ms without close_notify");
                self.truncate_at = Some(Instant::now());
            }
            _ => self.emit(dir, rec, tape),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sibling_suites_stay_in_their_family() {
        let offered = [
            CipherSuite::from_value(0x1301),
            CipherSuite::from_value(0x1302),
            CipherSuite::from_value(0xc02b),
            CipherSuite::from_value(0xc02f),
            CipherSuite::from_value(0xc030),
        ];
        assert_eq!(
            sibling_suite(CipherSuite::from_value(0x1302), &offered).map(|s| s.get()),
            Some(0x1301)
        );
        assert_eq!(
            sibling_suite(CipherSuite::from_value(0xc02f), &offered).map(|s| s.get()),
            Some(0xc030)
        );
        assert_eq!(
            sibling_suite(CipherSuite::from_value(0xc02b), &offered).map(|s| s.get()),
            None
        );
    }

    use crate::bench::{Impl, Spec, Version};
    use crate::mitm::fuzz::{streams, transcript};

    fn hs_record(payload: &[u8]) -> Vec<u8> {
        let mut r = vec![22, 3, 3];
        r.extend_from_slice(&u16::try_from(payload.len()).unwrap_or(0).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    const CCS: [u8; 6] = [20, 3, 3, 0, 1, 1];
    const ALERT: [u8; 7] = [21, 3, 3, 0, 2, 2, 40];

    /// Regression (fuzz target `mitm`): a record inside a handshake message went out before
    /// the start of the message, held by the proxy.
    #[test]
    fn a_record_inside_a_handshake_message_keeps_its_place() {
        let start = hs_record(&[1, 0, 0, 10, 0xaa, 0xbb]);
        let rest = hs_record(&[0xcc; 8]);
        let c2s = [start.as_slice(), &CCS, &rest].concat();
        let report = replay(
            &MitmSpec::new(Action::PassThrough),
            &[(true, c2s.as_slice())],
        );
        assert_eq!(streams(&report).forwarded[0], c2s);
        assert!(
            report
                .log
                .iter()
                .any(|l| l.contains("ChangeCipherSpec record inside a handshake message"))
        );
        // Not TLS after the start of a message: same.
        let c2s = [start.as_slice(), b"GET / HTTP/1.1\r\n"].concat();
        let report = replay(
            &MitmSpec::new(Action::PassThrough),
            &[(true, &c2s[..4]), (true, &c2s[4..])],
        );
        assert_eq!(streams(&report).forwarded[0], c2s);
    }

    /// Regression: at the end of the connection, a changed message held with the start of
    /// the next one went out unchanged (the change was reported but lost).
    #[test]
    fn a_change_held_at_the_end_of_the_connection_is_sent() {
        let mut hello = vec![1, 0, 0, 40];
        hello.extend_from_slice(&[0x11; 40]);
        let rec = hs_record(&[hello.as_slice(), &[2, 0, 0, 50, 0x22]].concat());
        let report = replay(&MitmSpec::new(Action::ChRandom), &[(true, rec.as_slice())]);
        assert_eq!(report.applied.len(), 1, "{:?}", report.log);
        let mut want = rec.clone();
        want[5 + 6] ^= 1;
        assert_eq!(streams(&report).forwarded[0], want);
    }

    /// Regression: in a held TLS 1.2 server flight (`drop_ske`), an alert between two
    /// messages went out before the messages held in front of it.
    #[test]
    fn an_alert_inside_a_held_flight_keeps_its_place() {
        let spec = Spec {
            version: Version::Tls12,
            ..Spec::HEADLINE
        };
        let t = transcript(Impl::Own, Impl::Own, spec).unwrap_or_else(|e| panic!("{e}"));
        let (Some((_, ch)), Some((_, flight))) = (t.flights.first(), t.flights.get(1)) else {
            panic!("two flights: {:?}", t.name)
        };
        // The server's flight, one record per message: ServerHello, Certificate,
        // ServerKeyExchange, ServerHelloDone.
        let mut joiner = HandshakeJoiner::new();
        let mut at = 0;
        while let Some(h) = flight.get(at..at + 5) {
            let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
            joiner.push(flight.get(at + 5..at + 5 + len).unwrap_or_default());
            at += 5 + len;
        }
        let mut recs = Vec::new();
        while let Ok(Some(m)) = joiner.next_message() {
            recs.push(hs_record(&m));
        }
        let types: Vec<u8> = recs.iter().map(|r| r[5]).collect();
        assert_eq!(types, [2, 11, 12, 14]);
        let s2c = [recs[0].as_slice(), &recs[1], &ALERT, &recs[2], &recs[3]].concat();
        let report = replay(
            &MitmSpec::new(Action::DropSke),
            &[(true, ch.as_slice()), (false, s2c.as_slice())],
        );
        assert_eq!(report.applied, ["S->C dropped ServerKeyExchange"]);
        assert_eq!(
            streams(&report).forwarded[1],
            [recs[0].as_slice(), &recs[1], &ALERT, &recs[3]].concat()
        );
    }

    #[test]
    fn handshake_framing_splits_large_flights() {
        let out = frame_handshake(&[vec![1; 20000]], [3, 3]);
        assert_eq!(out.len(), 20000 + 10);
        assert_eq!(&out[..5], &[22, 3, 3, 0x40, 0x00]);
    }
}
