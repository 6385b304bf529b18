//! The proxy thread: accept the client, connect to the server, forward and act.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::inflight::{C2S, S2C, Transparent};
use super::pcap::{Conversation, Payload, Segment};
use super::{Action, MitmSpec};
use crate::model::{AlertDescription, Direction, Setup};
use crate::peer::{CLOSE_BOUND, Capture, CaseCtx};

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
    pub alerts_sent: [Vec<AlertDescription>; 2],
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

/// Starts a proxy between the case's client and `server`, for each connection of the case
/// in turn (two with resumption); the in-flight actions start afresh on each.
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
    /// The connection being proxied (0-based): its bytes go to `connections[conn]` of both
    /// legs, its segments to conversations `2 * conn` (client) and `2 * conn + 1` (server).
    conn: usize,
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
            conn: 0,
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

    /// The next connection of the case begins.
    fn next_connection(&mut self) {
        self.conn += 1;
        self.report.client_leg.connections.push(Vec::new());
        self.report.server_leg.connections.push(Vec::new());
        self.log(format!("proxy: connection {}", self.conn + 1));
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
            conv: 2 * self.conn + leg,
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
        if let Some(conn) = cap.connections.last_mut() {
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

/// Why a proxy loop is to end, as [`Stopper::check`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// The case deadline passed; both connections are already closed.
    Deadline,
    /// The proxy was told to stop, and the grace of 50 ms for bytes in flight is over.
    Asked,
}

/// The end of a proxy loop: the case deadline, or 50 ms after the proxy was told to stop.
#[derive(Debug, Default)]
pub(super) struct Stopper {
    since: Option<Instant>,
}

impl Stopper {
    /// Whether the loop ends now; at the case deadline it closes both connections first.
    pub(super) fn check(
        &mut self,
        ctx: &CaseCtx,
        stop: &AtomicBool,
        net: &mut Net,
        tape: &mut Tape,
    ) -> Option<Stop> {
        if ctx.is_cancelled() {
            tape.log("proxy: case deadline; closing both connections");
            net.close_all(tape);
            return Some(Stop::Deadline);
        }
        if stop.load(Ordering::SeqCst) && self.since.is_none() {
            self.since = Some(Instant::now());
        }
        self.since
            .is_some_and(|t| t.elapsed() > Duration::from_millis(50))
            .then_some(Stop::Asked)
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

    /// After a fatal alert on one leg: watches that leg's peer for [`CLOSE_BOUND`] (the
    /// proxy's end stays open): milliseconds until it closed (FIN or RST), if it did, and the
    /// bytes it wrote meanwhile.
    pub(super) fn watch(&mut self, from_server: bool) -> (Option<f64>, usize) {
        let start = Instant::now();
        let mut buf = [0u8; 4096];
        let mut bytes = 0;
        while start.elapsed() < CLOSE_BOUND && Instant::now() < self.deadline {
            match self.read(from_server, &mut buf) {
                ReadResult::Data(n) => bytes += n,
                ReadResult::Eof => return (Some(start.elapsed().as_secs_f64() * 1000.0), bytes),
                ReadResult::Nothing => std::thread::sleep(Duration::from_millis(2)),
            }
        }
        (None, bytes)
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
pub(super) trait Outlet {
    /// Sends to the server (`to_server`) or the client; the tape records what was sent.
    fn send(&mut self, tape: &mut Tape, to_server: bool, bytes: &[u8]);
    /// Closes the write side towards the server or the client (a FIN).
    fn fin(&mut self, tape: &mut Tape, to_server: bool);
    /// Closes both connections at once.
    fn close_all(&mut self, tape: &mut Tape);
    /// Resets both connections (TCP RST, no FIN): nothing more goes either way.
    fn reset_all(&mut self, tape: &mut Tape);
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
    fn reset_all(&mut self, _tape: &mut Tape) {
        // SO_LINGER 0, then the close of each socket sends an RST instead of a FIN; the
        // sockets close when the proxy's loop ends, which it does right after this.
        for s in [&self.client, &self.server] {
            let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
        }
        self.writable = [false, false];
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
    fn reset_all(&mut self, _tape: &mut Tape) {
        self.writable = [false, false];
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

/// Waits for the client's next connection; `None` once the case is cancelled or the proxy
/// told to stop.
fn accept(
    listener: &TcpListener,
    ctx: &CaseCtx,
    stop: &AtomicBool,
) -> io::Result<Option<TcpStream>> {
    loop {
        match listener.accept() {
            Ok((s, _)) => return Ok(Some(s)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if ctx.is_cancelled() || stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
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
    // A terminating proxy relays one connection.
    let connections = if spec.action.terminates() {
        1
    } else {
        setup.connections()
    };
    let mut arrived = None;
    for n in 0..connections {
        let client = match arrived
            .take()
            .map_or_else(|| accept(&listener, ctx, stop), |c| Ok(Some(c)))
        {
            Ok(Some(s)) => s,
            // A client that does not come back (its first connection failed) ends the run.
            Ok(None) if n > 0 => break,
            Ok(None) => {
                tape.report.error = Some("no client connected to the proxy".into());
                return tape.report;
            }
            Err(e) => {
                tape.report.error = Some(format!("proxy accept: {e}"));
                return tape.report;
            }
        };
        if n > 0 {
            tape.next_connection();
        }
        let next = (n + 1 < connections).then_some(&listener);
        match connection(client, server, spec, setup, ctx, stop, &mut tape, next) {
            Ok(c) => arrived = c,
            Err(()) => return tape.report,
        }
    }
    drop(listener);
    untriggered(spec, &mut tape);
    tape.report
}

/// Proxies one connection of the client until it ends or (with `next`) the client's next
/// connection arrives, which it returns; `Err` when the proxy could not (the report says
/// why).
#[allow(clippy::too_many_arguments)]
fn connection(
    client: TcpStream,
    server: SocketAddr,
    spec: &MitmSpec,
    setup: &Setup,
    ctx: &CaseCtx,
    stop: &AtomicBool,
    tape: &mut Tape,
    next: Option<&TcpListener>,
) -> Result<Option<TcpStream>, ()> {
    let remaining = ctx.deadline.saturating_duration_since(Instant::now());
    let server_sock =
        match TcpStream::connect_timeout(&server, remaining.max(Duration::from_millis(1))) {
            Ok(s) => s,
            Err(e) => {
                tape.report.error = Some(format!("proxy cannot connect to the server: {e}"));
                return Err(());
            }
        };
    let port = |r: io::Result<SocketAddr>| r.map(|a| a.port()).unwrap_or(0);
    tape.report.convs.extend([
        Conversation {
            a_port: port(client.peer_addr()),
            b_port: port(client.local_addr()),
        },
        Conversation {
            a_port: port(server_sock.local_addr()),
            b_port: port(server_sock.peer_addr()),
        },
    ]);
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
        super::terminate::run(&mut net, tape, spec, setup, ctx, stop);
        return Ok(None);
    }
    let delay = spec
        .delay_ms
        .map(Duration::from_millis)
        .unwrap_or(ctx.idle_timeout + Duration::from_secs(1));
    let mut t = Transparent::new(spec.clone(), delay);
    Ok(t.run(&mut net, tape, ctx, stop, next))
}

#[cfg(test)]
mod tests {
    use super::super::inflight::{frame_handshake, sibling_suite, unoffered_suite};
    use super::*;
    use tls_wire::{CipherSuite, HandshakeJoiner};

    /// What `pick` makes of `from` with the client's `offered` suites (by code point).
    fn picked(
        pick: fn(CipherSuite, &[CipherSuite]) -> Option<CipherSuite>,
        from: u16,
        offered: &[u16],
    ) -> Option<u16> {
        let offered: Vec<CipherSuite> = offered
            .iter()
            .map(|v| CipherSuite::from_value(*v))
            .collect();
        pick(CipherSuite::from_value(from), &offered).map(|s| s.get())
    }

    #[test]
    fn sibling_suites_stay_in_their_family() {
        let offered = [0x1301, 0x1302, 0xc02b, 0xc02f, 0xc030];
        for (from, want) in [
            (0x1302, Some(0x1301)),
            (0xc02f, Some(0xc030)),
            (0xc02b, None),
        ] {
            assert_eq!(picked(sibling_suite, from, &offered), want, "{from:#06x}");
        }
    }

    #[test]
    fn unoffered_suites_are_implemented_and_of_the_same_kind() {
        for (from, offered, want) in [
            (0xc02b, &[0xc02b][..], Some(0xc02c)),
            (0xc02c, &[0xc02b, 0xc02c][..], Some(0xcca9)),
            (0x1301, &[0x1301][..], Some(0x1302)),
            (0x009c, &[0xc02b][..], None),
        ] {
            assert_eq!(picked(unoffered_suite, from, offered), want, "{from:#06x}");
        }
    }

    use crate::bench::{Impl, Spec};
    use crate::mitm::fuzz::{streams, transcript};
    use crate::model::ProtocolVersion;

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
        // The server's flight, one record per message: ServerHello, Certificate,
        // ServerKeyExchange, ServerHelloDone.
        let (ch, msgs) = tls12_flight();
        let recs: Vec<Vec<u8>> = msgs.iter().map(|m| hs_record(m)).collect();
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

    /// The server's TLS 1.2 flight: the ClientHello and the flight's messages, each whole.
    fn tls12_flight() -> (Vec<u8>, Vec<Vec<u8>>) {
        let spec = Spec {
            version: ProtocolVersion::TLSv1_2,
            ..Spec::HEADLINE
        };
        let t = transcript(Impl::Own, Impl::Own, spec).unwrap_or_else(|e| panic!("{e}"));
        let (Some((_, ch)), Some((_, flight))) = (t.flights.first(), t.flights.get(1)) else {
            panic!("two flights: {:?}", t.name)
        };
        let mut joiner = HandshakeJoiner::new();
        let mut at = 0;
        while let Some(h) = flight.get(at..at + 5) {
            let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
            joiner.push(flight.get(at + 5..at + 5 + len).unwrap_or_default());
            at += 5 + len;
        }
        let mut msgs = Vec::new();
        while let Ok(Some(m)) = joiner.next_message() {
            msgs.push(m);
        }
        (ch.clone(), msgs)
    }

    /// `inject_ccs_before_server_hello_done` splits a record holding the whole flight there.
    #[test]
    fn an_injected_record_splits_the_flight_before_its_message() {
        let (ch, msgs) = tls12_flight();
        let types: Vec<u8> = msgs.iter().map(|m| m[0]).collect();
        assert_eq!(types, [2, 11, 12, 14]);
        let one = hs_record(&msgs.concat());
        let report = replay(
            &MitmSpec::new(Action::InjectCcsBeforeServerHelloDone),
            &[(true, ch.as_slice()), (false, one.as_slice())],
        );
        assert_eq!(
            report.applied,
            ["S->C injected a plaintext ChangeCipherSpec record before ServerHelloDone"]
        );
        let want = [
            hs_record(&msgs[..3].concat()),
            CCS.to_vec(),
            hs_record(&msgs[3]),
        ]
        .concat();
        assert_eq!(streams(&report).forwarded[1], want);
    }

    #[test]
    fn handshake_framing_splits_large_flights() {
        let out = frame_handshake(&[vec![1; 20000]], [3, 3]);
        assert_eq!(out.len(), 20000 + 10);
        assert_eq!(&out[..5], &[22, 3, 3, 0x40, 0x00]);
    }
}
