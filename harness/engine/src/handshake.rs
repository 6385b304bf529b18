//! Handshake steps that both roles share: the errors for an unexpected message or a bad
//! signature, the checks of hello legacy fields, extension lists, record_size_limit and
//! the server's ALPN choice, and the TLS 1.3 Certificate, CertificateVerify and Finished.

use rustls_pki_types::CertificateDer;
use tls_wire::{
    CertificateEntry, CertificateTls13, CertificateVerify, Extension, HandshakeMessage,
    HandshakePayload, ProtocolVersion, SignatureScheme,
};

use crate::config::{CertifiedKey, Step};
use crate::conn::Common;
use crate::crypto::{HashAlg, SigScheme, Suite, sign};
use crate::error::{Error, Misbehaviour as M, misbehave, misbehaved};
use crate::keyschedule::{KeySchedule, Transcript};
use crate::knobs::Knobs;

/// A handshake message as a state receives it: decoded, and its encoding as received (what
/// the transcript adds).
pub(crate) struct Received {
    pub(crate) msg: HandshakeMessage,
    pub(crate) raw: Vec<u8>,
}

/// In a state's handler: the payload of the [`Received`] `$m` if it is a
/// `HandshakePayload::$variant`; anything else returns the `unexpected` error in scope at the
/// call site ([`unexpected`] or [`unexpected12`]), naming `$name` (by default the variant).
macro_rules! expect_payload {
    ($m:expr, $variant:ident) => {
        expect_payload!($m, $variant, stringify!($variant))
    };
    ($m:expr, $variant:ident, $name:expr) => {
        match $m.msg.payload {
            tls_wire::HandshakePayload::$variant(payload) => payload,
            _ => return Err(unexpected($name, &$m.msg)),
        }
    };
}
pub(crate) use expect_payload;

/// A TLS 1.3 handshake message other than the one a state expects.
pub(crate) fn unexpected(expected: &str, msg: &HandshakeMessage) -> Error {
    misbehaved(
        M::UnexpectedMessage,
        format!("expected {expected}, received {}", msg.typ),
    )
}

/// A TLS 1.2 handshake message other than the one a state expects.
pub(crate) fn unexpected12(expected: &str, msg: &HandshakeMessage) -> Error {
    misbehaved(
        M::UnexpectedMessage,
        format!("expected {expected}, received {} (TLS 1.2)", msg.typ),
    )
}

