//! Server handshake state machine (RFC 8446 2, 4) and session tickets.

use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use rustls_pki_types::CertificateDer;
use tls_wire::AlertDescription as A;
use tls_wire::{
    CertificateRequestTls13, CipherSuite, ClientHello, CompressionMethod, Extension, HRR_RANDOM,
    HandshakeMessage, HandshakePayload, KeyShareEntry, NamedGroup, NewSessionTicket,
    ProtocolVersion, PskKeyExchangeMode, Reader, ServerHello, SignatureScheme,
};

use crate::config::{ClientAuth, ServerConfig, Step};
use crate::conn::Common;
use crate::crypto::{Group, HashAlg, SigScheme, Suite, Suite12, kx, sign};
use crate::error::{Error, Misbehaviour as M, err};
use crate::handshake::{
    Received, certificate_message, certificate_verify, chain_der, check_certificate_verify13,
    check_hello_legacy, check_record_size_limit, receive_finished13, record_peer_chain, send,
    send_finished13, unexpected,
};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::verify;

/// Bytes of undecryptable early data a server skips (RFC 8446 4.2.10). We never accept
/// early data and never advertise it, so this only tolerates clients that try anyway.
const EARLY_DATA_SKIP: usize = 16384 + 256;

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

fn our_versions(ours13: bool, ours12: bool) -> String {
    match (ours13, ours12) {
        (true, true) => "TLS1.3, TLS1.2",
        (true, false) => "TLS1.3",
        (false, true) => "TLS1.2",
        (false, false) => "",
    }
    .to_string()
}

