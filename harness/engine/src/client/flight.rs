//! The server's encrypted flight as the client receives it (EncryptedExtensions, a
//! CertificateRequest if any, Certificate, CertificateVerify, Finished; RFC 8446 4.3, 4.4)
//! and the client's answer (its certificate if requested, its Finished).

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use tls_wire::{Extension, ExtensionType, HandshakePayload, SignatureScheme};

use crate::config::{ClientConfig, Step};
use crate::conn::Common;
use crate::crypto::{HashAlg, Suite, sign};
use crate::error::{Error, Misbehaviour as M, misbehave};
use crate::handshake::{
    Received, certificate_message, certificate_verify, chain_der, check_duplicates,
    check_record_size_limit, check_server_alpn, expect_payload, receive_certificate_verify13,
    receive_finished13, record_peer_chain, send, send_finished13, unexpected,
};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::verify;

use super::{ClientState, ClientTraffic, Next};

/// What the client keeps from the ServerHello to its Finished: the config, the suite, the
/// transcript, the key schedule, both handshake traffic secrets and the ALPN protocol.
pub(crate) struct Handshake13 {
    pub(super) config: Arc<ClientConfig>,
    pub(super) suite: Suite,
    pub(super) transcript: Transcript,
    pub(super) ks: KeySchedule,
    pub(super) c_hs: Vec<u8>,
    pub(super) s_hs: Vec<u8>,
    pub(super) alpn: Option<Vec<u8>>,
}

/// The server's EncryptedExtensions next: checked against the extensions we `offered`.
pub(crate) struct ExpectEncryptedExtensions {
    pub(super) hs: Handshake13,
    pub(super) offered: Vec<ExtensionType>,
    /// The server accepted our PSK: no certificate messages follow.
    pub(super) resumed: bool,
}

/// A full handshake: the server's CertificateRequest or Certificate next.
pub(crate) struct ExpectCertificateOrCertReq {
    hs: Handshake13,
}

/// The context and signature schemes of the server's CertificateRequest.
struct CertRequest {
    context: Vec<u8>,
    schemes: Vec<SignatureScheme>,
}

/// The server's Certificate next.
pub(crate) struct ExpectCertificate {
    hs: Handshake13,
    cert_request: Option<CertRequest>,
}

/// The server's CertificateVerify next, checked with `server_cert`.
pub(crate) struct ExpectCertificateVerify {
    hs: Handshake13,
    cert_request: Option<CertRequest>,
    server_cert: CertificateDer<'static>,
}

/// The server's Finished next; then our flight, answering `cert_request`.
pub(crate) struct ExpectFinished {
    hs: Handshake13,
    cert_request: Option<CertRequest>,
}

impl ExpectEncryptedExtensions {
    pub(super) fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut exts = expect_payload!(m, EncryptedExtensions);
        c.reach(Step::Certificate);
        check_duplicates(&c.knobs, &mut exts, "EncryptedExtensions")?;
        for e in &exts {
            self.check_extension(c, e)?;
        }
        let mut hs = self.hs;
        c.negotiated_mut().alpn = hs.alpn.clone();
        if let Some(name) = &hs.config.server_name {
            c.negotiated_mut().server_name = Some(name.clone());
        }
        hs.transcript.add(&m.raw);
        if self.resumed {
            Ok(ClientState::ExpectFinished(Box::new(ExpectFinished {
                hs,
                cert_request: None,
            })))
        } else {
            Ok(ClientState::ExpectCertificateOrCertReq(Box::new(
                ExpectCertificateOrCertReq { hs },
            )))
        }
    }

    /// One EncryptedExtensions entry: offered and allowed there (RFC 8446 4.2); ALPN
    /// (RFC 7301 3.2) and record_size_limit (RFC 8449 4) take effect. One that `bug_ignore`
    /// lets pass as unsolicited or not allowed is ignored.
    fn check_extension(&mut self, c: &mut Common, e: &Extension) -> Result<(), Error> {
        let t = e.typ();
        if !self.offered.contains(&t) {
            if c.knobs.ignores(M::UnsolicitedExtension) {
                return Ok(());
            }
            misbehave!(
                M::UnsolicitedExtension,
                "EncryptedExtensions contains {t} which was not offered"
            );
        }
        match e {
            Extension::ServerName(list) if list.is_empty() => {}
            Extension::SupportedGroups(_) => {}
            Extension::Alpn(protos) => {
                self.hs.alpn = check_server_alpn(&c.knobs, &self.hs.config.alpn, protos)?;
            }
            // The limit counts the inner content type (RFC 8449 4).
            Extension::RecordSizeLimit(v) => {
                if let Some(limit) = check_record_size_limit(&c.knobs, *v)? {
                    c.limit_send_fragment(limit - 1);
                }
            }
            _ if c.knobs.ignores(M::ExtensionNotAllowed) => {}
            _ => {
                misbehave!(
                    M::ExtensionNotAllowed,
                    "{} is not allowed in EncryptedExtensions",
                    e.describe()
                );
            }
        }
        Ok(())
    }
}

