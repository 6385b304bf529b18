//! The client's first step: the ClientHello (first and after a HelloRetryRequest) and the
//! server's answer, ServerHello or HelloRetryRequest (RFC 8446 4.1).

use std::sync::Arc;

use tls_wire::{
    ClientHello, CompressionMethod, ECPointFormat, Extension, ExtensionType, HandshakeMessage,
    HandshakePayload, KeyShareEntry, NamedGroup, OfferedPsks, ProtocolVersion, PskIdentity,
    PskKeyExchangeMode, ServerHello, ServerNameEntry,
};

use crate::config::{ClientConfig, Step, StoredSession};
use crate::conn::Common;
use crate::crypto::{Group, KeyShare, Suite, Suite12};
use crate::error::{Error, Misbehaviour as M, misbehave, misbehaved};
use crate::handshake::{Received, check_hello_legacy, expect_payload, unexpected};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::knobs::Knobs;

use super::flight::{ExpectEncryptedExtensions, Handshake13};
use super::{ClientState, Next, offer_tickets12, offered_suites};

pub(crate) struct ExpectServerHello {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    pub(super) suites: Vec<Suite>,
    pub(super) shares: Vec<KeyShare>,
    pub(super) psk: Option<(StoredSession, Suite)>,
    pub(crate) transcript: Transcript,
    pub(crate) offered: Vec<ExtensionType>,
    pub(super) hrr: Option<(Suite, Option<Group>)>,
    pub(super) ccs_sent: bool,
    pub(super) send_ccs: bool,
    /// TLS 1.3 is offered (supported_versions lists it).
    pub(crate) offer13: bool,
    /// TLS 1.2 is offered.
    pub(crate) offer12: bool,
    /// TLS 1.2 suites offered.
    pub(crate) suites12: Vec<Suite12>,
    /// A TLS 1.2 session offered for resumption (session id and/or ticket).
    pub(crate) session12: Option<StoredSession>,
}

fn psk_binder(suite: Suite, psk: &[u8], transcript: &Transcript, partial: &[u8]) -> Vec<u8> {
    let h = suite.hash();
    let bk = KeySchedule::new(h, Some(psk)).binder_key(true);
    KeySchedule::verify_data(h, &bk, &transcript.hash_with(h, partial))
}

impl ExpectServerHello {
    /// Build, send and add to the transcript a ClientHello (first or after HRR).
    pub(super) fn send_client_hello(
        &mut self,
        c: &mut Common,
        cookie: Option<Vec<u8>>,
    ) -> Result<(), Error> {
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
                if config.knobs.offer_psk_ke && self.psk.is_some() {
                    PskKeyExchangeMode::PskKe
                } else {
                    PskKeyExchangeMode::PskDheKe
                },
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

    pub(super) fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Next {
        let mut sh = expect_payload!(m, ServerHello);
        c.reach(Step::ServerHello);
        check_server_hello_syntax(&self.config.knobs, &mut sh)?;
        if self.select_version(&sh)? {
            return crate::client12::handle_server_hello(self, c, sh, m.raw);
        }
        let suite = self.check_hello13(&sh)?;
        if sh.is_hrr() {
            return self.handle_hrr(c, sh, suite, m.raw);
        }
        self.check_extensions(&mut sh)?;
        if let Some((hrr_suite, _)) = self.hrr
            && hrr_suite != suite
            && !self.config.knobs.ignores(M::SuiteChangedAfterHelloRetry)
        {
            misbehave!(
                M::SuiteChangedAfterHelloRetry,
                "ServerHello cipher suite differs from HelloRetryRequest"
            );
        }
        let psk = self.selected_psk(&sh, suite)?;
        let psk_ke = self.config.knobs.offer_psk_ke && psk.is_some();
        let kx = match (psk_ke, sh.key_share()) {
            // psk_ke (RFC 8446 4.2.9): no (EC)DHE, the zero secret in its place.
            (true, None) => None,
            (true, Some(_)) => misbehave!(
                M::PskModeNotOffered,
                "the server resumed with a key_share (psk_dhe_ke), but only psk_ke was offered"
            ),
            (false, _) => Some(self.key_exchange(&sh)?),
        };
        self.transcript.add(&m.raw);
        let h = suite.hash();
        let mut ks = KeySchedule::new(h, psk.as_deref());
        ks.advance(kx.as_ref().map(|(_, shared)| shared.as_slice()));
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
        n.group = kx.map(|(group, _)| NamedGroup::from(group.to_u16()));
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
            None if self.offer12 => Err(misbehaved(
                M::NoCommonVersion,
                format!(
                    "server selected {}; only TLS 1.2 and TLS 1.3 are supported",
                    sh.legacy_version
                ),
            )),
            None => Err(misbehaved(
                M::NoCommonVersion,
                format!(
                    "server selected {} without supported_versions; only TLS 1.3 is offered",
                    sh.legacy_version
                ),
            )),
            // With `bug_ignore = "version_not_offered"` any supported_versions value is read
            // as TLS 1.3 (the ServerHello has its shape).
            Some(v)
                if (v != ProtocolVersion::TLSv1_3 || !self.offer13)
                    && !self.config.knobs.ignores(M::VersionNotOffered) =>
            {
                Err(misbehaved(
                    M::VersionNotOffered,
                    format!("server selected version {v} which was not offered"),
                ))
            }
            Some(_) => Ok(false),
        }
    }

