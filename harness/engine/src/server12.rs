//! TLS 1.2 server (RFC 5246 7.3, 7.4; RFC 8422 ECDHE; RFC 7627 extended master secret;
//! RFC 5746 renegotiation_info; RFC 5077 session tickets and session-id resumption;
//! RFC 8446 4.1.3 downgrade sentinel).

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use tls_wire::AlertDescription as A;
use tls_wire::{
    AlertDescription, CertificateRequestTls12, CipherSuite, ClientCertificateType, ClientHello,
    CompressionMethod, DOWNGRADE_TLS11, DOWNGRADE_TLS12, ECCurveType, ECPointFormat, Extension,
    HandshakeMessage, HandshakePayload, NamedGroup, NewSessionTicketTls12, ProtocolVersion, Reader,
    ServerHello, ServerKeyExchange, SignatureScheme,
};

use crate::config::{ClientAuth, DowngradeSentinel, ServerConfig, ServerSession12, Step};
use crate::conn::Common;
use crate::crypto::{Auth12, Group, KeyShare, Suite12, sign};
use crate::error::{Error, Misbehaviour as M, misbehave, misbehaved};
use crate::handshake::{
    Received, bad_signature, chain_der, expect_payload, internal, record_peer_chain, send,
    unexpected12 as unexpected,
};
use crate::handshake12::{
    DEFAULT_SESSION_LIFETIME, Handshake12, Secrets12, chain12, set_negotiated12, sign12,
};
use crate::keyschedule::Transcript;
use crate::server::{choose_suite, open_ticket_bytes, seal_ticket_bytes};
use crate::verify;

/// The TLS 1.2 server states. Each `Expect*` state owns what the rest of the handshake needs.
pub(crate) enum State12 {
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectClientKeyExchange(Box<ExpectClientKeyExchange>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectFinished(Box<ExpectFinished>),
    Traffic,
}

/// What a handler of these states returns: the next state, or the error that ends the
/// connection.
type Next = Result<State12, Error>;

/// What the server keeps through the whole TLS 1.2 handshake: the config, what both roles
/// keep, and whether it issues a ticket.
pub(crate) struct Hs12 {
    config: Arc<ServerConfig>,
    core: Handshake12,
    issue_ticket: bool,
}

/// A client certificate was requested (with `cert_schemes`): the client's Certificate next.
pub(crate) struct ExpectCertificate {
    hs: Hs12,
    share: KeyShare,
    cert_schemes: Vec<SignatureScheme>,
}

/// The client's ClientKeyExchange next, for our ECDHE `share`; a CertificateVerify follows
/// when the client sent `client_certs`.
pub(crate) struct ExpectClientKeyExchange {
    hs: Hs12,
    share: KeyShare,
    client_certs: Vec<CertificateDer<'static>>,
    cert_schemes: Vec<SignatureScheme>,
}

/// The client's CertificateVerify next, signed with the first of `client_certs` and a
/// scheme of `cert_schemes`.
pub(crate) struct ExpectCertificateVerify {
    hs: Hs12,
    client_certs: Vec<CertificateDer<'static>>,
    cert_schemes: Vec<SignatureScheme>,
}

/// The client's Finished next (after its ChangeCipherSpec); the session keeps `client_certs`.
pub(crate) struct ExpectFinished {
    hs: Hs12,
    client_certs: Vec<CertificateDer<'static>>,
}

const TICKET12_AAD: &[u8] = b"tls-engine ticket12";

fn seal_ticket12(c: &Common, key: &[u8; 32], s: &ServerSession12) -> Result<Vec<u8>, Error> {
    let mut p = Vec::new();
    p.extend_from_slice(&s.cipher_suite.to_be_bytes());
    p.push(u8::from(s.extended_master_secret));
    p.extend_from_slice(&s.created.to_be_bytes());
    p.push(s.master_secret.len() as u8);
    p.extend_from_slice(&s.master_secret);
    seal_ticket_bytes(c, key, TICKET12_AAD, p)
}

fn open_ticket12(key: &[u8; 32], ticket: &[u8]) -> Option<ServerSession12> {
    let plain = open_ticket_bytes(key, TICKET12_AAD, ticket)?;
    let mut r = Reader::new(&plain);
    let cipher_suite = r.u16().ok()?;
    let ems = r.u8().ok()? == 1;
    let created = u64::from_be_bytes(r.array::<8>().ok()?);
    let master_secret = r.opaque_u8().ok()?.to_vec();
    Some(ServerSession12 {
        cipher_suite,
        master_secret,
        extended_master_secret: ems,
        created,
        client_certs: Vec::new(),
    })
}

/// The sentinel bytes to write (RFC 8446 4.1.3), if any.
fn sentinel(knob: Option<DowngradeSentinel>, ours13: bool) -> Option<[u8; 8]> {
    match knob {
        None if ours13 => Some(DOWNGRADE_TLS12),
        None | Some(DowngradeSentinel::Omit) => None,
        Some(DowngradeSentinel::Tls12) => Some(DOWNGRADE_TLS12),
        Some(DowngradeSentinel::Tls11) => Some(DOWNGRADE_TLS11),
        Some(DowngradeSentinel::WrongBytes) => {
            let mut b = DOWNGRADE_TLS12;
            b[7] = 0x02;
            Some(b)
        }
    }
}

/// What a TLS 1.2 ClientHello's extensions ask for.
struct Ch12Extensions<'a> {
    /// Secure renegotiation signalled (RFC 5746 3.6).
    secure_reneg: bool,
    /// extended_master_secret negotiated (RFC 7627).
    ems: bool,
    client_ticket: Option<Vec<u8>>,
    point_formats: Option<&'a [ECPointFormat]>,
}

