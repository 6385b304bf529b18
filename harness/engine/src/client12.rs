//! TLS 1.2 client (RFC 5246 7.3, 7.4; RFC 8422 ECDHE; RFC 7627 extended master secret;
//! RFC 5746 renegotiation_info; RFC 5077 session tickets; RFC 8446 4.1.3 downgrade check).

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use tls_wire::{
    AlertDescription, CertificateRequestTls12, CertificateVerify, CipherSuite,
    ClientCertificateType, DOWNGRADE_TLS11, DOWNGRADE_TLS12, Extension, ExtensionType,
    HandshakePayload, ProtocolVersion, ServerHello, SignatureScheme,
};

use crate::client::{ClientState, ExpectServerHello};
use crate::config::{CertifiedKey, ClientConfig, Event, Step, StoredSession};
use crate::conn::Common;
use crate::crypto::{Group, KeyShare, Suite12, sign};
use crate::error::{Error, Misbehaviour as M, misbehave};
use crate::handshake::{
    Received, bad_signature, chain_der, check_record_size_limit, check_server_alpn, expect_payload,
    first_of_each_type, internal, record_peer_chain, send, unexpected12 as unexpected,
};
use crate::handshake12::{
    DEFAULT_SESSION_LIFETIME, Handshake12, Secrets12, chain12, check_scheme, set_negotiated12,
    sign12,
};

/// The TLS 1.2 client states. Each `Expect*` state owns what the rest of the handshake needs.
pub(crate) enum State12 {
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectServerKeyExchange(Box<ExpectServerKeyExchange>),
    ExpectCertReqOrDone(Box<ExpectCertReqOrDone>),
    ExpectDone(Box<ExpectDone>),
    /// NewSessionTicket (if announced) or the server's Finished (after its CCS).
    ExpectTicketOrFinished(Box<ExpectTicketOrFinished>),
    Traffic,
}

/// What a handler of these states returns: the next state, or the error that ends the
/// connection.
type Next = Result<State12, Error>;

/// What the client keeps through the whole TLS 1.2 handshake: the config, what both roles
/// keep, whether the server announced a ticket, and the ALPN protocol.
pub(crate) struct Hs12 {
    config: Arc<ClientConfig>,
    core: Handshake12,
    expect_ticket: bool,
    alpn: Option<Vec<u8>>,
}

/// A full handshake: the server's Certificate next.
pub(crate) struct ExpectCertificate {
    hs: Hs12,
}

/// The server's ServerKeyExchange next, signed with `server_cert` (its end-entity
/// certificate).
pub(crate) struct ExpectServerKeyExchange {
    hs: Hs12,
    server_cert: CertificateDer<'static>,
}

/// Our ECDHE key share and the server's public value, for the key exchange.
struct KeyExchange12 {
    share: KeyShare,
    server_public: Vec<u8>,
}

/// The server's CertificateRequest or ServerHelloDone next.
pub(crate) struct ExpectCertReqOrDone {
    hs: Hs12,
    kx: KeyExchange12,
}

/// The server's ServerHelloDone next; then our flight, answering `cert_request`.
pub(crate) struct ExpectDone {
    hs: Hs12,
    kx: KeyExchange12,
    cert_request: Option<CertificateRequestTls12>,
}

/// The server's NewSessionTicket (if announced) or its Finished next.
pub(crate) struct ExpectTicketOrFinished {
    hs: Hs12,
    new_ticket: Option<(u32, Vec<u8>)>,
    /// The session we resume (ticket kept if no new one arrives).
    session: Option<StoredSession>,
}

/// Which TLS 1.2 ServerHello extensions we understand.
fn allowed_in_sh12(t: ExtensionType) -> bool {
    matches!(
        t,
        ExtensionType::RenegotiationInfo
            | ExtensionType::ExtendedMasterSecret
            | ExtensionType::EcPointFormats
            | ExtensionType::SessionTicket
            | ExtensionType::Alpn
            | ExtensionType::ServerName
            | ExtensionType::RecordSizeLimit
    )
}

/// What a TLS 1.2 ServerHello's extensions negotiate.
struct Sh12Extensions {
    ems: bool,
    expect_ticket: bool,
    alpn: Option<Vec<u8>>,
}