    /// A TLS 1.3 ServerHello or HelloRetryRequest: legacy fields and the cipher suite.
    fn check_hello13(&self, sh: &ServerHello) -> Result<Suite, Error> {
        let k = &self.config.knobs;
        if sh.legacy_version != ProtocolVersion::TLSv1_2 && !k.ignores(M::BadLegacyVersion) {
            misbehave!(
                M::BadLegacyVersion,
                "ServerHello legacy_version {} is not TLS1.2",
                sh.legacy_version
            );
        }
        if sh.session_id != self.session_id && !k.ignores(M::SessionIdMismatch) {
            misbehave!(
                M::SessionIdMismatch,
                "legacy_session_id_echo does not match the ClientHello"
            );
        }
        self.selected_suite(sh, Suite::from_u16, &self.suites, false)
    }

    /// The ServerHello's cipher suite, one we `offered` (with knob
    /// `bug_accept_unoffered_suite`, any that `parse` knows), and its null compression method.
    /// For TLS 1.2 (`tls12`) the errors name the version and the field `compression_method`.
    pub(crate) fn selected_suite<S: Copy + PartialEq>(
        &self,
        sh: &ServerHello,
        parse: fn(u16) -> Option<S>,
        offered: &[S],
        tls12: bool,
    ) -> Result<S, Error> {
        let accept_any = self.config.knobs.bug_accept_unoffered_suite;
        let suite = parse(sh.cipher_suite.get()).filter(|s| offered.contains(s) || accept_any);
        let Some(suite) = suite else {
            let version = if tls12 { " for TLS 1.2" } else { "" };
            let selected = sh.cipher_suite;
            if accept_any {
                // The control checks "do we implement it", not "did we offer it".
                misbehave!(
                    M::NoCommonSuite,
                    "server selected cipher suite {selected}{version}, which our engine does not implement"
                );
            }
            let detail =
                format!("server selected cipher suite {selected} which was not offered{version}");
            misbehave!(M::SuiteNotOffered, "{}", detail);
        };
        if sh.compression_method != CompressionMethod::Null
            && !self.config.knobs.ignores(M::BadCompression)
        {
            let field = if tls12 {
                "compression_method"
            } else {
                "legacy_compression_method"
            };
            let detail = format!("ServerHello {field} is not null");
            misbehave!(M::BadCompression, "{}", detail);
        }
        Ok(suite)
    }

    /// ServerHello extensions: offered, and allowed in a ServerHello (RFC 8446 4.2). One that
    /// `bug_ignore` lets pass (`unsolicited_extension`, `extension_not_allowed`) is removed,
    /// as if the server had not sent it.
    fn check_extensions(&self, sh: &mut ServerHello) -> Result<(), Error> {
        let k = &self.config.knobs;
        let mut keep = Vec::with_capacity(sh.extensions.len());
        for e in std::mem::take(&mut sh.extensions) {
            let t = e.typ();
            if !self.offered.contains(&t) {
                unsolicited(k, t, "ServerHello")?;
                continue;
            }
            if !matches!(
                t,
                ExtensionType::SupportedVersions
                    | ExtensionType::KeyShare
                    | ExtensionType::PreSharedKey
            ) {
                if k.ignores(M::ExtensionNotAllowed) {
                    continue;
                }
                misbehave!(M::ExtensionNotAllowed, "{t} is not allowed in ServerHello");
            }
            keep.push(e);
        }
        sh.extensions = keep;
        Ok(())
    }

    /// The PSK the server selected, if any: the one we offered, for the suite's hash.
    fn selected_psk(&self, sh: &ServerHello, suite: Suite) -> Result<Option<Vec<u8>>, Error> {
        let Some(idx) = sh.psk_index() else {
            return Ok(None);
        };
        let Some((sess, psk_suite)) = &self.psk else {
            misbehave!(
                M::PskNotOffered,
                "server selected a PSK that was not offered"
            );
        };
        if idx != 0 {
            misbehave!(
                M::PskNotOffered,
                "server selected PSK identity {idx}, only 0 offered"
            );
        }
        if psk_suite.hash() != suite.hash() {
            misbehave!(
                M::ResumptionSuiteMismatch,
                "selected cipher suite hash differs from the PSK's"
            );
        }
        Ok(Some(sess.psk.clone()))
    }

