//! Where a case's fault is, and whether the side under test went on past it.
//!
//! A rejection scenario puts its fault into one message of the side not under test (the
//! counterpart): a knob of our engine mutates or misplaces it, or a certificate profile
//! breaks the Certificate it presents. The side under test must reject that message. If it
//! instead answers with its next flight, its Finished or application data, it accepted the
//! fault, whoever aborts afterwards: the judge scores that `fail` (see `crate::run`).
//!
//! The evidence is the decoded, decrypted transcript ([`crate::transcript`]): the fault's
//! message on the wire, then what the side under test sent after it.

use crate::model::{Direction, Role, Setup};
use crate::transcript::{Event, What};

/// The handshake messages a fault can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    ClientHello,
    HelloRetryRequest,
    ServerHello,
    EncryptedExtensions,
    Certificate,
    ServerKeyExchange,
    ServerHelloDone,
    ClientKeyExchange,
    CertificateVerify,
    Finished,
    KeyUpdate,
}

impl Msg {
    fn typ(self) -> u8 {
        match self {
            Msg::ClientHello => 1,
            Msg::HelloRetryRequest | Msg::ServerHello => 2,
            Msg::EncryptedExtensions => 8,
            Msg::Certificate => 11,
            Msg::ServerKeyExchange => 12,
            Msg::ServerHelloDone => 14,
            Msg::ClientKeyExchange => 16,
            Msg::CertificateVerify => 15,
            Msg::Finished => 20,
            Msg::KeyUpdate => 24,
        }
    }

    /// Protocol order, to pick the first of several faults.
    fn rank(self) -> u8 {
        match self {
            Msg::ClientHello => 0,
            Msg::HelloRetryRequest => 1,
            Msg::ServerHello => 2,
            Msg::EncryptedExtensions => 3,
            Msg::Certificate => 4,
            Msg::ServerKeyExchange => 5,
            Msg::ServerHelloDone => 6,
            Msg::ClientKeyExchange => 7,
            Msg::CertificateVerify => 8,
            Msg::KeyUpdate => 9,
            Msg::Finished => 10,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Msg::ClientHello => "ClientHello",
            Msg::HelloRetryRequest => "HelloRetryRequest",
            Msg::ServerHello => "ServerHello",
            Msg::EncryptedExtensions => "EncryptedExtensions",
            Msg::Certificate => "Certificate",
            Msg::ServerKeyExchange => "ServerKeyExchange",
            Msg::ServerHelloDone => "ServerHelloDone",
            Msg::ClientKeyExchange => "ClientKeyExchange",
            Msg::CertificateVerify => "CertificateVerify",
            Msg::Finished => "Finished",
            Msg::KeyUpdate => "KeyUpdate",
        }
    }
}

/// The message that carries a case's fault: sent by `from`, the `nth` (0-based) of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultPoint {
    pub from: Role,
    pub msg: Msg,
    pub nth: usize,
}

impl std::fmt::Display for FaultPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ord = if self.nth == 1 { "second " } else { "" };
        write!(f, "the {from}'s {ord}{}", self.msg.name(), from = self.from)
    }
}

/// The message a knob of side `role` puts its fault into; `None` for knobs that are not
/// faults in a handshake message (padding, floods after the handshake, benign choices).
fn knob_point(role: Role, knob: &str) -> Option<(Msg, usize)> {
    Some(match (role, knob) {
        (
            Role::Client,
            "mutate_client_hello"
            | "bad_psk_binder"
            | "offer_versions_raw"
            | "client_hello_legacy_version"
            | "send_empty_key_share"
            | "skip_extended_master_secret"
            | "skip_renegotiation_info",
        ) => (Msg::ClientHello, 0),
        (Role::Client, "mutate_second_client_hello") => (Msg::ClientHello, 1),
        (
            Role::Server,
            "mutate_server_hello"
            | "downgrade_sentinel"
            | "skip_extended_master_secret"
            | "skip_renegotiation_info"
            | "select_cipher_suite",
        ) => (Msg::ServerHello, 0),
        (Role::Server, "mutate_hello_retry_request") => (Msg::HelloRetryRequest, 0),
        (Role::Server, "send_second_hrr") => (Msg::HelloRetryRequest, 1),
        (Role::Server, "mutate_encrypted_extensions") => (Msg::EncryptedExtensions, 0),
        (Role::Server, "send_key_update_before_finished") => (Msg::KeyUpdate, 0),
        (_, "mutate_certificate") | (Role::Client, "send_empty_certificate") => {
            (Msg::Certificate, 0)
        }
        (_, "mutate_certificate_verify" | "bad_certificate_verify") => (Msg::CertificateVerify, 0),
        // The message that comes where CertificateVerify should have been.
        (_, "skip_certificate_verify") => (Msg::Finished, 0),
        (_, "mutate_finished" | "send_wrong_finished") => (Msg::Finished, 0),
        _ => return None,
    })
}

