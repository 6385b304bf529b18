//! The server's reading of a ClientHello (RFC 8446 4.1.2, 4.2): syntax, version, suite, key
//! share, signature scheme, PSK and the other extensions.

use tls_wire::{
    CipherSuite, ClientHello, CompressionMethod, Extension, KeyShareEntry, NamedGroup,
    ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};

use crate::config::ServerConfig;
use crate::conn::Common;
use crate::crypto::{Group, HashAlg, SigScheme, Suite, Suite12};
use crate::error::{Error, Misbehaviour as M, misbehave, misbehaved};
use crate::handshake::{check_hello_legacy, check_record_size_limit};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::knobs::Knobs;

use super::HrrSent;
use super::ticket::open_ticket;

pub(super) fn our_versions(ours13: bool, ours12: bool) -> String {
    match (ours13, ours12) {
        (true, true) => "TLS1.3, TLS1.2",
        (true, false) => "TLS1.3",
        (false, true) => "TLS1.2",
        (false, false) => "",
    }
    .to_string()
}

/// RFC 8446 syntax the wire types keep lossless but the RFCs bound, checked before version
/// negotiation (RFC 8446 4.1.2: legacy_session_id<0..32>; RFC 6066 3:
/// server_name_list<1..2^16-1>, HostName<1..2^16-1>; RFC 8446 D.5: no SSL 3.0).
pub(super) fn check_hello_syntax(k: &Knobs, ch: &mut ClientHello) -> Result<(), Error> {
    crate::handshake::check_duplicates(k, &mut ch.extensions, "ClientHello")?;
    check_hello_legacy(
        k,
        "ClientHello",
        ch.legacy_version,
        "legacy_session_id",
        &ch.session_id,
    )?;
    for e in &ch.extensions {
        if let Extension::ServerName(list) = e
            && (list.is_empty() || list.iter().any(|n| n.name.is_empty()))
            && !k.ignores(M::EmptyServerName)
        {
            misbehave!(
                M::EmptyServerName,
                "server_name with an empty list or an empty name"
            );
        }
    }
    Ok(())
}

