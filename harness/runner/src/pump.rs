//! One sans-IO driver for the in-process peers.
//!
//! Every in-process implementation (our engine, rustls, OpenSSL) is an [`Endpoint`]: bytes
//! from the peer in ([`Endpoint::handle_input`], [`Endpoint::handle_eof`]), bytes for the peer
//! out ([`Endpoint::take_output`]), application data both ways, close_notify, and what a peer
//! reports: the handshake step reached, the negotiated parameters, and a failure as an
//! [`Outcome`] with its alert. Each adapter only translates its library; the loops live here:
//!
//! - [`connection`] runs one endpoint over a stream: a case's TCP stream (the client's is the
//!   [`Tapped`](crate::peer::Tapped) one that records the transcript; the idle timeout, the
//!   deadline and cancellation come with the sockets [`CaseCtx`] hands out). Handshake, the
//!   application-data exchange of [`AppMode`], close ([`Pump::close`]).
//! - [`pair`] runs a client and a server endpoint against each other in memory, one loop for
//!   both ends (the benchmarks).

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use tls_engine::StoredSession;

use crate::model::{
    AppMode, Direction, Failure, Negotiated, Outcome, ProtocolVersion, Role, Setup, Step,
};
use crate::peer::{AfterAlert, CLOSE_BOUND, CaseCtx, io_failure};

/// What [`Endpoint::poll_app_data`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppData {
    /// Some application data was appended.
    Read,
    /// Nothing yet: more input is needed.
    Pending,
    /// The peer's close_notify: no more data will come.
    Closed,
}

/// What one side can tell about its handshake (`None`: it cannot tell).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    /// The handshake completed.
    pub done: bool,
    /// Whether it resumed, if this side can tell.
    pub resumed: Option<bool>,
    /// Whether a HelloRetryRequest happened, if this side can tell.
    pub hrr: Option<bool>,
    /// Negotiated version, if known.
    pub version: Option<ProtocolVersion>,
}

/// One side of one connection, sans-IO, in the style of the engine's `handle_*`/`take_*`.
///
/// A failure is the connection's [`Outcome`] (with the alert sent or received and the step
/// reached); whatever the endpoint queued with it (its alert) is in [`Endpoint::take_output`],
/// and the driver sends it before reporting.
pub trait Endpoint {
    /// The most bytes the endpoint takes from the transport next: the pump reads no more at
    /// once, so what it reads (and the transcript records) is what a blocking reader of this
    /// library would have read (OpenSSL: the record header, then its body). An error when
    /// it cannot take any (rustls with its buffer full).
    fn want_input(&mut self) -> Result<usize, Outcome> {
        Ok(READ_SIZE)
    }
    /// Bytes from the peer.
    fn handle_input(&mut self, bytes: &[u8]) -> Result<(), Outcome>;
    /// The peer closed its sending side of the transport.
    fn handle_eof(&mut self) -> Result<(), Outcome>;
    /// Bytes for the peer (empty when there is nothing to send).
    fn take_output(&mut self) -> Vec<u8>;
    /// Queues application data to send (after the handshake).
    fn send_app_data(&mut self, data: &[u8]) -> Result<(), Outcome>;
    /// Appends application data received to `into`; an endpoint may process its input
    /// here, lazily, one record at a time (OpenSSL does).
    fn poll_app_data(&mut self, into: &mut Vec<u8>) -> Result<AppData, Outcome>;
    /// Queues a close_notify.
    fn send_close_notify(&mut self);
    /// Whether the handshake is still in progress.
    fn is_handshaking(&self) -> bool;
    /// The step reached, for a failure of the transport at this point.
    fn step(&self) -> Step;
    /// What was negotiated (complete once the handshake is).
    fn negotiated(&self) -> Negotiated;
    /// What this side can tell about the handshake (the benchmarks' check).
    fn observed(&self) -> Observed;
    /// The first session ticket our engine received and has not handed out yet.
    fn take_ticket(&mut self) -> Option<StoredSession> {
        None
    }
    /// A negative control only (our engine's `bug_keep_open_after_alert` knob): after a
    /// fatal alert the driver keeps the connection open instead of closing it.
    fn keeps_open_after_alert(&self) -> bool {
        false
    }
    /// Our engine's `half_close_after_close_notify` knob: after its close_notify the driver
    /// closes the write side of the transport and goes on reading.
    fn half_closes_after_close_notify(&self) -> bool {
        false
    }
}

