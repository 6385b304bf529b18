//! Target mode: a server the user runs (`harness run --target HOST:PORT`). The client peers
//! connect to it directly; the target itself is not observed, so its view of each connection
//! is the client's, mirrored (see `run::run_case`).

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use crate::model::{ClientAuth, Credentials, KeyType, Outcome, Role, Setup, Side};
use crate::peer::{CaseCtx, Peer, PeerRef, Unsupported};
use crate::run::Case;
use crate::scenario::Variant;

/// The server under test, already running.
#[derive(Debug)]
pub struct TargetPeer {
    pub addr: SocketAddr,
    pub server_name: String,
    /// Key type of the target's certificate (variants for other certificates are skipped).
    pub key_type: KeyType,
    pub materials: Arc<certs::Materials>,
    about: String,
}

/// Resolves `HOST:PORT`.
pub fn resolve(target: &str) -> Result<SocketAddr, String> {
    target
        .to_socket_addrs()
        .map_err(|e| format!("--target {target}: {e} (expected HOST:PORT)"))?
        .next()
        .ok_or_else(|| format!("--target {target}: no address"))
}

impl TargetPeer {
    /// Connects once to learn the target's certificate key type; `ca` holds the trust anchors
    /// (PEM) the clients verify the target with.
    pub fn probe(addr: SocketAddr, server_name: &str, ca_pem: &str) -> Result<Self, String> {
        use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
        b.set_verify(SslVerifyMode::NONE);
        let connector = b.build();
        let tcp = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| format!("--target {addr}: cannot connect: {e}"))?;
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = tcp.set_write_timeout(Some(Duration::from_secs(5)));
        let cfg = connector.configure().map_err(|e| e.to_string())?;
        let stream = cfg
            .verify_hostname(false)
            .connect(server_name, tcp)
            .map_err(|e| format!("--target {addr}: TLS handshake for the probe failed: {e}"))?;
        let cert = stream
            .ssl()
            .peer_certificate()
            .ok_or("the target sent no certificate")?;
        let key = cert.public_key().map_err(|e| e.to_string())?;
        let key_type = match key.id() {
            openssl::pkey::Id::ED25519 => KeyType::Ed25519,
            openssl::pkey::Id::RSA => KeyType::Rsa2048,
            openssl::pkey::Id::EC => {
                let ec = key.ec_key().map_err(|e| e.to_string())?;
                match ec.group().curve_name() {
                    Some(openssl::nid::Nid::SECP384R1) => KeyType::EcdsaP384,
                    _ => KeyType::EcdsaP256,
                }
            }
            other => {
                return Err(format!(
                    "the target's key type {other:?} is not one the scenarios use"
                ));
            }
        };
        let subject = cert
            .subject_name()
            .entries()
            .filter_map(|e| e.data().to_string().ok())
            .collect::<Vec<_>>()
            .join(", ");
        let version = stream.ssl().version_str();
        drop(stream);
        let roots: Result<Vec<_>, _> = {
            use rustls_pki_types::pem::PemObject;
            rustls_pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()).collect()
        };
        let roots = roots.map_err(|e| format!("--ca: not PEM certificates: {e}"))?;
        if roots.is_empty() {
            return Err("--ca: no CERTIFICATE block found".into());
        }
        // The clients present no certificate (client authentication is skipped); the
        // identities are placeholders.
        let placeholder = || certs::Identity {
            chain: roots.clone(),
            key: rustls_pki_types::PrivatePkcs8KeyDer::from(Vec::new()),
            chain_pem: ca_pem.to_string(),
            key_pem: String::new(),
            key_type,
        };
        let materials = certs::Materials {
            profile: format!("target:{addr}"),
            server: placeholder(),
            client: placeholder(),
            roots_pem: ca_pem.to_string(),
            roots,
            server_name: server_name.to_string(),
        };
        Ok(TargetPeer {
            addr,
            server_name: server_name.to_string(),
            key_type,
            materials: Arc::new(materials),
            about: format!("target {addr} ({version} probe; certificate {subject}, {key_type})"),
        })
    }

    /// The variant as the target takes it: its trust anchors and server name.
    fn adapt(&self, v: &Variant) -> Variant {
        let mut v = v.clone();
        v.setup.credentials = Some(Credentials(self.materials.clone()));
        v.setup.server_name = self.server_name.clone();
        v
    }
}

