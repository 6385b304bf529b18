//! Client handshake state machine (RFC 8446 2, 4). One `Expect*` state per step; each
//! transition consumes the old state.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use tls_wire::AlertDescription as A;
use tls_wire::{
    CipherSuite, ClientHello, CompressionMethod, ECPointFormat, Extension, ExtensionType,
    HandshakeMessage, HandshakePayload, KeyShareEntry, NamedGroup, OfferedPsks, ProtocolVersion,
    PskIdentity, PskKeyExchangeMode, ServerHello, ServerNameEntry, SignatureScheme,
};

use crate::config::{ClientConfig, Event, Step, StoredSession};
use crate::conn::Common;
use crate::crypto::{Group, HashAlg, KeyShare, Suite, Suite12, sign};
use crate::error::{Error, Misbehaviour as M, err};
use crate::handshake::{
    Received, certificate_message, certificate_verify, chain_der, check_certificate_verify13,
    check_duplicates, check_hello_legacy, check_record_size_limit, check_server_alpn,
    receive_finished13, record_peer_chain, send, send_finished13, unexpected,
};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::verify;

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

pub(crate) struct ExpectServerHello {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    suites: Vec<Suite>,
    shares: Vec<KeyShare>,
    psk: Option<(StoredSession, Suite)>,
    pub(crate) transcript: Transcript,
    pub(crate) offered: Vec<ExtensionType>,
    hrr: Option<(Suite, Option<Group>)>,
    ccs_sent: bool,
    send_ccs: bool,
    /// TLS 1.3 is offered (supported_versions lists it).
    pub(crate) offer13: bool,
    /// TLS 1.2 is offered.
    pub(crate) offer12: bool,
    /// TLS 1.2 suites offered.
    pub(crate) suites12: Vec<Suite12>,
    /// A TLS 1.2 session offered for resumption (session id and/or ticket).
    pub(crate) session12: Option<StoredSession>,
}

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

fn psk_binder(suite: Suite, psk: &[u8], transcript: &Transcript, partial: &[u8]) -> Vec<u8> {
    let h = suite.hash();
    let bk = KeySchedule::new(h, Some(psk)).binder_key(true);
    KeySchedule::verify_data(h, &bk, &transcript.hash_with(h, partial))
}

impl ExpectServerHello {
    /// Build, send and add to the transcript a ClientHello (first or after HRR).
    fn send_client_hello(&mut self, c: &mut Common, cookie: Option<Vec<u8>>) -> Result<(), Error> {
        let config = self.config.clone();
        let mut exts = Vec::new();
        if let Some(name) = &config.server_name {
            // SNI only for DNS names, not IP literals (RFC 6066 3).
            if name.parse::<std::net::IpAddr>().is_err() {
                exts.push(Extension::ServerName(vec![ServerNameEntry::host_name(
                    name.as_bytes().to_vec(),
                )]));
            }
        }
        self.push_version_extensions(&mut exts);
        if self.offer12 {
            self.push_tls12_extensions(&mut exts);
        }
        if !config.alpn.is_empty() {
            exts.push(Extension::Alpn(config.alpn.clone()));
        }
        match config.knobs.record_size_limit {
            Some(0) => {}
            Some(v) => exts.push(Extension::RecordSizeLimit(v)),
            None => exts.push(Extension::RecordSizeLimit(16385)),
        }
        if let Some(cookie) = cookie {
            exts.push(Extension::Cookie(cookie));
        }
        if self.offer13 {
            exts.push(Extension::PskKeyExchangeModes(vec![
                PskKeyExchangeMode::PskDheKe,
            ]));
        }
        if let Some((sess, _)) = &self.psk {
            exts.push(psk_offer(sess, c.now_secs()));
        }
        self.offered = exts.iter().map(Extension::typ).collect();
        let ch = ClientHello {
            legacy_version: config
                .knobs
                .client_hello_legacy_version
                .map_or(ProtocolVersion::TLSv1_2, ProtocolVersion::from),
            random: self.random,
            session_id: self.session_id.clone(),
            cipher_suites: offered_suites(&config, self.offer13, self.offer12),
            compression_methods: vec![CompressionMethod::Null],
            extensions: exts,
            extensions_present: true,
        };
        let mut msg = HandshakeMessage::new(HandshakePayload::ClientHello(ch));
        self.fill_binder(&mut msg)?;
        let bytes = c.send_handshake(&msg)?;
        self.transcript.add(&bytes);
        Ok(())
    }

