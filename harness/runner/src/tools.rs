//! `harness serve` and `harness connect`: a peer as a standalone server or client, like
//! `openssl s_server -www` and `openssl s_client`.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::model::{AppMode, ClientAuth, Credentials, Outcome, ProtocolVersion, Setup};
use crate::peer::{CaseCtx, PeerRef};
use crate::peers;

/// Options shared by `serve` and `connect`.
#[derive(Debug, Args)]
pub struct Common {
    /// Which implementation plays: own, rustls or openssl.
    #[arg(long, default_value = "own")]
    pub peer: String,
    /// Only TLS 1.2.
    #[arg(long, conflicts_with = "tls13")]
    pub tls12: bool,
    /// Only TLS 1.3.
    #[arg(long)]
    pub tls13: bool,
    /// ALPN protocols, comma-separated (offered by the client, accepted by the server in
    /// preference order).
    #[arg(long, value_delimiter = ',')]
    pub alpn: Vec<String>,
    /// Longest wait for one read or write, in seconds.
    #[arg(long, default_value_t = 30)]
    pub idle_timeout: u64,
}

/// `harness serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Certificate chain (PEM, leaf first).
    #[arg(long)]
    pub cert: PathBuf,
    /// Private key (PEM: PKCS#8, or a PKCS#1 / SEC1 key, which is converted).
    #[arg(long)]
    pub key: PathBuf,
    /// Trust anchors for client certificates (PEM); requires a client certificate.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Port on 127.0.0.1 (0: let the kernel choose; the port is printed).
    #[arg(long, default_value_t = 4433)]
    pub port: u16,
    /// Stop after this many connections (default: serve until killed).
    #[arg(long)]
    pub connections: Option<usize>,
    /// Refuse TLS 1.2 clients without extended_master_secret (RFC 7627 5.3 lets a server
    /// abort "if it does not wish to interoperate with legacy clients"). By default `serve`
    /// interoperates with them, as a test server for other suites should. `own` only: it is
    /// our engine's choice (rustls and OpenSSL serve such clients).
    #[arg(long)]
    pub require_ems: bool,
    /// TLS 1.3 session tickets to send after each handshake (0: none, so no client can
    /// resume; default: the library's own, own 1, rustls and OpenSSL 2). `own`, `rustls` and
    /// `openssl` only.
    #[arg(long)]
    pub tickets: Option<u8>,
    /// TLS 1.3: resume in psk_ke (PSK-only, no (EC)DHE; RFC 8446 4.2.9) a client that offers
    /// that mode alone; by default its PSK is ignored and a full handshake follows. `own`
    /// only.
    #[arg(long)]
    pub psk_ke: bool,
    #[command(flatten)]
    pub common: Common,
}

/// `harness connect`.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Server host (an address or name that resolves locally).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Server port.
    #[arg(long)]
    pub port: u16,
    /// Trust anchors for the server certificate (PEM).
    #[arg(long)]
    pub ca: PathBuf,
    /// Name sent as SNI and verified (default: --host).
    #[arg(long)]
    pub servername: Option<String>,
    /// Client certificate chain for client authentication (PEM).
    #[arg(long, requires = "key")]
    pub cert: Option<PathBuf>,
    /// Client private key (PEM).
    #[arg(long, requires = "cert")]
    pub key: Option<PathBuf>,
    /// Make a second connection that resumes the first one's session.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub common: Common,
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("{what} {}: {e}", path.display()))
}

/// Loads a PEM certificate list, naming the file on error.
pub fn load_certs(path: &Path, what: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path, what)?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
    let certs = certs
        .map_err(|e| anyhow::anyhow!("{what} {}: not PEM certificates: {e}", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{what} {}: no CERTIFICATE block found", path.display());
    }
    Ok(certs)
}

