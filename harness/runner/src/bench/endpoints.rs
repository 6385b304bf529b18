//! The three implementations as in-memory endpoints, configured for the benchmark kinds:
//! the peers' own adapters ([`OwnEndpoint`], [`RustlsEndpoint`], [`OpensslEndpoint`]), driven
//! by [`crate::pump::pair`].

use std::sync::{Arc, Mutex};

use certs::{KeyType, Materials};
use openssl::pkey::PKey;
use openssl::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslSession, SslSessionCacheMode,
    SslVerifyMode, SslVersion,
};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use rustls::client::Resumption;
use rustls::crypto::aws_lc_rs as provider_mod;
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::{RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::{PrivateKeyDer, ServerName, UnixTime};
use tls_engine::{CipherSuite, NamedGroup, ProtocolVersion};

use super::{Impl, Mode, Spec};
use crate::peers::openssl_peer::{self, OpensslEndpoint};
use crate::peers::own_peer::OwnEndpoint;
use crate::peers::rustls_peer::{self, RustlsEndpoint};
use crate::pump::{Endpoint, MemoryWire, pair};

/// Extra, useless work the `own` endpoint does per connection when the `bench-slow-own`
/// feature is on (never otherwise): about 120 k instructions, 2.5% of a full handshake. It
/// exists to show that the instruction-count gate trips on a slower engine without
/// touching the engine.
#[inline(never)]
pub fn own_slowdown() {
    #[cfg(feature = "bench-slow-own")]
    {
        let mut x = std::hint::black_box(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..12_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        std::hint::black_box(x);
    }
}

// ---- own ---------------------------------------------------------------------------------

/// The kind's suite: AES-128-GCM, in TLS 1.2 with the certificate's authentication.
fn suite(spec: &Spec) -> CipherSuite {
    match (spec.version, spec.cert) {
        (ProtocolVersion::TLSv1_3, _) => CipherSuite::TLS_AES_128_GCM_SHA256,
        (_, KeyType::Rsa2048) => CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        (_, _) => CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    }
}

/// Groups a client offers: the kind's group, or for HRR X25519 first (its key share) then
/// the group the server insists on.
/// In TLS 1.2 an ECDSA certificate is usable only on a curve the client lists (RFC 8422
/// 5.1): a client of a TLS 1.2 ECDSA P-256 kind also lists P-256, after the kind's group.
fn client_groups(spec: &Spec) -> Vec<NamedGroup> {
    match spec.mode {
        Mode::Hrr => vec![NamedGroup::X25519, spec.group],
        _ if spec.version == ProtocolVersion::TLSv1_2
            && spec.cert == KeyType::EcdsaP256
            && spec.group != NamedGroup::Secp256r1 =>
        {
            vec![spec.group, NamedGroup::Secp256r1]
        }
        _ => vec![spec.group],
    }
}

fn own_client(spec: &Spec, m: &Materials) -> tls_engine::ClientConfig {
    let mut c = tls_engine::ClientConfig {
        versions: vec![spec.version],
        tls12_session_tickets: false,
        cipher_suites: vec![suite(spec)],
        groups: client_groups(spec),
        roots: m.roots.clone(),
        server_name: Some(m.server_name.clone()),
        // Benchmarks measure the protocol, not the harness's transcript text.
        transcript_summaries: false,
        ..Default::default()
    };
    c.key_share_groups = vec![c.groups[0]];
    c
}

fn own_server(spec: &Spec, m: &Materials) -> Result<tls_engine::ServerConfig, String> {
    let mut c = tls_engine::ServerConfig::new(
        m.server.chain.clone(),
        PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
    )
    .map_err(|e| format!("own server: {e}"))?;
    c.versions = vec![spec.version];
    c.cipher_suites = vec![suite(spec)];
    c.groups = vec![spec.group];
    c.tickets = u8::from(spec.mode == Mode::Resumed);
    c.tls12_tickets = false;
    c.transcript_summaries = false;
    Ok(c)
}

// ---- rustls ------------------------------------------------------------------------------

fn rustls_provider(spec: &Spec, groups: &[NamedGroup]) -> Arc<CryptoProvider> {
    let kx: Vec<&'static dyn SupportedKxGroup> = groups
        .iter()
        .filter_map(|g| rustls_peer::kx_of(*g))
        .collect();
    Arc::new(CryptoProvider {
        cipher_suites: rustls_peer::suite_of(suite(spec)).into_iter().collect(),
        kx_groups: kx,
        ..provider_mod::default_provider()
    })
}

fn rustls_versions(spec: &Spec) -> &'static [&'static SupportedProtocolVersion] {
    static TLS12: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    match spec.version {
        ProtocolVersion::TLSv1_2 => &TLS12,
        _ => &TLS13,
    }
}

fn rustls_client(spec: &Spec, m: &Materials) -> Result<rustls::ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    for r in &m.roots {
        roots
            .add(r.clone())
            .map_err(|e| format!("rustls root: {e}"))?;
    }
    let mut c =
        rustls::ClientConfig::builder_with_provider(rustls_provider(spec, &client_groups(spec)))
            .with_protocol_versions(rustls_versions(spec))
            .map_err(|e| format!("rustls client: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    c.resumption = if spec.mode == Mode::Resumed {
        Resumption::in_memory_sessions(16)
    } else {
        Resumption::disabled()
    };
    Ok(c)
}

fn rustls_server(spec: &Spec, m: &Materials) -> Result<rustls::ServerConfig, String> {
    let mut c = rustls::ServerConfig::builder_with_provider(rustls_provider(spec, &[spec.group]))
        .with_protocol_versions(rustls_versions(spec))
        .map_err(|e| format!("rustls server: {e}"))?
        .with_no_client_auth()
        .with_single_cert(
            m.server.chain.clone(),
            PrivateKeyDer::Pkcs8(m.server.key.clone_key()),
        )
        .map_err(|e| format!("rustls server cert: {e}"))?;
    if spec.mode == Mode::Resumed {
        // Stateless tickets: one per handshake, each usable again.
        c.send_tls13_tickets = 1;
        c.ticketer = provider_mod::Ticketer::new().map_err(|e| format!("rustls ticketer: {e}"))?;
    } else {
        // The default is two tickets: a loop of "full" handshakes would resume.
        c.send_tls13_tickets = 0;
        c.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    }
    Ok(c)
}

// ---- OpenSSL -----------------------------------------------------------------------------

/// The ticket an OpenSSL client offers next: its new-session callback leaves every session
/// there (TLS 1.3 tickets arrive after the handshake; the callback is OpenSSL's documented way
/// to get them), and each connection takes it out.
///
/// A TLS 1.3 ticket is good for one resumption only with an OpenSSL client: at the end of
/// every TLS 1.3 client handshake, with `SSL_SESS_CACHE_CLIENT` on, `tls_finish_handshake`
/// (ssl/statem/statem_lib.c, "We encourage applications to only use TLSv1.3 tickets once")
/// calls `SSL_CTX_remove_session` on the session it used, which marks it `not_resumable` even
/// when it was never in the internal store (`remove_session_lock`, ssl/ssl_sess.c). Offered
/// again, such a session is replaced by a new one before the ClientHello is built
/// (`tls_construct_client_hello`, ssl/statem/statem_clnt.c): no pre_shared_key, a full
/// handshake.
/// So, like the rustls client (whose store hands out each TLS 1.3 ticket once), the OpenSSL
/// client offers the ticket of the previous handshake, every server issuing one per handshake.
type SessionSlot = Arc<Mutex<Option<SslSession>>>;

fn openssl_ctx(
    spec: &Spec,
    m: &Materials,
    server: bool,
    slot: Option<SessionSlot>,
) -> Result<SslContext, String> {
    let e = |what: &'static str| {
        move |err: openssl::error::ErrorStack| format!("openssl {what}: {err}")
    };
    let mut b = SslContextBuilder::new(SslMethod::tls()).map_err(e("context"))?;
    let v = match spec.version {
        ProtocolVersion::TLSv1_2 => SslVersion::TLS1_2,
        _ => SslVersion::TLS1_3,
    };
    b.set_min_proto_version(Some(v)).map_err(e("version"))?;
    b.set_max_proto_version(Some(v)).map_err(e("version"))?;
    b.set_ciphersuites("TLS_AES_128_GCM_SHA256")
        .map_err(e("ciphersuites"))?;
    b.set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
        .map_err(e("cipher list"))?;
    let name = |g: &NamedGroup| {
        openssl_peer::openssl_group(*g).ok_or_else(|| format!("{g} is not in OpenSSL 3.0"))
    };
    let groups = if server {
        vec![spec.group]
    } else {
        client_groups(spec)
    };
    let names: Vec<&str> = groups.iter().map(name).collect::<Result<_, _>>()?;
    b.set_groups_list(&names.join(":")).map_err(e("groups"))?;
    let resumed = spec.mode == Mode::Resumed;
    if server {
        let mut chain = m.server.chain.iter();
        let leaf = chain.next().ok_or("empty chain")?;
        let leaf = X509::from_der(leaf).map_err(e("certificate"))?;
        b.set_certificate(&leaf).map_err(e("certificate"))?;
        for extra in chain {
            b.add_extra_chain_cert(X509::from_der(extra).map_err(e("chain"))?)
                .map_err(e("chain"))?;
        }
        let key = PKey::private_key_from_der(m.server.key.secret_pkcs8_der())
            .map_err(e("private key"))?;
        b.set_private_key(&key).map_err(e("private key"))?;
        b.set_verify(SslVerifyMode::NONE);
        b.set_session_id_context(b"tls-harness-bench")
            .map_err(e("session id context"))?;
        if resumed {
            b.set_num_tickets(1).map_err(e("tickets"))?;
        } else {
            b.set_num_tickets(0).map_err(e("tickets"))?;
            b.set_options(SslOptions::NO_TICKET);
            b.set_session_cache_mode(SslSessionCacheMode::OFF);
        }
    } else {
        let mut store = X509StoreBuilder::new().map_err(e("store"))?;
        for r in &m.roots {
            store
                .add_cert(X509::from_der(r).map_err(e("root"))?)
                .map_err(e("root"))?;
        }
        b.set_verify_cert_store(store.build()).map_err(e("store"))?;
        b.set_verify(SslVerifyMode::PEER);
        match slot {
            Some(slot) if resumed => {
                b.set_session_cache_mode(
                    SslSessionCacheMode::CLIENT | SslSessionCacheMode::NO_INTERNAL_STORE,
                );
                b.set_new_session_callback(move |_, session| {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(session);
                    }
                });
            }
            _ => {
                b.set_session_cache_mode(SslSessionCacheMode::OFF);
                b.set_options(SslOptions::NO_TICKET);
            }
        }
    }
    Ok(b.build())
}

