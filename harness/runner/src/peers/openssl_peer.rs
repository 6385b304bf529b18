//! The system OpenSSL (3.0) as client and server, through the `openssl` crate.
//!
//! OpenSSL does not say in its safe API which alert it sent, nor whether a HelloRetryRequest
//! happened. Both are recovered exactly from OpenSSL's message callback
//! (`SSL_set_msg_callback`, the mechanism behind `s_client -msg`): it reports every
//! handshake message and alert, sent or received, after decryption.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use openssl::pkey::PKey;
use openssl::ssl::{
    AlpnError, ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslRef, SslSession,
    SslSessionCacheMode, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;

use crate::model::{
    AlertDescription, CipherSuite, ClientAuth, Direction, Failure, NamedGroup, Outcome,
    ProtocolVersion, Role, Setup, Side, SignatureScheme, Step,
};
use crate::peer::{CaseCtx, Peer, Unsupported, each_connection, io_failure, serve_each};
use crate::pump;
use crate::vocab;

mod endpoint;

use crate::steps::{HsEvent, failed_step, step_of};
pub(crate) use endpoint::OpensslEndpoint;

/// The OpenSSL peer.
#[derive(Debug, Default)]
pub struct OpensslPeer;

/// OpenSSL's name of a suite of the matrix.
fn openssl_suite(s: CipherSuite) -> Option<&'static str> {
    Some(match s {
        CipherSuite::TLS_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "ECDHE-ECDSA-CHACHA20-POLY1305"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        _ => return None,
    })
}

/// OpenSSL's name of a group; `None` for the hybrid (OpenSSL gained it in 3.5) and groups
/// outside the matrix.
pub(crate) fn openssl_group(g: NamedGroup) -> Option<&'static str> {
    match g {
        NamedGroup::X25519 => Some("X25519"),
        NamedGroup::Secp256r1 => Some("P-256"),
        NamedGroup::Secp384r1 => Some("P-384"),
        NamedGroup::Secp521r1 => Some("P-521"),
        _ => None,
    }
}

const NID_X9_62_PRIME256V1: c_int = 415;
const NID_SECP384R1: c_int = 715;
const NID_SECP521R1: c_int = 716;
const NID_X25519: c_int = 1034;
const NID_RSA: c_int = 6;
const NID_RSASSA_PSS: c_int = 912;
const NID_EC: c_int = 408;
const NID_ED25519: c_int = 1087;
const NID_SHA256: c_int = 672;
const NID_SHA384: c_int = 673;
const NID_SHA512: c_int = 674;

const SSL_CTRL_GET_PEER_SIGNATURE_NID: c_int = 108;
const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
const SSL3_RT_ALERT: c_int = 21;
const SSL3_RT_HANDSHAKE: c_int = 22;

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut openssl_sys::SSL,
    arg: *mut c_void,
);

unsafe extern "C" {
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
    fn SSL_get_peer_signature_type_nid(ssl: *const openssl_sys::SSL, pnid: *mut c_int) -> c_int;
}

/// What the message callback saw on this thread's current connection.
#[derive(Debug, Default, Clone)]
struct MsgLog {
    /// Handshake messages: (direction, handshake type, first bytes of the body).
    handshake: Vec<HsEvent>,
    /// Alerts: (direction, level, description).
    alerts: Vec<(Direction, u8, u8)>,
    hrr: bool,
}

thread_local! {
    static MSG_LOG: RefCell<MsgLog> = RefCell::new(MsgLog::default());
}

const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