/// The default read from the transport: a full record and then some.
pub const READ_SIZE: usize = 16 * 1024 + 512;

/// Runs one connection of `role` over `sock`: the handshake, the exchange of
/// [`Setup::app`], close_notify both ways.
pub fn connection<S: Read + Write>(
    ep: &mut dyn Endpoint,
    sock: &mut S,
    role: Role,
    setup: &Setup,
    ctx: &CaseCtx,
) -> Outcome {
    let mut p = Pump {
        ep,
        sock,
        ctx,
        buf: Vec::new(),
        eof: false,
        floor: Step::Tcp,
        after_close: None,
    };
    let o = p.run(role, setup);
    if let Some((_, direction)) = o.alert() {
        p.after_alert(role, direction == Direction::Received);
    }
    o
}

/// How long the negative control `bug_keep_open_after_alert` keeps the connection open.
const KEEP_OPEN: Duration = Duration::from_secs(2);

/// One endpoint and its stream.
struct Pump<'a, S> {
    ep: &'a mut dyn Endpoint,
    sock: &'a mut S,
    ctx: &'a CaseCtx,
    buf: Vec<u8>,
    /// The peer closed the transport.
    eof: bool,
    /// The least step a failure reports: `Finished` once the handshake is done, `AppData`
    /// once the data was exchanged.
    floor: Step,
    /// Application data the endpoint delivered after the peer's close_notify.
    after_close: Option<usize>,
}