/// The TLS 1.2 ClientHello's compression methods and extensions (RFC 5246 7.4.1.2, RFC 5746
/// 3.6, RFC 7627 5.2, RFC 8422 5.1.2).
fn ch12_extensions<'a>(c: &Common, ch: &'a ClientHello) -> Result<Ch12Extensions<'a>, Error> {
    let k = &c.knobs;
    if !ch.compression_methods.contains(&CompressionMethod::Null) && !k.ignores(M::BadCompression) {
        misbehave!(
            M::BadCompression,
            "ClientHello compression_methods lacks null (RFC 5246 7.4.1.2)"
        );
    }
    // RFC 5746 3.6: secure renegotiation signalled by the SCSV or an empty extension.
    let mut secure_reneg = ch
        .cipher_suites
        .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    let mut client_ems = false;
    let mut client_ticket: Option<Vec<u8>> = None;
    let mut point_formats: Option<&[ECPointFormat]> = None;
    for e in &ch.extensions {
        match e {
            Extension::RenegotiationInfo(v)
                if !v.is_empty() && !k.ignores(M::BadRenegotiationInfo) =>
            {
                misbehave!(
                    M::BadRenegotiationInfo,
                    "renegotiation_info.renegotiated_connection is not empty in an initial handshake"
                );
            }
            Extension::RenegotiationInfo(_) => secure_reneg = true,
            Extension::ExtendedMasterSecret => client_ems = true,
            Extension::SessionTicket(t) => client_ticket = Some(t.clone()),
            Extension::EcPointFormats(f) => point_formats = Some(f),
            _ => {}
        }
    }
    if !client_ems
        && !k.allow_no_extended_master_secret
        && !k.skip_extended_master_secret
        && !k.ignores(M::NoExtendedMasterSecret)
    {
        // RFC 7627 5.2
        misbehave!(
            M::NoExtendedMasterSecret,
            "client does not offer extended_master_secret (RFC 7627), which we require"
        );
    }
    if let Some(f) = point_formats
        && !f.contains(&ECPointFormat::Uncompressed)
        && !k.ignores(M::NoUncompressedPointFormat)
    {
        // RFC 8422 5.1.2
        misbehave!(
            M::NoUncompressedPointFormat,
            "ec_point_formats does not contain uncompressed"
        );
    }
    Ok(Ch12Extensions {
        secure_reneg,
        ems: client_ems && !c.knobs.skip_extended_master_secret,
        client_ticket,
        point_formats,
    })
}