/// Loads a private key as PKCS#8 (converting PKCS#1 and SEC1 keys), with its key type.
pub fn load_key(path: &Path) -> anyhow::Result<(PrivatePkcs8KeyDer<'static>, certs::KeyType)> {
    let bytes = read(path, "--key")?;
    let pkey = openssl::pkey::PKey::private_key_from_pem(&bytes)
        .map_err(|e| anyhow::anyhow!("--key {}: not a PEM private key: {e}", path.display()))?;
    let key_type = match pkey.id() {
        openssl::pkey::Id::ED25519 => certs::KeyType::Ed25519,
        openssl::pkey::Id::RSA => certs::KeyType::Rsa2048,
        openssl::pkey::Id::EC => {
            let ec = pkey
                .ec_key()
                .map_err(|e| anyhow::anyhow!("--key {}: {e}", path.display()))?;
            match ec.group().curve_name() {
                Some(openssl::nid::Nid::X9_62_PRIME256V1) => certs::KeyType::EcdsaP256,
                Some(openssl::nid::Nid::SECP384R1) => certs::KeyType::EcdsaP384,
                other => anyhow::bail!(
                    "--key {}: EC curve {other:?} is not supported (P-256 or P-384)",
                    path.display()
                ),
            }
        }
        other => anyhow::bail!(
            "--key {}: key type {other:?} is not supported (ECDSA P-256/P-384, RSA, Ed25519)",
            path.display()
        ),
    };
    let der = pkey
        .private_key_to_pkcs8()
        .map_err(|e| anyhow::anyhow!("--key {}: {e}", path.display()))?;
    Ok((PrivatePkcs8KeyDer::from(der), key_type))
}