// ---- factory -----------------------------------------------------------------------------

/// Our engine's endpoint, on the real clock.
fn own(conn: Result<tls_engine::Connection, tls_engine::Error>) -> Result<OwnEndpoint, String> {
    own_slowdown();
    Ok(OwnEndpoint::new(
        conn.map_err(|e| format!("own: {e}"))?,
        None,
    ))
}

/// OpenSSL's endpoint (no message callback: it cannot tell a HelloRetryRequest), keeping
/// its session resumable when dropped without a shutdown.
fn openssl(ssl: Ssl) -> Result<OpensslEndpoint<'static>, String> {
    OpensslEndpoint::new(ssl, None)
        .map(OpensslEndpoint::keep_session)
        .map_err(|o| format!("openssl: {}", o.detail.unwrap_or_default()))
}

enum ClientCfg {
    Own(Arc<tls_engine::ClientConfig>),
    Rustls(Arc<rustls::ClientConfig>, ServerName<'static>),
    Openssl(SslContext, String, SessionSlot),
}

enum ServerCfg {
    Own(Arc<tls_engine::ServerConfig>),
    Rustls(Arc<rustls::ServerConfig>),
    Openssl(SslContext),
}

/// Makes fresh connections of one pairing from configurations built once.
pub(super) struct Factory {
    client: ClientCfg,
    server: ServerCfg,
}

impl Factory {
    pub(super) fn new(
        client: Impl,
        server: Impl,
        spec: &Spec,
        m: &Materials,
    ) -> Result<Factory, String> {
        let client = match client {
            Impl::Own => ClientCfg::Own(Arc::new(own_client(spec, m))),
            Impl::Rustls => {
                let name = ServerName::try_from(m.server_name.clone())
                    .map_err(|e| format!("server name: {e}"))?;
                ClientCfg::Rustls(Arc::new(rustls_client(spec, m)?), name)
            }
            Impl::Openssl => {
                let slot = SessionSlot::default();
                ClientCfg::Openssl(
                    openssl_ctx(spec, m, false, Some(slot.clone()))?,
                    m.server_name.clone(),
                    slot,
                )
            }
        };
        let server = match server {
            Impl::Own => ServerCfg::Own(Arc::new(own_server(spec, m)?)),
            Impl::Rustls => ServerCfg::Rustls(Arc::new(rustls_server(spec, m)?)),
            Impl::Openssl => ServerCfg::Openssl(openssl_ctx(spec, m, true, None)?),
        };
        Ok(Factory { client, server })
    }

