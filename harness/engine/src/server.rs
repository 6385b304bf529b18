//! Server handshake state machine (RFC 8446 2, 4). Here: the states, the ClientHello step
//! and the HelloRetryRequest; `hello`: what the ClientHello asks for and what we choose;
//! `flight`: our flight up to our Finished; `client_flight`: the client's certificate and
//! Finished; `ticket`: session tickets. TLS 1.2 goes on in `server12`.

use std::sync::Arc;

use tls_wire::{
    CipherSuite, ClientHello, Extension, HRR_RANDOM, HandshakePayload, NamedGroup, ProtocolVersion,
};

use crate::config::{ServerConfig, Step};
use crate::conn::Common;
use crate::crypto::{Group, Suite};
use crate::error::Error;
use crate::handshake::{Received, expect_payload, unexpected};
use crate::keyschedule::Transcript;

mod client_flight;
mod flight;
mod hello;
mod ticket;

use client_flight::{ExpectCertificate, ExpectCertificateVerify, ExpectFinished};
use flight::{
    HelloChoice, finish_server_flight, send_certificate_flight, send_encrypted_extensions,
    send_server_hello, send_server_hello13, want_ccs,
};
use hello::{
    ShareChoice, accept_psk, check_hello_syntax, check_hello13, check_tls12_hello,
    choose_key_share, choose_signature_scheme, negotiate_extensions, no_signature_algorithms,
    offers_psk_ke_only, our_version_support, select_version,
};
pub(crate) use hello::{choose_suite, select_alpn};
pub(crate) use ticket::{open_ticket_bytes, seal_ticket_bytes};

/// The server's states. Each `Expect*` state owns what the rest of the handshake needs.
pub(crate) enum ServerState {
    ExpectClientHello(Box<ExpectClientHello>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectFinished(Box<ExpectFinished>),
    /// The handshake is complete: only KeyUpdate may follow.
    Traffic,
    /// TLS 1.2 was negotiated.
    Tls12(crate::server12::State12),
}

/// What a handler of these states returns: the next state, or the error that ends the
/// connection.
type Next = Result<ServerState, Error>;

/// The first (or, after a HelloRetryRequest, the second) ClientHello next.
pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
    hrr: Option<HrrSent>,
}

/// What a HelloRetryRequest fixed, for checking the second ClientHello against it.
struct HrrSent {
    suite: Suite,
    group: Group,
    cookie: Option<Vec<u8>>,
    session_id: Vec<u8>,
    cipher_suites: Vec<CipherSuite>,
    transcript: Transcript,
    ccs_sent: bool,
}

