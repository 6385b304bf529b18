//! The runner relays every byte between a tool and its counterpart, so it sees the
//! plaintext part of each handshake: the negotiated version, suite and group, a
//! HelloRetryRequest, TLS 1.2 resumption, ALPN and signature scheme, and plaintext alerts.
//! These facts fill in what a tool does not print.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::model::{AlertDescription, Direction, Negotiated, ProtocolVersion, Step};
use crate::peer::CaseCtx;
use crate::steps::{HsEvent, step_of};
use crate::vocab::from_code;

/// Bytes of one connection, by direction (`Sent`: client to server).
pub type Flow = Vec<(Direction, Vec<u8>)>;

/// Copies bytes both ways between the client side `c` and the server side `s` until both
/// directions ended or the case is cancelled; returns what passed.
///
/// `s_tcp` is the socket under `s` (a recording stream on the client role).
pub fn relay<S: Read + Write>(
    c: &mut TcpStream,
    s: &mut S,
    s_tcp: &TcpStream,
    ctx: &CaseCtx,
) -> Flow {
    let mut flow: Flow = Vec::new();
    let mut push = |d: Direction, b: &[u8]| match flow.last_mut() {
        Some((last, buf)) if *last == d => buf.extend_from_slice(b),
        _ => flow.push((d, b.to_vec())),
    };
    let (mut c_done, mut s_done) = (false, false);
    let mut buf = vec![0u8; 32 * 1024];
    let mut last = Instant::now();
    while !(c_done && s_done) {
        // Once one side has closed, the other has at most a close_notify to say; the runner
        // keeps handles on in-process peers' sockets, so their end may never read as closed.
        let half_closed = (c_done || s_done) && last.elapsed() > Duration::from_millis(300);
        if half_closed || ctx.is_cancelled() || last.elapsed() > ctx.idle_timeout * 2 {
            let _ = c.shutdown(Shutdown::Both);
            let _ = s_tcp.shutdown(Shutdown::Both);
            break;
        }
        let mut fds = [
            libc::pollfd {
                fd: if c_done { -1 } else { c.as_raw_fd() },
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: if s_done { -1 } else { s_tcp.as_raw_fd() },
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two pollfd for the duration of the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, 50) };
        if n <= 0 {
            continue;
        }
        if fds[0].revents != 0 && !c_done {
            c_done = forward(c, s, s_tcp, &mut buf, |bytes| {
                push(Direction::Sent, bytes);
                last = Instant::now();
            });
        }
        if fds[1].revents != 0 && !s_done {
            // `&TcpStream` writes too: the client socket is both `to` and `to_tcp`.
            let c: &TcpStream = c;
            s_done = forward(s, &mut { c }, c, &mut buf, |bytes| {
                push(Direction::Received, bytes);
                last = Instant::now();
            });
        }
    }
    flow
}

/// One read of `from`, recorded and written on to `to`. Returns whether this direction
/// ended: the end of `from` or a read error (which shuts `to_tcp`, the socket under `to`, for
/// writing), or a failed write.
fn forward(
    from: &mut impl Read,
    to: &mut impl Write,
    to_tcp: &TcpStream,
    buf: &mut [u8],
    record: impl FnOnce(&[u8]),
) -> bool {
    match from.read(buf) {
        Ok(0) | Err(_) => {
            let _ = to_tcp.shutdown(Shutdown::Write);
            true
        }
        Ok(k) => {
            let bytes = buf.get(..k).unwrap_or_default();
            record(bytes);
            to.write_all(bytes).and_then(|_| to.flush()).is_err()
        }
    }
}

/// What the plaintext part of one connection shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wire {
    /// What the plaintext hellos negotiated: the signature scheme of a TLS 1.2
    /// ServerKeyExchange, the ALPN of a TLS 1.2 ServerHello.
    pub negotiated: Negotiated,
    /// Plaintext alerts, direction as seen by the client.
    pub alerts: Vec<(Direction, AlertDescription)>,
    pub step: Step,
    /// Bytes of records after the handshake, per direction (client to server, back).
    pub app_records: (usize, usize),
}

const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// A cursor over bytes that never panics.
struct Cur<'a>(&'a [u8]);

impl<'a> Cur<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = self.0.get(n..)?;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).and_then(|b| b.first().copied())
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