    /// supported_versions, supported_groups, signature_algorithms and key_share.
    fn push_version_extensions(&self, exts: &mut Vec<Extension>) {
        let config = &self.config;
        match &config.knobs.offer_versions_raw {
            Some(raw) if raw.is_empty() => {}
            Some(raw) => exts.push(Extension::SupportedVersionsClient(
                raw.iter().map(|v| ProtocolVersion::from(*v)).collect(),
            )),
            None if self.offer13 => {
                let mut v = vec![ProtocolVersion::TLSv1_3];
                if self.offer12 {
                    v.push(ProtocolVersion::TLSv1_2);
                }
                exts.push(Extension::SupportedVersionsClient(v));
            }
            // A TLS 1.2-only client sends no supported_versions (RFC 8446 4.2.1).
            None => {}
        }
        // A TLS 1.2-only hello leaves out the hybrid groups, which exist only in TLS 1.3.
        let groups: Vec<NamedGroup> = if self.offer13 {
            config.groups.clone()
        } else {
            config
                .groups
                .iter()
                .copied()
                .filter(|g| *g != NamedGroup::X25519MlKem768)
                .collect()
        };
        exts.push(Extension::SupportedGroups(groups));
        exts.push(Extension::SignatureAlgorithms(
            config.signature_schemes.clone(),
        ));
        if self.offer13 {
            exts.push(Extension::KeyShareClient(
                self.shares
                    .iter()
                    .map(|s| {
                        KeyShareEntry::new(
                            NamedGroup::from(s.group().to_u16()),
                            s.public().to_vec(),
                        )
                    })
                    .collect(),
            ));
        }
    }

    /// TLS 1.2: ec_point_formats, extended_master_secret, renegotiation_info, session_ticket.
    fn push_tls12_extensions(&self, exts: &mut Vec<Extension>) {
        let config = &self.config;
        exts.push(Extension::EcPointFormats(vec![ECPointFormat::Uncompressed]));
        if !config.knobs.skip_extended_master_secret {
            exts.push(Extension::ExtendedMasterSecret);
        }
        if !config.knobs.skip_renegotiation_info {
            exts.push(Extension::RenegotiationInfo(Vec::new()));
        }
        if offer_tickets12(config) {
            let t = self
                .session12
                .as_ref()
                .map(|s| s.ticket.clone())
                .unwrap_or_default();
            exts.push(Extension::SessionTicket(t));
        }
    }