impl ExpectCertificateOrCertReq {
    pub(super) fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut hs = self.hs;
        match m.msg.payload {
            HandshakePayload::CertificateRequest(mut cr) => {
                // With `bug_ignore = "bad_certificate_request_context"` our Certificate
                // echoes the context.
                if !cr.context.is_empty() && !c.knobs.ignores(M::BadCertificateRequestContext) {
                    misbehave!(
                        M::BadCertificateRequestContext,
                        "handshake CertificateRequest with non-empty context"
                    );
                }
                check_duplicates(&c.knobs, &mut cr.extensions, "CertificateRequest")?;
                let schemes = cr.extensions.iter().find_map(|e| match e {
                    Extension::SignatureAlgorithms(v) => Some(v.clone()),
                    _ => None,
                });
                let Some(schemes) = schemes else {
                    misbehave!(
                        M::MissingExtension,
                        "CertificateRequest without signature_algorithms"
                    );
                };
                hs.transcript.add(&m.raw);
                Ok(ClientState::ExpectCertificate(Box::new(
                    ExpectCertificate {
                        hs,
                        cert_request: Some(CertRequest {
                            context: cr.context,
                            schemes,
                        }),
                    },
                )))
            }
            HandshakePayload::Certificate(_) => Box::new(ExpectCertificate {
                hs,
                cert_request: None,
            })
            .handle(c, m),
            _ => Err(unexpected("CertificateRequest or Certificate", &m.msg)),
        }
    }
}

impl ExpectCertificate {
    pub(super) fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut cert = expect_payload!(m, Certificate);
        c.reach(Step::Certificate);
        if !cert.context.is_empty() && !c.knobs.ignores(M::BadCertificateRequestContext) {
            misbehave!(
                M::BadCertificateRequestContext,
                "server Certificate with non-empty certificate_request_context"
            );
        }
        if cert.entries.is_empty() {
            misbehave!(M::EmptyCertificate, "server sent an empty Certificate");
        }
        for e in &mut cert.entries {
            check_duplicates(&c.knobs, &mut e.extensions, "CertificateEntry")?;
            if c.knobs.ignores(M::UnsolicitedExtension) {
                continue;
            }
            if let Some(x) = e.extensions.first() {
                misbehave!(
                    M::UnsolicitedExtension,
                    "CertificateEntry contains {} which was not requested",
                    x.typ()
                );
            }
        }
        let chain = chain_der(cert.entries.into_iter().map(|e| e.cert));
        let mut hs = self.hs;
        verify_server_chain(c, &hs.config, &chain)?;
        let server_cert = record_peer_chain(c, chain, "server")?;
        hs.transcript.add(&m.raw);
        Ok(ClientState::ExpectCertificateVerify(Box::new(
            ExpectCertificateVerify {
                hs,
                cert_request: self.cert_request,
                server_cert,
            },
        )))
    }
}