/// The TLS 1.2 ServerHello's random (RFC 8446 4.1.3 downgrade sentinel), cipher suite and
/// compression method.
fn check_hello12(st: &ExpectServerHello, sh: &ServerHello) -> Result<Suite12, Error> {
    // RFC 8446 4.1.3: TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below
    // MUST check that the last 8 bytes are not equal to either of these values.
    let tail = sh.random.get(24..).unwrap_or(&[]);
    if st.offer13
        && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11)
        && !st.config.knobs.ignores(M::DowngradeSentinel)
    {
        misbehave!(
            M::DowngradeSentinel,
            "TLS 1.2 ServerHello.random carries the TLS 1.3 downgrade sentinel (RFC 8446 4.1.3)"
        );
    }
    st.selected_suite(sh, Suite12::from_u16, &st.suites12, true)
}

/// One TLS 1.2 ServerHello extension: offered, understood, and well-formed. One that
/// `bug_ignore` lets pass as unsolicited or not allowed is skipped.
fn sh12_extension(
    st: &ExpectServerHello,
    c: &mut Common,
    e: &Extension,
    out: &mut Sh12Extensions,
) -> Result<(), Error> {
    let k = &st.config.knobs;
    let t = e.typ();
    if !st.offered.contains(&t) {
        if k.ignores(M::UnsolicitedExtension) {
            return Ok(());
        }
        misbehave!(
            M::UnsolicitedExtension,
            "ServerHello contains {t} which was not offered"
        );
    }
    if !allowed_in_sh12(t) {
        if k.ignores(M::ExtensionNotAllowed) {
            return Ok(());
        }
        misbehave!(
            M::ExtensionNotAllowed,
            "{t} is not allowed in a TLS 1.2 ServerHello"
        );
    }
    match e {
        Extension::RenegotiationInfo(v) if !v.is_empty() && !k.ignores(M::BadRenegotiationInfo) => {
            // RFC 5746 3.4
            misbehave!(
                M::BadRenegotiationInfo,
                "renegotiation_info.renegotiated_connection is not empty"
            );
        }
        Extension::ExtendedMasterSecret => out.ems = true,
        Extension::SessionTicket(v) => {
            if !v.is_empty() && !k.ignores(M::BadSessionTicketExtension) {
                misbehave!(
                    M::BadSessionTicketExtension,
                    "ServerHello session_ticket extension is not empty"
                );
            }
            out.expect_ticket = true;
        }
        Extension::Alpn(protos) => out.alpn = check_server_alpn(k, &st.config.alpn, protos)?,
        Extension::RecordSizeLimit(v) => {
            if let Some(limit) = check_record_size_limit(k, *v)? {
                c.limit_send_fragment(limit);
            }
        }
        _ => {}
    }
    Ok(())
}

/// The TLS 1.2 ServerHello's extensions; extended_master_secret is required when offered
/// (RFC 7627 5.2) unless a knob allows its absence.
fn sh12_extensions(
    st: &ExpectServerHello,
    c: &mut Common,
    sh: &mut ServerHello,
) -> Result<Sh12Extensions, Error> {
    let k = &st.config.knobs;
    if k.ignores(M::DuplicateExtension) {
        first_of_each_type(&mut sh.extensions);
    }
    let mut out = Sh12Extensions {
        ems: false,
        expect_ticket: false,
        alpn: None,
    };
    for e in &sh.extensions {
        sh12_extension(st, c, e, &mut out)?;
    }
    if let Some(t) = sh.duplicate_extension() {
        misbehave!(
            M::DuplicateExtension,
            "duplicate extension {t} in ServerHello"
        );
    }
    let ems_offered = st.offered.contains(&ExtensionType::ExtendedMasterSecret);
    let ems_optional = k.allow_no_extended_master_secret || k.ignores(M::NoExtendedMasterSecret);
    if ems_offered && !out.ems && !ems_optional {
        // RFC 7627 5.2
        misbehave!(
            M::NoExtendedMasterSecret,
            "server did not negotiate extended_master_secret (RFC 7627), which we require"
        );
    }
    Ok(out)
}