    /// The PSK binder over the partial ClientHello (RFC 8446 4.2.11.2), in place of the
    /// placeholder (knob `bad_psk_binder` flips a byte).
    fn fill_binder(&self, msg: &mut HandshakeMessage) -> Result<(), Error> {
        let Some((sess, suite)) = &self.psk else {
            return Ok(());
        };
        let partial = msg
            .partial_client_hello()
            .ok_or_else(|| Error::internal("no partial ClientHello"))?;
        let mut binder = psk_binder(*suite, &sess.psk, &self.transcript, &partial);
        if self.config.knobs.bad_psk_binder
            && let Some(b) = binder.first_mut()
        {
            *b ^= 0xff;
        }
        if let HandshakePayload::ClientHello(ch) = &mut msg.payload
            && let Some(Extension::PreSharedKeyClient(p)) = ch.extensions.last_mut()
        {
            p.binders = vec![binder];
        }
        Ok(())
    }

    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let HandshakePayload::ServerHello(sh) = m.msg.payload else {
            return Err(unexpected("ServerHello", &m.msg));
        };
        c.reach(Step::ServerHello);
        check_server_hello_syntax(&sh)?;
        if self.select_version(&sh)? {
            return crate::client12::handle_server_hello(self, c, sh, m.raw);
        }
        let suite = self.check_hello13(&sh)?;
        if sh.is_hrr() {
            return self.handle_hrr(c, sh, suite, m.raw);
        }
        self.check_extensions(&sh)?;
        if let Some((hrr_suite, _)) = self.hrr
            && hrr_suite != suite
        {
            return Err(err(
                A::IllegalParameter,
                M::SuiteChangedAfterHelloRetry,
                "ServerHello cipher suite differs from HelloRetryRequest",
            ));
        }
        let psk = self.selected_psk(&sh, suite)?;
        let (group, shared) = self.key_exchange(&sh)?;
        self.transcript.add(&m.raw);
        let h = suite.hash();
        let mut ks = KeySchedule::new(h, psk.as_deref());
        ks.advance(Some(&shared));
        let th = self.transcript.hash(h);
        let c_hs = ks.derive(b"c hs traffic", &th);
        let s_hs = ks.derive(b"s hs traffic", &th);
        c.set_read_key(suite, s_hs.clone(), false)?;
        if self.send_ccs && !self.ccs_sent {
            c.send_ccs();
        }
        c.set_write_key(suite, c_hs.clone(), false)?;
        let n = c.negotiated_mut();
        n.cipher_suite = sh.cipher_suite;
        n.group = Some(NamedGroup::from(group.to_u16()));
        n.resumed = psk.is_some();
        n.hrr = self.hrr.is_some();
        Ok(ClientState::ExpectEncryptedExtensions(Box::new(
            ExpectEncryptedExtensions {
                hs: Handshake13 {
                    config: self.config,
                    suite,
                    transcript: self.transcript,
                    ks,
                    c_hs,
                    s_hs,
                    alpn: None,
                },
                offered: self.offered,
                resumed: psk.is_some(),
            },
        )))
    }

    /// Version negotiation (RFC 8446 4.2.1, 4.1.3; RFC 5246 7.4.1.3): whether the server
    /// selected TLS 1.2.
    fn select_version(&self, sh: &ServerHello) -> Result<bool, Error> {
        match sh.supported_version() {
            None if sh.legacy_version == ProtocolVersion::TLSv1_2 && self.offer12 => Ok(true),
            None if self.offer12 => Err(err(
                A::ProtocolVersion,
                M::NoCommonVersion,
                format!(
                    "server selected {}; only TLS 1.2 and TLS 1.3 are supported",
                    sh.legacy_version
                ),
            )),
            None => Err(err(
                A::ProtocolVersion,
                M::NoCommonVersion,
                format!(
                    "server selected {} without supported_versions; only TLS 1.3 is offered",
                    sh.legacy_version
                ),
            )),
            Some(v) if v != ProtocolVersion::TLSv1_3 || !self.offer13 => Err(err(
                A::IllegalParameter,
                M::VersionNotOffered,
                format!("server selected version {v} which was not offered"),
            )),
            Some(_) => Ok(false),
        }
    }

    /// A TLS 1.3 ServerHello or HelloRetryRequest: legacy fields and the cipher suite.
    fn check_hello13(&self, sh: &ServerHello) -> Result<Suite, Error> {
        if sh.legacy_version != ProtocolVersion::TLSv1_2 {
            return Err(err(
                A::IllegalParameter,
                M::BadLegacyVersion,
                format!(
                    "ServerHello legacy_version {} is not TLS1.2",
                    sh.legacy_version
                ),
            ));
        }
        if sh.session_id != self.session_id {
            return Err(err(
                A::IllegalParameter,
                M::SessionIdMismatch,
                "legacy_session_id_echo does not match the ClientHello",
            ));
        }
        let Some(suite) = Suite::from_u16(sh.cipher_suite.get())
            .filter(|s| self.suites.contains(s) || self.config.knobs.bug_accept_unoffered_suite)
        else {
            return Err(err(
                A::IllegalParameter,
                M::SuiteNotOffered,
                format!(
                    "server selected cipher suite {} which was not offered",
                    sh.cipher_suite
                ),
            ));
        };
        if sh.compression_method != CompressionMethod::Null {
            return Err(err(
                A::IllegalParameter,
                M::BadCompression,
                "ServerHello legacy_compression_method is not null",
            ));
        }
        Ok(suite)
    }

    /// ServerHello extensions: offered, and allowed in a ServerHello (RFC 8446 4.2).
    fn check_extensions(&self, sh: &ServerHello) -> Result<(), Error> {
        for e in &sh.extensions {
            let t = e.typ();
            if !self.offered.contains(&t) {
                return Err(err(
                    A::UnsupportedExtension,
                    M::UnsolicitedExtension,
                    format!("ServerHello contains {t} which was not offered"),
                ));
            }
            if !matches!(
                t,
                ExtensionType::SupportedVersions
                    | ExtensionType::KeyShare
                    | ExtensionType::PreSharedKey
            ) {
                return Err(err(
                    A::IllegalParameter,
                    M::ExtensionNotAllowed,
                    format!("{t} is not allowed in ServerHello"),
                ));
            }
        }
        Ok(())
    }

    /// The PSK the server selected, if any: the one we offered, for the suite's hash.
    fn selected_psk(&self, sh: &ServerHello, suite: Suite) -> Result<Option<Vec<u8>>, Error> {
        let Some(idx) = sh.psk_index() else {
            return Ok(None);
        };
        let Some((sess, psk_suite)) = &self.psk else {
            return Err(err(
                A::IllegalParameter,
                M::PskNotOffered,
                "server selected a PSK that was not offered",
            ));
        };
        if idx != 0 {
            return Err(err(
                A::IllegalParameter,
                M::PskNotOffered,
                format!("server selected PSK identity {idx}, only 0 offered"),
            ));
        }
        if psk_suite.hash() != suite.hash() {
            return Err(err(
                A::IllegalParameter,
                M::ResumptionSuiteMismatch,
                "selected cipher suite hash differs from the PSK's",
            ));
        }
        Ok(Some(sess.psk.clone()))
    }

    /// The server's key share, for a group we sent one for: the group and shared secret.
    fn key_exchange(&self, sh: &ServerHello) -> Result<(Group, Vec<u8>), Error> {
        let Some(entry) = sh.key_share() else {
            return Err(err(
                A::MissingExtension,
                M::MissingExtension,
                "ServerHello has no key_share (psk_ke is not offered)",
            ));
        };
        let Some(share) = self
            .shares
            .iter()
            .find(|s| s.group().to_u16() == entry.group.get())
        else {
            return Err(err(
                A::IllegalParameter,
                M::GroupNotOffered,
                format!("server key_share group {} was not offered", entry.group),
            ));
        };
        let shared = share.complete(&entry.key_exchange).map_err(|e| {
            err(
                A::IllegalParameter,
                M::BadKeyShare,
                format!("server key share: {e}"),
            )
        })?;
        Ok((share.group(), shared))
    }

    fn handle_hrr(
        mut self: Box<Self>,
        c: &mut Common,
        sh: ServerHello,
        suite: Suite,
        raw: Vec<u8>,
    ) -> Result<ClientState, Error> {
        if self.hrr.is_some() {
            return Err(err(
                A::UnexpectedMessage,
                M::SecondHelloRetryRequest,
                "second HelloRetryRequest",
            ));
        }
        check_hrr_extensions(&sh, &self.offered)?;
        let cookie = sh.cookie().map(<[u8]>::to_vec);
        let new_group = self.hrr_group(&sh, cookie.is_some())?;
        self.transcript.replace_with_message_hash(suite.hash());
        self.transcript.add(&raw);
        if let Some(g) = new_group {
            self.shares = vec![
                KeyShare::generate(g, c.random.as_ref())
                    .map_err(|e| Error::internal(e.to_string()))?,
            ];
        }
        if let Some((_, psk_suite)) = &self.psk
            && psk_suite.hash() != suite.hash()
        {
            self.psk = None;
        }
        self.hrr = Some((suite, new_group));
        let n = c.negotiated_mut();
        n.hrr = true;
        n.cipher_suite = sh.cipher_suite;
        if self.send_ccs && !self.ccs_sent {
            c.send_ccs();
            self.ccs_sent = true;
        }
        self.send_client_hello(c, cookie)?;
        Ok(ClientState::ExpectServerHello(self))
    }

    /// The group a HelloRetryRequest asks for: one we support and sent no share for. An HRR
    /// must change something (RFC 8446 4.1.4).
    fn hrr_group(&self, sh: &ServerHello, has_cookie: bool) -> Result<Option<Group>, Error> {
        let group = sh.hrr_group();
        if group.is_none() && !has_cookie {
            return Err(err(
                A::IllegalParameter,
                M::UselessHelloRetryRequest,
                "HelloRetryRequest would not change the ClientHello",
            ));
        }
        let Some(g) = group else {
            return Ok(None);
        };
        let ours = Group::from_u16(g.get()).filter(|_| self.config.groups.contains(&g));
        let Some(ours) = ours else {
            return Err(err(
                A::IllegalParameter,
                M::GroupNotOffered,
                format!("HelloRetryRequest selected group {g} which was not offered"),
            ));
        };
        if self.shares.iter().any(|s| s.group() == ours) {
            return Err(err(
                A::IllegalParameter,
                M::UselessHelloRetryRequest,
                format!(
                    "HelloRetryRequest selected group {g} for which a key share was already sent"
                ),
            ));
        }
        Ok(Some(ours))
    }
}