/// An internal error from a crypto or key-derivation failure.
/// The (EC)DHE shared secret of a key exchange, or bad_key_share naming `what` when the
/// peer's share is not valid (RFC 8446 4.2.8.1, 7.4.2; RFC 8422 5.11). With
/// `bug_ignore = "bad_key_share"` an invalid share yields an all-zero secret and the
/// handshake goes on (what X25519 without the all-zero check derives from the zero point).
pub(crate) fn shared_secret(
    knobs: &Knobs,
    r: Result<Vec<u8>, crate::crypto::CryptoError>,
    what: &str,
) -> Result<Vec<u8>, Error> {
    match r {
        Err(_) if knobs.ignores(M::BadKeyShare) => Ok(vec![0; 32]),
        r => r.map_err(|e| misbehaved(M::BadKeyShare, format!("{what}: {e}"))),
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Error {
    Error::internal(e.to_string())
}

/// A signature in `what` (say "server CertificateVerify") that does not verify.
pub(crate) fn bad_signature(what: &str, scheme: SignatureScheme) -> Error {
    misbehaved(
        M::BadSignature,
        format!("{what} signature ({scheme}) does not verify"),
    )
}

/// A hello's legacy_version and legacy session id (RFC 8446 D.5: no SSL 3.0; 4.1.2,
/// 4.1.3: legacy_session_id<0..32>). `hello` names the message, `session_id_field` the field
/// for the error text.
pub(crate) fn check_hello_legacy(
    k: &Knobs,
    hello: &str,
    legacy_version: ProtocolVersion,
    session_id_field: &str,
    session_id: &[u8],
) -> Result<(), Error> {
    if legacy_version.get() <= ProtocolVersion::SSLv3.get() && !k.ignores(M::ObsoleteVersion) {
        misbehave!(
            M::ObsoleteVersion,
            "{hello}.legacy_version {legacy_version} (SSL 3.0 or older)"
        );
    }
    if session_id.len() > 32 && !k.ignores(M::SessionIdTooLong) {
        misbehave!(
            M::SessionIdTooLong,
            "{session_id_field} of {} bytes (at most 32)",
            session_id.len()
        );
    }
    Ok(())
}

/// No extension type twice in `what` (RFC 8446 4.2); with `bug_ignore =
/// "duplicate_extension"` only the first of each type is kept.
pub(crate) fn check_duplicates(
    k: &Knobs,
    exts: &mut Vec<Extension>,
    what: &str,
) -> Result<(), Error> {
    if k.ignores(M::DuplicateExtension) {
        first_of_each_type(exts);
    }
    for (i, e) in exts.iter().enumerate() {
        if exts.iter().skip(i + 1).any(|o| o.typ() == e.typ()) {
            misbehave!(
                M::DuplicateExtension,
                "duplicate extension {} in {what}",
                e.typ()
            );
        }
    }
    Ok(())
}

/// Keep only the first extension of each type (what a lenient reader of duplicates sees).
pub(crate) fn first_of_each_type(exts: &mut Vec<Extension>) {
    let mut seen = Vec::new();
    exts.retain(|e| {
        let t = e.typ();
        let first = !seen.contains(&t);
        seen.push(t);
        first
    });
}

/// The peer's record_size_limit (RFC 8449 4: less than 64 is illegal); `None`: an illegal
/// one that `bug_ignore = "bad_record_size_limit"` ignores.
pub(crate) fn check_record_size_limit(k: &Knobs, v: u16) -> Result<Option<usize>, Error> {
    if v < 64 {
        if k.ignores(M::BadRecordSizeLimit) {
            return Ok(None);
        }
        misbehave!(M::BadRecordSizeLimit, "record_size_limit {v} < 64");
    }
    Ok(Some(usize::from(v)))
}

/// The server's ALPN answer (RFC 7301 3.2): exactly one protocol, one we offered. With
/// `bug_ignore = "bad_alpn"` the first protocol named, if any, offered or not.
pub(crate) fn check_server_alpn(
    k: &Knobs,
    offered: &[Vec<u8>],
    protos: &[Vec<u8>],
) -> Result<Option<Vec<u8>>, Error> {
    if k.ignores(M::BadAlpn) {
        return Ok(protos.first().cloned());
    }
    let [p] = protos else {
        misbehave!(M::BadAlpn, "server ALPN must name exactly one protocol");
    };
    if !offered.contains(p) {
        misbehave!(
            M::BadAlpn,
            "server selected an ALPN protocol that was not offered"
        );
    }
    Ok(Some(p.clone()))
}

/// The certificates of a chain as received, in their order.
pub(crate) fn chain_der(certs: impl IntoIterator<Item = Vec<u8>>) -> Vec<CertificateDer<'static>> {
    certs.into_iter().map(CertificateDer::from).collect()
}

/// The end-entity certificate of a verified chain, which is then recorded as the peer's.
pub(crate) fn record_peer_chain(
    c: &mut Common,
    chain: Vec<CertificateDer<'static>>,
    peer: &str,
) -> Result<CertificateDer<'static>, Error> {
    let ee = chain
        .first()
        .cloned()
        .ok_or_else(|| Error::internal(format!("no {peer} certificate")))?;
    c.negotiated_mut().peer_certificates = chain;
    Ok(ee)
}

