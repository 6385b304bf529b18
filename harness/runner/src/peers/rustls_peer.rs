//! rustls 0.23 (aws-lc-rs provider) as client and server.
//!
//! Seeded (see [`CaseCtx::random`]): the provider's `secure_random` (client and server
//! randoms, session ids, the ClientHello extension order, ticket ids and age_add) and the
//! X25519, P-256 and P-384 key shares draw from the case's generator, and the configs read
//! [`CaseCtx::now`]. aws-lc still draws ML-KEM keys and encapsulations (X25519MLKEM768, the
//! group rustls prefers by default), ECDSA nonces and RSA-PSS salts internally.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::aws_lc_rs::{self as provider_mod, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::{CertifiedKey, SigningKey};
use rustls::{
    AlertDescription, Connection, DigitallySignedStruct, DistinguishedName, Error, RootCertStore,
    SignatureScheme, SupportedCipherSuite, SupportedProtocolVersion,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::model::{
    AlertSeen, CipherSuite as WireSuite, ClientAuth, Direction, NamedGroup, Outcome,
    ProtocolVersion, Role, Setup, SignatureScheme as WireScheme, Step,
};
use crate::peer::{CaseCtx, Peer, Unsupported, each_connection, serve_each};
use crate::pump;
use crate::vocab;

mod endpoint;
mod seeded;

pub(crate) use endpoint::RustlsEndpoint;
use seeded::{CASE_RANDOM_SOURCE, SeedScope, seeded_kx, time_provider};

/// The rustls peer.
#[derive(Debug, Default)]
pub struct RustlsPeer;

/// The provider's suite of the same code point (its nine suites are all TLS 1.3 and ECDHE
/// AEAD suites).
pub(crate) fn suite_of(s: WireSuite) -> Option<SupportedCipherSuite> {
    provider_mod::ALL_CIPHER_SUITES
        .iter()
        .copied()
        .find(|c| u16::from(c.suite()) == s.get())
}

pub(crate) fn kx_of(g: NamedGroup) -> Option<&'static dyn SupportedKxGroup> {
    Some(match g {
        NamedGroup::X25519 => kx_group::X25519,
        NamedGroup::Secp256r1 => kx_group::SECP256R1,
        NamedGroup::Secp384r1 => kx_group::SECP384R1,
        NamedGroup::X25519MlKem768 => kx_group::X25519MLKEM768,
        _ => return None,
    })
}

/// rustls's scheme of the same code point.
fn scheme_to_rustls(s: WireScheme) -> SignatureScheme {
    SignatureScheme::from(s.get())
}

fn scheme_from_rustls(s: SignatureScheme) -> Option<WireScheme> {
    vocab::from_code(u16::from(s))
}

fn suite_from_rustls(s: SupportedCipherSuite) -> Option<WireSuite> {
    vocab::from_code(u16::from(s.suite()))
}

fn group_from_rustls(g: &dyn SupportedKxGroup) -> Option<NamedGroup> {
    vocab::from_code(u16::from(g.name()))
}

fn version_from_rustls(v: rustls::ProtocolVersion) -> Option<ProtocolVersion> {
    vocab::from_code(u16::from(v))
}

/// The provider for one side; `seeded`: with [`CaseRandom`] and the [`SeededKx`] groups.
fn provider(side: &crate::model::Side, seeded: bool) -> CryptoProvider {
    let mut p = provider_mod::default_provider();
    if !side.suites.is_empty() {
        p.cipher_suites = side.suites.iter().filter_map(|s| suite_of(*s)).collect();
    }
    if !side.groups.is_empty() {
        p.kx_groups = side.groups.iter().filter_map(|g| kx_of(*g)).collect();
    }
    if seeded {
        p.secure_random = &CASE_RANDOM_SOURCE;
        p.kx_groups = p.kx_groups.into_iter().map(seeded_kx).collect();
    }
    p
}

fn versions(side: &crate::model::Side) -> Vec<&'static SupportedProtocolVersion> {
    if side.versions.is_empty() {
        return rustls::DEFAULT_VERSIONS.to_vec();
    }
    side.versions
        .iter()
        .filter_map(|v| match *v {
            ProtocolVersion::TLSv1_2 => Some(&rustls::version::TLS12),
            ProtocolVersion::TLSv1_3 => Some(&rustls::version::TLS13),
            _ => None,
        })
        .collect()
}