/// The ServerHello selected TLS 1.2 (no supported_versions, legacy_version 0x0303).
pub(crate) fn handle_server_hello(
    st: Box<ExpectServerHello>,
    c: &mut Common,
    mut sh: ServerHello,
    raw: Vec<u8>,
) -> Result<ClientState, Error> {
    let st = *st;
    let suite = check_hello12(&st, &sh)?;
    let exts = sh12_extensions(&st, c, &mut sh)?;
    let echoed = !st.session_id.is_empty() && sh.session_id == st.session_id;
    let resumed = echoed && st.session12.is_some();
    // With `bug_ignore = "session_id_mismatch"`: a full handshake follows.
    if echoed && !resumed && !st.config.knobs.ignores(M::SessionIdMismatch) {
        misbehave!(
            M::SessionIdMismatch,
            "TLS 1.2 ServerHello echoes a session id for which no session was offered"
        );
    }
    let config = st.config.clone();
    let mut transcript = st.transcript;
    transcript.add(&raw);
    c.use_tls12();
    c.reach(Step::ServerHello);
    set_negotiated12(
        c,
        suite,
        resumed,
        exts.ems,
        exts.alpn.clone(),
        config.server_name.clone(),
    );
    let hs = Hs12 {
        config,
        core: Handshake12 {
            sec: Secrets12 {
                suite,
                client_random: st.random,
                server_random: sh.random,
                master: Vec::new(),
            },
            transcript,
            session_id: sh.session_id.clone(),
            resumed,
            ems: exts.ems,
            keys: None,
        },
        expect_ticket: exts.expect_ticket,
        alpn: exts.alpn,
    };
    if resumed {
        let Some(sess) = st.session12 else {
            return Err(Error::internal("resumed without a session"));
        };
        return hs.resume(c, sess, sh.cipher_suite);
    }
    Ok(ClientState::Tls12(State12::ExpectCertificate(Box::new(
        ExpectCertificate { hs },
    ))))
}

impl State12 {
    pub(crate) fn handle(self, c: &mut Common, m: Received) -> Result<Self, Error> {
        // RFC 5246 7.4.1.1: HelloRequest is ignored while negotiating; after the handshake we
        // refuse renegotiation with a no_renegotiation warning (RFC 5746 4.2 / 5246 7.2.2).
        if matches!(m.msg.payload, HandshakePayload::HelloRequest) {
            if c.is_handshake_complete() {
                c.send_warning(AlertDescription::NoRenegotiation);
            }
            return Ok(self);
        }
        match self {
            Self::ExpectCertificate(s) => s.handle(c, m),
            Self::ExpectServerKeyExchange(s) => s.handle(c, m),
            Self::ExpectCertReqOrDone(s) => s.handle(c, m),
            Self::ExpectDone(s) => s.handle(c, m),
            Self::ExpectTicketOrFinished(s) => s.handle(c, m),
            Self::Traffic => Err(unexpected(
                "no handshake message (renegotiation is refused)",
                &m.msg,
            )),
        }
    }
}

impl Hs12 {
    /// An abbreviated handshake (RFC 5246 7.3): the session's master secret, and the server's
    /// ChangeCipherSpec and Finished next.
    fn resume(
        mut self,
        c: &mut Common,
        sess: StoredSession,
        cipher_suite: CipherSuite,
    ) -> Result<ClientState, Error> {
        if sess.cipher_suite != cipher_suite {
            misbehave!(
                M::ResumptionSuiteMismatch,
                "resumed session with another cipher suite than the original"
            );
        }
        if sess.extended_master_secret
            && !self.core.ems
            && !c.knobs.ignores(M::NoExtendedMasterSecret)
        {
            // RFC 7627 5.3
            misbehave!(
                M::NoExtendedMasterSecret,
                "resumed session used extended_master_secret but the ServerHello lacks it"
            );
        }
        self.core.sec.master = sess.psk.clone();
        self.core.ems = sess.extended_master_secret;
        c.negotiated_mut().extended_master_secret = self.core.ems;
        let kb = self.core.sec.key_block()?;
        c.expect_ccs12(self.core.sec.protection(&kb, false)?);
        self.core.keys = Some(kb);
        Ok(ClientState::Tls12(State12::ExpectTicketOrFinished(
            Box::new(ExpectTicketOrFinished {
                hs: self,
                new_ticket: None,
                session: Some(sess),
            }),
        )))
    }

    /// CertificateVerify: a signature over all handshake messages so far (RFC 5246 7.4.8).
    fn send_certificate_verify(
        &mut self,
        c: &mut Common,
        ck: &CertifiedKey,
        scheme: u16,
    ) -> Result<(), Error> {
        let cv = CertificateVerify {
            scheme: SignatureScheme::from(scheme),
            signature: sign12(c, ck, scheme, self.core.transcript.bytes())?,
        };
        send(
            c,
            HandshakePayload::CertificateVerify(cv),
            &mut self.core.transcript,
        )
    }
}

