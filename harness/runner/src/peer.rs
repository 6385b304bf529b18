//! The one trait every implementation plays behind, in-process or not.
//!
//! A peer runs all connections of one case in one role: as server it accepts
//! `setup.connections()` connections on the listener the runner bound; as client it makes them.
//! It reports one [`Outcome`] per connection it attempted. Everything a peer does on the
//! network goes through [`CaseCtx`], which sets the idle timeout, records the bytes for the
//! transcript and lets the runner cut the connection at the case deadline.
//!
//! Replay: in a run, [`CaseCtx`] also carries the case seed (derived from the run's `--seed`
//! and the case id by [`case_seed`]). A peer that can be seeded draws every random byte it
//! controls from [`CaseCtx::random`] and reads the clock from [`CaseCtx::now`], so the case's
//! bytes on the wire are a function of the seed; a peer that cannot says why in
//! [`Peer::unseeded`], and the case's result says it is not replayable.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use rustls_pki_types::UnixTime;
use tls_engine::{RandomSource, SeededRandom};

use crate::model::{Direction, Role, Setup};
use crate::model::{Failure, Outcome, Step};

/// Why a peer cannot run a setup: the case becomes `skip` with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

/// An implementation that can play client or server.
pub trait Peer: Send + Sync {
    /// Short name used in case ids (`own`, `rustls`, `openssl`).
    fn name(&self) -> &str;

    /// The implementation and its version, for the run's header.
    fn version(&self) -> String;

    /// Whether this peer can honour `setup` in `role`; a reason naming what is missing if not.
    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported>;

    /// Accept and serve `setup.connections()` connections on `listener`.
    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome>;

    /// Make `setup.connections()` connections to `addr`.
    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome>;

    /// A server already running elsewhere (target mode): clients connect here instead of the
    /// runner's listener, and the server's view is the client's, mirrored.
    fn target(&self) -> Option<SocketAddr> {
        None
    }

    /// As server, whether it reports its own outcomes. One that does not (a target) is
    /// given the client's view, mirrored ([`mirror`]), and what it read is not judged.
    fn observed(&self) -> bool {
        true
    }

    /// As server, whether it echoes the application data (the case contract); one that
    /// answers otherwise (a target, a tool serving a page) makes any answer count.
    fn echoes(&self) -> bool {
        true
    }

    /// Whether this peer can run at all, checked once before any case: `Err` with why not
    /// (a tool that is not installed, with the package that provides it; a command line the
    /// tool rejects, with what it printed). A peer named in `--peers` that cannot run fails
    /// the run.
    fn preflight(&self) -> Result<(), String> {
        Ok(())
    }

    /// `None` when every random byte this peer draws (except what its crypto library draws
    /// internally: ML-KEM, ECDSA and RSA-PSS signatures) comes from [`CaseCtx::random`] and it
    /// reads the clock from [`CaseCtx::now`]; otherwise why not. A case with such a peer does
    /// not replay from the seed.
    fn unseeded(&self) -> Option<String> {
        Some("its randomness is not driven by --seed".into())
    }
}

/// The clock seeded peers read ([`CaseCtx::now`]): 2030-01-01T00:00:00Z, inside the validity
/// of every good certificate profile (2025 to 2045) and past or before the bad ones. Fixed,
/// because session tickets carry times (our engine seals the issue time into its tickets, a
/// resuming client sends the ticket's age), which would otherwise change the bytes.
pub const REPLAY_CLOCK_SECS: u64 = 1_893_456_000;

/// First 8 bytes, big-endian, of SHA-256 over `parts`, each preceded by its length.
fn hash_u64(parts: &[&[u8]]) -> u64 {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    let d = ctx.finish();
    let mut out = [0u8; 8];
    for (o, b) in out.iter_mut().zip(d.as_ref()) {
        *o = *b;
    }
    u64::from_be_bytes(out)
}

/// The seed of one case: a stable function of the run's seed and the case id (SHA-256, so
/// it does not depend on the platform, the order cases run in or the shard).
pub fn case_seed(run_seed: u64, case_id: &str) -> u64 {
    hash_u64(&[
        b"tls-harness case seed",
        &run_seed.to_be_bytes(),
        case_id.as_bytes(),
    ])
}

/// The seed of one side of a case, so client and server draw different bytes.
pub fn side_seed(case_seed: u64, role: Role) -> u64 {
    hash_u64(&[
        b"tls-harness side seed",
        &case_seed.to_be_bytes(),
        role_name(role).as_bytes(),
    ])
}

/// Bytes one side wrote, in the order written; the transcript is decoded from them.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// One list per connection: (direction as seen by the capturing side, bytes).
    pub connections: Vec<Vec<(Direction, Vec<u8>)>>,
}

