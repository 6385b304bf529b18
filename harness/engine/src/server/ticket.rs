//! Our TLS 1.3 session tickets (RFC 8446 4.6.1): sealed with our ticket key, opened when a
//! client offers one as a PSK. The AEAD sealing serves TLS 1.2 tickets too.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use tls_wire::{HandshakeMessage, HandshakePayload, NewSessionTicket, Reader};

use crate::config::ServerConfig;
use crate::conn::Common;
use crate::crypto::Suite;
use crate::error::Error;
use crate::keyschedule::KeySchedule;

/// The decrypted content of one of our session tickets.
pub(super) struct TicketState {
    pub(super) suite: Suite,
    pub(super) psk: Vec<u8>,
    pub(super) issued: u64,
    pub(super) age_add: u32,
    pub(super) lifetime: u32,
}

pub(crate) fn ticket_key(key: &[u8; 32]) -> Result<LessSafeKey, Error> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| Error::internal("ticket key"))
}

/// A ticket: a fresh 12-byte nonce, then `plain` sealed with AES-256-GCM under our ticket
/// `key` and `aad`.
pub(crate) fn seal_ticket_bytes(
    c: &Common,
    key: &[u8; 32],
    aad: &'static [u8],
    mut plain: Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let nonce: [u8; 12] = c.random_bytes()?;
    ticket_key(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut plain,
        )
        .map_err(|_| Error::internal("ticket seal"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&plain);
    Ok(out)
}

/// The plaintext of one of our tickets, or `None` for anything else.
pub(crate) fn open_ticket_bytes(
    key: &[u8; 32],
    aad: &'static [u8],
    ticket: &[u8],
) -> Option<Vec<u8>> {
    if ticket.len() < 12 + 16 {
        return None;
    }
    let (nonce, ct) = ticket.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let mut buf = ct.to_vec();
    let plain = ticket_key(key)
        .ok()?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .ok()?;
    Some(plain.to_vec())
}

pub(super) const TICKET13_AAD: &[u8] = b"tls-engine ticket";

pub(super) fn seal_ticket(c: &Common, key: &[u8; 32], t: &TicketState) -> Result<Vec<u8>, Error> {
    let mut p = Vec::new();
    p.extend_from_slice(&t.suite.to_u16().to_be_bytes());
    p.push(t.psk.len() as u8);
    p.extend_from_slice(&t.psk);
    p.extend_from_slice(&t.issued.to_be_bytes());
    p.extend_from_slice(&t.age_add.to_be_bytes());
    p.extend_from_slice(&t.lifetime.to_be_bytes());
    seal_ticket_bytes(c, key, TICKET13_AAD, p)
}

pub(super) fn open_ticket(key: &[u8; 32], ticket: &[u8]) -> Option<TicketState> {
    let plain = open_ticket_bytes(key, TICKET13_AAD, ticket)?;
    let mut r = Reader::new(&plain);
    let suite = Suite::from_u16(r.u16().ok()?)?;
    let psk = r.opaque_u8().ok()?.to_vec();
    let issued = u64::from_be_bytes(r.array::<8>().ok()?);
    let age_add = r.u32().ok()?;
    let lifetime = r.u32().ok()?;
    Some(TicketState {
        suite,
        psk,
        issued,
        age_add,
        lifetime,
    })
}

/// The configured number of NewSessionTickets (RFC 8446 4.6.1), each sealing its PSK.
pub(super) fn send_tickets(
    c: &mut Common,
    config: &ServerConfig,
    suite: Suite,
    res_master: &[u8],
) -> Result<(), Error> {
    for i in 0..config.tickets {
        let nonce = vec![i];
        let age_add = u32::from_be_bytes(c.random_bytes()?);
        let psk = KeySchedule::resumption_psk(suite.hash(), res_master, &nonce);
        let state = TicketState {
            suite,
            psk,
            issued: c.now_secs(),
            age_add,
            lifetime: config.ticket_lifetime,
        };
        let ticket = seal_ticket(c, &config.ticket_key, &state)?;
        let nst = NewSessionTicket {
            lifetime: state.lifetime,
            age_add,
            nonce,
            ticket,
            extensions: Vec::new(),
        };
        c.send_handshake(&HandshakeMessage::new(HandshakePayload::NewSessionTicket(
            nst,
        )))?;
    }
    Ok(())
}