/// The decrypted content of one of our session tickets.
struct TicketState {
    suite: Suite,
    psk: Vec<u8>,
    issued: u64,
    age_add: u32,
    lifetime: u32,
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

const TICKET13_AAD: &[u8] = b"tls-engine ticket";

fn seal_ticket(c: &Common, key: &[u8; 32], t: &TicketState) -> Result<Vec<u8>, Error> {
    let mut p = Vec::new();
    p.extend_from_slice(&t.suite.to_u16().to_be_bytes());
    p.push(t.psk.len() as u8);
    p.extend_from_slice(&t.psk);
    p.extend_from_slice(&t.issued.to_be_bytes());
    p.extend_from_slice(&t.age_add.to_be_bytes());
    p.extend_from_slice(&t.lifetime.to_be_bytes());
    seal_ticket_bytes(c, key, TICKET13_AAD, p)
}

fn open_ticket(key: &[u8; 32], ticket: &[u8]) -> Option<TicketState> {
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

/// RFC 8446 syntax the wire types keep lossless but the RFCs bound, checked before version
/// negotiation (RFC 8446 4.1.2: legacy_session_id<0..32>; RFC 6066 3:
/// server_name_list<1..2^16-1>, HostName<1..2^16-1>; RFC 8446 D.5: no SSL 3.0).
fn check_hello_syntax(ch: &ClientHello) -> Result<(), Error> {
    if let Some(t) = ch.duplicate_extension() {
        return Err(err(
            A::IllegalParameter,
            M::DuplicateExtension,
            format!("duplicate extension {t} in ClientHello"),
        ));
    }
    check_hello_legacy(
        "ClientHello",
        ch.legacy_version,
        "legacy_session_id",
        &ch.session_id,
    )?;
    for e in &ch.extensions {
        if let Extension::ServerName(list) = e
            && (list.is_empty() || list.iter().any(|n| n.name.is_empty()))
        {
            return Err(err(
                A::DecodeError,
                M::EmptyServerName,
                "server_name with an empty list or an empty name",
            ));
        }
    }
    Ok(())
}

/// Which versions the server can complete: TLS 1.3 and TLS 1.2, each enabled and with a
/// suite configured.
fn our_version_support(config: &ServerConfig) -> (bool, bool) {
    let ours13 = config.versions.contains(&ProtocolVersion::TLSv1_3)
        && config
            .cipher_suites
            .iter()
            .any(|s| Suite::from_u16(s.get()).is_some());
    let ours12 = config.versions.contains(&ProtocolVersion::TLSv1_2)
        && config
            .cipher_suites
            .iter()
            .any(|s| Suite12::from_u16(s.get()).is_some());
    (ours13, ours12)
}

/// Version negotiation (RFC 8446 4.2.1, D.2; RFC 5246 E.1): whether TLS 1.2 is negotiated.
fn select_version(ch: &ClientHello, ours13: bool, ours12: bool) -> Result<bool, Error> {
    match ch.supported_versions() {
        Some(vs) if ours13 && vs.contains(&ProtocolVersion::TLSv1_3) => Ok(false),
        Some(vs) if ours12 && vs.contains(&ProtocolVersion::TLSv1_2) => Ok(true),
        Some(vs) => Err(err(
            A::ProtocolVersion,
            M::NoCommonVersion,
            format!(
                "no common version: client offers [{}], we support [{}]",
                vs.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                our_versions(ours13, ours12)
            ),
        )),
        None if ours12 && ch.legacy_version.get() >= ProtocolVersion::TLSv1_2.get() => Ok(true),
        None => Err(err(
            A::ProtocolVersion,
            M::NoCommonVersion,
            format!(
                "ClientHello without supported_versions, legacy_version {}; we support [{}]",
                ch.legacy_version,
                our_versions(ours13, ours12)
            ),
        )),
    }
}

/// TLS 1.2 was negotiated: refuse it after a HelloRetryRequest and on a fallback (RFC 7507 3:
/// TLS_FALLBACK_SCSV with a version below our highest).
fn check_tls12_hello(ch: &ClientHello, after_hrr: bool, ours13: bool) -> Result<(), Error> {
    if after_hrr {
        return Err(err(
            A::IllegalParameter,
            M::SecondClientHelloMismatch,
            "second ClientHello after HelloRetryRequest does not offer TLS 1.3",
        ));
    }
    if ours13 && ch.cipher_suites.contains(&CipherSuite::TLS_FALLBACK_SCSV) {
        return Err(err(
            A::InappropriateFallback,
            M::InappropriateFallback,
            "TLS_FALLBACK_SCSV in a ClientHello for TLS 1.2; we support TLS 1.3",
        ));
    }
    Ok(())
}

/// TLS 1.3 ClientHello rules (RFC 8446 4.1.2, 4.2.11), and after a HelloRetryRequest, that the
/// second ClientHello is the first one with only the permitted changes.
fn check_hello13(ch: &ClientHello, hrr: Option<&HrrSent>) -> Result<(), Error> {
    if ch.compression_methods.as_slice() != [CompressionMethod::Null] {
        return Err(err(
            A::IllegalParameter,
            M::BadCompression,
            "TLS 1.3 ClientHello legacy_compression_methods is not exactly [null]",
        ));
    }
    if ch.psk().is_some() && !ch.psk_is_last() {
        return Err(err(
            A::IllegalParameter,
            M::PskNotLast,
            "pre_shared_key is not the last ClientHello extension",
        ));
    }
    let Some(h) = hrr else {
        return Ok(());
    };
    let mismatch =
        |what: &'static str| Err(err(A::IllegalParameter, M::SecondClientHelloMismatch, what));
    if ch.session_id != h.session_id {
        return mismatch("second ClientHello changed legacy_session_id");
    }
    if ch.cipher_suites != h.cipher_suites {
        return mismatch("second ClientHello changed cipher_suites");
    }
    if ch.early_data() {
        return mismatch("early_data in the ClientHello after HelloRetryRequest");
    }
    if h.cookie.as_deref() != ch.cookie() {
        return mismatch("second ClientHello cookie does not echo the HelloRetryRequest cookie");
    }
    Ok(())
}

/// The cipher suite: server preference (or the one a knob forces, offered or not).
fn choose_suite(config: &ServerConfig, ch: &ClientHello) -> Result<Suite, Error> {
    if let Some(s) = config.knobs.select_cipher_suite.and_then(Suite::from_u16) {
        return Ok(s);
    }
    config
        .cipher_suites
        .iter()
        .filter(|s| ch.cipher_suites.contains(s))
        .find_map(|s| Suite::from_u16(s.get()))
        .ok_or_else(|| {
            err(
                A::HandshakeFailure,
                M::NoCommonSuite,
                "no cipher suite in common",
            )
        })
}

/// supported_groups and key_share of a TLS 1.3 ClientHello, both present and consistent
/// (RFC 8446 4.2.7, 4.2.8, 9.2).
fn client_groups_and_shares(ch: &ClientHello) -> Result<(&[NamedGroup], &[KeyShareEntry]), Error> {
    let missing = |what: &'static str| Err(err(A::MissingExtension, M::MissingExtension, what));
    let (client_groups, shares) = match (ch.supported_groups(), ch.key_shares()) {
        (Some(g), Some(s)) => (g, s),
        (None, Some(_)) => return missing("key_share without supported_groups"),
        (Some(_), None) => return missing("supported_groups without key_share"),
        (None, None) => return missing("ClientHello has neither supported_groups nor key_share"),
    };
    for (i, s) in shares.iter().enumerate() {
        if !client_groups.contains(&s.group) {
            return Err(err(
                A::IllegalParameter,
                M::InconsistentKeyShares,
                format!("key_share for {} which is not in supported_groups", s.group),
            ));
        }
        if shares.iter().skip(i + 1).any(|o| o.group == s.group) {
            return Err(err(
                A::IllegalParameter,
                M::InconsistentKeyShares,
                format!("two key shares for {}", s.group),
            ));
        }
    }
    Ok((client_groups, shares))
}

/// What the key shares decide: a HelloRetryRequest for a group, or the group and the
/// client's share to answer.
enum ShareChoice<'a> {
    Retry(Group),
    Accept(Group, &'a KeyShareEntry),
}

/// The key exchange group, and whether a HelloRetryRequest is needed (RFC 8446 4.1.4, 4.2.8).
fn choose_key_share<'a>(
    config: &ServerConfig,
    ch: &'a ClientHello,
    hrr: Option<&HrrSent>,
    suite: Suite,
) -> Result<ShareChoice<'a>, Error> {
    let (client_groups, shares) = client_groups_and_shares(ch)?;
    if ch.signature_algorithms().is_none() && ch.psk().is_none() {
        return Err(no_signature_algorithms());
    }
    let common_groups: Vec<Group> = config
        .groups
        .iter()
        .filter(|g| client_groups.contains(g))
        .filter_map(|g| Group::from_u16(g.get()))
        .collect();
    let Some(&preferred) = common_groups.first() else {
        return Err(err(
            A::HandshakeFailure,
            M::NoCommonGroup,
            "no key exchange group in common",
        ));
    };
    let share_for = |g: Group| shares.iter().find(|s| s.group.get() == g.to_u16());
    // The server's most preferred group among those the client sent a share for: answering
    // a usable share saves the round trip of a HelloRetryRequest for our favourite group
    // (RFC 8446 4.2.8 and 4.1.1 leave the choice to the server).
    let shared = common_groups
        .iter()
        .copied()
        .find(|g| share_for(*g).is_some());
    let hrr_group = if let Some(h) = hrr {
        if shares.len() != 1 || share_for(h.group).is_none() {
            return Err(err(
                A::IllegalParameter,
                M::SecondClientHelloMismatch,
                format!(
                    "second ClientHello must carry exactly one key share, for {:?}",
                    h.group
                ),
            ));
        }
        // Knob: a second HelloRetryRequest (a client must abort, RFC 8446 4.1.4).
        config.knobs.send_second_hrr.then_some(h.group)
    } else if config.knobs.force_hrr {
        common_groups
            .iter()
            .copied()
            .find(|g| share_for(*g).is_none())
    } else if shared.is_none() {
        Some(preferred)
    } else {
        None
    };
    if let Some(g) = hrr_group {
        return Ok(ShareChoice::Retry(g));
    }
    let group = match hrr {
        Some(h) if h.suite != suite => {
            return Err(err(
                A::IllegalParameter,
                M::SecondClientHelloMismatch,
                "cipher suite changed after HelloRetryRequest",
            ));
        }
        Some(h) => h.group,
        None => shared.unwrap_or(preferred),
    };
    let share = share_for(group).ok_or_else(|| Error::internal("selected share vanished"))?;
    Ok(ShareChoice::Accept(group, share))
}