impl ExpectCertificate {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let chain = expect_payload!(m, CertificateTls12, "Certificate");
        c.reach(Step::Certificate);
        if chain.is_empty() {
            misbehave!(M::EmptyCertificate, "server sent an empty Certificate");
        }
        let mut hs = self.hs;
        let chain = chain_der(chain);
        crate::client::verify_server_chain(c, &hs.config, &chain)?;
        let server_cert = record_peer_chain(c, chain, "server")?;
        hs.core.transcript.add(&m.raw);
        Ok(State12::ExpectServerKeyExchange(Box::new(
            ExpectServerKeyExchange { hs, server_cert },
        )))
    }
}

impl ExpectServerKeyExchange {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let skx = expect_payload!(m, ServerKeyExchange);
        let mut hs = self.hs;
        let group = Group::from_u16(skx.named_group.get())
            .filter(|g| *g != Group::X25519Mlkem768 && hs.config.groups.contains(&skx.named_group));
        let Some(group) = group else {
            misbehave!(
                M::GroupNotOffered,
                "ServerKeyExchange uses group {} which was not offered",
                skx.named_group
            );
        };
        check_scheme(
            &c.knobs,
            hs.core.sec.suite,
            skx.scheme,
            &hs.config.signature_schemes,
            "ServerKeyExchange",
        )?;
        let signed = hs.core.sec.signed_params(&skx.params_bytes());
        if !c.knobs.bug_skip_server_key_exchange_check {
            sign::verify_tls12(&self.server_cert, skx.scheme.get(), &signed, &skx.signature)
                .map_err(|_| bad_signature("ServerKeyExchange", skx.scheme))?;
        }
        c.reach(Step::CertificateVerified);
        let share = KeyShare::generate(group, c.random.as_ref()).map_err(internal)?;
        {
            let n = c.negotiated_mut();
            n.group = Some(skx.named_group);
            n.signature_scheme = Some(skx.scheme);
        }
        hs.core.transcript.add(&m.raw);
        let kx = KeyExchange12 {
            share,
            server_public: skx.public,
        };
        Ok(State12::ExpectCertReqOrDone(Box::new(
            ExpectCertReqOrDone { hs, kx },
        )))
    }
}

impl ExpectCertReqOrDone {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let ExpectCertReqOrDone { mut hs, kx } = *self;
        match m.msg.payload {
            HandshakePayload::CertificateRequestTls12(cr) => {
                hs.core.transcript.add(&m.raw);
                Ok(State12::ExpectDone(Box::new(ExpectDone {
                    hs,
                    kx,
                    cert_request: Some(cr),
                })))
            }
            HandshakePayload::ServerHelloDone => Box::new(ExpectDone {
                hs,
                kx,
                cert_request: None,
            })
            .handle(c, m),
            _ => Err(unexpected("CertificateRequest or ServerHelloDone", &m.msg)),
        }
    }
}

impl ExpectDone {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let HandshakePayload::ServerHelloDone = m.msg.payload else {
            return Err(unexpected("ServerHelloDone", &m.msg));
        };
        let mut hs = self.hs;
        hs.core.transcript.add(&m.raw);
        let share = self.kx.share;
        let pms = crate::handshake::shared_secret(
            &c.knobs,
            share.complete(&self.kx.server_public),
            "server ECDHE public value",
        )?;
        // client Certificate
        let pick = self
            .cert_request
            .as_ref()
            .filter(|_| !c.knobs.send_empty_certificate)
            .and_then(|cr| pick_client_cert(&hs.config, cr));
        if self.cert_request.is_some() {
            let chain = match &pick {
                Some((ck, _)) => chain12(&ck.chain),
                None => Vec::new(),
            };
            send(
                c,
                HandshakePayload::CertificateTls12(chain),
                &mut hs.core.transcript,
            )?;
        }
        // ClientKeyExchange
        let cke = HandshakePayload::ClientKeyExchange(share.public().to_vec());
        send(c, cke, &mut hs.core.transcript)?;
        c.reach(Step::KeyExchange);
        hs.core
            .sec
            .derive_master(c, &pms, hs.core.ems, &hs.core.transcript)?;
        if let Some((ck, scheme)) = pick
            && !c.knobs.skip_certificate_verify
        {
            hs.send_certificate_verify(c, &ck, scheme)?;
        }
        let kb = hs.core.sec.key_block()?;
        hs.core
            .sec
            .send_finished(c, &kb, &mut hs.core.transcript, true)?;
        c.expect_ccs12(hs.core.sec.protection(&kb, false)?);
        hs.core.keys = Some(kb);
        Ok(State12::ExpectTicketOrFinished(Box::new(
            ExpectTicketOrFinished {
                hs,
                new_ticket: None,
                session: None,
            },
        )))
    }
}