    pub(super) fn client(&self) -> Result<Box<dyn Endpoint>, String> {
        Ok(match &self.client {
            ClientCfg::Own(c) => Box::new(own(tls_engine::Connection::client(
                c.clone(),
                UnixTime::now(),
            ))?),
            ClientCfg::Rustls(c, name) => {
                let conn = rustls::ClientConnection::new(c.clone(), name.clone())
                    .map_err(|e| format!("rustls: {e}"))?;
                Box::new(RustlsEndpoint::new(conn.into(), None))
            }
            ClientCfg::Openssl(ctx, name, slot) => {
                let mut ssl = Ssl::new(ctx).map_err(|e| format!("openssl: {e}"))?;
                ssl.set_connect_state();
                ssl.set_hostname(name)
                    .map_err(|e| format!("openssl SNI: {e}"))?;
                ssl.param_mut()
                    .set_host(name)
                    .map_err(|e| format!("openssl host: {e}"))?;
                // Each ticket once (see `SessionSlot`); this handshake's ticket refills the slot.
                // Empty before the priming handshake and for kinds without tickets.
                let session = slot
                    .lock()
                    .map_err(|_| "openssl client: session slot poisoned")?
                    .take();
                if let Some(s) = session {
                    // SAFETY: the session comes from a connection of this same context.
                    unsafe { ssl.set_session(&s) }
                        .map_err(|e| format!("openssl set_session: {e}"))?;
                }
                Box::new(openssl(ssl)?)
            }
        })
    }