/// Where the fault of a case with this setup is, for a side under test `ut` (the client or
/// the server; `None` when both sides are under test or the fault is not in one handshake
/// message).
pub fn fault_point(setup: &Setup, ut: Role) -> Option<FaultPoint> {
    let from = match ut {
        Role::Client => Role::Server,
        Role::Server => Role::Client,
    };
    let knobs = setup.knobs(from);
    let mut best: Option<(Msg, usize)> = None;
    for name in knobs.keys() {
        // A knob set to its default is no fault.
        if knobs
            .get(name)
            .is_some_and(|v| matches!(v.as_str(), "default" | "false" | "0" | ""))
        {
            continue;
        }
        // A record written after the message (`record_after`) carries the fault, not the
        // message: the side under test may answer the message before it reads that record.
        let after_message = name.starts_with("mutate_")
            && knobs.get(name).is_some_and(|v| {
                tls_wire::mutate::Mutation::parse_list(v).is_ok_and(|ms| {
                    ms.iter()
                        .any(|m| matches!(m, tls_wire::mutate::Mutation::RecordAfter(..)))
                })
            });
        if after_message {
            continue;
        }
        if let Some(p) = knob_point(from, name)
            && best.is_none_or(|b| (p.0.rank(), p.1) < (b.0.rank(), b.1))
        {
            best = Some(p);
        }
    }
    if let Some((msg, nth)) = best {
        return Some(FaultPoint { from, msg, nth });
    }
    // A MITM action that changes what the counterpart sent, or puts a record before it.
    if let Some(msg) = setup.mitm.as_ref().and_then(|m| m.action.fault_in(from)) {
        return Some(FaultPoint { from, msg, nth: 0 });
    }
    // A certificate profile that breaks a rule: in the Certificate of the side presenting it.
    let presents = from == Role::Server || setup.client_auth != crate::model::ClientAuth::None;
    let broken = setup.credentials.is_none()
        && certs::profile(&setup.cert).is_ok_and(|p| p.breaks.is_some());
    (presents && broken).then_some(FaultPoint {
        from,
        msg: Msg::Certificate,
        nth: 0,
    })
}

pub(crate) fn direction_of(role: Role) -> Direction {
    match role {
        Role::Client => Direction::Sent,
        Role::Server => Direction::Received,
    }
}

/// Where the fault's message is in a connection's events.
fn position(events: &[Event], p: FaultPoint) -> Option<usize> {
    let dir = direction_of(p.from);
    let want_hrr = p.msg == Msg::HelloRetryRequest;
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.direction == dir
                && matches!(e.what, What::Handshake { typ, hrr, .. } if typ == p.msg.typ() && (typ != 2 || hrr == want_hrr))
        })
        .nth(p.nth)
        .map(|(i, _)| i)
}

/// What the side under test did after the fault reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// The fault's message is not on the wire (never sent, or in records the transcript
    /// could not decrypt): nothing can be said.
    NotSeen,
    /// The side under test went on: what it sent.
    WentOn(String),
    /// It sent nothing that shows it went on (an alert, a close, or nothing).
    Stopped,
}

/// Whether the side under test `ut` went on past the fault `p` in a connection's events: in
/// the first flight it sent after the fault's message that shows anything, it sent a
/// handshake message or application data and no alert. (A flight that ends in an alert is a
/// rejection, even when the alert follows the side's ServerHello: a TLS 1.3 server may find
/// the fault only once its ServerHello is out, and can then only send the alert protected.)
/// A flight is what the side sent before the counterpart sent anything but a
/// ChangeCipherSpec. A TLS 1.3 NewSessionTicket is no evidence (a server may send it before
/// it reads the client's second flight), nor is a ChangeCipherSpec (middlebox
/// compatibility), nor a protected TLS 1.3 record the transcript could not decrypt (it may
/// be an alert).
pub fn after_fault(events: &[Event], p: FaultPoint, ut: Role) -> After {
    let Some(at) = position(events, p) else {
        return After::NotSeen;
    };
    let dir = direction_of(ut);
    let mut went: Option<String> = None;
    for e in events.iter().skip(at + 1) {
        if e.direction != dir {
            // The counterpart speaks: the side's flight, if it showed anything, is over.
            if went.is_some() && !matches!(e.what, What::Ccs) {
                break;
            }
            continue;
        }
        match &e.what {
            What::Alert { .. } => return After::Stopped,
            What::Handshake {
                typ: 4,
                protected: true,
                ..
            }
            | What::Ccs
            | What::Garbage => {}
            What::Handshake { typ, .. } => {
                went.get_or_insert_with(|| format!("its {}", message_name(*typ)));
            }
            What::AppData(n) if *n > 0 => {
                went.get_or_insert_with(|| format!("{n} bytes of application data"));
            }
            What::AppData(_) => {}
            What::Opaque {
                outer: tls_wire::ContentType::Handshake,
                len,
            } => {
                went.get_or_insert_with(|| format!("a protected handshake record ({len} bytes)"));
            }
            What::Opaque { .. } => {}
        }
    }
    went.map_or(After::Stopped, After::WentOn)
}