/// A ServerHello's legacy fields and extension list, before the version is known (RFC 8446
/// D.5: no SSL 3.0; 4.1.3: legacy_session_id_echo<0..32>; 4.2: no duplicate extensions).
fn check_server_hello_syntax(sh: &ServerHello) -> Result<(), Error> {
    check_hello_legacy(
        "ServerHello",
        sh.legacy_version,
        "legacy_session_id_echo",
        &sh.session_id,
    )?;
    if let Some(t) = sh.duplicate_extension() {
        return Err(err(
            A::IllegalParameter,
            M::DuplicateExtension,
            format!("duplicate extension {t} in ServerHello"),
        ));
    }
    Ok(())
}

/// HelloRetryRequest extensions: cookie, or offered and allowed in an HRR.
fn check_hrr_extensions(sh: &ServerHello, offered: &[ExtensionType]) -> Result<(), Error> {
    for e in &sh.extensions {
        let t = e.typ();
        if t == ExtensionType::Cookie {
            continue;
        }
        if !offered.contains(&t) {
            return Err(err(
                A::UnsupportedExtension,
                M::UnsolicitedExtension,
                format!("HelloRetryRequest contains {t} which was not offered"),
            ));
        }
        if !matches!(
            t,
            ExtensionType::SupportedVersions | ExtensionType::KeyShare
        ) {
            return Err(err(
                A::IllegalParameter,
                M::ExtensionNotAllowed,
                format!("{t} is not allowed in HelloRetryRequest"),
            ));
        }
    }
    Ok(())
}