unsafe extern "C" fn on_message(
    write_p: c_int,
    _version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    _ssl: *mut openssl_sys::SSL,
    _arg: *mut c_void,
) {
    if buf.is_null() {
        return;
    }
    // SAFETY: OpenSSL passes `len` readable bytes at `buf` for the duration of the call.
    let bytes = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) };
    let direction = if write_p != 0 {
        Direction::Sent
    } else {
        Direction::Received
    };
    let _ = MSG_LOG.try_with(|log| {
        let Ok(mut log) = log.try_borrow_mut() else {
            return;
        };
        match content_type {
            SSL3_RT_HANDSHAKE => {
                if let Some(&typ) = bytes.first() {
                    // ServerHello (2) whose random is the HRR value: a HelloRetryRequest.
                    if typ == 2 && bytes.get(6..38) == Some(&HRR_RANDOM[..]) {
                        log.hrr = true;
                    }
                    log.handshake.push(HsEvent { direction, typ });
                }
            }
            SSL3_RT_ALERT => {
                if let (Some(&level), Some(&desc)) = (bytes.first(), bytes.get(1)) {
                    log.alerts.push((direction, level, desc));
                }
            }
            _ => {}
        }
    });
}

/// A copy of this thread's log.
fn peek_log() -> MsgLog {
    MSG_LOG
        .try_with(|log| log.try_borrow().map(|l| l.clone()).unwrap_or_default())
        .unwrap_or_default()
}

