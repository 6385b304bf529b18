//! The decoded transcript of a case, from the bytes the client's TCP stream carried.
//!
//! Every record is listed with its direction; plaintext handshake messages and alerts are
//! decoded with tls-wire; encrypted records are listed with their size.

use tls_wire::{
    Alert, Codec, ContentType, DecodeCtx, Deframer, HandshakeJoiner, HandshakeMessage,
    HandshakePayload, ProtocolVersion,
};

use crate::model::{Direction, Step};
use crate::peer::Capture;
use crate::steps::{step_of, HsEvent};

/// What the transcript tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// One line per record or message.
    pub lines: Vec<String>,
    /// Plaintext alerts of the last connection, direction as seen by the client.
    pub alerts: Vec<(Direction, String)>,
    /// The step the client reached on the last connection, from plaintext messages.
    pub client_step: Step,
}

/// Per-direction decoding state.
struct Flow {
    deframer: Deframer,
    joiner: HandshakeJoiner,
    /// Records are protected from here on (after ChangeCipherSpec in TLS 1.2).
    encrypted: bool,
    broken: bool,
}

impl Flow {
    fn new() -> Self {
        Flow {
            // Captures are what passed, not what we accept: take any record size.
            deframer: Deframer::with_max_payload(usize::from(u16::MAX)),
            joiner: HandshakeJoiner::with_max_message(1 << 24),
            encrypted: false,
            broken: false,
        }
    }
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
    if head.iter().all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r' || *b == b'\n') {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        head.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
    }
}

/// Decodes the captured connections of a case.
pub fn decode(capture: &Capture) -> Decoded {
    let mut out = Decoded::default();
    let many = capture.connections.len() > 1;
    for (n, conn) in capture.connections.iter().enumerate() {
        let prefix = if many {
            format!("[{}] ", n + 1)
        } else {
            String::new()
        };
        let mut flows = [Flow::new(), Flow::new()];
        let mut tls13 = false;
        let mut events = Vec::new();
        let mut alerts = Vec::new();
        for (direction, bytes) in conn {
            let idx = usize::from(*direction == Direction::Received);
            let Some(flow) = flows.get_mut(idx) else { continue };
            if flow.broken {
                continue;
            }
            flow.deframer.push(bytes);
            loop {
                if let Some(h) = flow.deframer.peek_header()
                    && (!h.content_type.is_known() || h.legacy_version.get() >> 8 != 3)
                {
                    out.lines.push(format!(
                        "{prefix}{} not a TLS record: {}",
                        arrow(*direction),
                        preview(bytes)
                    ));
                    flow.broken = true;
                    break;
                }
                let record = match flow.deframer.next_record() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => {
                        out.lines.push(format!(
                            "{prefix}{} undecodable bytes: {e}",
                            arrow(*direction)
                        ));
                        flow.broken = true;
                        break;
                    }
                };
                let len = record.payload.len();
                let ct = record.content_type;
                if ct == ContentType::ApplicationData || (flow.encrypted && ct != ContentType::ChangeCipherSpec) {
                    out.lines.push(format!(
                        "{prefix}{} {} record, {len} bytes (encrypted)",
                        arrow(*direction),
                        ct
                    ));
                    continue;
                }
                if ct == ContentType::ChangeCipherSpec {
                    out.lines.push(format!("{prefix}{} ChangeCipherSpec", arrow(*direction)));
                    if !tls13 {
                        flow.encrypted = true;
                    }
                    continue;
                }
                if ct == ContentType::Alert {
                    match Alert::decode(&record.payload) {
                        Ok(a) => {
                            out.lines.push(format!("{prefix}{} {a}", arrow(*direction)));
                            alerts.push((*direction, a.description.name().to_string()));
                        }
                        Err(e) => out.lines.push(format!(
                            "{prefix}{} alert record, {len} bytes, undecodable: {e}",
                            arrow(*direction)
                        )),
                    }
                    continue;
                }
                if ct != ContentType::Handshake {
                    out.lines.push(format!(
                        "{prefix}{} {} record, {len} bytes",
                        arrow(*direction),
                        ct
                    ));
                    continue;
                }
                flow.joiner.push(&record.payload);
                loop {
                    let msg = match flow.joiner.next_message() {
                        Ok(Some(m)) => m,
                        Ok(None) => break,
                        Err(e) => {
                            out.lines.push(format!(
                                "{prefix}{} handshake bytes undecodable: {e}",
                                arrow(*direction)
                            ));
                            flow.broken = true;
                            break;
                        }
                    };
                    let ctx = DecodeCtx { tls13 };
                    match HandshakeMessage::decode_with(&msg, &ctx) {
                        Ok(m) => {
                            if let HandshakePayload::ServerHello(sh) = &m.payload
                                && !sh.is_hrr()
                                && sh.selected_version() == ProtocolVersion::TLSv1_3
                            {
                                tls13 = true;
                            }
                            events.push(HsEvent {
                                direction: *direction,
                                typ: m.typ.get(),
                            });
                            out.lines.push(format!("{prefix}{} {m}", arrow(*direction)));
                        }
                        Err(e) => {
                            if let Some(&typ) = msg.first() {
                                events.push(HsEvent {
                                    direction: *direction,
                                    typ,
                                });
                            }
                            out.lines.push(format!(
                                "{prefix}{} handshake message, {} bytes, undecodable: {e}",
                                arrow(*direction),
                                msg.len()
                            ));
                        }
                    }
                }
            }
        }
        for (i, flow) in flows.iter().enumerate() {
            let d = if i == 0 { Direction::Sent } else { Direction::Received };
            if flow.deframer.buffered() > 0 && !flow.broken {
                out.lines.push(format!(
                    "{prefix}{} {} trailing bytes (incomplete record)",
                    arrow(d),
                    flow.deframer.buffered()
                ));
            }
        }
        out.alerts = alerts;
        out.client_step = step_of(&events);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_wire::{AlertDescription, AlertLevel, Record};

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
                (Direction::Sent, record(ContentType::ApplicationData, &[1, 2, 3])),
                (Direction::Received, record(ContentType::Alert, &alert.to_bytes())),
            ]],
        };
        let d = decode(&capture);
        assert_eq!(d.lines.len(), 2, "{:?}", d.lines);
        assert!(d.lines[0].contains("3 bytes (encrypted)"), "{}", d.lines[0]);
        assert!(d.lines[1].starts_with("S->C Alert fatal handshake_failure"), "{}", d.lines[1]);
        assert_eq!(d.alerts, vec![(Direction::Received, "handshake_failure".to_string())]);
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let capture = Capture {
            connections: vec![vec![(Direction::Received, b"HTTP/1.1 400 Bad Request\r\n".to_vec())]],
        };
        let d = decode(&capture);
        assert_eq!(d.lines.len(), 1);
        assert!(d.lines[0].contains("not a TLS record: \"HTTP/1.1 400"), "{}", d.lines[0]);
    }
}