/// The pre_shared_key offer of a resumption ticket, with a placeholder binder.
fn psk_offer(sess: &StoredSession, now: u64) -> Extension {
    let age_ms = now.saturating_sub(sess.received_at).saturating_mul(1000);
    let obfuscated = (age_ms as u32).wrapping_add(sess.age_add);
    Extension::PreSharedKeyClient(OfferedPsks {
        identities: vec![PskIdentity {
            identity: sess.ticket.clone(),
            obfuscated_ticket_age: obfuscated,
        }],
        binders: vec![vec![
            0u8;
            Suite::from_u16(sess.cipher_suite.get())
                .map(|s| s.hash().len())
                .unwrap_or(32)
        ]],
    })
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

/// What the client keeps from the ServerHello to its Finished: the config, the suite, the
/// transcript, the key schedule, both handshake traffic secrets and the ALPN protocol.
pub(crate) struct Handshake13 {
    config: Arc<ClientConfig>,
    suite: Suite,
    transcript: Transcript,
    ks: KeySchedule,
    c_hs: Vec<u8>,
    s_hs: Vec<u8>,
    alpn: Option<Vec<u8>>,
}

/// The server's EncryptedExtensions next: checked against the extensions we `offered`.
pub(crate) struct ExpectEncryptedExtensions {
    hs: Handshake13,
    offered: Vec<ExtensionType>,
    /// The server accepted our PSK: no certificate messages follow.
    resumed: bool,
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
    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let HandshakePayload::EncryptedExtensions(exts) = m.msg.payload else {
            return Err(unexpected("EncryptedExtensions", &m.msg));
        };
        c.reach(Step::Certificate);
        check_duplicates(&exts, "EncryptedExtensions")?;
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
    /// (RFC 7301 3.2) and record_size_limit (RFC 8449 4) take effect.
    fn check_extension(&mut self, c: &mut Common, e: &Extension) -> Result<(), Error> {
        let t = e.typ();
        if !self.offered.contains(&t) {
            return Err(err(
                A::UnsupportedExtension,
                M::UnsolicitedExtension,
                format!("EncryptedExtensions contains {t} which was not offered"),
            ));
        }
        match e {
            Extension::ServerName(list) if list.is_empty() => {}
            Extension::SupportedGroups(_) => {}
            Extension::Alpn(protos) => {
                self.hs.alpn = Some(check_server_alpn(&self.hs.config.alpn, protos)?);
            }
            // The limit counts the inner content type (RFC 8449 4).
            Extension::RecordSizeLimit(v) => {
                c.limit_send_fragment(check_record_size_limit(*v)? - 1)
            }
            _ => {
                return Err(err(
                    A::IllegalParameter,
                    M::ExtensionNotAllowed,
                    format!("{} is not allowed in EncryptedExtensions", e.describe()),
                ));
            }
        }
        Ok(())
    }
}

impl ExpectCertificateOrCertReq {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let mut hs = self.hs;
        match m.msg.payload {
            HandshakePayload::CertificateRequest(cr) => {
                if !cr.context.is_empty() {
                    return Err(err(
                        A::IllegalParameter,
                        M::BadCertificateRequestContext,
                        "handshake CertificateRequest with non-empty context",
                    ));
                }
                check_duplicates(&cr.extensions, "CertificateRequest")?;
                let schemes = cr.extensions.iter().find_map(|e| match e {
                    Extension::SignatureAlgorithms(v) => Some(v.clone()),
                    _ => None,
                });
                let Some(schemes) = schemes else {
                    return Err(err(
                        A::MissingExtension,
                        M::MissingExtension,
                        "CertificateRequest without signature_algorithms",
                    ));
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
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let HandshakePayload::Certificate(cert) = m.msg.payload else {
            return Err(unexpected("Certificate", &m.msg));
        };
        c.reach(Step::Certificate);
        if !cert.context.is_empty() {
            return Err(err(
                A::IllegalParameter,
                M::BadCertificateRequestContext,
                "server Certificate with non-empty certificate_request_context",
            ));
        }
        if cert.entries.is_empty() {
            return Err(err(
                A::DecodeError,
                M::EmptyCertificate,
                "server sent an empty Certificate",
            ));
        }
        for e in &cert.entries {
            check_duplicates(&e.extensions, "CertificateEntry")?;
            if let Some(x) = e.extensions.first() {
                return Err(err(
                    A::UnsupportedExtension,
                    M::UnsolicitedExtension,
                    format!(
                        "CertificateEntry contains {} which was not requested",
                        x.typ()
                    ),
                ));
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
        config.server_name.as_deref(),
        &config.policy_cache,
    )
}

impl ExpectCertificateVerify {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let HandshakePayload::CertificateVerify(cv) = m.msg.payload else {
            return Err(unexpected("CertificateVerify", &m.msg));
        };
        let mut hs = self.hs;
        let th = hs.transcript.hash(hs.suite.hash());
        let schemes = &hs.config.signature_schemes;
        check_certificate_verify13(c, &cv, schemes, &self.server_cert, &th, true)?;
        hs.transcript.add(&m.raw);
        Ok(ClientState::ExpectFinished(Box::new(ExpectFinished {
            hs,
            cert_request: self.cert_request,
        })))
    }
}

impl ExpectFinished {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ClientState, Error> {
        let HandshakePayload::Finished(vd) = m.msg.payload else {
            return Err(unexpected("Finished", &m.msg));
        };
        let mut hs = self.hs;
        let h = hs.suite.hash();
        receive_finished13(c, h, &hs.s_hs, &mut hs.transcript, &vd, &m.raw, "server")?;
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
    let pick = config.client_auth.as_ref().and_then(|ck| {
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

impl ClientTraffic {
    fn handle(
        self: Box<Self>,
        c: &mut Common,
        msg: HandshakeMessage,
    ) -> Result<ClientState, Error> {
        match msg.payload {
            HandshakePayload::NewSessionTicket(t) => {
                if t.lifetime > 604_800 {
                    return Err(err(
                        A::IllegalParameter,
                        M::TicketLifetimeTooLong,
                        format!("ticket_lifetime {} exceeds 7 days", t.lifetime),
                    ));
                }
                check_duplicates(&t.extensions, "NewSessionTicket")?;
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