fn roots(materials: &certs::Materials) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for root in &materials.roots {
        store
            .add(root.clone())
            .map_err(|e| format!("trust anchor of profile {}: {e}", materials.profile))?;
    }
    Ok(store)
}

/// Records the peer's handshake signature scheme and restricts the schemes offered.
#[derive(Debug)]
pub(crate) struct SchemeTap {
    allowed: Vec<SignatureScheme>,
    seen: Mutex<Option<SignatureScheme>>,
}

impl SchemeTap {
    fn new(allowed: &[WireScheme]) -> Arc<Self> {
        Arc::new(SchemeTap {
            allowed: allowed.iter().map(|s| scheme_to_rustls(*s)).collect(),
            seen: Mutex::new(None),
        })
    }

    fn note(&self, scheme: SignatureScheme) {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(scheme);
        }
    }

    pub(crate) fn seen(&self) -> Option<WireScheme> {
        self.seen
            .lock()
            .ok()
            .and_then(|s| *s)
            .and_then(scheme_from_rustls)
    }

    fn filter(&self, schemes: Vec<SignatureScheme>) -> Vec<SignatureScheme> {
        if self.allowed.is_empty() {
            schemes
        } else {
            schemes
                .into_iter()
                .filter(|s| self.allowed.contains(s))
                .collect()
        }
    }
}

/// A verifier's two handshake-signature checks (TLS 1.2 and 1.3), each recording the peer's
/// scheme on `self.tap`: `delegate` then leaves the check to `self.inner` and offers its
/// schemes through the tap's filter; `accept` accepts every signature.
macro_rules! signature_checks {
    ($how:ident) => {
        signature_checks!(@check $how verify_tls12_signature);
        signature_checks!(@check $how verify_tls13_signature);
        signature_checks!(@schemes $how);
    };
    (@check $how:ident $method:ident) => {
        fn $method(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.tap.note(dss.scheme);
            signature_checks!(@verdict $how self $method message cert dss)
        }
    };
    (@verdict delegate $this:ident $method:ident $message:ident $cert:ident $dss:ident) => {
        $this.inner.$method($message, $cert, $dss)
    };
    (@verdict accept $this:ident $method:ident $message:ident $cert:ident $dss:ident) => {{
        let _ = ($message, $cert);
        Ok(HandshakeSignatureValid::assertion())
    }};
    (@schemes delegate) => {
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.tap.filter(self.inner.supported_verify_schemes())
        }
    };
    (@schemes accept) => {
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.schemes.clone()
        }
    };
}

#[derive(Debug)]
struct ServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    tap: Arc<SchemeTap>,
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    signature_checks!(delegate);
}

/// Accepts every certificate and every signature (for [`Verification::None`], and for the
/// MITM proxy's own client towards the real server).
#[derive(Debug)]
pub(crate) struct AcceptAnything {
    schemes: Vec<SignatureScheme>,
    tap: Arc<SchemeTap>,
}

impl AcceptAnything {
    /// Offers every scheme `provider` can verify.
    pub(crate) fn new(provider: &CryptoProvider) -> Self {
        AcceptAnything {
            schemes: provider
                .signature_verification_algorithms
                .supported_schemes(),
            tap: SchemeTap::new(&[]),
        }
    }
}

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    signature_checks!(accept);
}

#[derive(Debug)]
struct ClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    tap: Arc<SchemeTap>,
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
    }

    signature_checks!(delegate);
}

/// A signing key that only signs with the schemes the setup allows.
#[derive(Debug)]
struct RestrictedKey {
    inner: Arc<dyn SigningKey>,
    allowed: Vec<SignatureScheme>,
}

impl SigningKey for RestrictedKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        let offered: Vec<SignatureScheme> = offered
            .iter()
            .copied()
            .filter(|s| self.allowed.is_empty() || self.allowed.contains(s))
            .collect();
        self.inner.choose_scheme(&offered)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        self.inner.algorithm()
    }
}

#[derive(Debug)]
struct OneClientCert(Arc<CertifiedKey>);