/// The server's chain, to our roots and for our server name, unless verification is off.
pub(crate) fn verify_server_chain(
    c: &Common,
    config: &ClientConfig,
    chain: &[CertificateDer<'static>],
) -> Result<(), Error> {
    if !config.verify_server {
        return Ok(());
    }
    verify::verify_chain(
        chain,
        &config.roots,
        c.now,
        true,
        config
            .server_name
            .as_deref()
            .filter(|_| !c.knobs.bug_skip_hostname_check),
        &config.policy_cache,
        verify::ChainBugs::from_knobs(&c.knobs),
    )
}

impl ExpectCertificateVerify {
    pub(super) fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let Self {
            mut hs,
            cert_request,
            server_cert,
        } = *self;
        if c.knobs.bug_allow_missing_certificate_verify
            && matches!(m.msg.payload, tls_wire::HandshakePayload::Finished(_))
        {
            // The negative control: the server's Finished stands for its CertificateVerify,
            // so the server never proved it holds the certificate's key.
            let next = Box::new(ExpectFinished { hs, cert_request });
            return next.handle(c, m);
        }
        let schemes = &hs.config.signature_schemes;
        let t = &mut hs.transcript;
        receive_certificate_verify13(c, m, hs.suite, t, schemes, &server_cert, true)?;
        Ok(ClientState::ExpectFinished(Box::new(ExpectFinished {
            hs,
            cert_request,
        })))
    }
}

impl ExpectFinished {
    pub(super) fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut hs = self.hs;
        let h = hs.suite.hash();
        receive_finished13(c, m, h, &hs.s_hs, &mut hs.transcript, "server")?;
        hs.ks.advance(None);
        let th = hs.transcript.hash(h);
        let c_ap = hs.ks.derive(b"c ap traffic", &th);
        let s_ap = hs.ks.derive(b"s ap traffic", &th);
        c.set_exporter(h, hs.ks.derive(b"exp master", &th));
        c.set_read_key(hs.suite, s_ap, true)?;
        if let Some(cr) = self.cert_request {
            send_client_certificate(c, &hs.config, cr, h, &mut hs.transcript)?;
        }
        send_finished13(c, h, &hs.c_hs, &mut hs.transcript)?;
        c.set_write_key(hs.suite, c_ap, true)?;
        let res_master = hs.ks.derive(b"res master", &hs.transcript.hash(h));
        c.complete_handshake()?;
        Ok(ClientState::Traffic(Box::new(ClientTraffic {
            config: hs.config,
            suite: hs.suite,
            res_master,
            alpn: hs.alpn,
        })))
    }
}

/// Our answer to a CertificateRequest (RFC 8446 4.4.2, 4.4.3): the configured certificate
/// if its key can sign with a requested scheme (else an empty Certificate), and its
/// CertificateVerify.
fn send_client_certificate(
    c: &mut Common,
    config: &ClientConfig,
    cr: CertRequest,
    h: HashAlg,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let own = config
        .client_auth
        .as_ref()
        .filter(|_| !c.knobs.send_empty_certificate);
    let pick = own.and_then(|ck| {
        ck.signer
            .schemes()
            .iter()
            .copied()
            .find(|s| cr.schemes.contains(&SignatureScheme::from(s.to_u16())))
            .map(|s| (ck, s))
    });
    let mut cert = certificate_message(match &pick {
        Some((ck, _)) => &ck.chain,
        None => &[],
    });
    cert.context = cr.context;
    send(c, HandshakePayload::Certificate(cert), transcript)?;
    if let Some((ck, scheme)) = pick
        && !c.knobs.skip_certificate_verify
    {
        let content = sign::certificate_verify_message(false, &transcript.hash(h));
        let cv = certificate_verify(c, ck, scheme, &content)?;
        send(c, HandshakePayload::CertificateVerify(cv), transcript)?;
    }
    Ok(())
}