/// What one side saw of its peer after a fatal alert of the connection (sent by either):
/// how soon the peer closed its end, and what it wrote after its own alert (RFC 8446 6.2:
/// "Upon transmission or receipt of a fatal alert message, both parties MUST immediately
/// close the connection").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AfterAlert {
    /// The side that watched; the one watched is its peer.
    pub observer: Role,
    /// Whether the alert was the peer's (the observer received it). Only then do the bytes
    /// count: bytes of a peer that received the observer's alert may have left before it did.
    pub peer_sent_alert: bool,
    /// Milliseconds from the alert until the peer closed its end (FIN or RST); `None` when
    /// it had not closed when the watch ended.
    pub peer_closed_ms: Option<f64>,
    /// Bytes the peer wrote after the alert.
    pub peer_bytes_after: usize,
    /// Watched by a terminating MITM proxy (the TLS peer of the side watched), not by a
    /// case's peer.
    pub by_proxy: bool,
}

/// How long a side watches its peer after a fatal alert: the bound for "immediately".
pub const CLOSE_BOUND: Duration = Duration::from_secs(1);

/// Called with each connection's outcome as it ends (for `harness serve`).
pub type Reporter = Box<dyn Fn(&Outcome) + Send + Sync>;

/// Per-case context handed to both peers.
pub struct CaseCtx {
    /// Longest wait for a single read or write.
    pub idle_timeout: Duration,
    /// The case ends here, finished or not.
    pub deadline: Instant,
    cancelled: AtomicBool,
    /// A handle on every connection of the case, by the role that opened it, so the runner
    /// can cut them.
    streams: Mutex<Vec<(Role, TcpStream)>>,
    capture: Mutex<Capture>,
    /// What the sides saw of each other after fatal alerts, in the order they ended.
    after_alerts: Mutex<Vec<AfterAlert>>,
    reporter: Option<Reporter>,
    keep_going: bool,
    /// Secrets both peers log (SSLKEYLOGFILE lines), for the pcapng of a MITM case.
    key_log: Arc<crate::mitm::KeyLogSink>,
    /// The case seed, in a run; `None` (system randomness, the real clock) otherwise.
    seed: Option<u64>,
    /// Read the real clock even with a seed (target mode: the target's certificates are
    /// real ones, valid now, not in [`REPLAY_CLOCK_SECS`]'s year).
    real_clock: bool,
}