/// The signature schemes of our configuration that the engine implements, in our order.
fn our_signature_schemes(config: &ServerConfig) -> Vec<SignatureScheme> {
    config
        .signature_schemes
        .iter()
        .copied()
        .filter(|s| SigScheme::from_u16(s.get()).is_some())
        .collect()
}

/// The CertificateVerify scheme, chosen while processing the ClientHello (RFC 8446 4.2.3,
/// 4.4.2.2): our first scheme that the client offers and our certificate's key can produce.
/// None: abort with handshake_failure before any ServerHello (RFC 8446 4.1.1).
fn choose_signature_scheme(config: &ServerConfig, ch: &ClientHello) -> Result<SigScheme, Error> {
    let offered = ch.signature_algorithms().unwrap_or(&[]);
    our_signature_schemes(config)
        .iter()
        .filter(|s| offered.contains(s))
        .filter_map(|s| SigScheme::from_u16(s.get()))
        .find(|s| config.cert.signer.schemes().contains(s))
        .ok_or_else(|| {
            err(
                A::HandshakeFailure,
                M::NoCommonSignatureScheme,
                "no signature scheme in common for the server certificate",
            )
        })
}

fn no_signature_algorithms() -> Error {
    err(
        A::MissingExtension,
        M::MissingExtension,
        "ClientHello without signature_algorithms",
    )
}

