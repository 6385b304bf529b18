//! The handshake step a connection reached, from the handshake messages it exchanged.

use crate::model::{AlertDescription, Direction, Step};

/// One handshake message sent or received (its type code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsEvent {
    pub direction: Direction,
    pub typ: u8,
}

/// The last step reached, given the handshake messages seen by one side (in order): each
/// message moves to the step [`Step`] says it starts.
pub fn step_of(events: &[HsEvent]) -> Step {
    events.iter().fold(Step::Tcp, |step, e| {
        let s = match e.typ {
            1 => Step::ClientHello,
            2 => Step::ServerHello,
            8 | 11 | 13 => Step::Certificate,
            12 | 15 => Step::CertificateVerify,
            14 | 16 => Step::KeyExchange,
            20 => Step::Finished,
            _ => step,
        };
        step.max(s)
    })
}

/// Alerts that say certificate verification failed (RFC 8446 6.2, RFC 5246 7.2.2).
const CERTIFICATE_ALERTS: &[AlertDescription] = &[
    AlertDescription::BadCertificate,
    AlertDescription::UnsupportedCertificate,
    AlertDescription::CertificateRevoked,
    AlertDescription::CertificateExpired,
    AlertDescription::CertificateUnknown,
    AlertDescription::UnknownCa,
    AlertDescription::CertificateRequired,
];

/// The step a side failed at, given the step its messages reached and the alert it sent
/// (its IANA name, as outcomes carry it).
///
/// A library may read ahead before verifying (OpenSSL reads a whole TLS 1.2 server flight
/// before it checks the certificate); a certificate alert it sends still means the
/// connection failed at certificate verification.
pub fn failed_step(reached: Step, alert_sent: Option<AlertDescription>) -> Step {
    match alert_sent {
        Some(a) if CERTIFICATE_ALERTS.contains(&a) => Step::Certificate,
        _ => reached,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(typ: u8) -> HsEvent {
        HsEvent {
            direction: Direction::Received,
            typ,
        }
    }

    #[test]
    fn steps_follow_messages() {
        assert_eq!(step_of(&[]), Step::Tcp);
        assert_eq!(step_of(&[ev(1)]), Step::ClientHello);
        assert_eq!(step_of(&[ev(1), ev(2), ev(8), ev(11)]), Step::Certificate);
        assert_eq!(
            step_of(&[ev(1), ev(2), ev(8), ev(11), ev(15)]),
            Step::CertificateVerify
        );
        assert_eq!(
            step_of(&[ev(1), ev(2), ev(8), ev(11), ev(15), ev(20)]),
            Step::Finished
        );
        // A NewSessionTicket (4) after Finished does not move the step back.
        assert_eq!(step_of(&[ev(1), ev(2), ev(20), ev(4)]), Step::Finished);
    }

    #[test]
    fn certificate_alerts_fail_at_the_certificate_step() {
        assert_eq!(
            failed_step(
                Step::KeyExchange,
                Some(AlertDescription::CertificateExpired)
            ),
            Step::Certificate
        );
        assert_eq!(
            failed_step(Step::KeyExchange, Some(AlertDescription::DecryptError)),
            Step::KeyExchange
        );
        assert_eq!(failed_step(Step::ServerHello, None), Step::ServerHello);
    }
}