/// The name of a handshake message type.
pub fn message_name(typ: u8) -> String {
    match tls_wire::HandshakeType::from(typ) {
        t if t.is_known() => t.name().to_string(),
        _ => format!("handshake message of type {typ}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_wire::AlertDescription;

    fn hs(direction: Direction, typ: u8) -> Event {
        Event {
            direction,
            what: What::Handshake {
                typ,
                hrr: false,
                protected: typ > 2,
            },
        }
    }

    fn point(from: Role, msg: Msg, nth: usize) -> FaultPoint {
        FaultPoint { from, msg, nth }
    }

    fn ccs(direction: Direction) -> Event {
        Event {
            direction,
            what: What::Ccs,
        }
    }

    fn alert(direction: Direction, description: AlertDescription) -> Event {
        Event {
            direction,
            what: What::Alert {
                fatal: true,
                description,
            },
        }
    }

    #[test]
    fn a_client_that_answers_the_faulty_flight_went_on() {
        let p = point(Role::Server, Msg::EncryptedExtensions, 0);
        let events = vec![
            hs(Direction::Sent, 1),
            hs(Direction::Received, 2),
            hs(Direction::Received, 8),
            hs(Direction::Received, 20),
            ccs(Direction::Sent),
            hs(Direction::Sent, 20),
            alert(Direction::Received, AlertDescription::BadRecordMac),
        ];
        assert_eq!(
            after_fault(&events, p, Role::Client),
            After::WentOn("its finished".into())
        );
        let stopped = vec![
            hs(Direction::Sent, 1),
            hs(Direction::Received, 2),
            hs(Direction::Received, 8),
            alert(Direction::Sent, AlertDescription::IllegalParameter),
            hs(Direction::Sent, 20),
        ];
        assert_eq!(
            after_fault(&stopped, p, Role::Client),
            After::Stopped,
            "what follows an alert is not looked at"
        );
        // A server that finds the fault in the ClientHello once its ServerHello is out, and
        // ends that flight with its alert, rejected.
        let ch = point(Role::Client, Msg::ClientHello, 0);
        let late = vec![
            hs(Direction::Sent, 1),
            hs(Direction::Received, 2),
            ccs(Direction::Received),
            hs(Direction::Received, 8),
            alert(Direction::Received, AlertDescription::NoApplicationProtocol),
            ccs(Direction::Sent),
        ];
        assert_eq!(after_fault(&late, ch, Role::Server), After::Stopped);
        let mut on = late.clone();
        on.truncate(4);
        on.push(hs(Direction::Received, 20));
        on.push(hs(Direction::Sent, 20));
        on.push(alert(Direction::Received, AlertDescription::InternalError));
        assert_eq!(
            after_fault(&on, ch, Role::Server),
            After::WentOn("its server_hello".into()),
            "its flight ended without an alert"
        );
        assert_eq!(after_fault(&events[..2], p, Role::Client), After::NotSeen);
    }

    #[test]
    fn the_second_client_hello_and_a_retry_request_are_told_apart() {
        let p = point(Role::Client, Msg::ClientHello, 1);
        let hrr = Event {
            direction: Direction::Received,
            what: What::Handshake {
                typ: 2,
                hrr: true,
                protected: false,
            },
        };
        let events = vec![
            hs(Direction::Sent, 1),
            hrr.clone(),
            hs(Direction::Sent, 1),
            hs(Direction::Received, 2),
        ];
        assert_eq!(
            after_fault(&events, p, Role::Server),
            After::WentOn("its server_hello".into())
        );
        let p = point(Role::Server, Msg::HelloRetryRequest, 0);
        assert_eq!(
            after_fault(&events, p, Role::Client),
            After::WentOn("its client_hello".into())
        );
    }

    fn knobbed_server() -> Setup {
        let mut s = Setup::default();
        s.server_knobs.insert(
            "mutate_encrypted_extensions".into(),
            "duplicate_extension:server_name".into(),
        );
        s.server_knobs
            .insert("mutate_server_hello".into(), "set_random:0".into());
        s
    }

    #[rstest::rstest]
    #[case::server_knobs(
        knobbed_server(),
        Msg::ServerHello,
        "the client has no knobs and a good certificate"
    )]
    #[case::expired_certificate(
        Setup { cert: "expired".into(), ..Setup::default() },
        Msg::Certificate,
        "no client certificate without client authentication"
    )]
    fn fault_points_come_from_the_counterparts_knobs_and_certificates(
        #[case] s: Setup,
        #[case] server_msg: Msg,
        #[case] no_client_point: &str,
    ) {
        assert_eq!(
            fault_point(&s, Role::Client),
            Some(point(Role::Server, server_msg, 0))
        );
        assert_eq!(fault_point(&s, Role::Server), None, "{no_client_point}");
    }
}
