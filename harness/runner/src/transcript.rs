//! The decoded transcript of a case, from the bytes the client's TCP stream carried.
//!
//! Every record is listed with its direction; plaintext handshake messages and alerts are
//! decoded with tls-wire. Protected records are decrypted with the case's key log (every
//! in-process peer logs its secrets, SSLKEYLOGFILE style): TLS 1.3 handshake and
//! application traffic secrets (following KeyUpdates), TLS 1.2 key blocks from the master
//! secret. A decrypted message is listed with `[enc]` after the arrow. A record that cannot be
//! decrypted (no secret logged, or the logged ones do not open it) is listed with its size.
//!
//! Besides the lines, the decoder keeps, per connection, the ordered [`Event`]s: which
//! message, alert, application data or opaque record went which way. The judge reads them to
//! tell what the side under test did (see `crate::run`).

use std::collections::HashMap;
use std::fmt;

use tls_engine::crypto::{HashAlg, RecordProtection, RecordProtection12, Suite, Suite12, tls12};
use tls_wire::{
    Alert, AlertDescription, AlertLevel, Codec, ContentType, DecodeCtx, Deframer, HandshakeJoiner,
    HandshakeMessage, HandshakePayload, ProtocolVersion, Record,
};

use crate::model::{Direction, Step};
use crate::peer::Capture;
use crate::steps::{HsEvent, step_of};

/// What one record (or one message of it) was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// A handshake message: its type code; `hrr` for a ServerHello that is a
    /// HelloRetryRequest; `protected` when it travelled encrypted.
    Handshake { typ: u8, hrr: bool, protected: bool },
    /// An alert, plaintext or decrypted.
    Alert {
        fatal: bool,
        description: AlertDescription,
    },
    /// ChangeCipherSpec.
    Ccs,
    /// Application data of this many bytes (decrypted; 0 for an empty record).
    AppData(usize),
    /// A protected record that could not be decrypted: its outer type and size.
    Opaque { outer: ContentType, len: usize },
    /// Bytes that are not a TLS record, or records that do not decode.
    Garbage,
}

/// One event of a connection, in the order the client's stream carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// As seen by the client: `Sent` is client to server.
    pub direction: Direction,
    pub what: What,
}

/// What the transcript tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// One line per record or message.
    pub lines: Vec<String>,
    /// Alerts of the last connection (plaintext or decrypted), direction as seen by the
    /// client.
    pub alerts: Vec<(Direction, AlertDescription)>,
    /// The step the client reached on the last connection, from the messages seen.
    pub client_step: Step,
    /// Per connection, every event in order.
    pub connections: Vec<Vec<Event>>,
}

impl Decoded {
    /// The events of the last connection (none when nothing was captured).
    pub fn last_connection(&self) -> &[Event] {
        self.connections
            .last()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// The secrets of a key log, by label and client random.
#[derive(Debug, Default)]
pub struct Secrets {
    by: HashMap<(String, [u8; 32]), Vec<Vec<u8>>>,
}

impl Secrets {
    /// Reads SSLKEYLOGFILE text; malformed lines are skipped.
    pub fn parse(text: &str) -> Self {
        let mut by: HashMap<(String, [u8; 32]), Vec<Vec<u8>>> = HashMap::new();
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            let (Some(label), Some(random), Some(secret), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(random), Ok(secret)) = (hex::decode(random), hex::decode(secret)) else {
                continue;
            };
            let Ok(random) = <[u8; 32]>::try_from(random) else {
                continue;
            };
            let list = by.entry((label.to_string(), random)).or_default();
            if !list.contains(&secret) {
                list.push(secret);
            }
        }
        Secrets { by }
    }

    fn get(&self, label: &str, random: &[u8; 32]) -> &[Vec<u8>] {
        self.by
            .get(&(label.to_string(), *random))
            .map_or(&[], Vec::as_slice)
    }
}

/// How one direction's protected records are opened.
enum Keys {
    /// Not protected (yet).
    Plain,
    /// TLS 1.3: keys chosen at the first record from the candidates of `label`.
    Pending13 {
        label: &'static str,
    },
    /// TLS 1.2 after this direction's ChangeCipherSpec: keys chosen at the first record from
    /// the logged master secrets.
    Pending12,
    Tls13 {
        rp: RecordProtection,
        suite: Suite,
        secret: Vec<u8>,
    },
    Tls12(RecordProtection12),
    /// Protected, but no key opens it: the rest of this direction is opaque.
    Unknown,
}

/// Per-direction decoding state.
struct Flow {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    keys: Keys,
    /// TLS 1.3: this direction has moved to its application traffic secrets.
    app: bool,
    broken: bool,
}

impl Flow {
    fn new() -> Self {
        Flow {
            // Captures are what passed, not what we accept: take any record size.
            deframer: Deframer::with_max_payload(usize::from(u16::MAX)),
            joiner: HandshakeJoiner::with_max_message(1 << 24),
            keys: Keys::Plain,
            app: false,
            broken: false,
        }
    }
}

/// The connection's facts the keys depend on.
#[derive(Default)]
struct Conn {
    client_random: Option<[u8; 32]>,
    server_random: Option<[u8; 32]>,
    suite: Option<u16>,
    tls13: bool,
}

fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::Sent => "C->S",
        Direction::Received => "S->C",
    }
}