fn take_log() -> MsgLog {
    MSG_LOG
        .try_with(|log| {
            log.try_borrow_mut()
                .map(|mut l| std::mem::take(&mut *l))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

fn attach_callback(ssl: &mut SslRef) {
    // SAFETY: `ssl` is a live SSL object; the callback is a plain function that only touches
    // this thread's log and never unwinds.
    unsafe { SSL_set_msg_callback(foreign_ptr(ssl), Some(on_message)) };
}

fn foreign_ptr(ssl: &SslRef) -> *mut openssl_sys::SSL {
    use foreign_types_shared::ForeignTypeRef;
    ssl.as_ptr()
}

fn negotiated_group(ssl: &SslRef) -> Option<NamedGroup> {
    // SAFETY: SSL_ctrl with SSL_CTRL_GET_NEGOTIATED_GROUP reads a field of a live SSL.
    let nid = unsafe {
        openssl_sys::SSL_ctrl(
            foreign_ptr(ssl),
            SSL_CTRL_GET_NEGOTIATED_GROUP,
            0,
            std::ptr::null_mut(),
        )
    } as c_int;
    match nid {
        NID_X25519 => Some(NamedGroup::X25519),
        NID_X9_62_PRIME256V1 => Some(NamedGroup::Secp256r1),
        NID_SECP384R1 => Some(NamedGroup::Secp384r1),
        NID_SECP521R1 => Some(NamedGroup::Secp521r1),
        _ => None,
    }
}

fn peer_sig_scheme(ssl: &SslRef) -> Option<SignatureScheme> {
    let mut typ: c_int = 0;
    let mut hash: c_int = 0;
    // SAFETY: both calls write one int through a valid pointer on a live SSL.
    let (ok_t, ok_h) = unsafe {
        (
            SSL_get_peer_signature_type_nid(foreign_ptr(ssl), &mut typ),
            openssl_sys::SSL_ctrl(
                foreign_ptr(ssl),
                SSL_CTRL_GET_PEER_SIGNATURE_NID,
                0,
                (&mut hash as *mut c_int).cast(),
            ),
        )
    };
    if ok_t != 1 {
        return None;
    }
    if ok_h != 1 && typ != NID_ED25519 {
        return None;
    }
    Some(match (typ, hash) {
        (NID_ED25519, _) => SignatureScheme::Ed25519,
        (NID_EC, NID_SHA256) => SignatureScheme::EcdsaSecp256r1Sha256,
        (NID_EC, NID_SHA384) => SignatureScheme::EcdsaSecp384r1Sha384,
        (NID_RSASSA_PSS, NID_SHA256) => SignatureScheme::RsaPssRsaeSha256,
        (NID_RSASSA_PSS, NID_SHA384) => SignatureScheme::RsaPssRsaeSha384,
        (NID_RSASSA_PSS, NID_SHA512) => SignatureScheme::RsaPssRsaeSha512,
        (NID_RSA, NID_SHA256) => SignatureScheme::RsaPkcs1Sha256,
        (NID_RSA, NID_SHA384) => SignatureScheme::RsaPkcs1Sha384,
        (NID_RSA, NID_SHA512) => SignatureScheme::RsaPkcs1Sha512,
        _ => return None,
    })
}

fn version_bounds(side: &Side) -> (Option<SslVersion>, Option<SslVersion>) {
    let to = |v: ProtocolVersion| match v {
        ProtocolVersion::TLSv1_2 => Some(SslVersion::TLS1_2),
        ProtocolVersion::TLSv1_3 => Some(SslVersion::TLS1_3),
        _ => None,
    };
    let min = side
        .versions
        .iter()
        .min()
        .copied()
        .and_then(to)
        .unwrap_or(SslVersion::TLS1_2);
    let max = side
        .versions
        .iter()
        .max()
        .copied()
        .and_then(to)
        .unwrap_or(SslVersion::TLS1_3);
    (Some(min), Some(max))
}

fn alpn_wire(protocols: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in protocols {
        out.push(p.len() as u8);
        out.extend_from_slice(p.as_bytes());
    }
    out
}

/// The first of the server's protocols (in its preference order) that the client offers, as
/// a slice of the client's list.
fn select_alpn<'a>(server: &[String], client: &'a [u8]) -> Option<&'a [u8]> {
    let mut offered = Vec::new();
    let mut rest = client;
    while let Some((&len, tail)) = rest.split_first() {
        let (proto, next) = tail.split_at_checked(usize::from(len))?;
        offered.push(proto);
        rest = next;
    }
    server
        .iter()
        .find_map(|p| offered.iter().copied().find(|o| *o == p.as_bytes()))
}

fn context(
    setup: &Setup,
    role: Role,
    key_log: Arc<crate::mitm::KeyLogSink>,
) -> Result<SslContext, String> {
    let side = setup.side(role);
    let materials = setup.materials()?;
    fn e(what: &'static str) -> impl Fn(openssl::error::ErrorStack) -> String {
        move |err| format!("openssl {what}: {err}")
    }
    let mut b = SslContextBuilder::new(SslMethod::tls()).map_err(e("context"))?;
    b.set_keylog_callback(move |_, line| key_log.add_line(line));
    let (min, max) = version_bounds(side);
    b.set_min_proto_version(min).map_err(e("min version"))?;
    b.set_max_proto_version(max).map_err(e("max version"))?;
    // OpenSSL takes the TLS 1.3 suites and the TLS 1.2 ciphers in two lists.
    let names = |v: ProtocolVersion| -> Vec<&str> {
        side.suites
            .iter()
            .filter(|s| vocab::suite_version(**s) == v)
            .filter_map(|s| openssl_suite(*s))
            .collect()
    };
    let (tls13, tls12) = (
        names(ProtocolVersion::TLSv1_3),
        names(ProtocolVersion::TLSv1_2),
    );
    if !tls13.is_empty() {
        b.set_ciphersuites(&tls13.join(":"))
            .map_err(e("ciphersuites"))?;
    }
    if !tls12.is_empty() {
        b.set_cipher_list(&tls12.join(":"))
            .map_err(e("cipher list"))?;
    } else {
        b.set_cipher_list("ECDHE+AESGCM:ECDHE+CHACHA20")
            .map_err(e("cipher list"))?;
    }
    if !side.groups.is_empty() {
        let names: Option<Vec<&str>> = side.groups.iter().map(|g| openssl_group(*g)).collect();
        let names = names.ok_or("X25519MLKEM768 is not in OpenSSL 3.0")?;
        b.set_groups_list(&names.join(":")).map_err(e("groups"))?;
    }
    if !side.sig_schemes.is_empty() {
        let list: Vec<&str> = side.sig_schemes.iter().map(|s| s.name()).collect();
        b.set_sigalgs_list(&list.join(":")).map_err(e("sigalgs"))?;
    }
    let mut store = X509StoreBuilder::new().map_err(e("store"))?;
    for root in &materials.roots {
        let cert = X509::from_der(root).map_err(e("trust anchor"))?;
        store.add_cert(cert).map_err(e("trust anchor"))?;
    }
    b.set_verify_cert_store(store.build())
        .map_err(e("verify store"))?;
    let identity = match role {
        Role::Server => Some(&materials.server),
        Role::Client if setup.client_presents_certificate() => Some(&materials.client),
        Role::Client => None,
    };
    if let Some(id) = identity {
        let mut chain = id.chain.iter();
        if let Some(leaf) = chain.next() {
            let leaf = X509::from_der(leaf).map_err(e("certificate"))?;
            b.set_certificate(&leaf).map_err(e("certificate"))?;
        }
        for extra in chain {
            b.add_extra_chain_cert(X509::from_der(extra).map_err(e("chain"))?)
                .map_err(e("chain"))?;
        }
        let key =
            PKey::private_key_from_der(id.key.secret_pkcs8_der()).map_err(e("private key"))?;
        b.set_private_key(&key).map_err(e("private key"))?;
        b.check_private_key()
            .map_err(e("key does not match certificate"))?;
    }
    match role {
        Role::Client => {
            b.set_verify(SslVerifyMode::PEER);
            if !side.alpn.is_empty() {
                b.set_alpn_protos(&alpn_wire(&side.alpn))
                    .map_err(e("alpn"))?;
            }
            b.set_session_cache_mode(SslSessionCacheMode::CLIENT);
        }
        Role::Server => {
            match setup.client_auth {
                ClientAuth::None => b.set_verify(SslVerifyMode::NONE),
                ClientAuth::Optional => b.set_verify(SslVerifyMode::PEER),
                ClientAuth::Required => {
                    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT)
                }
            }
            b.set_session_id_context(b"tls-harness")
                .map_err(e("session id context"))?;
            if let Some(n) = setup.tickets {
                b.set_num_tickets(usize::from(n))
                    .map_err(e("number of tickets"))?;
            }
            if !side.alpn.is_empty() {
                let server = side.alpn.clone();
                b.set_alpn_select_callback(move |_, client| {
                    select_alpn(&server, client).ok_or(AlpnError::ALERT_FATAL)
                });
            }
        }
    }
    Ok(b.build())
}

