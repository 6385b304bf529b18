//! The handshake step a connection reached, from the handshake messages it exchanged.

use crate::model::{Direction, Step};

/// One handshake message sent or received (its type code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsEvent {
    pub direction: Direction,
    pub typ: u8,
}

/// The last step reached, given the handshake messages seen by one side (in order).
///
/// ClientHello (1) -> `ClientHello`; ServerHello (2) -> `ServerHello`; EncryptedExtensions
/// (8), Certificate (11), CertificateRequest (13) -> `Certificate`; CertificateVerify (15)
/// and TLS 1.2 ServerKeyExchange (12) -> `CertificateVerify`; TLS 1.2 ServerHelloDone (14) and
/// ClientKeyExchange (16) -> `KeyExchange`; Finished (20) -> `Finished`.
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
        assert_eq!(step_of(&[ev(1), ev(2), ev(8), ev(11), ev(15)]), Step::CertificateVerify);
        assert_eq!(step_of(&[ev(1), ev(2), ev(8), ev(11), ev(15), ev(20)]), Step::Finished);
        // A NewSessionTicket (4) after Finished does not move the step back.
        assert_eq!(step_of(&[ev(1), ev(2), ev(20), ev(4)]), Step::Finished);
    }
}