/// The first bytes of something that is not TLS, as text when printable.
fn preview(bytes: &[u8]) -> String {
    let head = bytes.get(..bytes.len().min(32)).unwrap_or_default();
    if head
        .iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r' || *b == b'\n')
    {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        head.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The TLS 1.3 suites to try for a secret of this length: the negotiated one first.
fn suites13(negotiated: Option<u16>, secret_len: usize) -> Vec<Suite> {
    let mut out: Vec<Suite> = negotiated.and_then(Suite::from_u16).into_iter().collect();
    for s in Suite::ALL {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.retain(|s| s.hash().len() == secret_len);
    out
}

fn header_bytes(r: &Record) -> [u8; 5] {
    let v = r.legacy_version.get().to_be_bytes();
    let len = u16::try_from(r.payload.len())
        .unwrap_or(u16::MAX)
        .to_be_bytes();
    [r.content_type.get(), v[0], v[1], len[0], len[1]]
}

/// The traffic label of one direction's TLS 1.3 handshake and application secrets.
fn label13(direction: Direction, application: bool) -> &'static str {
    match (direction, application) {
        (Direction::Sent, false) => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        (Direction::Received, false) => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        (Direction::Sent, true) => "CLIENT_TRAFFIC_SECRET_0",
        (Direction::Received, true) => "SERVER_TRAFFIC_SECRET_0",
    }
}

/// Opens one protected record of a direction; `None` when no key opens it.
fn open(
    flow: &mut Flow,
    conn: &Conn,
    secrets: &Secrets,
    direction: Direction,
    r: &Record,
) -> Option<(ContentType, Vec<u8>)> {
    match &mut flow.keys {
        Keys::Plain | Keys::Unknown => None,
        Keys::Pending13 { label } => {
            let random = conn.client_random?;
            let header = header_bytes(r);
            for secret in secrets.get(label, &random) {
                for suite in suites13(conn.suite, secret.len()) {
                    let Ok(mut rp) = RecordProtection::from_secret(suite, secret) else {
                        continue;
                    };
                    if let Ok((typ, plain)) = rp.open(&header, &r.payload, usize::from(u16::MAX)) {
                        flow.keys = Keys::Tls13 {
                            rp,
                            suite,
                            secret: secret.clone(),
                        };
                        return Some((ContentType::from(typ), plain));
                    }
                }
            }
            flow.keys = Keys::Unknown;
            None
        }
        Keys::Pending12 => {
            flow.keys = keys12(conn, secrets, direction, r);
            match &mut flow.keys {
                Keys::Tls12(rp) => rp
                    .open(r.content_type.get(), &r.payload)
                    .ok()
                    .map(|p| (r.content_type, p)),
                _ => None,
            }
        }
        Keys::Tls13 { rp, .. } => {
            match rp.open(&header_bytes(r), &r.payload, usize::from(u16::MAX)) {
                Ok((typ, plain)) => Some((ContentType::from(typ), plain)),
                Err(_) => {
                    flow.keys = Keys::Unknown;
                    None
                }
            }
        }
        Keys::Tls12(rp) => match rp.open(r.content_type.get(), &r.payload) {
            Ok(plain) => Some((r.content_type, plain)),
            Err(_) => {
                flow.keys = Keys::Unknown;
                None
            }
        },
    }
}

/// TLS 1.2: the keys of `direction` from the logged master secret, checked against the first
/// protected record.
fn keys12(conn: &Conn, secrets: &Secrets, direction: Direction, r: &Record) -> Keys {
    let (Some(cr), Some(sr), Some(suite)) = (
        conn.client_random,
        conn.server_random,
        conn.suite.and_then(Suite12::from_u16),
    ) else {
        return Keys::Unknown;
    };
    for master in secrets.get("CLIENT_RANDOM", &cr) {
        let Ok(kb) = tls12::key_block(suite, master, &cr, &sr) else {
            continue;
        };
        let (key, iv) = match direction {
            Direction::Sent => (&kb.client_key, &kb.client_iv),
            Direction::Received => (&kb.server_key, &kb.server_iv),
        };
        let Ok(mut probe) = RecordProtection12::new(suite, key, iv) else {
            continue;
        };
        if probe.open(r.content_type.get(), &r.payload).is_ok() {
            // A fresh one: the probe consumed sequence number 0.
            if let Ok(rp) = RecordProtection12::new(suite, key, iv) {
                return Keys::Tls12(rp);
            }
        }
    }
    Keys::Unknown
}

/// One connection's transcript lines and events, as they are decoded.
struct Log<'p> {
    /// `[n] ` before each line when the case has more than one connection.
    prefix: &'p str,
    lines: Vec<String>,
    events: Vec<Event>,
}

impl Log<'_> {
    /// A transcript line for `direction`.
    fn line(&mut self, direction: Direction, text: impl fmt::Display) {
        self.lines
            .push(format!("{}{} {text}", self.prefix, arrow(direction)));
    }

    fn event(&mut self, direction: Direction, what: What) {
        self.events.push(Event { direction, what });
    }

    /// A transcript line and its event.
    fn note(&mut self, direction: Direction, text: impl fmt::Display, what: What) {
        self.line(direction, text);
        self.event(direction, what);
    }
}

