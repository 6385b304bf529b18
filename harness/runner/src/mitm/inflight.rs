//! The in-flight proxy: record by record, the client's and server's bytes are forwarded,
//! changed as the MITM action says.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tls_wire::{
    Alert, CipherSuite, Codec, DecodeCtx, Extension, ExtensionType, HandshakeJoiner,
    HandshakeMessage, HandshakePayload, ProtocolVersion,
};

use super::proxy::{Net, Outlet, ReadResult, Stopper, Tape};
use super::{Action, MitmSpec};
use crate::peer::CaseCtx;

/// Per-direction record state.
pub(super) struct Flow {
    inbuf: Vec<u8>,
    /// Not TLS (or undecodable): forward bytes as they come.
    raw: bool,
    joiner: HandshakeJoiner,
    /// Records are protected from here on.
    enc: bool,
    enc_count: usize,
    pending_raw: Vec<Vec<u8>>,
    pending_msgs: Vec<Vec<u8>>,
    /// A record to send in front of `pending_msgs[i]` (the held records are split there).
    inject: Option<(usize, Vec<u8>)>,
    modified: bool,
    version: [u8; 2],
    pub(super) eof: bool,
    fin_pending: bool,
}

impl Flow {
    pub(super) fn new() -> Self {
        Flow {
            inbuf: Vec::new(),
            raw: false,
            joiner: HandshakeJoiner::with_max_message(1 << 24),
            enc: false,
            enc_count: 0,
            pending_raw: Vec::new(),
            pending_msgs: Vec::new(),
            inject: None,
            modified: false,
            version: [3, 3],
            eof: false,
            fin_pending: false,
        }
    }
}