/// PSK resumption (RFC 8446 4.2.11): the first identity that is one of our tickets, fresh,
/// for the suite's hash and of a plausible age, with its binder verified. Returns the
/// selected identity and the PSK.
fn accept_psk(
    config: &ServerConfig,
    now: u64,
    ch: &ClientHello,
    raw: &[u8],
    transcript: &Transcript,
    h: HashAlg,
) -> Result<Option<(u16, Vec<u8>)>, Error> {
    let Some(offered) = ch.psk() else {
        return Ok(None);
    };
    let Some(modes) = ch.psk_modes() else {
        return Err(err(
            A::MissingExtension,
            M::MissingExtension,
            "pre_shared_key without psk_key_exchange_modes",
        ));
    };
    if offered.identities.len() != offered.binders.len() {
        return Err(err(
            A::IllegalParameter,
            M::PskBinderCount,
            "pre_shared_key identities and binders differ in number",
        ));
    }
    if !modes.contains(&PskKeyExchangeMode::PskDheKe) {
        return Ok(None);
    }
    let partial_len = raw.len().saturating_sub(offered.binders_len());
    let partial = raw.get(..partial_len).unwrap_or(&[]);
    for (i, (id, binder)) in offered
        .identities
        .iter()
        .zip(offered.binders.iter())
        .enumerate()
    {
        let Some(t) = open_ticket(&config.ticket_key, &id.identity) else {
            continue;
        };
        let age_s = now.saturating_sub(t.issued);
        if t.suite.hash() != h || age_s > u64::from(t.lifetime) {
            continue;
        }
        let client_age_ms = id.obfuscated_ticket_age.wrapping_sub(t.age_add);
        if u64::from(client_age_ms) > u64::from(t.lifetime) * 1000 + 10_000 {
            continue;
        }
        let bk = KeySchedule::new(h, Some(&t.psk)).binder_key(true);
        let key = KeySchedule::finished_key(h, &bk);
        if !h.hmac_verify(&key, &transcript.hash_with(h, partial), binder) {
            return Err(err(
                A::DecryptError,
                M::BadBinder,
                format!("PSK binder {i} does not verify"),
            ));
        }
        return Ok(Some((i as u16, t.psk)));
    }
    Ok(None)
}

/// What the ClientHello's other extensions negotiate.
struct HelloExtensions {
    /// ALPN protocol selected (RFC 7301).
    alpn: Option<Vec<u8>>,
    /// server_name the client sent.
    sni: Option<String>,
    /// The client sent record_size_limit (RFC 8449): we answer with ours.
    client_rsl: bool,
}

/// ALPN (RFC 7301): our first protocol the client offers; none in common is fatal.
pub(crate) fn select_alpn(
    config: &ServerConfig,
    ch: &ClientHello,
) -> Result<Option<Vec<u8>>, Error> {
    let (Some(offered), false) = (ch.alpn(), config.alpn.is_empty()) else {
        return Ok(None);
    };
    match config.alpn.iter().find(|p| offered.contains(p)) {
        Some(p) => Ok(Some(p.clone())),
        None => Err(err(
            A::NoApplicationProtocol,
            M::NoCommonAlpn,
            "no ALPN protocol in common",
        )),
    }
}

/// ALPN, SNI and record_size_limit; the peer's record_size_limit bounds what we send.
fn negotiate_extensions(
    c: &mut Common,
    config: &ServerConfig,
    ch: &ClientHello,
) -> Result<HelloExtensions, Error> {
    let alpn = select_alpn(config, ch)?;
    let sni = ch
        .server_name()
        .map(|n| String::from_utf8_lossy(n).into_owned());
    let mut client_rsl = false;
    for e in &ch.extensions {
        if let Extension::RecordSizeLimit(v) = e {
            let limit = check_record_size_limit(*v)?;
            client_rsl = true;
            // The limit counts the inner content type (RFC 8449 4).
            c.limit_send_fragment(limit - 1);
        }
    }
    Ok(HelloExtensions {
        alpn,
        sni,
        client_rsl,
    })
}