/// Decodes the captured connections of a case, without keys (protected records stay opaque).
pub fn decode(capture: &Capture) -> Decoded {
    decode_with_keys(capture, "")
}

/// Decodes the captured connections of a case, decrypting with the key log `key_log`
/// (SSLKEYLOGFILE text).
pub fn decode_with_keys(capture: &Capture, key_log: &str) -> Decoded {
    let secrets = Secrets::parse(key_log);
    let mut out = Decoded::default();
    let many = capture.connections.len() > 1;
    for (n, chunks) in capture.connections.iter().enumerate() {
        let prefix = if many {
            format!("[{}] ", n + 1)
        } else {
            String::new()
        };
        let mut flows = [Flow::new(), Flow::new()];
        let mut conn = Conn::default();
        let mut log = Log {
            prefix: &prefix,
            lines: Vec::new(),
            events: Vec::new(),
        };
        for (direction, bytes) in chunks {
            let direction = *direction;
            let idx = usize::from(direction == Direction::Received);
            {
                let Some(flow) = flows.get_mut(idx) else {
                    continue;
                };
                if flow.broken {
                    continue;
                }
                flow.deframer.push(bytes);
            }
            while let Some(flow) = flows.get_mut(idx) {
                if let Some(h) = flow.deframer.peek_header()
                    && (!h.content_type.is_known() || h.legacy_version.get() >> 8 != 3)
                {
                    log.note(
                        direction,
                        format!("not a TLS record: {}", preview(bytes)),
                        What::Garbage,
                    );
                    flow.broken = true;
                    break;
                }
                let record = match flow.deframer.next_record() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => {
                        log.note(direction, format!("undecodable bytes: {e}"), What::Garbage);
                        flow.broken = true;
                        break;
                    }
                };
                let len = record.payload.len();
                let outer = record.content_type;
                // Which records are protected: TLS 1.2 every record after this
                // direction's ChangeCipherSpec; TLS 1.3 every ApplicationData record once
                // the ServerHello is out (a plaintext alert or CCS stays plaintext).
                let protected = match flow.keys {
                    Keys::Plain => false,
                    _ if conn.tls13 => outer == ContentType::ApplicationData,
                    _ => outer != ContentType::ChangeCipherSpec,
                };
                if !protected && outer == ContentType::ApplicationData {
                    // Before any key (early data, or bytes the decoder cannot place).
                    log.note(
                        direction,
                        format!("{outer} record, {len} bytes (encrypted)"),
                        What::Opaque { outer, len },
                    );
                    continue;
                }
                let (ct, payload, enc) = if protected {
                    match open(flow, &conn, &secrets, direction, &record) {
                        Some((ct, plain)) => (ct, plain, true),
                        None => {
                            log.note(
                                direction,
                                format!("{outer} record, {len} bytes (encrypted)"),
                                What::Opaque { outer, len },
                            );
                            continue;
                        }
                    }
                } else {
                    (outer, record.payload.clone(), false)
                };
                let tag = if enc { "[enc] " } else { "" };
                match ct {
                    ContentType::ChangeCipherSpec => {
                        log.note(direction, format!("{tag}ChangeCipherSpec"), What::Ccs);
                        if !conn.tls13
                            && let Some(flow) = flows.get_mut(idx)
                            && matches!(flow.keys, Keys::Plain)
                        {
                            // TLS 1.2: this direction is protected from the next record on.
                            flow.keys = Keys::Pending12;
                        }
                    }
                    ContentType::Alert => match Alert::decode(&payload) {
                        Ok(a) => {
                            log.note(
                                direction,
                                format!("{tag}{a}"),
                                What::Alert {
                                    fatal: a.level == AlertLevel::Fatal,
                                    description: a.description,
                                },
                            );
                        }
                        Err(e) => {
                            log.note(
                                direction,
                                format!(
                                    "{tag}alert record, {} bytes, undecodable: {e}",
                                    payload.len()
                                ),
                                What::Garbage,
                            );
                        }
                    },
                    ContentType::ApplicationData => {
                        log.note(
                            direction,
                            format!("{tag}ApplicationData, {} bytes", payload.len()),
                            What::AppData(payload.len()),
                        );
                    }
                    ContentType::Handshake => {
                        let Some(flow) = flows.get_mut(idx) else {
                            break;
                        };
                        flow.joiner.push(&payload);
                        while let Some(flow) = flows.get_mut(idx) {
                            let msg = match flow.joiner.next_message() {
                                Ok(Some(m)) => m,
                                Ok(None) => break,
                                Err(e) => {
                                    log.note(
                                        direction,
                                        format!("{tag}handshake bytes undecodable: {e}"),
                                        What::Garbage,
                                    );
                                    flow.broken = true;
                                    break;
                                }
                            };
                            let typ = msg.first().copied().unwrap_or(0);
                            let ctx = DecodeCtx { tls13: conn.tls13 };
                            let mut hrr = false;
                            match HandshakeMessage::decode_with(&msg, &ctx) {
                                Ok(m) => {
                                    match &m.payload {
                                        HandshakePayload::ClientHello(ch)
                                            if conn.client_random.is_none() =>
                                        {
                                            conn.client_random = Some(ch.random);
                                        }
                                        HandshakePayload::ServerHello(sh) if sh.is_hrr() => {
                                            hrr = true
                                        }
                                        HandshakePayload::ServerHello(sh)
                                            if direction == Direction::Received =>
                                        {
                                            conn.server_random = Some(sh.random);
                                            conn.suite = Some(sh.cipher_suite.get());
                                            if sh.selected_version() == ProtocolVersion::TLSv1_3 {
                                                conn.tls13 = true;
                                                for (i, d) in
                                                    [(0, Direction::Sent), (1, Direction::Received)]
                                                {
                                                    if let Some(f) = flows.get_mut(i)
                                                        && matches!(f.keys, Keys::Plain)
                                                    {
                                                        f.keys = Keys::Pending13 {
                                                            label: label13(d, false),
                                                        };
                                                    }
                                                }
                                            }
                                        }
                                        _ => {}
                                    }
                                    log.line(direction, format!("{tag}{m}"));
                                }
                                Err(e) => {
                                    log.line(
                                        direction,
                                        format!(
                                            "{tag}handshake message, {} bytes, undecodable: {e}",
                                            msg.len()
                                        ),
                                    );
                                }
                            }
                            log.event(
                                direction,
                                What::Handshake {
                                    typ,
                                    hrr,
                                    protected: enc,
                                },
                            );
                            // TLS 1.3 key changes follow this direction's own messages.
                            if conn.tls13
                                && enc
                                && let Some(f) = flows.get_mut(idx)
                            {
                                next_keys13(f, direction, typ);
                            }
                        }
                    }
                    other => {
                        log.note(
                            direction,
                            format!("{tag}{other} record, {} bytes", payload.len()),
                            What::Garbage,
                        );
                    }
                }
            }
        }
        for (i, flow) in flows.iter().enumerate() {
            let d = if i == 0 {
                Direction::Sent
            } else {
                Direction::Received
            };
            if flow.deframer.buffered() > 0 && !flow.broken {
                log.line(
                    d,
                    format!(
                        "{} trailing bytes (incomplete record)",
                        flow.deframer.buffered()
                    ),
                );
            }
        }
        let Log { lines, events, .. } = log;
        out.lines.extend(lines);
        out.alerts = events
            .iter()
            .filter_map(|e| match &e.what {
                What::Alert { description, .. } => Some((e.direction, *description)),
                _ => None,
            })
            .collect();
        let hs: Vec<HsEvent> = events
            .iter()
            .filter_map(|e| match e.what {
                What::Handshake { typ, .. } => Some(HsEvent {
                    direction: e.direction,
                    typ,
                }),
                _ => None,
            })
            .collect();
        out.client_step = step_of(&hs);
        out.connections.push(events);
    }
    out
}