/// Whether the client's list is one the server's list allows (empty lists: anything).
fn within<T: PartialEq>(client: &[T], server: &[T]) -> bool {
    server.is_empty() || (!client.is_empty() && client.iter().all(|c| server.contains(c)))
}

fn restricts(s: &Setup) -> Option<String> {
    let (c, sv): (&Side, &Side) = (&s.client, &s.server);
    if !within(&c.versions, &sv.versions) {
        return Some(format!(
            "restricts the server's versions to {:?}",
            sv.versions
        ));
    }
    if !within(&c.suites, &sv.suites) {
        return Some("restricts the server's cipher suites beyond the client's".into());
    }
    if !within(&c.groups, &sv.groups) {
        return Some(
            "restricts the server's groups beyond the client's (e.g. a forced HelloRetryRequest)"
                .into(),
        );
    }
    if c.groups.len() > 1 && !sv.groups.is_empty() {
        // The server picks among the client's groups by its own preference (a TLS 1.2
        // setup that pins a group also offers the certificate's curve).
        return Some("sets the server's preference among the groups the client offers".into());
    }
    if !within(&c.sig_schemes, &sv.sig_schemes) {
        return Some("restricts the server's signature schemes beyond the client's".into());
    }
    if !sv.alpn.is_empty() {
        return Some("sets the server's ALPN protocols".into());
    }
    None
}

impl Peer for TargetPeer {
    fn name(&self) -> &str {
        "target"
    }

    fn version(&self) -> String {
        self.about.clone()
    }

    fn supports(&self, role: Role, setup: &Setup) -> Result<(), Unsupported> {
        if role == Role::Client {
            return Err(Unsupported("the target is a server".into()));
        }
        if !setup.server_knobs.is_empty() {
            return Err(Unsupported(
                "server knobs need our engine as the server".into(),
            ));
        }
        if setup.client_auth != ClientAuth::None {
            return Err(Unsupported(
                "client authentication depends on the target's configuration".into(),
            ));
        }
        let want = certs::materials(&setup.cert)
            .map(|m| m.server.key_type)
            .map_err(|e| Unsupported(e.to_string()))?;
        if want != self.key_type {
            return Err(Unsupported(format!(
                "needs a {want} certificate; the target's is {}",
                self.key_type
            )));
        }
        if let Some(r) = restricts(setup) {
            return Err(Unsupported(format!(
                "the setup {r}; the target's configuration cannot be set"
            )));
        }
        Ok(())
    }

    fn target(&self) -> Option<SocketAddr> {
        Some(self.addr)
    }

    fn echoes(&self) -> bool {
        false
    }

    fn observed(&self) -> bool {
        false
    }

    fn run_server(&self, _setup: &Setup, _listener: TcpListener, _ctx: &CaseCtx) -> Vec<Outcome> {
        // Not observed: the runner mirrors the client's outcomes.
        Vec::new()
    }

    fn run_client(&self, _setup: &Setup, _addr: SocketAddr, _ctx: &CaseCtx) -> Vec<Outcome> {
        vec![Outcome::internal(
            crate::model::Step::Tcp,
            "the target is a server",
        )]
    }
}

/// The cases of target mode: every variant whose side under test is the server (or both),
/// with each client peer against the target.
pub fn expand(variants: &[Variant], clients: &[PeerRef], target: &Arc<TargetPeer>) -> Vec<Case> {
    let server: PeerRef = target.clone();
    let mut cases = Vec::new();
    for v in variants {
        if v.scenario.under_test == reports::UnderTest::Client {
            continue;
        }
        let v = target.adapt(v);
        for c in clients {
            if !v.setup.client_knobs.is_empty() && c.name() != "own" {
                continue;
            }
            // The target's name is `target`: ids `scenario/client->target[/label]`.
            cases.push(Case::new(&v, c, &server));
        }
    }
    cases
}
