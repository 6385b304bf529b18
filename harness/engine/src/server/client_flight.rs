//! The client's TLS 1.3 flight as the server receives it (RFC 8446 4.4): its Certificate and
//! CertificateVerify if requested, its Finished; then our tickets.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use crate::config::{ClientAuth, ServerConfig, Step};
use crate::conn::Common;
use crate::crypto::Suite;
use crate::error::{Misbehaviour as M, misbehave};
use crate::handshake::{
    Received, chain_der, expect_payload, receive_certificate_verify13, receive_finished13,
    record_peer_chain, unexpected,
};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::verify;

use super::ticket::send_tickets;
use super::{Next, ServerState};

/// What the server keeps for the client's flight: the config, the suite, the transcript,
/// the key schedule (for the resumption master secret), the client's handshake and
/// application traffic secrets.
pub(crate) struct Handshake13 {
    pub(super) config: Arc<ServerConfig>,
    pub(super) suite: Suite,
    pub(super) transcript: Transcript,
    pub(super) ks: KeySchedule,
    pub(super) c_hs: Vec<u8>,
    pub(super) c_ap: Vec<u8>,
}

/// A client certificate was requested: the client's Certificate next.
pub(crate) struct ExpectCertificate {
    pub(super) hs: Handshake13,
}

/// The client sent a certificate: its CertificateVerify next, checked with `client_cert`.
pub(crate) struct ExpectCertificateVerify {
    pub(super) hs: Handshake13,
    pub(super) client_cert: CertificateDer<'static>,
}

/// The client's Finished next.
pub(crate) struct ExpectFinished {
    pub(super) hs: Handshake13,
}

impl ExpectCertificate {
    pub(super) fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let cert = expect_payload!(m, Certificate);
        if !cert.context.is_empty() && !c.knobs.ignores(M::BadCertificateRequestContext) {
            misbehave!(
                M::BadCertificateRequestContext,
                "client Certificate context does not match the CertificateRequest"
            );
        }
        self.hs.transcript.add(&m.raw);
        let (roots, required) = match &self.hs.config.client_auth {
            ClientAuth::None => (&[][..], false),
            ClientAuth::Optional { roots } => (&roots[..], false),
            ClientAuth::Required { roots } => (&roots[..], true),
        };
        if cert.entries.is_empty() {
            if required && !c.knobs.bug_accept_empty_client_certificate {
                misbehave!(
                    M::CertificateRequired,
                    "client sent no certificate but one is required"
                );
            }
            return Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
                hs: self.hs,
            })));
        }
        for e in cert
            .entries
            .iter()
            .filter(|_| !c.knobs.ignores(M::UnsolicitedExtension))
        {
            if let Some(x) = e.extensions.first() {
                misbehave!(
                    M::UnsolicitedExtension,
                    "client CertificateEntry contains {}",
                    x.typ()
                );
            }
        }
        let chain = chain_der(cert.entries.into_iter().map(|e| e.cert));
        let policy = &self.hs.config.policy_cache;
        let bugs = verify::ChainBugs::from_knobs(&c.knobs);
        verify::verify_chain(&chain, roots, c.now, false, None, policy, bugs)?;
        let client_cert = record_peer_chain(c, chain, "client")?;
        c.reach(Step::Certificate);
        Ok(ServerState::ExpectCertificateVerify(Box::new(
            ExpectCertificateVerify {
                hs: self.hs,
                client_cert,
            },
        )))
    }
}

impl ExpectCertificateVerify {
    pub(super) fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let hs = &mut self.hs;
        let schemes = &hs.config.signature_schemes;
        let cert = &self.client_cert;
        receive_certificate_verify13(c, m, hs.suite, &mut hs.transcript, schemes, cert, false)?;
        Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
            hs: self.hs,
        })))
    }
}

impl ExpectFinished {
    pub(super) fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut hs = self.hs;
        let h = hs.suite.hash();
        receive_finished13(c, m, h, &hs.c_hs, &mut hs.transcript, "client")?;
        c.set_read_key(hs.suite, hs.c_ap, true)?;
        let res_master = hs.ks.derive(b"res master", &hs.transcript.hash(h));
        c.complete_handshake()?;
        send_tickets(c, &hs.config, hs.suite, &res_master)?;
        // Knob: a KeyUpdate flood right after the handshake.
        for _ in 0..c.knobs.send_key_updates {
            c.send_key_update(false)?;
        }
        Ok(ServerState::Traffic)
    }
}