/// What a ServerHello decides, for building it and the key schedule.
struct HelloChoice<'a> {
    suite: Suite,
    group: Group,
    client_share: &'a KeyShareEntry,
    psk: Option<(u16, Vec<u8>)>,
    /// A HelloRetryRequest came first (and whether its CCS was sent).
    hrr: Option<bool>,
}

/// Handshake secrets after the ServerHello.
struct HandshakeSecrets {
    ks: KeySchedule,
    c_hs: Vec<u8>,
    s_hs: Vec<u8>,
}

/// Answer the client's key share, send the ServerHello (and the compatibility CCS), record
/// what was negotiated and switch to the handshake write key.
fn send_server_hello(
    c: &mut Common,
    config: &ServerConfig,
    ch: &ClientHello,
    raw: &[u8],
    choice: &HelloChoice<'_>,
    exts: &HelloExtensions,
    transcript: &mut Transcript,
) -> Result<HandshakeSecrets, Error> {
    let (suite, group) = (choice.suite, choice.group);
    let (server_share, shared) =
        kx::server_respond(group, &choice.client_share.key_exchange, c.random.as_ref()).map_err(
            |e| {
                err(
                    A::IllegalParameter,
                    M::BadKeyShare,
                    format!("client key share: {e}"),
                )
            },
        )?;
    transcript.add(raw);
    let mut sh_exts = vec![
        Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3),
        Extension::KeyShareServer(KeyShareEntry::new(
            NamedGroup::from(group.to_u16()),
            server_share,
        )),
    ];
    if let Some((idx, _)) = &choice.psk {
        sh_exts.push(Extension::PreSharedKeyServer(*idx));
    }
    let random = c.random_bytes()?;
    send_server_hello13(c, ch, random, suite, sh_exts, transcript)?;
    if want_ccs(config, ch) && choice.hrr != Some(true) {
        c.send_ccs();
    }
    {
        let n = c.negotiated_mut();
        n.cipher_suite = CipherSuite::from(suite.to_u16());
        n.group = Some(NamedGroup::from(group.to_u16()));
        n.resumed = choice.psk.is_some();
        n.hrr = choice.hrr.is_some();
        n.alpn = exts.alpn.clone();
        n.server_name = exts.sni.clone();
    }
    let h = suite.hash();
    let mut ks = KeySchedule::new(h, choice.psk.as_ref().map(|(_, p)| p.as_slice()));
    ks.advance(Some(&shared));
    let th = transcript.hash(h);
    let c_hs = ks.derive(b"c hs traffic", &th);
    let s_hs = ks.derive(b"s hs traffic", &th);
    c.set_write_key(suite, s_hs.clone(), false)?;
    Ok(HandshakeSecrets { ks, c_hs, s_hs })
}

/// EncryptedExtensions: server_name acknowledged (full handshakes), ALPN, record_size_limit.
fn send_encrypted_extensions(
    c: &mut Common,
    config: &ServerConfig,
    exts: &HelloExtensions,
    resumed: bool,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let mut ee = Vec::new();
    if exts.sni.is_some() && !resumed {
        ee.push(Extension::ServerName(Vec::new()));
    }
    if let Some(p) = &exts.alpn {
        ee.push(Extension::Alpn(vec![p.clone()]));
    }
    if exts.client_rsl {
        match config.knobs.record_size_limit {
            Some(0) => {}
            Some(v) => ee.push(Extension::RecordSizeLimit(v)),
            None => ee.push(Extension::RecordSizeLimit(16385)),
        }
    }
    send(c, HandshakePayload::EncryptedExtensions(ee), transcript)
}