/// Resumption: a ticket (RFC 5077 3.1) first, then the session id (RFC 5246 7.3).
fn find_session12(
    config: &ServerConfig,
    now: u64,
    ch: &ClientHello,
    exts: &Ch12Extensions<'_>,
    key_ecdsa: bool,
) -> Option<ServerSession12> {
    // RFC 5246 7.4.1.3: a resumed session keeps its cipher suite, which the client must offer
    // and we must still allow.
    let usable = |s: &ServerSession12| {
        ch.cipher_suites.iter().any(|x| x.get() == s.cipher_suite)
            && config.cipher_suites.iter().any(|x| x.get() == s.cipher_suite)
            && Suite12::from_u16(s.cipher_suite).is_some_and(|x| (x.auth() == Auth12::Ecdsa) == key_ecdsa)
            && now.saturating_sub(s.created) <= u64::from(config.ticket_lifetime)
            // RFC 7627 5.3: resume only with the same EMS state (else a full handshake).
            && s.extended_master_secret == exts.ems
    };
    let mut resumed: Option<ServerSession12> = None;
    if let Some(t) = exts.client_ticket.as_ref().filter(|t| !t.is_empty()) {
        resumed = open_ticket12(&config.ticket_key, t).filter(|s| usable(s));
    }
    if resumed.is_none() && !ch.session_id.is_empty() {
        resumed = config
            .session_cache
            .get(&ch.session_id)
            .filter(|s| usable(s));
    }
    resumed
}

/// The TLS 1.2 ServerHello's extensions.
fn sh12_extensions(
    c: &Common,
    exts: &Ch12Extensions<'_>,
    issue_ticket: bool,
    alpn: Option<&Vec<u8>>,
    ack_sni: bool,
) -> Vec<Extension> {
    let mut out = Vec::new();
    if exts.secure_reneg && !c.knobs.skip_renegotiation_info {
        out.push(Extension::RenegotiationInfo(Vec::new()));
    }
    if exts.ems {
        out.push(Extension::ExtendedMasterSecret);
    }
    if exts.point_formats.is_some() {
        out.push(Extension::EcPointFormats(vec![ECPointFormat::Uncompressed]));
    }
    if issue_ticket {
        out.push(Extension::SessionTicket(Vec::new()));
    }
    if let Some(p) = alpn {
        out.push(Extension::Alpn(vec![p.clone()]));
    }
    if ack_sni {
        out.push(Extension::ServerName(Vec::new()));
    }
    out
}

/// ServerHello.random, with the downgrade sentinel (RFC 8446 4.1.3) as the knob says; the
/// silent downgrade of `bug_negotiate_tls12` writes none.
fn server_random12(c: &Common, ours13: bool) -> Result<[u8; 32], Error> {
    let mut server_random: [u8; 32] = c.random_bytes()?;
    let ours13 = ours13 && !c.knobs.bug_negotiate_tls12;
    if let Some(s) = sentinel(c.knobs.downgrade_sentinel, ours13) {
        server_random[24..].copy_from_slice(&s);
    }
    Ok(server_random)
}

/// A ClientHello for which TLS 1.2 was negotiated.
pub(crate) fn handle_client_hello(
    config: Arc<ServerConfig>,
    c: &mut Common,
    ch: ClientHello,
    raw: Vec<u8>,
    ours13: bool,
) -> Result<crate::server::ServerState, Error> {
    c.use_tls12();
    c.allow_compat_ccs(false);
    let exts = ch12_extensions(c, &ch)?;
    let key_ecdsa = config.cert.signer.is_ecdsa_like();
    // A full handshake: a suite our certificate can sign for.
    let fits = |s: &Suite12| (s.auth() == Auth12::Ecdsa) == key_ecdsa;
    let none = "no TLS 1.2 cipher suite in common for our certificate";
    let fresh_suite = choose_suite(&config, &ch, Suite12::from_u16, fits, none)?;
    let alpn = crate::server::select_alpn(&config, &ch)?;
    let sni = ch.server_name().map(|n| String::from_utf8_lossy(n).into());
    let resumed = find_session12(&config, c.now_secs(), &ch, &exts, key_ecdsa);
    // Without a group and scheme for a full handshake: no ServerHello (RFC 5246 7.4.1.3).
    let kx = match (&resumed, choose_kx12(&config, &ch)) {
        (None, Err(e)) => return Err(e),
        (_, kx) => kx,
    };
    let suite = resumed
        .as_ref()
        .and_then(|s| Suite12::from_u16(s.cipher_suite))
        .unwrap_or(fresh_suite);
    let issue_ticket = resumed.is_none()
        && exts.client_ticket.is_some()
        && config.tls12_tickets
        && !c.knobs.skip_session_ticket;

    let server_random = server_random12(c, ours13)?;
    let session_id = match &resumed {
        Some(_) => ch.session_id.clone(),
        None => c.random_bytes::<32>()?.to_vec(),
    };
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: server_random,
        session_id: session_id.clone(),
        cipher_suite: CipherSuite::from(suite.to_u16()),
        compression_method: CompressionMethod::Null,
        extensions: sh12_extensions(
            c,
            &exts,
            issue_ticket,
            alpn.as_ref(),
            sni.is_some() && resumed.is_none(),
        ),
        extensions_present: true,
    };
    let mut transcript = Transcript::new();
    transcript.add(&raw);
    let b = c.send_handshake(&HandshakeMessage::new(HandshakePayload::ServerHello(sh)))?;
    transcript.add(&b);
    c.reach(Step::ServerHello);
    set_negotiated12(c, suite, resumed.is_some(), exts.ems, alpn, sni);
    let hs = Hs12 {
        config,
        core: Handshake12 {
            sec: Secrets12 {
                suite,
                client_random: ch.random,
                server_random,
                master: Vec::new(),
            },
            transcript,
            session_id,
            resumed: resumed.is_some(),
            ems: exts.ems,
            keys: None,
        },
        issue_ticket,
    };
    match resumed {
        Some(sess) => hs.resume(c, sess),
        None => hs.full_handshake(c, kx?),
    }
}