impl<S: Read + Write> Pump<'_, S> {
    /// The handshake, the exchange and the close.
    fn run(&mut self, role: Role, setup: &Setup) -> Outcome {
        if let Err(o) = self.handshake() {
            return o;
        }
        let negotiated = self.ep.negotiated();
        let http = setup.app == AppMode::Http;
        let data = match self.exchange(role, setup, &negotiated, http) {
            Ok(d) => d,
            Err(o) => return o,
        };
        match self.close(role, http) {
            Ok(()) => Outcome {
                app_data_after_close: self.after_close,
                ..Outcome::connected(negotiated, data)
            },
            Err(o) => o,
        }
    }

    /// After a fatal alert (this side's or its peer's): close this side's end, then watch
    /// the peer for [`CLOSE_BOUND`]: when it closes its end, and what it writes after its own
    /// alert. In a case run only; a serving context just closes.
    fn after_alert(&mut self, role: Role, peer_sent_alert: bool) {
        if !self.ctx.observes_lifecycle() {
            return;
        }
        let mut buf = [0u8; 4096];
        if self.ep.keeps_open_after_alert() {
            // The planted bug: no close, reading on.
            let until = Instant::now() + KEEP_OPEN;
            while Instant::now() < until && !self.ctx.is_cancelled() {
                match self.sock.read(&mut buf) {
                    Ok(n) if n > 0 => {}
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            return;
        }
        self.ctx.close(role);
        let start = Instant::now();
        let mut bytes = 0;
        let mut closed = self.eof.then_some(0.0);
        while closed.is_none() && start.elapsed() < CLOSE_BOUND && !self.ctx.is_cancelled() {
            match self.sock.read(&mut buf) {
                Ok(0) => closed = Some(start.elapsed().as_secs_f64() * 1000.0),
                Ok(n) => bytes += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::BrokenPipe
                            | io::ErrorKind::UnexpectedEof
                    ) =>
                {
                    closed = Some(start.elapsed().as_secs_f64() * 1000.0);
                }
                // A read timeout: the peer is silent and still connected.
                Err(_) => {}
            }
        }
        self.ctx.record_after_alert(AfterAlert {
            observer: role,
            peer_sent_alert,
            peer_closed_ms: closed,
            peer_bytes_after: bytes,
            by_proxy: false,
        });
    }

    fn fail(&self, mut o: Outcome) -> Outcome {
        o.step = o.step.max(self.floor);
        o
    }

    fn transport(&self, e: &io::Error) -> Outcome {
        self.fail(io_failure(e, self.ep.step(), self.ctx))
    }

    /// Sends what the endpoint queued.
    fn flush(&mut self) -> Result<(), Outcome> {
        let out = self.ep.take_output();
        if out.is_empty() {
            return Ok(());
        }
        let written = self.sock.write_all(&out).and_then(|()| self.sock.flush());
        written.map_err(|e| self.transport(&e))
    }

    /// Flushes, reads once from the stream and feeds the endpoint, then sends what it
    /// queued (on a failure: its alert) before reporting.
    fn read_once(&mut self) -> Result<(), Outcome> {
        self.flush()?;
        let want = match self.ep.want_input() {
            Ok(n) => n.max(1),
            Err(o) => {
                let _ = self.flush();
                return Err(self.fail(o));
            }
        };
        self.buf.resize(want, 0);
        let n = match self.sock.read(&mut self.buf) {
            Ok(n) => n,
            Err(e) => return Err(self.transport(&e)),
        };
        let result = if n == 0 {
            self.eof = true;
            self.ep.handle_eof()
        } else {
            self.ep.handle_input(self.buf.get(..n).unwrap_or_default())
        };
        let flushed = self.flush();
        match result {
            Ok(()) => flushed,
            Err(o) => Err(self.fail(o)),
        }
    }

    fn handshake(&mut self) -> Result<(), Outcome> {
        self.flush()?;
        while self.ep.is_handshaking() {
            if self.eof {
                return Err(Outcome::failed(
                    Failure::Closed,
                    self.ep.step(),
                    "EOF during the handshake",
                ));
            }
            self.read_once()?;
        }
        self.floor = Step::Finished;
        self.flush()
    }

    fn send(&mut self, data: &[u8]) -> Result<(), Outcome> {
        if let Err(o) = self.ep.send_app_data(data) {
            let _ = self.flush();
            return Err(self.fail(o));
        }
        self.flush()
    }

    /// The exchange of [`AppMode`]: the client sends its data and reads the answer, the
    /// server reads the request and answers. Returns what this side received.
    fn exchange(
        &mut self,
        role: Role,
        setup: &Setup,
        negotiated: &Negotiated,
        http: bool,
    ) -> Result<Vec<u8>, Outcome> {
        match role {
            Role::Client => {
                self.send(&setup.app_data)?;
                self.read_app(&|got| setup.answer_complete(got), http)
            }
            Role::Server => {
                let request = self.read_app(&|got| setup.request_complete(got), false)?;
                self.floor = Step::AppData;
                self.send(&setup.response(&request, negotiated))?;
                Ok(request)
            }
        }
    }

    /// Reads application data until `done`. With `until_close`, the peer's close_notify or
    /// EOF ends the read normally (HTTP responses end with the connection).
    fn read_app(
        &mut self,
        done: &dyn Fn(&[u8]) -> bool,
        until_close: bool,
    ) -> Result<Vec<u8>, Outcome> {
        let mut got = Vec::new();
        while !done(&got) {
            let closed = |how: &str, got: &[u8]| {
                Outcome::failed(
                    Failure::Closed,
                    Step::Finished,
                    format!(
                        "{how} after {} bytes of incomplete application data",
                        got.len()
                    ),
                )
            };
            match self.ep.poll_app_data(&mut got) {
                Ok(AppData::Read) => {}
                Ok(AppData::Closed) if until_close => break,
                Ok(AppData::Closed) => return Err(self.fail(closed("close_notify", &got))),
                Ok(AppData::Pending) if self.eof && until_close => break,
                Ok(AppData::Pending) if self.eof => return Err(self.fail(closed("EOF", &got))),
                Ok(AppData::Pending) => match self.read_once() {
                    Ok(()) => {}
                    Err(o) if until_close && o.failure == Some(Failure::Closed) => break,
                    Err(o) => return Err(o),
                },
                Err(o) => {
                    let _ = self.flush();
                    if until_close && o.failure == Some(Failure::Closed) {
                        break;
                    }
                    return Err(self.fail(o));
                }
            }
        }
        Ok(got)
    }

    /// close_notify both ways: the client starts; for HTTP the server, after its answer,
    /// and the client does not wait for the server's. A fatal alert while closing (e.g. a
    /// record that fails to decrypt) fails the connection; a missing close_notify (EOF,
    /// silence) after a complete exchange does not.
    ///
    /// The one place a connection ends after its exchange: lifecycle observations (was
    /// close_notify sent; after a fatal alert, how soon the side closed and what it wrote
    /// after the alert) belong here.
    fn close(&mut self, role: Role, http: bool) -> Result<(), Outcome> {
        self.floor = Step::AppData;
        match (role, http) {
            (Role::Client, false) | (Role::Server, true) => {
                self.send_close(role);
                self.await_close()
            }
            (Role::Client, true) => {
                self.send_close(role);
                Ok(())
            }
            (Role::Server, false) => {
                self.await_close()?;
                self.send_close(role);
                Ok(())
            }
        }
    }

    /// What the endpoint still hands out once it reported the peer's close_notify, from the
    /// bytes it already has: application data it should have ignored (RFC 8446 6.1).
    fn delivered_after_close(&mut self) -> usize {
        let mut n = 0;
        let mut more = Vec::new();
        for _ in 0..4 {
            more.clear();
            match self.ep.poll_app_data(&mut more) {
                Ok(AppData::Read) => n += more.len(),
                _ => break,
            }
        }
        n
    }

    fn send_close(&mut self, role: Role) {
        self.ep.send_close_notify();
        let _ = self.flush();
        if self.ep.half_closes_after_close_notify() {
            self.ctx.close(role);
        }
    }

    /// Reads until the peer's close_notify or EOF; fails only on a fatal alert.
    fn await_close(&mut self) -> Result<(), Outcome> {
        let mut discard = Vec::new();
        loop {
            discard.clear();
            match self.ep.poll_app_data(&mut discard) {
                Ok(AppData::Read) => {}
                Ok(AppData::Closed) => {
                    self.after_close = Some(self.delivered_after_close());
                    return Ok(());
                }
                Ok(AppData::Pending) if self.eof => return Ok(()),
                Ok(AppData::Pending) => match self.read_once() {
                    Ok(()) => {}
                    Err(o) if o.alert().is_some() => return Err(o),
                    Err(_) => return Ok(()),
                },
                Err(o) => {
                    let _ = self.flush();
                    return if o.alert().is_some() {
                        Err(self.fail(o))
                    } else {
                        Ok(())
                    };
                }
            }
        }
    }
}