pub(super) const C2S: usize = 0;
pub(super) const S2C: usize = 1;

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
pub(super) fn frame_handshake(msgs: &[Vec<u8>], version: [u8; 2]) -> Vec<u8> {
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

/// The kind of a suite the proxy may swap for another: TLS 1.3 (0), ECDHE_ECDSA (1),
/// ECDHE_RSA (2); `None` for any other.
fn suite_family(s: CipherSuite) -> Option<u8> {
    match s.get() {
        0x1301..=0x1305 => Some(0),
        0xc02b | 0xc02c | 0xcca9 => Some(1),
        0xc02f | 0xc030 | 0xcca8 => Some(2),
        _ => None,
    }
}

/// The AEAD suites every peer implements, in the order `sh_suite_unoffered` tries them.
const IMPLEMENTED_SUITES: [u16; 9] = [
    0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8, 0x1302, 0x1301, 0x1303,
];

/// Another suite of the same kind (TLS 1.3, ECDHE_ECDSA or ECDHE_RSA) from `candidates`,
/// one of `offered` or (with `offered_too == false`) one not offered.
fn same_kind(
    chosen: CipherSuite,
    candidates: impl IntoIterator<Item = CipherSuite>,
    offered: &[CipherSuite],
    offered_too: bool,
) -> Option<CipherSuite> {
    let kind = suite_family(chosen)?;
    candidates.into_iter().find(|s| {
        s.get() != chosen.get()
            && suite_family(*s) == Some(kind)
            && offered.iter().any(|o| o.get() == s.get()) == offered_too
    })
}

/// Another suite of the same kind (TLS 1.3, ECDHE_ECDSA or ECDHE_RSA) from `offered`.
pub(super) fn sibling_suite(chosen: CipherSuite, offered: &[CipherSuite]) -> Option<CipherSuite> {
    same_kind(chosen, offered.iter().copied(), offered, true)
}

/// A suite of the same kind as `chosen` that every peer implements but the client did not
/// offer.
pub(super) fn unoffered_suite(chosen: CipherSuite, offered: &[CipherSuite]) -> Option<CipherSuite> {
    let candidates = IMPLEMENTED_SUITES.map(CipherSuite::from_value);
    same_kind(chosen, candidates, offered, false)
}

/// The extension `sh_unsolicited_extension` adds: 0xfe01 is unassigned (IANA), so no client
/// offers it.
const UNSOLICITED_EXTENSION: u16 = 0xfe01;

/// The in-flight proxy: forwards records, changing what the action says.
pub(super) struct Transparent {
    spec: MitmSpec,
    pub(super) flows: [Flow; 2],
    tls13: Option<bool>,
    client_suites: Vec<CipherSuite>,
    done: bool,
    held: Option<(Instant, Vec<u8>)>,
    delay: Duration,
    delay_until: Option<Instant>,
    delayed: Vec<u8>,
    truncate_at: Option<Instant>,
    close_all: bool,
    /// Reset both connections at the next flush (`reset_s2c`).
    reset: bool,
    out: Vec<(usize, Vec<u8>)>,
}

impl Transparent {
    pub(super) fn new(spec: MitmSpec, delay: Duration) -> Self {
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
            reset: false,
            out: Vec::new(),
        }
    }

    /// Forwards until both sides closed, the case ends, or (with `next`) the client's next
    /// connection arrives on that listener while this one is idle: this one has served its
    /// turn (a client that resumes may leave it open), and the new one is returned.
    pub(super) fn run(
        &mut self,
        net: &mut Net,
        tape: &mut Tape,
        ctx: &CaseCtx,
        stop: &AtomicBool,
        next: Option<&std::net::TcpListener>,
    ) -> Option<std::net::TcpStream> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut stopper = Stopper::default();
        loop {
            if stopper.check(ctx, stop, net, tape).is_some() {
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
                if let Some(Ok((s, _))) = next.map(std::net::TcpListener::accept) {
                    tape.log("proxy: the client's next connection arrived; this one ends");
                    return Some(s);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        None
    }

    /// Bytes read from the client (`C2S`) or the server.
    pub(super) fn received(&mut self, dir: usize, bytes: &[u8], tape: &mut Tape) {
        if dir == C2S {
            tape.data(0, true, bytes);
        } else {
            tape.data(1, false, bytes);
        }
        self.feed(dir, bytes, tape);
    }

    /// The client (`C2S`) or the server closed its connection.
    pub(super) fn closed(&mut self, dir: usize, tape: &mut Tape) {
        tape.log(format!(
            "{} connection closed by the {}",
            arrow(dir),
            if dir == C2S { "client" } else { "server" }
        ));
        self.eof(dir, tape);
    }

    /// After each round of reads: timers, then the output and the FINs that are due. Returns
    /// whether the proxy closed both connections (the end of the run).
    pub(super) fn flush(&mut self, outlet: &mut impl Outlet, tape: &mut Tape) -> bool {
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
        if self.reset {
            tape.log("proxy: reset both connections (TCP RST)");
            outlet.reset_all(tape);
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
            match f.inject.take() {
                Some((i, rec)) if i <= msgs.len() => {
                    let after = msgs.split_off(i);
                    [
                        frame_handshake(&msgs, f.version),
                        rec,
                        frame_handshake(&after, f.version),
                    ]
                    .concat()
                }
                _ => frame_handshake(&msgs, f.version),
            }
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
                        v.push(a.description);
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
                Action::ChDropSuite
                | Action::ChDropSupportedVersions
                | Action::ChDropExtension
                | Action::ChDropSuiteNoEms
                | Action::ChDuplicateExtension
                | Action::ChFlipBinder,
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
                            drop_extension(ch, ExtensionType::SupportedVersions)
                        }
                        Action::ChDropExtension => drop_extension(ch, ExtensionType::ServerName),
                        Action::ChDropSuiteNoEms if ch.cipher_suites.len() > 1 => {
                            drop_extension(ch, ExtensionType::ExtendedMasterSecret).map(|e| {
                                let s = ch.cipher_suites.remove(0);
                                format!("dropped cipher suite {} and {e}", s.name())
                            })
                        }
                        Action::ChFlipBinder => ch.extensions.iter_mut().find_map(|e| match e {
                            Extension::PreSharedKeyClient(p) => {
                                p.binders.first_mut().and_then(|b| b.first_mut()).map(|b| {
                                    *b ^= 0x01;
                                    "flipped bit 0 of the first byte of the first PSK binder"
                                        .to_string()
                                })
                            }
                            _ => None,
                        }),
                        Action::ChDuplicateExtension => {
                            let typ = ExtensionType::SupportedGroups;
                            ch.extensions
                                .iter()
                                .position(|e| e.typ() == typ)
                                .and_then(|i| {
                                    let copy = ch.extensions.get(i).cloned()?;
                                    ch.extensions.insert(i + 1, copy);
                                    Some(format!("sent {} twice", typ.name()))
                                })
                        }
                        _ => None,
                    };
                    if changed.is_some() {
                        msg = m.to_bytes();
                    }
                }
            }
            (
                Action::ShSuite
                | Action::ShKeyShare
                | Action::ShSuiteUnoffered
                | Action::ShUnsolicitedExtension,
                S2C,
                2,
            ) => {
                if let Ok(mut m) = HandshakeMessage::decode_with(&msg, &DecodeCtx::TLS13)
                    && let HandshakePayload::ServerHello(sh) = &mut m.payload
                    && !sh.is_hrr()
                {
                    changed = match a {
                        Action::ShSuite | Action::ShSuiteUnoffered => {
                            let other = if a == Action::ShSuite {
                                sibling_suite(sh.cipher_suite, &self.client_suites)
                            } else {
                                unoffered_suite(sh.cipher_suite, &self.client_suites)
                            };
                            other.map(|s| {
                                let from = sh.cipher_suite.name();
                                sh.cipher_suite = s;
                                format!("changed the suite from {from} to {}", s.name())
                            })
                        }
                        Action::ShUnsolicitedExtension => {
                            let typ = ExtensionType::from_value(UNSOLICITED_EXTENSION);
                            sh.extensions.push(Extension::Unknown {
                                typ,
                                data: Vec::new(),
                            });
                            Some(format!("added an empty extension of type {typ}"))
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
            (Action::InjectCcsBeforeCke, C2S, 16)
            | (Action::InjectCcsBeforeServerHelloDone, S2C, 14)
                if self.tls13 == Some(false) =>
            {
                if let Some(f) = self.flows.get_mut(dir) {
                    let [major, minor] = f.version;
                    f.inject = Some((f.pending_msgs.len(), vec![20, major, minor, 0, 1, 1]));
                    let before = if typ == 16 {
                        "ClientKeyExchange"
                    } else {
                        "ServerHelloDone"
                    };
                    changed = Some(format!(
                        "injected a plaintext ChangeCipherSpec record before {before}"
                    ));
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
            (Action::ResetS2c, S2C) if n == target => {
                self.emit(dir, rec, tape);
                tape.applied(format!(
                    "S->C forwarded encrypted record #{n}, then reset both connections"
                ));
                self.reset = true;
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

/// Removes every extension of type `typ` from `ch`; says so when there was one.
fn drop_extension(ch: &mut tls_wire::ClientHello, typ: ExtensionType) -> Option<String> {
    let before = ch.extensions.len();
    ch.extensions.retain(|e| e.typ() != typ);
    (ch.extensions.len() < before).then(|| format!("dropped {}", typ.name()))
}