/// A full handshake's authentication: [CertificateRequest], Certificate, CertificateVerify.
/// Returns whether a client certificate was requested.
fn send_certificate_flight(
    c: &mut Common,
    config: &ServerConfig,
    scheme: SigScheme,
    suite: Suite,
    transcript: &mut Transcript,
) -> Result<bool, Error> {
    let our_schemes = our_signature_schemes(config);
    let client_auth = !matches!(config.client_auth, ClientAuth::None);
    if client_auth {
        let cr = CertificateRequestTls13 {
            context: Vec::new(),
            extensions: vec![Extension::SignatureAlgorithms(our_schemes.clone())],
        };
        send(c, HandshakePayload::CertificateRequest(cr), transcript)?;
    }
    let cert = certificate_message(&config.cert.chain);
    send(c, HandshakePayload::Certificate(cert), transcript)?;
    c.reach(Step::Certificate);
    if !c.knobs.skip_certificate_verify {
        let content = sign::certificate_verify_message(true, &transcript.hash(suite.hash()));
        let cv = certificate_verify(c, &config.cert, scheme, &content)?;
        send(c, HandshakePayload::CertificateVerify(cv), transcript)?;
    }
    Ok(client_auth)
}

/// A TLS 1.3 ServerHello, or with [`HRR_RANDOM`] a HelloRetryRequest, echoing the client's
/// legacy_session_id; sent and added to the transcript.
fn send_server_hello13(
    c: &mut Common,
    ch: &ClientHello,
    random: [u8; 32],
    suite: Suite,
    extensions: Vec<Extension>,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random,
        session_id: ch.session_id.clone(),
        cipher_suite: CipherSuite::from(suite.to_u16()),
        compression_method: CompressionMethod::Null,
        extensions,
        extensions_present: true,
    };
    send(c, HandshakePayload::ServerHello(sh), transcript)?;
    c.reach(Step::ServerHello);
    Ok(())
}

/// Whether we send a middlebox-compatibility ChangeCipherSpec (RFC 8446 D.4): as the knob
/// says, else when the client sent a legacy_session_id.
fn want_ccs(config: &ServerConfig, ch: &ClientHello) -> bool {
    config.knobs.send_ccs.unwrap_or(!ch.session_id.is_empty())
}