    pub(super) fn server(&self) -> Result<Box<dyn Endpoint>, String> {
        Ok(match &self.server {
            ServerCfg::Own(c) => Box::new(own(tls_engine::Connection::server(
                c.clone(),
                UnixTime::now(),
            ))?),
            ServerCfg::Rustls(c) => {
                let conn =
                    rustls::ServerConnection::new(c.clone()).map_err(|e| format!("rustls: {e}"))?;
                Box::new(RustlsEndpoint::new(conn.into(), None))
            }
            ServerCfg::Openssl(ctx) => {
                let mut ssl = Ssl::new(ctx).map_err(|e| format!("openssl: {e}"))?;
                ssl.set_accept_state();
                Box::new(openssl(ssl)?)
            }
        })
    }

    /// For resumed kinds: one full handshake whose ticket the client keeps. The own client
    /// offers that ticket on every handshake; the rustls client (its session store) and the
    /// OpenSSL client (its [`SessionSlot`]) use each TLS 1.3 ticket once and offer the one
    /// the previous handshake brought.
    pub(super) fn prime(&mut self, spec: &Spec) -> Result<(), String> {
        if spec.mode != Mode::Resumed {
            return Ok(());
        }
        let mut c = self.client()?;
        let mut s = self.server()?;
        pair(c.as_mut(), s.as_mut(), &mut MemoryWire)?;
        match (&mut self.client, c.take_ticket()) {
            (ClientCfg::Own(cfg), Some(t)) => {
                let mut new = (**cfg).clone();
                new.resumption = Some(t);
                *cfg = Arc::new(new);
            }
            (ClientCfg::Openssl(_, _, slot), _) => {
                if slot
                    .lock()
                    .map_err(|_| "openssl client: session slot poisoned")?
                    .is_none()
                {
                    return Err(
                        "openssl client: the priming handshake brought no session ticket".into(),
                    );
                }
            }
            (ClientCfg::Rustls(..), _) => {}
            _ => return Err("the priming handshake left the client without a ticket".into()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pump::Observed;

    fn run(f: &Factory) -> (Observed, Observed) {
        let mut c = f.client().unwrap_or_else(|e| panic!("{e}"));
        let mut s = f.server().unwrap_or_else(|e| panic!("{e}"));
        pair(c.as_mut(), s.as_mut(), &mut MemoryWire).unwrap_or_else(|e| panic!("{e}"));
        (c.observed(), s.observed())
    }

    /// Why the OpenSSL client offers each ticket once (see [`SessionSlot`]): a session it
    /// resumed with is not resumable any more, offered again it brings a full handshake,
    /// while the ticket that resumed handshake brought resumes.
    #[test]
    fn an_openssl_client_resumes_once_per_ticket() {
        let spec = Spec {
            version: ProtocolVersion::TLSv1_3,
            mode: Mode::Resumed,
            cert: KeyType::EcdsaP256,
            group: NamedGroup::X25519,
        };
        let m = spec.materials().unwrap_or_else(|e| panic!("{e}"));
        for server in Impl::ALL {
            let mut f =
                Factory::new(Impl::Openssl, server, &spec, &m).unwrap_or_else(|e| panic!("{e}"));
            f.prime(&spec).unwrap_or_else(|e| panic!("{e}"));
            let ClientCfg::Openssl(_, _, slot) = &f.client else {
                unreachable!("an OpenSSL client")
            };
            let slot = slot.clone();
            let ticket =
                |slot: &SessionSlot| slot.lock().unwrap().clone().expect("a ticket in the slot");

            let first = ticket(&slot);
            let (c, s) = run(&f);
            assert_eq!(
                (c.resumed, s.resumed),
                (Some(true), Some(true)),
                "openssl->{server}, first use"
            );
            let second = ticket(&slot);

            *slot.lock().unwrap() = Some(first);
            let (c, s) = run(&f);
            assert_eq!(
                (c.resumed, s.resumed),
                (Some(false), Some(false)),
                "openssl->{server}, the used ticket again"
            );

            *slot.lock().unwrap() = Some(second);
            let (c, s) = run(&f);
            assert_eq!(
                (c.resumed, s.resumed),
                (Some(true), Some(true)),
                "openssl->{server}, the next ticket"
            );
        }
    }
}