/// How the bytes of an in-memory [`pair`] travel: handed over as they are, recorded, or
/// through a loopback connection.
pub trait Wire {
    /// Carries the bytes `from` sent to the other side; returns what arrives.
    fn carry(&mut self, from: Role, bytes: Vec<u8>) -> Result<Vec<u8>, String>;
}

/// Hands the bytes over unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryWire;

impl Wire for MemoryWire {
    fn carry(&mut self, _from: Role, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
        Ok(bytes)
    }
}

/// The most flights [`pair`] moves before it gives up.
const MAX_FLIGHTS: usize = 64;

/// Drives a client and a server endpoint against each other, in one loop, until neither
/// has anything more to send (a handshake and its post-handshake messages). Application
/// data arriving is an error.
pub fn pair(
    client: &mut dyn Endpoint,
    server: &mut dyn Endpoint,
    wire: &mut dyn Wire,
) -> Result<(), String> {
    for _ in 0..MAX_FLIGHTS {
        let c_out = client.take_output();
        let c_sent = !c_out.is_empty();
        if c_sent {
            feed(server, "server", &wire.carry(Role::Client, c_out)?)?;
        }
        let s_out = server.take_output();
        let s_sent = !s_out.is_empty();
        if s_sent {
            feed(client, "client", &wire.carry(Role::Server, s_out)?)?;
        }
        if !c_sent && !s_sent {
            return Ok(());
        }
    }
    Err(format!(
        "handshake did not settle after {MAX_FLIGHTS} flights"
    ))
}

fn feed(ep: &mut dyn Endpoint, side: &str, bytes: &[u8]) -> Result<(), String> {
    let failed = |o: Outcome| format!("{side}: {}", o.detail.unwrap_or_default());
    ep.handle_input(bytes).map_err(failed)?;
    if ep.is_handshaking() {
        return Ok(());
    }
    // Post-handshake messages (tickets) of an endpoint that reads lazily.
    let mut data = Vec::new();
    match ep.poll_app_data(&mut data).map_err(failed)? {
        AppData::Read => Err(format!("{side}: unexpected application data")),
        AppData::Pending | AppData::Closed => Ok(()),
    }
}