impl std::fmt::Debug for CaseCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseCtx")
            .field("idle_timeout", &self.idle_timeout)
            .field("deadline", &self.deadline)
            .field("keep_going", &self.keep_going)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl CaseCtx {
    pub fn new(idle_timeout: Duration, deadline: Instant) -> Self {
        CaseCtx {
            idle_timeout,
            deadline,
            cancelled: AtomicBool::new(false),
            streams: Mutex::new(Vec::new()),
            capture: Mutex::new(Capture::default()),
            after_alerts: Mutex::new(Vec::new()),
            reporter: None,
            keep_going: false,
            key_log: Arc::default(),
            seed: None,
            real_clock: false,
        }
    }

    /// The same context reading the real clock even when seeded (see `real_clock`).
    pub fn with_real_clock(self) -> Self {
        CaseCtx {
            real_clock: true,
            ..self
        }
    }

    /// The same context with the case seed `case_seed` (see [`case_seed`]): seeded peers
    /// draw from it and read the fixed [`REPLAY_CLOCK_SECS`].
    pub fn seeded(self, case_seed: u64) -> Self {
        CaseCtx {
            seed: Some(case_seed),
            ..self
        }
    }

    /// The case seed, when the context has one.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// A deterministic random source for `role`, a function of the case seed and the role;
    /// `None` without a seed (the peer keeps its system randomness). Each call starts the
    /// same stream again: a peer takes one per case and shares it across its connections.
    pub fn random(&self, role: Role) -> Option<Arc<dyn RandomSource>> {
        self.seed
            .map(|s| Arc::new(SeededRandom::new(side_seed(s, role))) as Arc<dyn RandomSource>)
    }

    /// The time seeded peers read: [`REPLAY_CLOCK_SECS`] with a seed (unless
    /// [`Self::with_real_clock`]), else `None` (the real clock).
    pub fn fixed_clock(&self) -> Option<UnixTime> {
        self.seed
            .filter(|_| !self.real_clock)
            .map(|_| UnixTime::since_unix_epoch(Duration::from_secs(REPLAY_CLOCK_SECS)))
    }

    /// The case's time: the fixed clock with a seed, the real one otherwise.
    pub fn now(&self) -> UnixTime {
        self.fixed_clock().unwrap_or_else(UnixTime::now)
    }

    /// Reports a connection's outcome and keeps it in `outcomes`; returns whether the case's
    /// remaining connections should be skipped (it failed and the run does not keep going).
    pub fn keep_outcome(&self, outcomes: &mut Vec<Outcome>, o: Outcome) -> bool {
        self.report(&o);
        let stop = !o.is_connected() && !self.keep_going();
        outcomes.push(o);
        stop
    }

    /// Where peers log their secrets (rustls `KeyLog`, OpenSSL's keylog callback, our
    /// engine's hook).
    pub fn key_log(&self) -> Arc<crate::mitm::KeyLogSink> {
        self.key_log.clone()
    }

    /// A context for a long-running server or a one-off client: each connection's outcome
    /// goes to `reporter`, and a failed connection does not end the run.
    pub fn serving(idle_timeout: Duration, deadline: Instant, reporter: Reporter) -> Self {
        CaseCtx {
            reporter: Some(reporter),
            keep_going: true,
            ..CaseCtx::new(idle_timeout, deadline)
        }
    }

    /// Reports one connection's outcome (no-op in a case run).
    pub fn report(&self, outcome: &Outcome) {
        if let Some(r) = &self.reporter {
            r(outcome);
        }
    }

    /// Whether peers go on after a failed connection.
    pub fn keep_going(&self) -> bool {
        self.keep_going
    }

    /// Cuts every connection of the case (the runner calls this at the deadline).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Ok(streams) = self.streams.lock() {
            for (_, s) in streams.iter() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }

    /// Ends the sending side of every connection `role` opened: called when that peer has
    /// returned, so its counterpart sees the connection close as it would when a process
    /// exits (the runner's own handles would otherwise keep the sockets open).
    pub fn close(&self, role: Role) {
        if let Ok(streams) = self.streams.lock() {
            for (r, s) in streams.iter() {
                if *r == role {
                    let _ = s.shutdown(Shutdown::Write);
                }
            }
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst) || Instant::now() >= self.deadline
    }

    /// Whether the sides watch each other after a fatal alert: in a case run. A serving
    /// context closes at once instead (nobody judges it).
    pub fn observes_lifecycle(&self) -> bool {
        self.reporter.is_none()
    }

    /// Records what a side saw of its peer after a fatal alert.
    pub fn record_after_alert(&self, a: AfterAlert) {
        if let Ok(mut v) = self.after_alerts.lock() {
            v.push(a);
        }
    }

    /// What the sides saw of each other after fatal alerts.
    pub fn after_alerts(&self) -> Vec<AfterAlert> {
        self.after_alerts
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// What the client side wrote and read, per connection.
    pub fn capture(&self) -> Capture {
        self.capture.lock().map(|c| c.clone()).unwrap_or_default()
    }

    fn prepare(&self, stream: &TcpStream, role: Role) -> io::Result<()> {
        stream.set_read_timeout(Some(self.idle_timeout))?;
        stream.set_write_timeout(Some(self.idle_timeout))?;
        stream.set_nodelay(true)?;
        // A case keeps a handle on each of its connections, to cut them at the deadline and
        // to close a peer's side when it returns. A serving context (`harness serve`,
        // `connect`) runs without end: it keeps none, so a connection closes as soon as its
        // peer drops it (after its fatal alert, or its close_notify).
        if self.reporter.is_none()
            && let Ok(mut streams) = self.streams.lock()
        {
            streams.push((role, stream.try_clone()?));
        }
        if self.is_cancelled() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        Ok(())
    }

    /// Connects to the server as the client of the case; the stream records its bytes.
    pub fn connect(&self, addr: SocketAddr) -> io::Result<Tapped<'_>> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let stream = TcpStream::connect_timeout(&addr, remaining.max(Duration::from_millis(1)))?;
        self.prepare(&stream, Role::Client)?;
        let index = match self.capture.lock() {
            Ok(mut c) => {
                c.connections.push(Vec::new());
                Some(c.connections.len() - 1)
            }
            Err(_) => None,
        };
        Ok(Tapped {
            stream,
            ctx: self,
            index,
        })
    }

    /// [`CaseCtx::connect`], a failure mapped onto the connection's outcome.
    pub fn connect_or_outcome(&self, addr: SocketAddr) -> Result<Tapped<'_>, Outcome> {
        self.connect(addr)
            .map_err(|e| io_failure(&e, Step::Tcp, self))
    }

    /// [`CaseCtx::accept`], a failure mapped onto the connection's outcome.
    pub fn accept_or_outcome(&self, listener: &TcpListener) -> Result<TcpStream, Outcome> {
        self.accept(listener)
            .map_err(|e| io_failure(&e, Step::Tcp, self))
    }

    /// Accepts one connection as the server of the case, giving up at the deadline.
    pub fn accept(&self, listener: &TcpListener) -> io::Result<TcpStream> {
        listener.set_nonblocking(true)?;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    self.prepare(&stream, Role::Server)?;
                    return Ok(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if self.is_cancelled() {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "no client connected before the case deadline",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn record(&self, index: Option<usize>, direction: Direction, bytes: &[u8]) {
        let Some(index) = index else { return };
        if bytes.is_empty() {
            return;
        }
        if let Ok(mut c) = self.capture.lock()
            && let Some(conn) = c.connections.get_mut(index)
        {
            match conn.last_mut() {
                Some((d, buf)) if *d == direction => buf.extend_from_slice(bytes),
                _ => conn.push((direction, bytes.to_vec())),
            }
        }
    }
}

/// The client's TCP stream, recording what passes for the transcript.
#[derive(Debug)]
pub struct Tapped<'a> {
    stream: TcpStream,
    ctx: &'a CaseCtx,
    index: Option<usize>,
}

impl Tapped<'_> {
    pub fn tcp(&self) -> &TcpStream {
        &self.stream
    }
}