impl ExpectClientHello {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ServerState, Error> {
        let HandshakePayload::ClientHello(ch) = m.msg.payload else {
            return Err(unexpected("ClientHello", &m.msg));
        };
        c.reach(Step::ClientHello);
        c.allow_compat_ccs(true);
        c.skip_plaintext_early_data(false);
        let config = self.config.clone();
        c.set_key_log(config.key_log.clone(), ch.random);
        check_hello_syntax(&ch)?;
        let (ours13, ours12) = our_version_support(&config);
        if select_version(&ch, ours13, ours12)? {
            check_tls12_hello(&ch, self.hrr.is_some(), ours13)?;
            return crate::server12::handle_client_hello(config, c, ch, m.raw, ours13);
        }
        check_hello13(&ch, self.hrr.as_ref())?;
        let suite = choose_suite(&config, &ch)?;
        let share_choice = choose_key_share(&config, &ch, self.hrr.as_ref(), suite)?;
        // Without a PSK offered the certificate authenticates: no scheme for it is a
        // plaintext handshake_failure now, before any ServerHello or HelloRetryRequest.
        if ch.psk().is_none() {
            choose_signature_scheme(&config, &ch)?;
        }
        let (group, client_share) = match share_choice {
            ShareChoice::Retry(g) => return self.send_hrr(c, &ch, &m.raw, suite, g),
            ShareChoice::Accept(g, s) => (g, s),
        };
        let mut transcript = match &self.hrr {
            Some(h) => h.transcript.clone(),
            None => Transcript::new(),
        };
        let h = suite.hash();
        let psk = accept_psk(&config, c.now_secs(), &ch, &m.raw, &transcript, h)?;
        if psk.is_none() && ch.signature_algorithms().is_none() {
            return Err(no_signature_algorithms());
        }
        let scheme = match psk {
            None => Some(choose_signature_scheme(&config, &ch)?),
            Some(_) => None,
        };
        let exts = negotiate_extensions(c, &config, &ch)?;
        let choice = HelloChoice {
            suite,
            group,
            client_share,
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

/// The end of the server's flight: [KeyUpdate knob], Finished; then the application write
/// key, the client's handshake read key, and the secrets the client's flight needs.
fn finish_server_flight(
    c: &mut Common,
    config: Arc<ServerConfig>,
    suite: Suite,
    secrets: HandshakeSecrets,
    mut transcript: Transcript,
    early_data: bool,
) -> Result<Handshake13, Error> {
    let HandshakeSecrets {
        mut ks, c_hs, s_hs, ..
    } = secrets;
    let h = suite.hash();
    if c.knobs.send_key_update_before_finished {
        // Knob: a KeyUpdate inside the handshake (not in the transcript; keys unchanged).
        c.send_handshake(&HandshakeMessage::new(HandshakePayload::KeyUpdate(
            tls_wire::KeyUpdateRequest::UpdateNotRequested,
        )))?;
    }
    send_finished13(c, h, &s_hs, &mut transcript)?;
    ks.advance(None);
    let th = transcript.hash(h);
    let c_ap = ks.derive(b"c ap traffic", &th);
    let s_ap = ks.derive(b"s ap traffic", &th);
    c.set_exporter(h, ks.derive(b"exp master", &th));
    c.set_write_key(suite, s_ap, true)?;
    c.set_read_key(suite, c_hs.clone(), false)?;
    if early_data {
        c.skip_early_data(EARLY_DATA_SKIP);
    }
    Ok(Handshake13 {
        config,
        suite,
        transcript,
        ks,
        c_hs,
        c_ap,
    })
}

/// What the server keeps for the client's flight: the config, the suite, the transcript,
/// the key schedule (for the resumption master secret), the client's handshake and
/// application traffic secrets.
pub(crate) struct Handshake13 {
    config: Arc<ServerConfig>,
    suite: Suite,
    transcript: Transcript,
    ks: KeySchedule,
    c_hs: Vec<u8>,
    c_ap: Vec<u8>,
}

/// A client certificate was requested: the client's Certificate next.
pub(crate) struct ExpectCertificate {
    hs: Handshake13,
}

/// The client sent a certificate: its CertificateVerify next, checked with `client_cert`.
pub(crate) struct ExpectCertificateVerify {
    hs: Handshake13,
    client_cert: CertificateDer<'static>,
}

/// The client's Finished next.
pub(crate) struct ExpectFinished {
    hs: Handshake13,
}

impl ExpectCertificate {
    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Result<ServerState, Error> {
        let HandshakePayload::Certificate(cert) = m.msg.payload else {
            return Err(unexpected("Certificate", &m.msg));
        };
        if !cert.context.is_empty() {
            return Err(err(
                A::IllegalParameter,
                M::BadCertificateRequestContext,
                "client Certificate context does not match the CertificateRequest",
            ));
        }
        self.hs.transcript.add(&m.raw);
        let (roots, required) = match &self.hs.config.client_auth {
            ClientAuth::None => (&[][..], false),
            ClientAuth::Optional { roots } => (&roots[..], false),
            ClientAuth::Required { roots } => (&roots[..], true),
        };
        if cert.entries.is_empty() {
            if required {
                return Err(err(
                    A::CertificateRequired,
                    M::CertificateRequired,
                    "client sent no certificate but one is required",
                ));
            }
            return Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
                hs: self.hs,
            })));
        }
        for e in &cert.entries {
            if let Some(x) = e.extensions.first() {
                return Err(err(
                    A::UnsupportedExtension,
                    M::UnsolicitedExtension,
                    format!("client CertificateEntry contains {}", x.typ()),
                ));
            }
        }
        let chain = chain_der(cert.entries.into_iter().map(|e| e.cert));
        let policy = &self.hs.config.policy_cache;
        verify::verify_chain(&chain, roots, c.now, false, None, policy)?;
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
    fn handle(mut self: Box<Self>, c: &mut Common, m: Received) -> Result<ServerState, Error> {
        let HandshakePayload::CertificateVerify(cv) = m.msg.payload else {
            return Err(unexpected("CertificateVerify", &m.msg));
        };
        let th = self.hs.transcript.hash(self.hs.suite.hash());
        let schemes = &self.hs.config.signature_schemes;
        check_certificate_verify13(c, &cv, schemes, &self.client_cert, &th, false)?;
        self.hs.transcript.add(&m.raw);
        Ok(ServerState::ExpectFinished(Box::new(ExpectFinished {
            hs: self.hs,
        })))
    }
}

impl ExpectFinished {
    fn handle(self: Box<Self>, c: &mut Common, m: Received) -> Result<ServerState, Error> {
        let HandshakePayload::Finished(vd) = m.msg.payload else {
            return Err(unexpected("Finished", &m.msg));
        };
        let mut hs = self.hs;
        let h = hs.suite.hash();
        receive_finished13(c, h, &hs.c_hs, &mut hs.transcript, &vd, &m.raw, "client")?;
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

/// The configured number of NewSessionTickets (RFC 8446 4.6.1), each sealing its PSK.
fn send_tickets(
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