impl ExpectClientHello {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut ch = expect_payload!(m, ClientHello);
        c.reach(Step::ClientHello);
        c.allow_compat_ccs(true);
        c.skip_plaintext_early_data(false);
        let config = self.config.clone();
        c.set_key_log(config.key_log.clone(), ch.random);
        check_hello_syntax(&c.knobs, &mut ch)?;
        let (ours13, ours12) = our_version_support(&config);
        let picked = select_version(&ch, ours13, ours12, c.knobs.bug_negotiate_tls12);
        let picked = match picked {
            // The control `bug_ignore = "no_common_version"`: TLS 1.2 anyway when we have
            // it (any ClientHello parses as one), else TLS 1.3.
            Err(_) if c.knobs.ignores(crate::error::Misbehaviour::NoCommonVersion) => Ok(ours12),
            r => r,
        };
        if picked? {
            check_tls12_hello(&c.knobs, &ch, self.hrr.is_some(), ours13)?;
            return crate::server12::handle_client_hello(config, c, ch, m.raw, ours13);
        }
        check_hello13(&c.knobs, &mut ch, self.hrr.as_ref())?;
        let suite = choose_suite(
            &config,
            &ch,
            Suite::from_u16,
            |_| true,
            "no cipher suite in common",
        )?;
        // psk_ke (RFC 8446 4.2.9), when we take it and the client offers it alone: the PSK
        // decides first; a key share only if it is not taken.
        let psk_ke = c.knobs.accept_psk_ke && offers_psk_ke_only(&ch);
        let share_choice = match psk_ke {
            false => Some(choose_key_share(&config, &ch, self.hrr.as_ref(), suite)?),
            true => None,
        };
        // Without a PSK offered the certificate authenticates: no scheme for it is a
        // plaintext handshake_failure now, before any ServerHello or HelloRetryRequest.
        if ch.psk().is_none() {
            choose_signature_scheme(&config, &ch)?;
        }
        let mut share = match share_choice {
            Some(ShareChoice::Retry(g)) => return self.send_hrr(c, &ch, &m.raw, suite, g),
            Some(ShareChoice::Accept(g, s)) => Some((g, s)),
            None => None,
        };
        let mut transcript = match &self.hrr {
            Some(h) => h.transcript.clone(),
            None => Transcript::new(),
        };
        let h = suite.hash();
        let psk = accept_psk(&config, c.now_secs(), &ch, &m.raw, &transcript, h, psk_ke)?;
        if psk_ke && psk.is_none() {
            // psk_ke offered, its PSK not taken: a full handshake, with a key share.
            share = match choose_key_share(&config, &ch, self.hrr.as_ref(), suite)? {
                ShareChoice::Retry(g) => return self.send_hrr(c, &ch, &m.raw, suite, g),
                ShareChoice::Accept(g, s) => Some((g, s)),
            };
        }
        if psk.is_none()
            && ch.signature_algorithms().is_none()
            && !config
                .knobs
                .ignores(crate::error::Misbehaviour::MissingExtension)
        {
            return Err(no_signature_algorithms());
        }
        let scheme = match psk {
            None => Some(choose_signature_scheme(&config, &ch)?),
            Some(_) => None,
        };
        let exts = negotiate_extensions(c, &config, &ch)?;
        let choice = HelloChoice {
            suite,
            share,
            psk,
            hrr: self.hrr.as_ref().map(|h| h.ccs_sent),
        };
        let secrets = send_server_hello(c, &config, &ch, &m.raw, &choice, &exts, &mut transcript)?;
        let resumed = choice.psk.is_some();
        send_encrypted_extensions(c, &config, &exts, resumed, &mut transcript)?;
        let client_auth = match scheme {
            Some(scheme) => send_certificate_flight(c, &config, scheme, suite, &mut transcript)?,
            None => false,
        };
        let early_data = ch.early_data();
        let hs = finish_server_flight(c, config, suite, secrets, transcript, early_data)?;
        Ok(if client_auth {
            ServerState::ExpectCertificate(Box::new(ExpectCertificate { hs }))
        } else {
            ServerState::ExpectFinished(Box::new(ExpectFinished { hs }))
        })
    }

    #[allow(clippy::boxed_local)]
    fn send_hrr(
        self: Box<Self>,
        c: &mut Common,
        ch: &ClientHello,
        raw: &[u8],
        suite: Suite,
        group: Group,
    ) -> Result<ServerState, Error> {
        let config = self.config;
        let mut transcript = Transcript::new();
        transcript.add(raw);
        transcript.replace_with_message_hash(suite.hash());
        let mut exts = vec![
            Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
            Extension::KeyShareHrr(NamedGroup::from(group.to_u16())),
        ];
        let cookie = if config.send_cookie_on_hrr {
            let mut ck = transcript.bytes().to_vec();
            let r: [u8; 16] = c.random_bytes()?;
            ck.extend_from_slice(&r);
            exts.push(Extension::Cookie(ck.clone()));
            Some(ck)
        } else {
            None
        };
        send_server_hello13(c, ch, HRR_RANDOM, suite, exts, &mut transcript)?;
        let want_ccs = want_ccs(&config, ch);
        if want_ccs {
            c.send_ccs();
        }
        if ch.early_data() {
            c.skip_plaintext_early_data(true);
        }
        let n = c.negotiated_mut();
        n.hrr = true;
        n.cipher_suite = CipherSuite::from(suite.to_u16());
        n.group = Some(NamedGroup::from(group.to_u16()));
        Ok(ServerState::ExpectClientHello(Box::new(
            ExpectClientHello {
                config,
                hrr: Some(HrrSent {
                    suite,
                    group,
                    cookie,
                    session_id: ch.session_id.clone(),
                    cipher_suites: ch.cipher_suites.clone(),
                    transcript,
                    ccs_sent: want_ccs,
                }),
            },
        )))
    }
}

impl ServerState {
    pub(crate) fn start(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let (has13, has12) = our_version_support(&config);
        if !has13 && !has12 {
            return Err(Error::config(
                "no supported cipher suite configured for the enabled versions",
            ));
        }
        if !config
            .groups
            .iter()
            .any(|g| Group::from_u16(g.get()).is_some())
        {
            return Err(Error::config("no supported key exchange group configured"));
        }
        Ok(Self::ExpectClientHello(Box::new(ExpectClientHello {
            config,
            hrr: None,
        })))
    }

    pub(crate) fn handle(self, c: &mut Common, m: Received) -> Result<Self, Error> {
        match self {
            Self::ExpectClientHello(s) => s.handle(c, m),
            Self::ExpectCertificate(s) => s.handle(c, m),
            Self::ExpectCertificateVerify(s) => s.handle(c, m),
            Self::ExpectFinished(s) => s.handle(c, m),
            Self::Tls12(s) => Ok(Self::Tls12(s.handle(c, m)?)),
            Self::Traffic => match m.msg.payload {
                HandshakePayload::KeyUpdate(req) => {
                    c.handle_key_update(req)?;
                    Ok(Self::Traffic)
                }
                _ => Err(unexpected("KeyUpdate", &m.msg)),
            },
        }
    }
}