/// Maps a failed OpenSSL operation onto an outcome, using the message log for the alert.
fn failure(err: &openssl::ssl::Error, log: &MsgLog, ctx: Option<&CaseCtx>, what: &str) -> Outcome {
    let step = step_of(&log.handshake);
    // The first fatal alert on the connection is the one that ended it.
    if let Some((direction, _, desc)) = log.alerts.iter().find(|(_, level, _)| *level == 2) {
        let description = AlertDescription::from(*desc);
        let step = match direction {
            Direction::Sent => failed_step(step, Some(description)),
            Direction::Received => step,
        };
        return Outcome::failed(
            Failure::Alert {
                direction: *direction,
                alert: description.into(),
            },
            step,
            format!("openssl {what}: {err}"),
        );
    }
    if let (Some(io), Some(ctx)) = (err.io_error(), ctx) {
        return io_failure(io, step, ctx);
    }
    match err.code() {
        ErrorCode::ZERO_RETURN => Outcome::failed(
            Failure::Closed,
            step,
            format!("openssl {what}: close_notify"),
        ),
        ErrorCode::SYSCALL => {
            if ctx.is_some_and(CaseCtx::is_cancelled) {
                Outcome::failed(Failure::Timeout, step, "case deadline passed")
            } else {
                Outcome::failed(Failure::Closed, step, format!("openssl {what}: EOF"))
            }
        }
        _ => Outcome::internal(step, format!("openssl {what}: {err}")),
    }
}

/// Runs one connection over `sock`: OpenSSL through the pump. A client keeps the
/// session of its first successful connection in `session`.
fn drive<S: Read + Write>(
    ssl: Ssl,
    sock: &mut S,
    role: Role,
    setup: &Setup,
    ctx: &CaseCtx,
    session: Option<&Arc<Mutex<Option<SslSession>>>>,
) -> Outcome {
    let mut ep = match OpensslEndpoint::new(ssl, Some(ctx)) {
        Ok(ep) => ep,
        Err(o) => return o,
    };
    let o = pump::connection(&mut ep, sock, role, setup, ctx);
    if o.is_connected()
        && let Some(store) = session
        && let Some(s) = ep.ssl().session()
        && let Ok(mut slot) = store.lock()
        && slot.is_none()
    {
        *slot = Some(s.to_owned());
    }
    o
}