impl rustls::client::ResolvesClientCert for OneClientCert {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.0.key.choose_scheme(sigschemes).map(|_| self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct OneCert(Arc<CertifiedKey>);

impl ResolvesServerCert for OneCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn certified_key(
    provider: &CryptoProvider,
    identity: &certs::Identity,
    allowed: &[WireScheme],
) -> Result<CertifiedKey, String> {
    let key = PrivateKeyDer::Pkcs8(identity.key.clone_key());
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| format!("rustls cannot load the {} key: {e}", identity.key_type))?;
    let signing: Arc<dyn SigningKey> = Arc::new(RestrictedKey {
        inner: signing,
        allowed: allowed.iter().map(|s| scheme_to_rustls(*s)).collect(),
    });
    Ok(CertifiedKey::new(identity.chain.clone(), signing))
}

/// The alert rustls sends for an error, as rustls itself chooses it for these error kinds.
/// Used only when the wire does not show the alert (the runner prefers the decoded
/// transcript).
pub fn alert_for_error(e: &Error) -> Option<(Direction, AlertSeen)> {
    let sent = |a: AlertDescription| Some((Direction::Sent, wire_alert(a)));
    match e {
        Error::AlertReceived(a) => Some((Direction::Received, wire_alert(*a))),
        Error::InvalidCertificate(c) => sent(AlertDescription::from(c.clone())),
        Error::InvalidMessage(m) => sent(AlertDescription::from(*m)),
        Error::DecryptError => sent(AlertDescription::BadRecordMac),
        Error::NoApplicationProtocol => sent(AlertDescription::NoApplicationProtocol),
        Error::NoCertificatesPresented => sent(AlertDescription::CertificateRequired),
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            sent(AlertDescription::UnexpectedMessage)
        }
        _ => None,
    }
}

/// A rustls alert description as ours.
fn wire_alert(a: AlertDescription) -> AlertSeen {
    AlertSeen::Named(u8::from(a).into())
}

/// One connection over `sock`: rustls through the pump.
fn drive<S: Read + Write>(
    conn: Connection,
    sock: &mut S,
    role: Role,
    setup: &Setup,
    tap: &Arc<SchemeTap>,
    ctx: &CaseCtx,
) -> Outcome {
    let mut ep = RustlsEndpoint::new(conn, Some(tap.clone()));
    pump::connection(&mut ep, sock, role, setup, ctx)
}

/// Whether the rustls client verifies the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verification {
    /// Path, dates, name and signatures, as rustls does by default.
    Full,
    /// Nothing at all: a test-only client that shows the harness catches a client that does
    /// not verify (see `rustls-noverify`).
    None,
}

fn client_config(
    setup: &Setup,
    tap: &Arc<SchemeTap>,
    verification: Verification,
    ctx: &CaseCtx,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let materials = setup.materials()?;
    let provider = Arc::new(provider(&setup.client, ctx.seed().is_some()));
    let verifier =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots(&materials)?), provider.clone())
            .build()
            .map_err(|e| format!("rustls server verifier: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match verification {
        Verification::Full => Arc::new(ServerVerifier {
            inner: verifier,
            tap: tap.clone(),
        }),
        Verification::None => Arc::new(AcceptAnything {
            schemes: tap.filter(verifier.supported_verify_schemes()),
            tap: tap.clone(),
        }),
    };
    let builder = rustls::ClientConfig::builder_with_details(provider.clone(), time_provider(ctx))
        .with_protocol_versions(&versions(&setup.client))
        .map_err(|e| format!("rustls client config: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = if !setup.client_presents_certificate() {
        builder.with_no_client_auth()
    } else {
        let ck = certified_key(&provider, &materials.client, &setup.client.sig_schemes)?;
        builder.with_client_cert_resolver(Arc::new(OneClientCert(Arc::new(ck))))
    };
    config.alpn_protocols = setup.client.alpn_wire();
    config.enable_sni = true;
    config.key_log = ctx.key_log();
    Ok(Arc::new(config))
}

fn server_config(
    setup: &Setup,
    tap: &Arc<SchemeTap>,
    ctx: &CaseCtx,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let materials = setup.materials()?;
    let provider = Arc::new(provider(&setup.server, ctx.seed().is_some()));
    let builder = rustls::ServerConfig::builder_with_details(provider.clone(), time_provider(ctx))
        .with_protocol_versions(&versions(&setup.server))
        .map_err(|e| format!("rustls server config: {e}"))?;
    let builder = match setup.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        mode => {
            let mut vb = WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(&materials)?),
                provider.clone(),
            );
            if mode == ClientAuth::Optional {
                vb = vb.allow_unauthenticated();
            }
            let inner = vb
                .build()
                .map_err(|e| format!("rustls client verifier: {e}"))?;
            builder.with_client_cert_verifier(Arc::new(ClientVerifier {
                inner,
                tap: tap.clone(),
            }))
        }
    };
    let ck = certified_key(&provider, &materials.server, &setup.server.sig_schemes)?;
    let mut config = builder.with_cert_resolver(Arc::new(OneCert(Arc::new(ck))));
    config.alpn_protocols = setup.server.alpn_wire();
    config.key_log = ctx.key_log();
    if let Some(n) = setup.tickets {
        config.send_tls13_tickets = usize::from(n);
    }
    Ok(Arc::new(config))
}

