//! Client handshake state machine (RFC 8446 2, 4). One `Expect*` state per step; each
//! transition consumes the old state. Here: the states, the first ClientHello's offer and
//! the traffic state; `hello`: ClientHello and ServerHello / HelloRetryRequest; `flight`:
//! the server's encrypted flight and our answer. TLS 1.2 goes on in `client12`.

use std::sync::Arc;

use tls_wire::{CipherSuite, HandshakeMessage, HandshakePayload, ProtocolVersion};

use crate::config::{ClientConfig, Event, Step, StoredSession};
use crate::conn::Common;
use crate::crypto::{Group, KeyShare, Suite, Suite12};
use crate::error::{Error, Misbehaviour as M, misbehave};
use crate::handshake::{Received, check_duplicates, unexpected};
use crate::keyschedule::{KeySchedule, Transcript};

mod flight;
mod hello;

pub(crate) use flight::verify_server_chain;
use flight::{
    ExpectCertificate, ExpectCertificateOrCertReq, ExpectCertificateVerify,
    ExpectEncryptedExtensions, ExpectFinished,
};
pub(crate) use hello::ExpectServerHello;

/// The client's states.
pub(crate) enum ClientState {
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectEncryptedExtensions(Box<ExpectEncryptedExtensions>),
    ExpectCertificateOrCertReq(Box<ExpectCertificateOrCertReq>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic(Box<ClientTraffic>),
    /// TLS 1.2 was negotiated.
    Tls12(crate::client12::State12),
}

/// What a handler of these states returns: the next state, or the error that ends the
/// connection.
type Next = Result<ClientState, Error>;

pub(crate) struct ClientTraffic {
    config: Arc<ClientConfig>,
    suite: Suite,
    res_master: Vec<u8>,
    alpn: Option<Vec<u8>>,
}

/// Whether the ClientHello we send should carry a fake session id + CCS (RFC 8446 D.4).
fn compat(config: &ClientConfig) -> bool {
    config.knobs.send_ccs.unwrap_or(true)
}

/// Whether a TLS 1.2 ClientHello carries session_ticket (RFC 5077).
fn offer_tickets12(config: &ClientConfig) -> bool {
    config.tls12_session_tickets && !config.knobs.skip_session_ticket
}

/// The cipher_suites list of our ClientHello: the configured list minus the suites of a
/// version we do not offer (other values pass through unchanged).
fn offered_suites(config: &ClientConfig, offer13: bool, offer12: bool) -> Vec<CipherSuite> {
    config
        .cipher_suites
        .iter()
        .copied()
        .filter(|s| {
            (offer13 || Suite::from_u16(s.get()).is_none())
                && (offer12 || Suite12::from_u16(s.get()).is_none())
        })
        .collect()
}

impl ClientTraffic {
    fn handle(
        self: Box<Self>,
        c: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<ClientState, Error> {
        match msg.payload {
            HandshakePayload::NewSessionTicket(mut t) => {
                // With `bug_ignore = "ticket_lifetime_too_long"` the ticket is kept.
                if t.lifetime > 604_800 && !c.knobs.ignores(M::TicketLifetimeTooLong) {
                    misbehave!(
                        M::TicketLifetimeTooLong,
                        "ticket_lifetime {} exceeds 7 days",
                        t.lifetime
                    );
                }
                check_duplicates(&c.knobs, &mut t.extensions, "NewSessionTicket")?;
                let psk =
                    KeySchedule::resumption_psk(self.suite.hash(), &self.res_master, &t.nonce);
                let max_early_data = t.max_early_data().unwrap_or(0);
                if t.lifetime > 0 {
                    c.emit(Event::NewTicket(StoredSession {
                        version: ProtocolVersion::TLSv1_3,
                        session_id: Vec::new(),
                        extended_master_secret: false,
                        ticket: t.ticket,
                        psk,
                        cipher_suite: CipherSuite::from(self.suite.to_u16()),
                        lifetime: t.lifetime,
                        age_add: t.age_add,
                        received_at: c.now_secs(),
                        server_name: self.config.server_name.clone(),
                        alpn: self.alpn.clone(),
                        max_early_data,
                    }));
                }
                Ok(ClientState::Traffic(self))
            }
            HandshakePayload::KeyUpdate(req) => {
                c.handle_key_update(req)?;
                Ok(ClientState::Traffic(self))
            }
            _ => Err(unexpected("NewSessionTicket or KeyUpdate", &msg)),
        }
    }
}

impl ClientState {
    /// Build and send the first ClientHello.
    pub(crate) fn start(config: Arc<ClientConfig>, c: &mut Common) -> Result<Self, Error> {
        let offer = VersionOffer::of(&config)?;
        let shares = initial_key_shares(&config, c, offer.offer13)?;
        let random: [u8; 32] = c.random_bytes()?;
        c.set_key_log(config.key_log.clone(), random);
        let send_ccs = compat(&config);
        let now = c.now_secs();
        let session12 = config.resumption.as_ref().filter(|s| {
            s.version == ProtocolVersion::TLSv1_2
                && offer.offer12
                && offer
                    .suites12
                    .iter()
                    .any(|x| x.to_u16() == s.cipher_suite.get())
                && (!s.session_id.is_empty() || (!s.ticket.is_empty() && offer_tickets12(&config)))
                && now < s.received_at.saturating_add(u64::from(s.lifetime))
        });
        let session_id = match session12 {
            // RFC 5246 7.4.1.2: the ID of a session to resume; with a ticket, a fresh ID by
            // which the server's acceptance shows (RFC 5077 3.4).
            Some(s)
                if !s.session_id.is_empty()
                    && (!offer_tickets12(&config) || s.ticket.is_empty()) =>
            {
                s.session_id.clone()
            }
            Some(_) => c.random_bytes::<32>()?.to_vec(),
            None if send_ccs && offer.offer13 => c.random_bytes::<32>()?.to_vec(),
            None => Vec::new(),
        };
        let session12 = session12.cloned();
        let psk = psk_to_offer(&config, &offer, c.now_secs());
        let mut st = ExpectServerHello {
            config,
            random,
            session_id,
            suites: offer.suites,
            shares,
            psk,
            transcript: Transcript::new(),
            offered: Vec::new(),
            hrr: None,
            ccs_sent: false,
            send_ccs,
            offer13: offer.offer13,
            offer12: offer.offer12,
            suites12: offer.suites12,
            session12,
        };
        st.send_client_hello(c, None)?;
        c.reach(Step::ClientHello);
        c.allow_compat_ccs(true);
        Ok(ClientState::ExpectServerHello(Box::new(st)))
    }