/// The ECDHE group and the ServerKeyExchange signature scheme of a full handshake: ours, in
/// our order, that the client offered (RFC 8422 5.1.1: without supported_groups, any curve)
/// and that our key can sign with.
fn choose_kx12(config: &ServerConfig, ch: &ClientHello) -> Result<(Group, u16), Error> {
    let client_groups = ch.supported_groups();
    // The controls `bug_ignore = "no_common_group"` / `"no_common_signature_scheme"`: with
    // none in common, our first.
    let k = &config.knobs;
    let group = |offered_only: bool| {
        config
            .groups
            .iter()
            .filter(|g| !offered_only || client_groups.is_none_or(|cg| cg.contains(g)))
            .filter_map(|g| Group::from_u16(g.get()))
            .find(|g| *g != Group::X25519Mlkem768)
    };
    let group = group(true)
        .or_else(|| group(false).filter(|_| k.ignores(M::NoCommonGroup)))
        .ok_or_else(|| misbehaved(M::NoCommonGroup, "no ECDHE group in common"))?;
    let offered_schemes = ch.signature_algorithms().unwrap_or(&[]);
    let scheme = |offered_only: bool| {
        config
            .signature_schemes
            .iter()
            .filter(|s| !offered_only || offered_schemes.contains(s))
            .map(|s| s.get())
            .find(|s| config.cert.signer.tls12_schemes().contains(s))
    };
    let scheme = scheme(true)
        .or_else(|| scheme(false).filter(|_| k.ignores(M::NoCommonSignatureScheme)))
        .ok_or_else(|| {
            misbehaved(
                M::NoCommonSignatureScheme,
                "no signature scheme in common for the server certificate (TLS 1.2)",
            )
        })?;
    Ok((group, scheme))
}

impl State12 {
    pub(crate) fn handle(self, c: &mut Common, m: Received) -> Result<Self, Error> {
        match self {
            Self::ExpectCertificate(s) => s.handle(c, m),
            Self::ExpectClientKeyExchange(s) => s.handle(c, m),
            Self::ExpectCertificateVerify(s) => s.handle(c, m),
            Self::ExpectFinished(s) => s.handle(c, m),
            Self::Traffic => match m.msg.payload {
                // RFC 5746 4.4 / RFC 5246 7.2.2: refuse renegotiation with a warning.
                HandshakePayload::ClientHello(_) => {
                    c.send_warning(AlertDescription::NoRenegotiation);
                    Ok(Self::Traffic)
                }
                _ => Err(unexpected(
                    "no handshake message after the TLS 1.2 handshake",
                    &m.msg,
                )),
            },
        }
    }
}

impl Hs12 {
    /// Abbreviated handshake: ServerHello, ChangeCipherSpec, Finished.
    fn resume(
        mut self,
        c: &mut Common,
        sess: ServerSession12,
    ) -> Result<crate::server::ServerState, Error> {
        self.core.sec.master = sess.master_secret;
        let kb = self.core.sec.key_block()?;
        self.core
            .sec
            .send_finished(c, &kb, &mut self.core.transcript, false)?;
        c.expect_ccs12(self.core.sec.protection(&kb, true)?);
        self.core.keys = Some(kb);
        Ok(crate::server::ServerState::Tls12(State12::ExpectFinished(
            Box::new(ExpectFinished {
                hs: self,
                client_certs: Vec::new(),
            }),
        )))
    }