impl Tapped<'_> {
    /// Records the first `n` bytes of `buf` as moved in `direction`; gives `n` back.
    fn tap(&self, direction: Direction, buf: &[u8], n: usize) -> usize {
        self.ctx
            .record(self.index, direction, buf.get(..n).unwrap_or_default());
        n
    }
}

impl Read for Tapped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        Ok(self.tap(Direction::Received, buf, n))
    }
}

impl Write for Tapped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.stream.write(buf)?;
        Ok(self.tap(Direction::Sent, buf, n))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// The connections of a case, one after the other: `connection(i)` makes the `i`-th and
/// says how it ended. `Ok(outcome)`: reported and kept; the case stops after a failed
/// connection unless the context keeps going (`harness serve`, `connect`). `Err(outcome)`:
/// the connection could not be made (no TCP connection, no TLS object); kept as the case's
/// last. A failure `E` of the peer itself ends the case at once.
pub fn try_each_connection<E>(
    setup: &Setup,
    ctx: &CaseCtx,
    mut connection: impl FnMut(usize) -> Result<Result<Outcome, Outcome>, E>,
) -> Result<Vec<Outcome>, E> {
    let mut outcomes = Vec::new();
    for i in 0..setup.connections() {
        match connection(i)? {
            Ok(o) => {
                if ctx.keep_outcome(&mut outcomes, o) {
                    break;
                }
            }
            Err(last) => {
                outcomes.push(last);
                break;
            }
        }
    }
    Ok(outcomes)
}

/// [`try_each_connection`] for a peer that cannot fail itself.
pub fn each_connection(
    setup: &Setup,
    ctx: &CaseCtx,
    mut connection: impl FnMut(usize) -> Result<Outcome, Outcome>,
) -> Vec<Outcome> {
    let Ok(outcomes) = try_each_connection(setup, ctx, |i| {
        Ok::<_, std::convert::Infallible>(connection(i))
    });
    outcomes
}

/// A server's connections of a case: accepts `setup.connections()` connections on
/// `listener`, runs `serve` on each and reports its outcome; stops after a failed connection
/// unless the context keeps going (`harness serve`), and after a failed accept.
pub fn serve_each(
    setup: &Setup,
    listener: &TcpListener,
    ctx: &CaseCtx,
    mut serve: impl FnMut(TcpStream) -> Outcome,
) -> Vec<Outcome> {
    each_connection(setup, ctx, |_| Ok(serve(ctx.accept_or_outcome(listener)?)))
}

/// Maps an I/O error of the transport onto an outcome.
pub fn io_failure(e: &io::Error, step: Step, ctx: &CaseCtx) -> Outcome {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Outcome::failed(
            Failure::Timeout,
            step,
            format!("no data within {:?}", ctx.idle_timeout),
        ),
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::NotConnected => {
            if ctx.is_cancelled() {
                Outcome::failed(Failure::Timeout, step, "case deadline passed")
            } else {
                Outcome::failed(Failure::Closed, step, e.to_string())
            }
        }
        _ => Outcome::internal(step, format!("I/O error: {e}")),
    }
}

/// Which side, for messages.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Server => "server",
    }
}

/// A shared handle, so a peer can be listed once and used by many cases.
pub type PeerRef = Arc<dyn Peer>;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_fixed_with_a_seed_unless_a_target_needs_the_real_one() {
        let ctx = || {
            CaseCtx::new(
                Duration::from_secs(1),
                Instant::now() + Duration::from_secs(1),
            )
        };
        assert_eq!(ctx().fixed_clock(), None);
        let fixed = UnixTime::since_unix_epoch(Duration::from_secs(REPLAY_CLOCK_SECS));
        assert_eq!(ctx().seeded(7).fixed_clock(), Some(fixed));
        assert_eq!(ctx().seeded(7).now(), fixed);
        let real = ctx().seeded(7).with_real_clock();
        assert_eq!(real.fixed_clock(), None);
        assert_ne!(real.now(), fixed, "the real clock");
        assert_eq!(real.seed(), Some(7), "still seeded for randomness");
    }
}