    pub(crate) fn handle(self, c: &mut Common, m: Received) -> Result<Self, Error> {
        match self {
            Self::ExpectServerHello(s) => s.handle(c, m),
            Self::ExpectEncryptedExtensions(s) => s.handle(c, m),
            Self::ExpectCertificateOrCertReq(s) => s.handle(c, m),
            Self::ExpectCertificate(s) => s.handle(c, m),
            Self::ExpectCertificateVerify(s) => s.handle(c, m),
            Self::ExpectFinished(s) => s.handle(c, m),
            Self::Traffic(s) => s.handle(c, m.msg),
            Self::Tls12(s) => Ok(Self::Tls12(s.handle(c, m)?)),
        }
    }
}

/// The versions and suites a client offers.
struct VersionOffer {
    suites: Vec<Suite>,
    suites12: Vec<Suite12>,
    offer13: bool,
    offer12: bool,
}

impl VersionOffer {
    fn of(config: &ClientConfig) -> Result<Self, Error> {
        let suites: Vec<Suite> = config
            .cipher_suites
            .iter()
            .filter_map(|s| Suite::from_u16(s.get()))
            .collect();
        let suites12: Vec<Suite12> = config
            .cipher_suites
            .iter()
            .filter_map(|s| Suite12::from_u16(s.get()))
            .collect();
        let offer13 = config.versions.contains(&ProtocolVersion::TLSv1_3) && !suites.is_empty();
        let offer12 = config.versions.contains(&ProtocolVersion::TLSv1_2) && !suites12.is_empty();
        if !offer13 && !offer12 {
            return Err(Error::config(format!(
                "no supported cipher suite configured for the enabled versions {:?}",
                config
                    .versions
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
            )));
        }
        // With a raw supported_versions list (knob), what we can complete follows that list.
        let (offer13, offer12) = match &config.knobs.offer_versions_raw {
            Some(raw) if !raw.is_empty() => (
                offer13 && raw.contains(&ProtocolVersion::TLSv1_3.get()),
                offer12 || (!suites12.is_empty() && raw.contains(&ProtocolVersion::TLSv1_2.get())),
            ),
            _ => (offer13, offer12),
        };
        Ok(Self {
            suites,
            suites12,
            offer13,
            offer12,
        })
    }
}

/// The key shares of the first ClientHello: the configured groups, or the first supported
/// group; none when TLS 1.3 is not offered (or knob `send_empty_key_share`).
fn initial_key_shares(
    config: &ClientConfig,
    c: &Common,
    offer13: bool,
) -> Result<Vec<KeyShare>, Error> {
    let mut share_groups: Vec<Group> = config
        .key_share_groups
        .iter()
        .filter_map(|g| Group::from_u16(g.get()))
        .collect();
    if share_groups.is_empty() {
        share_groups = config
            .groups
            .iter()
            .filter_map(|g| Group::from_u16(g.get()))
            .take(1)
            .collect();
    }
    if share_groups.is_empty() {
        return Err(Error::config("no supported key exchange group configured"));
    }
    if !offer13 || config.knobs.send_empty_key_share {
        share_groups.clear();
    }
    let mut shares = Vec::new();
    for g in share_groups {
        shares.push(
            KeyShare::generate(g, c.random.as_ref()).map_err(|e| Error::internal(e.to_string()))?,
        );
    }
    Ok(shares)
}

/// A TLS 1.3 session to offer as a PSK: fresh, and for the hash of a suite we offer.
fn psk_to_offer(
    config: &ClientConfig,
    offer: &VersionOffer,
    now: u64,
) -> Option<(StoredSession, Suite)> {
    config
        .resumption
        .as_ref()
        .filter(|s| s.version == ProtocolVersion::TLSv1_3 && offer.offer13)
        .and_then(|s| {
            let suite = Suite::from_u16(s.cipher_suite.get())?;
            let fresh = now < s.received_at.saturating_add(u64::from(s.lifetime));
            (fresh && offer.suites.iter().any(|x| x.hash() == suite.hash()))
                .then(|| (s.clone(), suite))
        })
}