fn new_ssl(ctx_: &SslContext, setup: &Setup, role: Role) -> Result<Ssl, String> {
    let mut ssl = Ssl::new(ctx_).map_err(|e| format!("openssl: {e}"))?;
    attach_callback(&mut ssl);
    match role {
        Role::Client => ssl.set_connect_state(),
        Role::Server => ssl.set_accept_state(),
    }
    if role == Role::Client {
        let name = setup.server_name.as_str();
        match name.parse::<IpAddr>() {
            Ok(ip) => ssl
                .param_mut()
                .set_ip(ip)
                .map_err(|e| format!("openssl set_ip: {e}"))?,
            Err(_) => {
                ssl.set_hostname(name)
                    .map_err(|e| format!("openssl SNI `{name}`: {e}"))?;
                ssl.param_mut()
                    .set_host(name)
                    .map_err(|e| format!("openssl verify host `{name}`: {e}"))?;
            }
        }
    }
    Ok(ssl)
}

/// Whether the OpenSSL library here can run the setup.
fn check(setup: &Setup) -> Result<(), Unsupported> {
    if setup.all_groups().any(|g| openssl_group(g).is_none()) {
        return Err(Unsupported(format!(
            "{} has no X25519MLKEM768 (added in OpenSSL 3.5)",
            openssl::version::version()
        )));
    }
    Ok(())
}

impl Peer for OpensslPeer {
    fn name(&self) -> &str {
        "openssl"
    }

    fn version(&self) -> String {
        openssl::version::version().to_string()
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        check(setup)?;
        // OpenSSL refuses to load some identities (SHA-1 or weak keys under its security
        // level, malformed certificates): that side cannot be played, which is a skip.
        context(setup, role, Default::default())
            .map(|_| ())
            .map_err(|e| {
                Unsupported(format!(
                    "{} cannot load this setup: {e}",
                    openssl::version::version()
                ))
            })
    }

    fn unseeded(&self) -> Option<String> {
        // The default provider's DRBG (randoms, key shares, tickets) seeds itself from the
        // operating system and cannot be given a seed; OpenSSL also reads the real clock.
        Some("OpenSSL 3.0's DRBG has no seeded mode".into())
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        let sctx = match context(setup, Role::Server, ctx.key_log()) {
            Ok(c) => c,
            Err(e) => return vec![Outcome::internal(Step::Tcp, e)],
        };
        serve_each(setup, &listener, ctx, |mut sock| {
            match new_ssl(&sctx, setup, Role::Server) {
                Ok(ssl) => drive(ssl, &mut sock, Role::Server, setup, ctx, None),
                Err(e) => Outcome::internal(Step::Tcp, e),
            }
        })
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        let cctx = match context(setup, Role::Client, ctx.key_log()) {
            Ok(c) => c,
            Err(e) => return vec![Outcome::internal(Step::Tcp, e)],
        };
        let session: Arc<Mutex<Option<SslSession>>> = Arc::new(Mutex::new(None));
        each_connection(setup, ctx, |i| {
            let mut sock = ctx.connect_or_outcome(addr)?;
            let mut ssl =
                new_ssl(&cctx, setup, Role::Client).map_err(|e| Outcome::internal(Step::Tcp, e))?;
            if i > 0 {
                let stored = session.lock().ok().and_then(|s| s.clone());
                let Some(s) = stored else {
                    return Err(Outcome::failed(
                        Failure::Internal("no session to resume".into()),
                        Step::Tcp,
                        "the first connection yielded no session (no ticket received)",
                    ));
                };
                // SAFETY: the session comes from a connection made with the same context.
                unsafe { ssl.set_session(&s) }.map_err(|e| {
                    Outcome::internal(Step::Tcp, format!("openssl set_session: {e}"))
                })?;
            }
            Ok(drive(
                ssl,
                &mut sock,
                Role::Client,
                setup,
                ctx,
                Some(&session),
            ))
        })
    }
}