/// A TLS 1.3 Certificate message with no context and no entry extensions.
pub(crate) fn certificate_message(chain: &[CertificateDer<'static>]) -> CertificateTls13 {
    CertificateTls13 {
        context: Vec::new(),
        entries: chain
            .iter()
            .map(|d| CertificateEntry {
                cert: d.as_ref().to_vec(),
                extensions: Vec::new(),
            })
            .collect(),
    }
}

/// A CertificateVerify over `content` (knob `bad_certificate_verify` flips a byte).
pub(crate) fn certificate_verify(
    c: &Common,
    key: &CertifiedKey,
    scheme: SigScheme,
    content: &[u8],
) -> Result<CertificateVerify, Error> {
    let mut sig = key
        .signer
        .sign(scheme, content)
        .map_err(|e| Error::internal(e.to_string()))?;
    if c.knobs.bad_certificate_verify
        && let Some(b) = sig.last_mut()
    {
        *b ^= 1;
    }
    Ok(CertificateVerify {
        scheme: SignatureScheme::from(scheme.to_u16()),
        signature: sig,
    })
}

/// The peer's TLS 1.3 CertificateVerify (RFC 8446 4.4.3), received in `m`: a scheme in
/// `allowed` that we implement, and a signature by `cert` over the transcript so far (hashed
/// with the suite's hash); then added to the transcript. `from_server` says whose message it
/// is; a client's scheme must have been requested.
pub(crate) fn receive_certificate_verify13(
    c: &mut Common,
    m: Received,
    suite: Suite,
    transcript: &mut Transcript,
    allowed: &[SignatureScheme],
    cert: &CertificateDer<'static>,
    from_server: bool,
) -> Result<(), Error> {
    let cv = expect_payload!(m, CertificateVerify);
    let th = transcript.hash(suite.hash());
    let (peer, asked) = if from_server {
        ("server", "offered")
    } else {
        ("client", "requested")
    };
    let scheme = SigScheme::from_u16(cv.scheme.get())
        .filter(|_| allowed.contains(&cv.scheme) || c.knobs.ignores(M::SignatureSchemeNotOffered));
    let Some(scheme) = scheme else {
        misbehave!(
            M::SignatureSchemeNotOffered,
            "{peer} CertificateVerify uses {} which was not {asked}",
            cv.scheme
        );
    };
    let content = sign::certificate_verify_message(from_server, &th);
    if !c.knobs.bug_skip_certificate_verify_check {
        sign::verify_with_cert(cert, scheme, &content, &cv.signature)
            .map_err(|_| bad_signature(&format!("{peer} CertificateVerify"), cv.scheme))?;
    }
    c.negotiated_mut().signature_scheme = Some(cv.scheme);
    c.reach(Step::CertificateVerified);
    transcript.add(&m.raw);
    Ok(())
}

/// The peer's Finished (RFC 8446 4.4.4), checked against the transcript so far and then
/// added to it; the steps KeyExchange and Finished are reached.
pub(crate) fn receive_finished13(
    c: &mut Common,
    m: Received,
    h: HashAlg,
    base_key: &[u8],
    transcript: &mut Transcript,
    peer: &str,
) -> Result<(), Error> {
    let vd = expect_payload!(m, Finished);
    c.reach(Step::KeyExchange);
    // RFC 8446 4.4.4: verify_data is Hash.length bytes; another length does not parse.
    let key = KeySchedule::finished_key(h, base_key);
    check_verify_data(
        &vd,
        h.len(),
        || c.knobs.bug_skip_finished_check || h.hmac_verify(&key, &transcript.hash(h), &vd),
        peer,
        !c.knobs.ignores(M::BadFinishedLength),
    )?;
    c.reach(Step::Finished);
    transcript.add(&m.raw);
    Ok(())
}

/// The peer's verify_data: of `len` bytes (decode_error otherwise; not checked without
/// `length_checked`, the control `bug_ignore = "bad_finished_length"`), then equal to what
/// we expect (`matches`; decrypt_error otherwise). Both versions' Finished go through here.
pub(crate) fn check_verify_data(
    vd: &[u8],
    len: usize,
    matches: impl FnOnce() -> bool,
    peer: &str,
    length_checked: bool,
) -> Result<(), Error> {
    if vd.len() != len && length_checked {
        misbehave!(
            M::BadFinishedLength,
            "{peer} Finished of {} bytes, expected {len}",
            vd.len()
        );
    }
    if !matches() {
        misbehave!(M::BadFinished, "{peer} Finished verify_data mismatch");
    }
    Ok(())
}

/// Our Finished (knob `send_wrong_finished` flips a byte), added to the transcript.
pub(crate) fn send_finished13(
    c: &mut Common,
    h: HashAlg,
    base_key: &[u8],
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let fin = KeySchedule::verify_data(h, base_key, &transcript.hash(h));
    send_finished(c, fin, transcript)
}

/// Our Finished with `verify_data` (knob `send_wrong_finished` flips a byte), added to the
/// transcript (TLS 1.3 and 1.2).
pub(crate) fn send_finished(
    c: &mut Common,
    mut verify_data: Vec<u8>,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    if c.knobs.send_wrong_finished
        && let Some(b) = verify_data.first_mut()
    {
        *b ^= 0xff;
    }
    send(c, HandshakePayload::Finished(verify_data), transcript)
}

/// Send a handshake message and add it to the transcript.
pub(crate) fn send(
    c: &mut Common,
    payload: HandshakePayload,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let b = c.send_handshake(&HandshakeMessage::new(payload))?;
    transcript.add(&b);
    Ok(())
}