/// Reads the plaintext facts of one connection.
pub fn facts(flow: &Flow) -> Wire {
    let mut w = Wire::default();
    // Per direction: the byte stream, then records.
    let mut streams: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for (d, b) in flow {
        streams[usize::from(*d == Direction::Received)].extend_from_slice(b);
    }
    let mut events = Vec::new();
    // The server's direction first: whether ChangeCipherSpec starts encryption (TLS 1.2) or
    // is the TLS 1.3 compatibility message depends on what the server chose.
    for idx in [1usize, 0] {
        let Some(stream) = streams.get(idx) else {
            continue;
        };
        let dir = if idx == 0 {
            Direction::Sent
        } else {
            Direction::Received
        };
        let mut cur = Cur(stream);
        let mut hs = Vec::new();
        let mut encrypted = false;
        while let (Some(typ), Some(_ver), Some(body)) = (cur.u8(), cur.u16(), cur.vec16()) {
            if idx == 1 {
                // Handshake messages of the server as they arrive, so a ServerHello is read
                // before the next ChangeCipherSpec is judged.
                let mut m = Cur(&hs);
                let mut used = 0;
                while let (Some(t), Some(len)) = (m.u8(), m.u24()) {
                    let Some(b) = m.take(len) else { break };
                    events.push(HsEvent {
                        direction: dir,
                        typ: t,
                    });
                    server_message(&mut w, t, b);
                    used += 4 + len;
                }
                hs.drain(..used.min(hs.len()));
            }
            match typ {
                20 if w.negotiated.version != Some(ProtocolVersion::TLSv1_3)
                    && !w.negotiated.hrr =>
                {
                    encrypted = true
                }
                20 => {}
                21 if body.len() == 2 => {
                    w.alerts.push((dir, AlertDescription::from(body[1])));
                }
                22 if !encrypted => hs.extend_from_slice(body),
                23 => {
                    if idx == 0 {
                        w.app_records.0 += body.len();
                    } else {
                        w.app_records.1 += body.len();
                    }
                }
                _ => {}
            }
        }
        let mut m = Cur(&hs);
        while let (Some(t), Some(len)) = (m.u8(), m.u24()) {
            let Some(body) = m.take(len) else { break };
            events.push(HsEvent {
                direction: dir,
                typ: t,
            });
            if idx == 1 {
                server_message(&mut w, t, body);
            }
        }
    }
    if w.negotiated.version == Some(ProtocolVersion::TLSv1_2) {
        // An abbreviated TLS 1.2 handshake has no server Certificate.
        let full = events
            .iter()
            .any(|e| e.direction == Direction::Received && e.typ == 11);
        w.negotiated.resumed = !full && events.iter().any(|e| e.typ == 2);
    }
    w.step = step_of(&events);
    w
}

fn server_message(w: &mut Wire, typ: u8, body: &[u8]) {
    let mut c = Cur(body);
    match typ {
        2 => {
            let (Some(legacy), Some(random)) = (c.u16(), c.take(32)) else {
                return;
            };
            let hrr = random == HRR_RANDOM;
            let (Some(_sid), Some(suite), Some(_comp)) = (c.vec8(), c.u16(), c.u8()) else {
                return;
            };
            if hrr {
                w.negotiated.hrr = true;
            } else {
                w.negotiated.suite = from_code(suite);
                w.negotiated.version = match legacy {
                    0x0303 => Some(ProtocolVersion::TLSv1_2),
                    _ => None,
                };
            }
            let Some(exts) = c.vec16() else { return };
            let mut e = Cur(exts);
            while let (Some(t), Some(data)) = (e.u16(), e.vec16()) {
                let mut d = Cur(data);
                match t {
                    0x002b if !hrr && d.u16() == Some(0x0304) => {
                        w.negotiated.version = Some(ProtocolVersion::TLSv1_3)
                    }
                    0x0033 if !hrr => w.negotiated.group = d.u16().and_then(from_code),
                    0x0029 if !hrr => w.negotiated.resumed = true,
                    0x0010 if !hrr => {
                        if let Some(list) = d.vec16() {
                            w.negotiated.alpn = Cur(list)
                                .vec8()
                                .map(|p| String::from_utf8_lossy(p).into_owned());
                        }
                    }
                    _ => {}
                }
            }
        }
        // ECDHE ServerKeyExchange: curve_type 3, named curve, point, then the signature.
        12 if c.u8() == Some(3) => {
            w.negotiated.group = c.u16().and_then(from_code);
            if c.vec8().is_some() {
                w.negotiated.sig_scheme = c.u16().and_then(from_code);
            }
        }
        _ => {}
    }
}

/// Waits until a TCP port on 127.0.0.1 accepts connections (the probe connection is closed
/// at once), or `limit` passes.
pub fn port_open(port: u16, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