    /// A full handshake: our flight; then the client's Certificate if we requested one, else
    /// its ClientKeyExchange.
    fn full_handshake(
        mut self,
        c: &mut Common,
        kx: (Group, u16),
    ) -> Result<crate::server::ServerState, Error> {
        let (share, cert_schemes) = self.send_full_flight(c, kx)?;
        let hs = self;
        Ok(crate::server::ServerState::Tls12(match cert_schemes {
            Some(cert_schemes) => State12::ExpectCertificate(Box::new(ExpectCertificate {
                hs,
                share,
                cert_schemes,
            })),
            None => State12::ExpectClientKeyExchange(Box::new(ExpectClientKeyExchange {
                hs,
                share,
                client_certs: Vec::new(),
                cert_schemes: Vec::new(),
            })),
        }))
    }

    /// Full handshake: Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
    /// Returns our ECDHE share and, when a client certificate was requested, the schemes
    /// requested for it.
    fn send_full_flight(
        &mut self,
        c: &mut Common,
        kx: (Group, u16),
    ) -> Result<(KeyShare, Option<Vec<SignatureScheme>>), Error> {
        let config = self.config.clone();
        let chain = chain12(&config.cert.chain);
        send(
            c,
            HandshakePayload::CertificateTls12(chain),
            &mut self.core.transcript,
        )?;
        c.reach(Step::Certificate);
        let share = self.send_server_key_exchange(c, kx)?;
        let client_auth = !matches!(config.client_auth, ClientAuth::None);
        let mut cert_schemes = None;
        if client_auth {
            let schemes: Vec<SignatureScheme> = config
                .signature_schemes
                .iter()
                .copied()
                .filter(|s| sign::TLS12_SCHEMES.contains(&s.get()))
                .collect();
            cert_schemes = Some(schemes.clone());
            let cr = CertificateRequestTls12 {
                certificate_types: vec![
                    ClientCertificateType::EcdsaSign,
                    ClientCertificateType::RsaSign,
                ],
                signature_schemes: schemes,
                ca_names: Vec::new(),
            };
            let cr = HandshakePayload::CertificateRequestTls12(cr);
            send(c, cr, &mut self.core.transcript)?;
        }
        send(
            c,
            HandshakePayload::ServerHelloDone,
            &mut self.core.transcript,
        )?;
        Ok((share, cert_schemes))
    }

    /// ServerKeyExchange (RFC 8422 5.4): our ECDHE share in the group chosen at the
    /// ClientHello, signed with the scheme chosen there ([`choose_kx12`]).
    fn send_server_key_exchange(
        &mut self,
        c: &mut Common,
        (group, scheme): (Group, u16),
    ) -> Result<KeyShare, Error> {
        let config = &self.config;
        let share = KeyShare::generate(group, c.random.as_ref()).map_err(internal)?;
        let mut skx = ServerKeyExchange {
            curve_type: ECCurveType::NamedCurve,
            named_group: NamedGroup::from(group.to_u16()),
            public: share.public().to_vec(),
            scheme: SignatureScheme::from(scheme),
            signature: Vec::new(),
        };
        let signed = self.core.sec.signed_params(&skx.params_bytes());
        skx.signature = sign12(c, &config.cert, scheme, &signed)?;
        let skx = HandshakePayload::ServerKeyExchange(skx);
        send(c, skx, &mut self.core.transcript)?;
        c.negotiated_mut().group = Some(NamedGroup::from(group.to_u16()));
        Ok(share)
    }
    fn roots(&self) -> (&[CertificateDer<'static>], bool) {
        match &self.config.client_auth {
            ClientAuth::None => (&[], false),
            ClientAuth::Optional { roots } => (roots, false),
            ClientAuth::Required { roots } => (roots, true),
        }
    }
}

impl ExpectCertificate {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let chain = expect_payload!(m, CertificateTls12, "Certificate");
        let ExpectCertificate {
            mut hs,
            share,
            cert_schemes,
        } = *self;
        hs.core.transcript.add(&m.raw);
        let (roots, required) = hs.roots();
        let mut client_certs = Vec::new();
        if chain.is_empty() {
            if required && !c.knobs.bug_accept_empty_client_certificate {
                // RFC 5246 7.4.6: ... respond with a fatal handshake_failure alert.
                return Err(Error::peer_misbehaved(
                    A::HandshakeFailure,
                    M::CertificateRequired,
                    "client sent no certificate but one is required",
                ));
            }
        } else {
            let chain = chain_der(chain);
            let cache = &hs.config.policy_cache;
            let bugs = verify::ChainBugs::from_knobs(&c.knobs);
            verify::verify_chain(&chain, roots, c.now, false, None, cache, bugs)?;
            client_certs = chain.clone();
            record_peer_chain(c, chain, "client")?;
            c.reach(Step::Certificate);
        }
        Ok(State12::ExpectClientKeyExchange(Box::new(
            ExpectClientKeyExchange {
                hs,
                share,
                client_certs,
                cert_schemes,
            },
        )))
    }
}