fn pem_of(certs: &[CertificateDer<'static>]) -> String {
    certs
        .iter()
        .map(|c| {
            openssl::x509::X509::from_der(c)
                .and_then(|x| x.to_pem())
                .map(|p| String::from_utf8_lossy(&p).into_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// Materials from files given on the command line: `id` is this side's identity (also put
/// in the other side's place, which `serve` and `connect` do not use).
fn file_materials(
    file: &std::path::Path,
    id: certs::Identity,
    roots: Vec<CertificateDer<'static>>,
    server_name: &str,
) -> certs::Materials {
    certs::Materials {
        profile: format!("files:{}", file.display()),
        client: id.clone(),
        server: id,
        roots_pem: pem_of(&roots),
        roots,
        server_name: server_name.into(),
    }
}

fn identity(
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
    key_type: certs::KeyType,
) -> certs::Identity {
    let key_pem = openssl::pkey::PKey::private_key_from_der(key.secret_pkcs8_der())
        .and_then(|k| k.private_key_to_pem_pkcs8())
        .map(|p| String::from_utf8_lossy(&p).into_owned())
        .unwrap_or_default();
    certs::Identity {
        chain_pem: pem_of(&chain),
        chain,
        key,
        key_pem,
        key_type,
    }
}

fn versions(c: &Common) -> Vec<ProtocolVersion> {
    if c.tls12 {
        vec![ProtocolVersion::TLSv1_2]
    } else if c.tls13 {
        vec![ProtocolVersion::TLSv1_3]
    } else {
        Vec::new()
    }
}

fn describe(o: &Outcome) -> String {
    let n = &o.negotiated;
    match &o.failure {
        None => format!(
            "connected: version={} suite={} group={} sigalg={} alpn={} resumed={} hrr={}",
            n.version.map_or("?".into(), |v| v.to_string()),
            n.suite.map_or("?".into(), |v| v.to_string()),
            n.group.map_or("-".into(), |v| v.to_string()),
            n.sig_scheme.map_or("-".into(), |v| v.to_string()),
            n.alpn.as_deref().unwrap_or("-"),
            n.resumed,
            n.hrr
        ),
        Some(f) => format!(
            "failed at step {}: {}",
            o.step,
            match o.alert() {
                Some((a, d)) => format!(
                    "alert {a} {}",
                    if d == reports::Direction::Sent {
                        "sent"
                    } else {
                        "received"
                    }
                ),
                None => format!("{f:?}"),
            } + &o
                .detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
    }
}

fn peer(name: &str) -> anyhow::Result<PeerRef> {
    peers::by_name(name, &crate::cli::peers_dir()).map_err(|e| anyhow::anyhow!("--peer: {e}"))
}

/// Runs `harness serve`.
pub fn serve(args: &ServeArgs) -> anyhow::Result<i32> {
    let peer = peer(&args.common.peer)?;
    let chain = load_certs(&args.cert, "--cert")?;
    let (key, key_type) = load_key(&args.key)?;
    let roots = match &args.ca {
        Some(p) => load_certs(p, "--ca")?,
        None => Vec::new(),
    };
    let id = identity(chain, key, key_type);
    let materials = file_materials(&args.cert, id, roots, "localhost");
    let own = peer.name() == "own";
    if args.require_ems && !own {
        anyhow::bail!(
            "--require-ems: only `own` (our engine) can be told to refuse clients without extended_master_secret, not `{}`",
            peer.name()
        );
    }
    if args.psk_ke && !own {
        anyhow::bail!(
            "--psk-ke: only `own` (our engine) can be told to resume in psk_ke, not `{}`",
            peer.name()
        );
    }
    if args.tickets.is_some() && !["own", "rustls", "openssl"].contains(&peer.name()) {
        anyhow::bail!(
            "--tickets: only own, rustls and openssl can be told how many tickets to send, not `{}`",
            peer.name()
        );
    }
    let mut setup = Setup {
        tickets: args.tickets,
        client_auth: if args.ca.is_some() {
            ClientAuth::Required
        } else {
            ClientAuth::None
        },
        credentials: Some(Credentials(Arc::new(materials))),
        app: AppMode::Http,
        repeat: Some(args.connections.unwrap_or(usize::MAX)),
        server: crate::model::Side {
            versions: versions(&args.common),
            alpn: args.common.alpn.clone(),
            ..Default::default()
        },
        ..Setup::default()
    };
    if args.psk_ke {
        setup
            .server_knobs
            .insert("accept_psk_ke".into(), "true".into());
    }
    if own && !args.require_ems {
        // Our engine requires extended_master_secret by default (the scenarios judge it so);
        // as a server for other suites it interoperates with legacy TLS 1.2 clients.
        setup
            .server_knobs
            .insert("allow_no_extended_master_secret".into(), "true".into());
    }
    if let Err(u) = peer.supports(crate::model::Role::Server, &setup) {
        anyhow::bail!("{} cannot serve this: {}", peer.name(), u.0);
    }
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let addr = listener.local_addr()?;
    println!("listening on {addr} ({})", peer.version());
    std::io::stdout().flush()?;
    let ctx = CaseCtx::serving(
        Duration::from_secs(args.common.idle_timeout),
        Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600),
        Box::new(|o: &Outcome| {
            // The reader may be gone; serving goes on.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{}", describe(o));
            let _ = out.flush();
        }),
    );
    let outcomes = peer.run_server(&setup, listener, &ctx);
    Ok(if outcomes.iter().all(Outcome::is_connected) {
        0
    } else {
        1
    })
}

/// Runs `harness connect`.
pub fn connect(args: &ConnectArgs) -> anyhow::Result<i32> {
    let peer = peer(&args.common.peer)?;
    let roots = load_certs(&args.ca, "--ca")?;
    let client = match (&args.cert, &args.key) {
        (Some(c), Some(k)) => {
            let chain = load_certs(c, "--cert")?;
            let (key, key_type) = load_key(k)?;
            Some(identity(chain, key, key_type))
        }
        _ => None,
    };
    let addr: SocketAddr = (args.host.as_str(), args.port)
        .to_socket_addrs()
        .map_err(|e| anyhow::anyhow!("--host {}: {e}", args.host))?
        .next()
        .ok_or_else(|| anyhow::anyhow!("--host {}: no address", args.host))?;
    let server_name = args.servername.clone().unwrap_or_else(|| args.host.clone());
    // The server identity is not used by a client; the client identity is.
    let (client_identity, client_auth) = match client {
        Some(id) => (id, ClientAuth::Required),
        None => (
            identity(
                roots.clone(),
                PrivatePkcs8KeyDer::from(Vec::new()),
                certs::KeyType::EcdsaP256,
            ),
            ClientAuth::None,
        ),
    };
    let materials = file_materials(&args.ca, client_identity, roots, &server_name);
    let setup = Setup {
        server_name,
        client_auth,
        credentials: Some(Credentials(Arc::new(materials))),
        app: AppMode::Http,
        resumption: args.resume,
        client: crate::model::Side {
            versions: versions(&args.common),
            alpn: args.common.alpn.clone(),
            ..Default::default()
        },
        ..Setup::default()
    };
    if let Err(u) = peer.supports(crate::model::Role::Client, &setup) {
        anyhow::bail!("{} cannot connect like this: {}", peer.name(), u.0);
    }
    let ctx = CaseCtx::serving(
        Duration::from_secs(args.common.idle_timeout),
        Instant::now() + Duration::from_secs(args.common.idle_timeout * 4),
        Box::new(|o: &Outcome| {
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{}", describe(o));
            if o.is_connected() {
                let _ = write!(out, "{}", String::from_utf8_lossy(&o.app_data));
            }
            let _ = out.flush();
        }),
    );
    let outcomes = peer.run_client(&setup, addr, &ctx);
    Ok(
        if !outcomes.is_empty() && outcomes.iter().all(Outcome::is_connected) {
            0
        } else {
            1
        },
    )
}