/// Which versions the server can complete: TLS 1.3 and TLS 1.2, each enabled and with a
/// suite configured.
pub(super) fn our_version_support(config: &ServerConfig) -> (bool, bool) {
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
/// `prefer12` (the negative control `bug_negotiate_tls12`) takes TLS 1.2 whenever offered.
pub(super) fn select_version(
    ch: &ClientHello,
    ours13: bool,
    ours12: bool,
    prefer12: bool,
) -> Result<bool, Error> {
    match ch.supported_versions() {
        Some(vs) if prefer12 && ours12 && vs.contains(&ProtocolVersion::TLSv1_2) => Ok(true),
        Some(vs) if ours13 && vs.contains(&ProtocolVersion::TLSv1_3) => Ok(false),
        Some(vs) if ours12 && vs.contains(&ProtocolVersion::TLSv1_2) => Ok(true),
        Some(vs) => Err(misbehaved(
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
        None => Err(misbehaved(
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
pub(super) fn check_tls12_hello(
    k: &Knobs,
    ch: &ClientHello,
    after_hrr: bool,
    ours13: bool,
) -> Result<(), Error> {
    if after_hrr {
        misbehave!(
            M::SecondClientHelloMismatch,
            "second ClientHello after HelloRetryRequest does not offer TLS 1.3"
        );
    }
    if ours13
        && ch.cipher_suites.contains(&CipherSuite::TLS_FALLBACK_SCSV)
        && !k.ignores(M::InappropriateFallback)
    {
        misbehave!(
            M::InappropriateFallback,
            "TLS_FALLBACK_SCSV in a ClientHello for TLS 1.2; we support TLS 1.3"
        );
    }
    Ok(())
}

/// TLS 1.3 ClientHello rules (RFC 8446 4.1.2, 4.2.11), and after a HelloRetryRequest, that the
/// second ClientHello is the first one with only the permitted changes. With `bug_ignore =
/// "psk_not_last"` a misplaced pre_shared_key is dropped (no resumption); with
/// `"second_client_hello_mismatch"` the second ClientHello is taken as it is.
pub(super) fn check_hello13(
    k: &Knobs,
    ch: &mut ClientHello,
    hrr: Option<&HrrSent>,
) -> Result<(), Error> {
    if ch.compression_methods.as_slice() != [CompressionMethod::Null]
        && !k.ignores(M::BadCompression)
    {
        misbehave!(
            M::BadCompression,
            "TLS 1.3 ClientHello legacy_compression_methods is not exactly [null]"
        );
    }
    if ch.psk().is_some() && !ch.psk_is_last() {
        if !k.ignores(M::PskNotLast) {
            misbehave!(
                M::PskNotLast,
                "pre_shared_key is not the last ClientHello extension"
            );
        }
        ch.extensions
            .retain(|e| !matches!(e, Extension::PreSharedKeyClient(_)));
    }
    let Some(h) = hrr.filter(|_| !k.ignores(M::SecondClientHelloMismatch)) else {
        return Ok(());
    };
    let mismatch = |what: &'static str| Err(misbehaved(M::SecondClientHelloMismatch, what));
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

/// The cipher suite: server preference among the client's suites that `parse` knows (a TLS
/// 1.3 or a TLS 1.2 suite) and that `fits`, or the one the knob `select_cipher_suite` forces
/// (offered or fitting or not); without one, no_common_suite with `none` as the detail.
pub(crate) fn choose_suite<S>(
    config: &ServerConfig,
    ch: &ClientHello,
    parse: fn(u16) -> Option<S>,
    fits: impl Fn(&S) -> bool,
    none: &str,
) -> Result<S, Error> {
    if let Some(s) = config.knobs.select_cipher_suite.and_then(parse) {
        return Ok(s);
    }
    // The control `bug_ignore = "no_common_suite"`: with none in common, our first suite.
    let lenient = config.knobs.ignores(M::NoCommonSuite);
    let ours = |offered_only: bool| {
        config
            .cipher_suites
            .iter()
            .filter(|s| !offered_only || ch.cipher_suites.contains(s))
            .filter_map(|s| parse(s.get()))
            .find(&fits)
    };
    ours(true)
        .or_else(|| ours(false).filter(|_| lenient))
        .ok_or_else(|| misbehaved(M::NoCommonSuite, none))
}

/// supported_groups and key_share of a TLS 1.3 ClientHello, both present and consistent
/// (RFC 8446 4.2.7, 4.2.8, 9.2).
pub(super) fn client_groups_and_shares<'a>(
    k: &Knobs,
    ch: &'a ClientHello,
) -> Result<(std::borrow::Cow<'a, [NamedGroup]>, &'a [KeyShareEntry]), Error> {
    let missing = |what: &'static str| Err(misbehaved(M::MissingExtension, what));
    // With `bug_ignore = "missing_extension"`: the groups of the key shares stand for a
    // missing supported_groups, and a missing key_share is an empty one (a HelloRetryRequest
    // follows).
    let lenient = k.ignores(M::MissingExtension);
    let (client_groups, shares): (std::borrow::Cow<'a, [NamedGroup]>, _) =
        match (ch.supported_groups(), ch.key_shares()) {
            (Some(g), Some(s)) => (g.into(), s),
            (None, Some(s)) if lenient => (s.iter().map(|e| e.group).collect(), s),
            (Some(g), None) if lenient => (g.into(), &[][..]),
            (None, None) if lenient => (Vec::new().into(), &[][..]),
            (None, Some(_)) => return missing("key_share without supported_groups"),
            (Some(_), None) => return missing("supported_groups without key_share"),
            (None, None) => {
                return missing("ClientHello has neither supported_groups nor key_share");
            }
        };
    // With `bug_ignore = "inconsistent_key_shares"`: a share is taken only for a group in
    // supported_groups, the first of two for one group.
    let shares_checked = !k.ignores(M::InconsistentKeyShares);
    for (i, s) in shares.iter().enumerate().filter(|_| shares_checked) {
        if !client_groups.contains(&s.group) {
            misbehave!(
                M::InconsistentKeyShares,
                "key_share for {} which is not in supported_groups",
                s.group
            );
        }
        if shares.iter().skip(i + 1).any(|o| o.group == s.group) {
            misbehave!(M::InconsistentKeyShares, "two key shares for {}", s.group);
        }
    }
    Ok((client_groups, shares))
}

/// What the key shares decide: a HelloRetryRequest for a group, or the group and the
/// client's share to answer.
pub(super) enum ShareChoice<'a> {
    Retry(Group),
    Accept(Group, &'a KeyShareEntry),
}

/// The key exchange group, and whether a HelloRetryRequest is needed (RFC 8446 4.1.4, 4.2.8).
pub(super) fn choose_key_share<'a>(
    config: &ServerConfig,
    ch: &'a ClientHello,
    hrr: Option<&HrrSent>,
    suite: Suite,
) -> Result<ShareChoice<'a>, Error> {
    let k = &config.knobs;
    let (client_groups, shares) = client_groups_and_shares(k, ch)?;
    if ch.signature_algorithms().is_none() && ch.psk().is_none() && !k.ignores(M::MissingExtension)
    {
        return Err(no_signature_algorithms());
    }
    let common_groups: Vec<Group> = config
        .groups
        .iter()
        .filter(|g| client_groups.contains(g))
        .filter_map(|g| Group::from_u16(g.get()))
        .collect();
    // The control `bug_ignore = "no_common_group"`: with none in common, our first group.
    let ours_first = config
        .groups
        .iter()
        .filter_map(|g| Group::from_u16(g.get()))
        .next()
        .filter(|_| k.ignores(M::NoCommonGroup));
    let Some(preferred) = common_groups.first().copied().or(ours_first) else {
        misbehave!(M::NoCommonGroup, "no key exchange group in common");
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
        let lenient = k.ignores(M::SecondClientHelloMismatch);
        if share_for(h.group).is_none() || (shares.len() != 1 && !lenient) {
            misbehave!(
                M::SecondClientHelloMismatch,
                "second ClientHello must carry exactly one key share, for {:?}",
                h.group
            );
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
        Some(h) if h.suite != suite && !k.ignores(M::SecondClientHelloMismatch) => {
            misbehave!(
                M::SecondClientHelloMismatch,
                "cipher suite changed after HelloRetryRequest"
            );
        }
        Some(h) => h.group,
        None => shared.unwrap_or(preferred),
    };
    let share = share_for(group).ok_or_else(|| Error::internal("selected share vanished"))?;
    Ok(ShareChoice::Accept(group, share))
}

/// The signature schemes of our configuration that the engine implements, in our order.
pub(super) fn our_signature_schemes(config: &ServerConfig) -> Vec<SignatureScheme> {
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
pub(super) fn choose_signature_scheme(
    config: &ServerConfig,
    ch: &ClientHello,
) -> Result<SigScheme, Error> {
    let offered = ch.signature_algorithms();
    // With `bug_ignore = "missing_extension"`, a ClientHello without signature_algorithms
    // is served with our own first scheme, as if the client had offered ours.
    let lenient = offered.is_none() && config.knobs.ignores(M::MissingExtension);
    let offered = offered.unwrap_or(&[]);
    // The control `bug_ignore = "no_common_signature_scheme"`: with none in common, ours.
    let fallback = config.knobs.ignores(M::NoCommonSignatureScheme);
    let ours = |offered_only: bool| {
        our_signature_schemes(config)
            .iter()
            .filter(|s| !offered_only || offered.contains(s))
            .filter_map(|s| SigScheme::from_u16(s.get()))
            .find(|s| config.cert.signer.schemes().contains(s))
    };
    ours(!lenient)
        .or_else(|| ours(false).filter(|_| fallback))
        .ok_or_else(|| {
            misbehaved(
                M::NoCommonSignatureScheme,
                "no signature scheme in common for the server certificate",
            )
        })
}

pub(super) fn no_signature_algorithms() -> Error {
    misbehaved(
        M::MissingExtension,
        "ClientHello without signature_algorithms",
    )
}

/// PSK resumption (RFC 8446 4.2.11): the first identity that is one of our tickets, fresh,
/// for the suite's hash and of a plausible age, with its binder verified, when the client
/// offers the mode (psk_dhe_ke; psk_ke with `psk_ke`, RFC 8446 4.2.9). Returns the selected
/// identity and the PSK.
pub(super) fn accept_psk(
    config: &ServerConfig,
    now: u64,
    ch: &ClientHello,
    raw: &[u8],
    transcript: &Transcript,
    h: HashAlg,
    psk_ke: bool,
) -> Result<Option<(u16, Vec<u8>)>, Error> {
    let mode = match psk_ke {
        true => PskKeyExchangeMode::PskKe,
        false => PskKeyExchangeMode::PskDheKe,
    };
    let Some(offered) = ch.psk() else {
        return Ok(None);
    };
    let Some(modes) = ch.psk_modes() else {
        // With `bug_ignore = "missing_extension"` the PSK is passed over: a full handshake.
        if config.knobs.ignores(M::MissingExtension) {
            return Ok(None);
        }
        misbehave!(
            M::MissingExtension,
            "pre_shared_key without psk_key_exchange_modes"
        );
    };
    // With `bug_ignore = "psk_binder_count"` identities without a binder are passed over.
    if offered.identities.len() != offered.binders.len() && !config.knobs.ignores(M::PskBinderCount)
    {
        misbehave!(
            M::PskBinderCount,
            "pre_shared_key identities and binders differ in number"
        );
    }
    if !modes.contains(&mode) && !config.knobs.bug_ignore_psk_modes {
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
        if !h.hmac_verify(&key, &transcript.hash_with(h, partial), binder)
            && !config.knobs.bug_skip_binder_check
        {
            misbehave!(M::BadBinder, "PSK binder {i} does not verify");
        }
        return Ok(Some((i as u16, t.psk)));
    }
    Ok(None)
}

/// Whether the client offers PSK-only key establishment (psk_ke) and not psk_dhe_ke
/// (RFC 8446 4.2.9).
pub(super) fn offers_psk_ke_only(ch: &ClientHello) -> bool {
    ch.psk().is_some()
        && ch.psk_modes().is_some_and(|m| {
            m.contains(&PskKeyExchangeMode::PskKe) && !m.contains(&PskKeyExchangeMode::PskDheKe)
        })
}

/// What the ClientHello's other extensions negotiate.
pub(super) struct HelloExtensions {
    /// ALPN protocol selected (RFC 7301).
    pub(super) alpn: Option<Vec<u8>>,
    /// server_name the client sent.
    pub(super) sni: Option<String>,
    /// The client sent record_size_limit (RFC 8449): we answer with ours.
    pub(super) client_rsl: bool,
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
        // With `bug_ignore = "no_common_alpn"`: no protocol selected, the handshake goes on.
        None if config.knobs.ignores(M::NoCommonAlpn) => Ok(None),
        None => Err(misbehaved(M::NoCommonAlpn, "no ALPN protocol in common")),
    }
}

/// ALPN, SNI and record_size_limit; the peer's record_size_limit bounds what we send.
pub(super) fn negotiate_extensions(
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
        if let Extension::RecordSizeLimit(v) = e
            && let Some(limit) = check_record_size_limit(&config.knobs, *v)?
        {
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
