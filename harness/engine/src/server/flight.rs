//! The server's TLS 1.3 flight (RFC 8446 4.1.3, 4.3, 4.4): ServerHello, EncryptedExtensions,
//! in a full handshake CertificateRequest (if asked for), Certificate and CertificateVerify,
//! then Finished, and the keys it switches.

use std::sync::Arc;

use tls_wire::{
    CertificateRequestTls13, CipherSuite, ClientHello, CompressionMethod, Extension,
    HandshakeMessage, HandshakePayload, KeyShareEntry, NamedGroup, ProtocolVersion, ServerHello,
};

use crate::config::{ClientAuth, ServerConfig, Step};
use crate::conn::Common;
use crate::crypto::{Group, SigScheme, Suite, kx, sign};
use crate::error::{Error, Misbehaviour as M, misbehaved};
use crate::handshake::{certificate_message, certificate_verify, send, send_finished13};
use crate::keyschedule::{KeySchedule, Transcript};

use super::client_flight::Handshake13;
use super::hello::{HelloExtensions, our_signature_schemes};

/// Bytes of undecryptable early data a server skips (RFC 8446 4.2.10). We never accept
/// early data and never advertise it, so this only tolerates clients that try anyway.
pub(super) const EARLY_DATA_SKIP: usize = 16384 + 256;

/// What a ServerHello decides, for building it and the key schedule.
pub(super) struct HelloChoice<'a> {
    pub(super) suite: Suite,
    /// The group and the client's key share answered; `None` for a psk_ke resumption (no
    /// (EC)DHE, RFC 8446 4.2.9).
    pub(super) share: Option<(Group, &'a KeyShareEntry)>,
    pub(super) psk: Option<(u16, Vec<u8>)>,
    /// A HelloRetryRequest came first (and whether its CCS was sent).
    pub(super) hrr: Option<bool>,
}

/// Handshake secrets after the ServerHello.
pub(super) struct HandshakeSecrets {
    pub(super) ks: KeySchedule,
    pub(super) c_hs: Vec<u8>,
    pub(super) s_hs: Vec<u8>,
}

/// Answer the client's key share, send the ServerHello (and the compatibility CCS), record
/// what was negotiated and switch to the handshake write key.
pub(super) fn send_server_hello(
    c: &mut Common,
    config: &ServerConfig,
    ch: &ClientHello,
    raw: &[u8],
    choice: &HelloChoice<'_>,
    exts: &HelloExtensions,
    transcript: &mut Transcript,
) -> Result<HandshakeSecrets, Error> {
    let suite = choice.suite;
    let mut sh_exts = vec![Extension::SupportedVersionsServer(ProtocolVersion::TLSv1_3)];
    let mut kx = None;
    if let Some((group, client_share)) = choice.share {
        let (server_share, shared) =
            match kx::server_respond(group, &client_share.key_exchange, c.random.as_ref()) {
                // The control `bug_ignore = "bad_key_share"`: our share, a zero secret.
                Err(_) if c.knobs.ignores(M::BadKeyShare) => {
                    let ours = kx::KeyShare::generate(group, c.random.as_ref())
                        .map_err(|e| Error::internal(e.to_string()))?;
                    (ours.public().to_vec(), vec![0; 32])
                }
                r => r.map_err(|e| misbehaved(M::BadKeyShare, format!("client key share: {e}")))?,
            };
        let group_id = NamedGroup::from(group.to_u16());
        sh_exts.push(Extension::KeyShareServer(KeyShareEntry::new(
            group_id,
            server_share,
        )));
        kx = Some((group_id, shared));
    }
    transcript.add(raw);
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
        n.group = kx.as_ref().map(|(g, _)| *g);
        n.resumed = choice.psk.is_some();
        n.hrr = choice.hrr.is_some();
        n.alpn = exts.alpn.clone();
        n.server_name = exts.sni.clone();
    }
    let h = suite.hash();
    let mut ks = KeySchedule::new(h, choice.psk.as_ref().map(|(_, p)| p.as_slice()));
    ks.advance(kx.as_ref().map(|(_, shared)| shared.as_slice()));
    let th = transcript.hash(h);
    let c_hs = ks.derive(b"c hs traffic", &th);
    let s_hs = ks.derive(b"s hs traffic", &th);
    c.set_write_key(suite, s_hs.clone(), false)?;
    Ok(HandshakeSecrets { ks, c_hs, s_hs })
}

/// EncryptedExtensions: server_name acknowledged (full handshakes), ALPN, record_size_limit.
pub(super) fn send_encrypted_extensions(
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
pub(super) fn send_certificate_flight(
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
pub(super) fn send_server_hello13(
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
pub(super) fn want_ccs(config: &ServerConfig, ch: &ClientHello) -> bool {
    config.knobs.send_ccs.unwrap_or(!ch.session_id.is_empty())
}

/// The end of the server's flight: [KeyUpdate knob], Finished; then the application write
/// key, the client's handshake read key, and the secrets the client's flight needs.
pub(super) fn finish_server_flight(
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