/// The certificate and TLS 1.2 scheme answering a CertificateRequest: ours, if its type and
/// a scheme were requested.
fn pick_client_cert(
    config: &ClientConfig,
    cr: &CertificateRequestTls12,
) -> Option<(CertifiedKey, u16)> {
    let ck = config.client_auth.as_ref()?;
    let ty = if ck.signer.is_ecdsa_like() {
        ClientCertificateType::EcdsaSign
    } else {
        ClientCertificateType::RsaSign
    };
    if !cr.certificate_types.contains(&ty) {
        return None;
    }
    ck.signer
        .tls12_schemes()
        .iter()
        .copied()
        .find(|s| cr.signature_schemes.contains(&SignatureScheme::from(*s)))
        .map(|s| (ck.clone(), s))
}

impl ExpectTicketOrFinished {
    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        match m.msg.payload {
            HandshakePayload::NewSessionTicketTls12(t)
                if self.hs.expect_ticket && self.new_ticket.is_none() =>
            {
                if c.read_protected() {
                    misbehave!(
                        M::UnexpectedMessage,
                        "NewSessionTicket after ChangeCipherSpec"
                    );
                }
                self.new_ticket = Some((t.lifetime_hint, t.ticket));
                self.hs.core.transcript.add(&m.raw);
                Ok(State12::ExpectTicketOrFinished(self))
            }
            HandshakePayload::Finished(vd) => self.handle_finished(c, &vd, &m.raw),
            _ => Err(unexpected(
                if self.hs.expect_ticket {
                    "NewSessionTicket"
                } else {
                    "ChangeCipherSpec and Finished"
                },
                &m.msg,
            )),
        }
    }

    /// The server's Finished, after its ChangeCipherSpec (and the announced ticket); when
    /// resuming, our ChangeCipherSpec and Finished follow.
    fn handle_finished(mut self: Box<Self>, c: &mut Common, vd: &[u8], raw: &[u8]) -> Next {
        if self.hs.expect_ticket && self.new_ticket.is_none() {
            misbehave!(
                M::UnexpectedMessage,
                "expected NewSessionTicket (announced in ServerHello), received Finished"
            );
        }
        self.hs.core.receive_finished(c, vd, raw, false)?;
        if self.hs.core.resumed {
            self.hs.core.send_second_finished(c, true)?;
        }
        self.complete(c)?;
        Ok(State12::Traffic)
    }

    fn complete(self: Box<Self>, c: &mut Common) -> Result<(), Error> {
        self.hs.core.sec.start_traffic(c)?;
        let (lifetime, ticket) = match (&self.new_ticket, &self.session) {
            (Some((hint, t)), _) => (
                if *hint == 0 {
                    DEFAULT_SESSION_LIFETIME
                } else {
                    *hint
                },
                t.clone(),
            ),
            (None, Some(s)) => (s.lifetime, s.ticket.clone()),
            (None, None) => (DEFAULT_SESSION_LIFETIME, Vec::new()),
        };
        if self.hs.core.session_id.is_empty() && ticket.is_empty() {
            return Ok(());
        }
        let received_at = match (&self.new_ticket, &self.session) {
            (None, Some(s)) => s.received_at,
            _ => c.now_secs(),
        };
        c.emit(Event::NewTicket(StoredSession {
            version: ProtocolVersion::TLSv1_2,
            ticket,
            psk: self.hs.core.sec.master.clone(),
            session_id: self.hs.core.session_id.clone(),
            extended_master_secret: self.hs.core.ems,
            cipher_suite: CipherSuite::from(self.hs.core.sec.suite.to_u16()),
            lifetime,
            age_add: 0,
            received_at,
            server_name: self.hs.config.server_name.clone(),
            alpn: self.hs.alpn.clone(),
            max_early_data: 0,
        }));
        Ok(())
    }
}