    /// The server's key share, for a group we sent one for: the group and shared secret.
    fn key_exchange(&self, sh: &ServerHello) -> Result<(Group, Vec<u8>), Error> {
        let Some(entry) = sh.key_share() else {
            misbehave!(
                M::MissingExtension,
                "ServerHello has no key_share (psk_ke is not offered)"
            );
        };
        let Some(share) = self
            .shares
            .iter()
            .find(|s| s.group().to_u16() == entry.group.get())
        else {
            misbehave!(
                M::GroupNotOffered,
                "server key_share group {} was not offered",
                entry.group
            );
        };
        let shared = crate::handshake::shared_secret(
            &self.config.knobs,
            share.complete(&entry.key_exchange),
            "server key share",
        )?;
        Ok((share.group(), shared))
    }

    fn handle_hrr(
        mut self: Box<Self>,
        c: &mut Common,
        mut sh: ServerHello,
        suite: Suite,
        raw: Vec<u8>,
    ) -> Result<ClientState, Error> {
        // With `bug_ignore = "second_hello_retry_request"` it is answered like the first.
        if self.hrr.is_some() && !self.config.knobs.ignores(M::SecondHelloRetryRequest) {
            misbehave!(M::SecondHelloRetryRequest, "second HelloRetryRequest");
        }
        check_hrr_extensions(&self.config.knobs, &mut sh, &self.offered)?;
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
    /// must change something (RFC 8446 4.1.4); with `bug_ignore =
    /// "useless_hello_retry_request"` one that changes nothing is answered all the same (a
    /// group we already sent a share for gets a fresh share).
    fn hrr_group(&self, sh: &ServerHello, has_cookie: bool) -> Result<Option<Group>, Error> {
        let group = sh.hrr_group();
        let useless_ok = self.config.knobs.ignores(M::UselessHelloRetryRequest);
        if group.is_none() && !has_cookie && !useless_ok {
            misbehave!(
                M::UselessHelloRetryRequest,
                "HelloRetryRequest would not change the ClientHello"
            );
        }
        let Some(g) = group else {
            return Ok(None);
        };
        let ours = Group::from_u16(g.get()).filter(|_| self.config.groups.contains(&g));
        let Some(ours) = ours else {
            misbehave!(
                M::GroupNotOffered,
                "HelloRetryRequest selected group {g} which was not offered"
            );
        };
        if self.shares.iter().any(|s| s.group() == ours) && !useless_ok {
            misbehave!(
                M::UselessHelloRetryRequest,
                "HelloRetryRequest selected group {g} for which a key share was already sent"
            );
        }
        Ok(Some(ours))
    }
}

/// A ServerHello's legacy fields and extension list, before the version is known (RFC 8446
/// D.5: no SSL 3.0; 4.1.3: legacy_session_id_echo<0..32>; 4.2: no duplicate extensions).
fn check_server_hello_syntax(k: &Knobs, sh: &mut ServerHello) -> Result<(), Error> {
    check_hello_legacy(
        k,
        "ServerHello",
        sh.legacy_version,
        "legacy_session_id_echo",
        &sh.session_id,
    )?;
    crate::handshake::check_duplicates(k, &mut sh.extensions, "ServerHello")?;
    Ok(())
}

/// HelloRetryRequest extensions: cookie, or offered and allowed in an HRR. One that
/// `bug_ignore` lets pass is removed, as if the server had not sent it.
fn check_hrr_extensions(
    k: &Knobs,
    sh: &mut ServerHello,
    offered: &[ExtensionType],
) -> Result<(), Error> {
    let mut keep = Vec::with_capacity(sh.extensions.len());
    for e in std::mem::take(&mut sh.extensions) {
        let t = e.typ();
        if t != ExtensionType::Cookie {
            if !offered.contains(&t) {
                unsolicited(k, t, "HelloRetryRequest")?;
                continue;
            }
            if !matches!(
                t,
                ExtensionType::SupportedVersions | ExtensionType::KeyShare
            ) {
                if k.ignores(M::ExtensionNotAllowed) {
                    continue;
                }
                misbehave!(
                    M::ExtensionNotAllowed,
                    "{t} is not allowed in HelloRetryRequest"
                );
            }
        }
        keep.push(e);
    }
    sh.extensions = keep;
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

/// An extension of `what` that we did not offer: refused with unsupported_extension (RFC 8446
/// 4.2), or, with the control `bug_ignore = "unsolicited_extension"`, dropped.
fn unsolicited(k: &Knobs, t: ExtensionType, what: &str) -> Result<(), Error> {
    if k.ignores(M::UnsolicitedExtension) {
        return Ok(());
    }
    misbehave!(
        M::UnsolicitedExtension,
        "{what} contains {t} which was not offered"
    );
}