impl Peer for RustlsPeer {
    fn name(&self) -> &str {
        "rustls"
    }

    fn version(&self) -> String {
        format!("rustls {} (aws-lc-rs)", crate::versions::RUSTLS)
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        // A matrix group rustls's aws-lc-rs provider lacks (secp521r1 in rustls 0.23) would
        // be left out silently and another group negotiated: skip instead.
        if let Some(g) = setup
            .all_groups()
            .find(|g| vocab::GROUPS.contains(g) && kx_of(*g).is_none())
        {
            return Err(Unsupported(format!(
                "rustls {}: its aws-lc-rs provider has no {g} (kx_group)",
                crate::versions::RUSTLS
            )));
        }
        let materials = setup.materials().map_err(Unsupported)?;
        // The identity this side presents must load (rustls refuses e.g. RSA-1024 keys).
        if let Some(id) = setup.presented_identity(role, &materials) {
            certified_key(&provider(setup.side(role), false), id, &[]).map_err(Unsupported)?;
        }
        Ok(())
    }

    fn unseeded(&self) -> Option<String> {
        None
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        let _seed = SeedScope::enter(ctx.random(Role::Server));
        let tap = SchemeTap::new(&setup.server.sig_schemes);
        let config = match server_config(setup, &tap, ctx) {
            Ok(c) => c,
            Err(e) => return vec![Outcome::internal(Step::Tcp, e)],
        };
        serve_each(
            setup,
            &listener,
            ctx,
            |mut sock| match rustls::ServerConnection::new(config.clone()) {
                Ok(c) => drive(
                    Connection::Server(c),
                    &mut sock,
                    Role::Server,
                    setup,
                    &tap,
                    ctx,
                ),
                Err(e) => Outcome::internal(Step::Tcp, format!("rustls: {e}")),
            },
        )
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        run_client(setup, addr, ctx, Verification::Full)
    }
}

/// The rustls client's connections of a case.
pub(crate) fn run_client(
    setup: &Setup,
    addr: SocketAddr,
    ctx: &CaseCtx,
    verification: Verification,
) -> Vec<Outcome> {
    let _seed = SeedScope::enter(ctx.random(Role::Client));
    let tap = SchemeTap::new(&setup.client.sig_schemes);
    let config = match client_config(setup, &tap, verification, ctx) {
        Ok(c) => c,
        Err(e) => return vec![Outcome::internal(Step::Tcp, e)],
    };
    let name = match ServerName::try_from(setup.server_name.clone()) {
        Ok(n) => n,
        Err(e) => {
            return vec![Outcome::internal(
                Step::Tcp,
                format!("server name `{}`: {e}", setup.server_name),
            )];
        }
    };
    each_connection(setup, ctx, |_| {
        let mut sock = ctx.connect_or_outcome(addr)?;
        let conn = rustls::ClientConnection::new(config.clone(), name.clone())
            .map_err(|e| Outcome::internal(Step::Tcp, format!("rustls: {e}")))?;
        Ok(drive(
            Connection::Client(conn),
            &mut sock,
            Role::Client,
            setup,
            &tap,
            ctx,
        ))
    })
}