impl ExpectClientKeyExchange {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let public = expect_payload!(m, ClientKeyExchange);
        let mut hs = self.hs;
        let pms = crate::handshake::shared_secret(
            &c.knobs,
            self.share.complete(&public),
            "client ECDHE public value",
        )?;
        hs.core.transcript.add(&m.raw);
        c.reach(Step::KeyExchange);
        hs.core
            .sec
            .derive_master(c, &pms, hs.core.ems, &hs.core.transcript)?;
        let kb = hs.core.sec.key_block()?;
        c.expect_ccs12(hs.core.sec.protection(&kb, true)?);
        hs.core.keys = Some(kb);
        let client_certs = self.client_certs;
        Ok(if client_certs.is_empty() {
            State12::ExpectFinished(Box::new(ExpectFinished { hs, client_certs }))
        } else {
            State12::ExpectCertificateVerify(Box::new(ExpectCertificateVerify {
                hs,
                client_certs,
                cert_schemes: self.cert_schemes,
            }))
        })
    }
}

impl ExpectCertificateVerify {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let cv = expect_payload!(m, CertificateVerify);
        if c.read_protected() {
            misbehave!(
                M::UnexpectedMessage,
                "CertificateVerify after ChangeCipherSpec"
            );
        }
        if !self.cert_schemes.contains(&cv.scheme) && !c.knobs.ignores(M::SignatureSchemeNotOffered)
        {
            misbehave!(
                M::SignatureSchemeNotOffered,
                "client CertificateVerify uses {} which was not requested",
                cv.scheme
            );
        }
        let mut hs = self.hs;
        let ee = self
            .client_certs
            .first()
            .ok_or_else(|| Error::internal("no client certificate"))?;
        sign::verify_tls12(
            ee,
            cv.scheme.get(),
            hs.core.transcript.bytes(),
            &cv.signature,
        )
        .map_err(|_| bad_signature("client CertificateVerify", cv.scheme))?;
        c.negotiated_mut().signature_scheme = Some(cv.scheme);
        c.reach(Step::CertificateVerified);
        hs.core.transcript.add(&m.raw);
        Ok(State12::ExpectFinished(Box::new(ExpectFinished {
            hs,
            client_certs: self.client_certs,
        })))
    }
}

impl ExpectFinished {
    /// A full handshake's session: in a NewSessionTicket (RFC 5077 3.3) or the session-id
    /// cache.
    fn save_session(&mut self, c: &mut Common) -> Result<(), Error> {
        let session = ServerSession12 {
            cipher_suite: self.hs.core.sec.suite.to_u16(),
            master_secret: self.hs.core.sec.master.clone(),
            extended_master_secret: self.hs.core.ems,
            created: c.now_secs(),
            client_certs: self.client_certs.clone(),
        };
        if !self.hs.issue_ticket {
            self.hs
                .config
                .session_cache
                .put(self.hs.core.session_id.clone(), session);
            return Ok(());
        }
        let ticket = seal_ticket12(c, &self.hs.config.ticket_key, &session)?;
        let lifetime_hint = if self.hs.config.ticket_lifetime == 0 {
            DEFAULT_SESSION_LIFETIME
        } else {
            self.hs.config.ticket_lifetime
        };
        let nst = NewSessionTicketTls12 {
            lifetime_hint,
            ticket,
        };
        let nst = HandshakePayload::NewSessionTicketTls12(nst);
        send(c, nst, &mut self.hs.core.transcript)
    }

    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let expected = if c.read_protected() {
            "Finished"
        } else {
            "ChangeCipherSpec"
        };
        let vd = expect_payload!(m, Finished, expected);
        self.hs.core.receive_finished(c, &vd, &m.raw, true)?;
        if !self.hs.core.resumed {
            self.save_session(c)?;
            self.hs.core.send_second_finished(c, false)?;
        }
        self.hs.core.sec.start_traffic(c)?;
        if c.knobs.send_hello_request {
            c.send_handshake(&HandshakeMessage::new(HandshakePayload::HelloRequest))?;
        }
        Ok(State12::Traffic)
    }
}