/// After a protected TLS 1.3 handshake message of `direction`: a Finished moves that
/// direction to its application traffic secret, a KeyUpdate to the next one.
fn next_keys13(flow: &mut Flow, direction: Direction, typ: u8) {
    const FINISHED: u8 = 20;
    const KEY_UPDATE: u8 = 24;
    match (typ, &flow.keys) {
        (FINISHED, Keys::Tls13 { .. }) if !flow.app => {
            flow.keys = Keys::Pending13 {
                label: label13(direction, true),
            };
            flow.app = true;
        }
        (KEY_UPDATE, Keys::Tls13 { suite, secret, .. }) => {
            let hash: HashAlg = suite.hash();
            let next = hash.expand_label(secret, b"traffic upd", b"", hash.len());
            flow.keys = match RecordProtection::from_secret(*suite, &next) {
                Ok(rp) => Keys::Tls13 {
                    rp,
                    suite: *suite,
                    secret: next,
                },
                Err(_) => Keys::Unknown,
            };
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ct: ContentType, payload: &[u8]) -> Vec<u8> {
        Record::new(ct, ProtocolVersion::TLSv1_2, payload.to_vec()).to_bytes()
    }

    #[test]
    fn alerts_and_encrypted_records_are_listed() {
        let alert = Alert {
            level: AlertLevel::Fatal,
            description: AlertDescription::HandshakeFailure,
        };
        let capture = Capture {
            connections: vec![vec![
                (
                    Direction::Sent,
                    record(ContentType::ApplicationData, &[1, 2, 3]),
                ),
                (
                    Direction::Received,
                    record(ContentType::Alert, &alert.to_bytes()),
                ),
            ]],
        };
        let d = decode(&capture);
        assert_eq!(d.lines.len(), 2, "{:?}", d.lines);
        assert!(d.lines[0].contains("3 bytes (encrypted)"), "{}", d.lines[0]);
        assert!(
            d.lines[1].starts_with("S->C Alert fatal handshake_failure"),
            "{}",
            d.lines[1]
        );
        assert_eq!(
            d.alerts,
            vec![(Direction::Received, AlertDescription::HandshakeFailure)]
        );
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let capture = Capture {
            connections: vec![vec![(
                Direction::Received,
                b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
            )]],
        };
        let d = decode(&capture);
        assert_eq!(d.lines.len(), 1);
        assert!(
            d.lines[0].contains("not a TLS record: \"HTTP/1.1 400"),
            "{}",
            d.lines[0]
        );
    }
}
