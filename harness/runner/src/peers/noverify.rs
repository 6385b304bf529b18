//! A test-only peer: the rustls client with certificate verification switched off.
//!
//! `rustls-noverify` accepts any server certificate chain and any handshake signature, so it
//! connects wherever the TCP connection and the key exchange work. Run as the client of the
//! `certificate` family it must turn every bad-certificate case into `fail`: that is how the
//! harness shows it can tell a verifying client from one that does not verify. As server it
//! is the ordinary rustls peer ([`RustlsPeer`]), verification of client certificates included.
//! Never list it in a conformance run's default peers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::aws_lc_rs::{self as provider_mod, cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::{DigitallySignedStruct, Error, SignatureScheme, SupportedCipherSuite};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use super::{RustlsPeer, rustls_alert_for_error};
use crate::model::{
    ClientAuth, Direction, Failure, Group, Negotiated, Outcome, Role, Setup, Step, Suite, Version,
};
use crate::peer::{CaseCtx, Peer, Unsupported, io_failure};

/// The rustls client without certificate verification (test-only); rustls as server.
#[derive(Debug, Default)]
pub struct NoVerifyRustls;

/// Accepts every certificate and every signature.
#[derive(Debug)]
struct AcceptAnything {
    schemes: Vec<SignatureScheme>,
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

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

const SUITES: &[(Suite, SupportedCipherSuite)] = &[
    (
        Suite::Tls13Aes128GcmSha256,
        cipher_suite::TLS13_AES_128_GCM_SHA256,
    ),
    (
        Suite::Tls13Aes256GcmSha384,
        cipher_suite::TLS13_AES_256_GCM_SHA384,
    ),
    (
        Suite::Tls13Chacha20Poly1305Sha256,
        cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
    (
        Suite::EcdheEcdsaAes128GcmSha256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        Suite::EcdheEcdsaAes256GcmSha384,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        Suite::EcdheEcdsaChacha20Poly1305Sha256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        Suite::EcdheRsaAes128GcmSha256,
        cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        Suite::EcdheRsaAes256GcmSha384,
        cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        Suite::EcdheRsaChacha20Poly1305Sha256,
        cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

fn kx_of(g: Group) -> &'static dyn SupportedKxGroup {
    match g {
        Group::X25519 => kx_group::X25519,
        Group::Secp256r1 => kx_group::SECP256R1,
        Group::Secp384r1 => kx_group::SECP384R1,
        Group::X25519MlKem768 => kx_group::X25519MLKEM768,
    }
}

fn provider(setup: &Setup) -> CryptoProvider {
    let side = &setup.client;
    let mut p = provider_mod::default_provider();
    if !side.suites.is_empty() {
        p.cipher_suites = SUITES
            .iter()
            .filter(|(s, _)| side.suites.contains(s))
            .map(|(_, r)| *r)
            .collect();
    }
    if !side.groups.is_empty() {
        p.kx_groups = side.groups.iter().map(|g| kx_of(*g)).collect();
    }
    p
}

fn config(setup: &Setup) -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = Arc::new(provider(setup));
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        if setup.client.versions.is_empty() {
            rustls::DEFAULT_VERSIONS.to_vec()
        } else {
            setup
                .client
                .versions
                .iter()
                .map(|v| match v {
                    Version::Tls12 => &rustls::version::TLS12,
                    Version::Tls13 => &rustls::version::TLS13,
                })
                .collect()
        };
    let verifier = AcceptAnything {
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("rustls client config: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = if setup.client_auth == ClientAuth::None {
        builder.with_no_client_auth()
    } else {
        let m = certs::materials(&setup.cert).map_err(|e| e.to_string())?;
        builder
            .with_client_auth_cert(
                m.client.chain.clone(),
                PrivateKeyDer::Pkcs8(m.client.key.clone_key()),
            )
            .map_err(|e| format!("rustls client certificate: {e}"))?
    };
    config.alpn_protocols = setup
        .client
        .alpn
        .iter()
        .map(|p| p.as_bytes().to_vec())
        .collect();
    Ok(Arc::new(config))
}

fn failure(e: &Error, step: Step) -> Outcome {
    match rustls_alert_for_error(e) {
        Some((direction, description)) => Outcome::failed(
            Failure::Alert {
                direction,
                description,
            },
            step,
            format!("rustls (no verification): {e}"),
        ),
        None => {
            // The runner names the alert from the transcript.
            let mut o = Outcome::failed(
                Failure::Closed,
                step,
                format!("rustls (no verification): {e}"),
            );
            o.failure = Some(Failure::Alert {
                direction: Direction::Sent,
                description: String::new(),
            });
            o
        }
    }
}

fn io_or_tls(e: &std::io::Error, step: Step, ctx: &CaseCtx) -> Outcome {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(tls) => failure(tls, step),
        None => io_failure(e, step, ctx),
    }
}

fn negotiated(conn: &rustls::ClientConnection) -> Negotiated {
    Negotiated {
        version: match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_2) => Some(Version::Tls12),
            Some(rustls::ProtocolVersion::TLSv1_3) => Some(Version::Tls13),
            _ => None,
        },
        suite: conn.negotiated_cipher_suite().and_then(|n| {
            SUITES
                .iter()
                .find(|(_, r)| r.suite() == n.suite())
                .map(|(s, _)| *s)
        }),
        group: conn.negotiated_key_exchange_group().and_then(|g| {
            Group::ALL
                .iter()
                .copied()
                .find(|m| kx_of(*m).name() == g.name())
        }),
        sig_scheme: None,
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        hrr: conn.handshake_kind() == Some(rustls::HandshakeKind::FullWithHelloRetryRequest),
    }
}

/// One connection: handshake, send the application data, read the echo, close.
fn connect_once(
    config: &Arc<rustls::ClientConfig>,
    name: &ServerName<'static>,
    setup: &Setup,
    addr: SocketAddr,
    ctx: &CaseCtx,
) -> Outcome {
    let mut sock = match ctx.connect(addr) {
        Ok(s) => s,
        Err(e) => return io_failure(&e, Step::Tcp, ctx),
    };
    let mut conn = match rustls::ClientConnection::new(config.clone(), name.clone()) {
        Ok(c) => c,
        Err(e) => return Outcome::internal(Step::Tcp, format!("rustls: {e}")),
    };
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            return io_or_tls(&e, Step::ClientHello, ctx);
        }
    }
    let negotiated = negotiated(&conn);
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    if let Err(e) = tls.write_all(&setup.app_data).and_then(|()| tls.flush()) {
        return io_or_tls(&e, Step::Finished, ctx);
    }
    let mut got = vec![0u8; setup.app_data.len()];
    if let Err(e) = tls.read_exact(&mut got) {
        return io_or_tls(&e, Step::Finished, ctx);
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
    Outcome::connected(negotiated, got)
}

impl Peer for NoVerifyRustls {
    fn name(&self) -> &str {
        "rustls-noverify"
    }

    fn version(&self) -> String {
        format!(
            "rustls {} (aws-lc-rs), client without certificate verification (test only)",
            crate::versions::RUSTLS
        )
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        RustlsPeer.supports(role, setup)
    }

    fn run_server(&self, setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        RustlsPeer.run_server(setup, listener, ctx)
    }

    fn run_client(&self, setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        let config = match config(setup) {
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
        let mut outcomes = Vec::new();
        for _ in 0..setup.connections() {
            let o = connect_once(&config, &name, setup, addr, ctx);
            let stop = !o.is_connected();
            outcomes.push(o);
            if stop {
                break;
            }
        }
        outcomes
    }
}
