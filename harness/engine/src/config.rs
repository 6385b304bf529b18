//! Configuration, knobs, sessions and the observable results of a connection.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tls_wire::{AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme};

use crate::crypto::{SigScheme, SigningKey};
use crate::error::Error;
use crate::random::{RandomSource, SystemRandom};

/// Misbehaviour knobs in the spirit of BoringSSL's `ProtocolBugs`. The default of every
/// knob is correct behaviour; each knob does exactly one thing, read where it happens.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// Send a Finished whose verify_data has its first byte flipped.
    pub send_wrong_finished: bool,
    /// Do not send CertificateVerify after Certificate (server, or client with a cert).
    pub skip_certificate_verify: bool,
    /// Middlebox-compatibility ChangeCipherSpec: `None` = RFC 8446 D.4 default (client:
    /// non-empty legacy_session_id + one CCS; server: CCS iff the client sent a session id),
    /// `Some(true)` = always send, `Some(false)` = never send (and client: empty session id).
    pub send_ccs: Option<bool>,
    /// Zero bytes of padding added to every protected record (RFC 8446 5.4).
    pub record_padding: usize,
    /// record_size_limit (RFC 8449) value we advertise; `None` = 16385, `Some(0)` = do not send.
    pub record_size_limit: Option<u16>,
    /// Maximum consecutive KeyUpdate messages accepted without application data in between.
    /// `0` = default (32).
    pub max_key_updates: u32,
    /// Server: force a HelloRetryRequest even if the client's key share is acceptable.
    pub force_hrr: bool,
    /// Corrupt the CertificateVerify signature (flip a byte).
    pub bad_certificate_verify: bool,
    /// Client: corrupt the PSK binder when resuming.
    pub bad_psk_binder: bool,
}

/// A certificate chain with its private key.
pub struct CertifiedKey {
    /// End-entity first, then intermediates.
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 ECDSA P-256/P-384, RSA (PKCS#8 or PKCS#1), or Ed25519.
    pub key: PrivateKeyDer<'static>,
    pub(crate) signer: Arc<SigningKey>,
}

impl Clone for CertifiedKey {
    fn clone(&self) -> Self {
        Self { chain: self.chain.clone(), key: self.key.clone_key(), signer: self.signer.clone() }
    }
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey").field("chain_len", &self.chain.len()).field("key", &self.signer).finish()
    }
}

impl CertifiedKey {
    /// Detects the key type; errors clearly on an unsupported or malformed key.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Self, Error> {
        if chain.is_empty() {
            return Err(Error::config("certificate chain is empty"));
        }
        let signer = match &key {
            PrivateKeyDer::Pkcs8(k) => SigningKey::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => SigningKey::from_rsa_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(_) => {
                return Err(Error::config("SEC1 EC private keys are not supported: convert to PKCS#8"));
            }
            _ => return Err(Error::config("unsupported private key encoding")),
        }
        .map_err(|e| Error::config(e.to_string()))?;
        Ok(Self { chain, key, signer: Arc::new(signer) })
    }

    /// The signature schemes this key can produce.
    pub fn schemes(&self) -> Vec<SignatureScheme> {
        self.signer.schemes().iter().map(|s| SignatureScheme::from(s.to_u16())).collect()
    }

    /// Short key type name ("ecdsa_p256", "ecdsa_p384", "rsa", "ed25519").
    pub fn key_type(&self) -> &'static str {
        self.signer.key_type()
    }
}

/// Client authentication policy of a server.
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No CertificateRequest.
    #[default]
    None,
    /// CertificateRequest; an empty client Certificate is accepted.
    Optional {
        /// Trust anchors for client certificates.
        roots: Vec<CertificateDer<'static>>,
    },
    /// CertificateRequest; an empty client Certificate is rejected with certificate_required.
    Required {
        /// Trust anchors for client certificates.
        roots: Vec<CertificateDer<'static>>,
    },
}

/// A resumable session (from a NewSessionTicket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The opaque ticket (PSK identity).
    pub ticket: Vec<u8>,
    /// The PSK derived from the resumption master secret and the ticket nonce.
    pub psk: Vec<u8>,
    /// The cipher suite of the original connection.
    pub cipher_suite: CipherSuite,
    /// ticket_lifetime in seconds.
    pub lifetime: u32,
    /// ticket_age_add.
    pub age_add: u32,
    /// When the ticket was received, seconds since the Unix epoch.
    pub received_at: u64,
    /// The server name used on the original connection.
    pub server_name: Option<String>,
    /// The ALPN protocol of the original connection.
    pub alpn: Option<Vec<u8>>,
    /// max_early_data_size from the ticket (0 if none).
    pub max_early_data: u32,
}

/// Client configuration.
#[derive(Clone)]
pub struct ClientConfig {
    /// Cipher suites offered, preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// supported_groups, preference order.
    pub groups: Vec<NamedGroup>,
    /// Groups that get an initial key share. Empty (the default) = the first supported entry
    /// of `groups`. A group listed here but not in `groups` is sent anyway (a misbehaviour).
    pub key_share_groups: Vec<NamedGroup>,
    /// signature_algorithms offered.
    pub signature_schemes: Vec<SignatureScheme>,
    /// Trust anchors for the server certificate.
    pub roots: Vec<CertificateDer<'static>>,
    /// Server name: DNS name (sent as SNI) or IP literal; also used for verification.
    pub server_name: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<Vec<u8>>,
    /// Certificate for client authentication.
    pub client_auth: Option<CertifiedKey>,
    /// A session to resume.
    pub resumption: Option<StoredSession>,
    /// Verify the server certificate chain and name (default true). CertificateVerify is
    /// always checked.
    pub verify_server: bool,
    /// Misbehaviour knobs.
    pub knobs: Knobs,
    /// Random source.
    pub random: Arc<dyn RandomSource>,
    /// Largest plaintext fragment we send (<= 16384).
    pub max_fragment: usize,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("cipher_suites", &self.cipher_suites)
            .field("groups", &self.groups)
            .field("key_share_groups", &self.key_share_groups)
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

fn default_suites() -> Vec<CipherSuite> {
    vec![
        CipherSuite::TLS_AES_128_GCM_SHA256,
        CipherSuite::TLS_AES_256_GCM_SHA384,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    ]
}

fn default_groups() -> Vec<NamedGroup> {
    vec![NamedGroup::X25519, NamedGroup::Secp256r1, NamedGroup::Secp384r1, NamedGroup::X25519MlKem768]
}

fn default_schemes() -> Vec<SignatureScheme> {
    SigScheme::ALL.iter().map(|s| SignatureScheme::from(s.to_u16())).collect()
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            cipher_suites: default_suites(),
            groups: default_groups(),
            key_share_groups: Vec::new(),
            signature_schemes: default_schemes(),
            roots: Vec::new(),
            server_name: None,
            alpn: Vec::new(),
            client_auth: None,
            resumption: None,
            verify_server: true,
            knobs: Knobs::default(),
            random: Arc::new(SystemRandom),
            max_fragment: 16384,
        }
    }
}

/// Server configuration.
#[derive(Clone)]
pub struct ServerConfig {
    /// The server certificate and key.
    pub cert: CertifiedKey,
    /// Cipher suites, server preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// Groups, server preference order (decides HelloRetryRequest).
    pub groups: Vec<NamedGroup>,
    /// Signature schemes we may use and accept (client CertificateVerify), preference order.
    pub signature_schemes: Vec<SignatureScheme>,
    /// ALPN protocols, server preference order.
    pub alpn: Vec<Vec<u8>>,
    /// Client authentication policy.
    pub client_auth: ClientAuth,
    /// Number of NewSessionTickets sent after the handshake (default 1).
    pub tickets: u8,
    /// Key protecting session tickets (AES-256-GCM).
    pub ticket_key: [u8; 32],
    /// Ticket lifetime in seconds (default 7200).
    pub ticket_lifetime: u32,
    /// Include a cookie in HelloRetryRequest.
    pub send_cookie_on_hrr: bool,
    /// Misbehaviour knobs.
    pub knobs: Knobs,
    /// Random source.
    pub random: Arc<dyn RandomSource>,
    /// Largest plaintext fragment we send (<= 16384).
    pub max_fragment: usize,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("cert", &self.cert)
            .field("cipher_suites", &self.cipher_suites)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// A server with default settings for this certificate chain and key. The ticket key
    /// is drawn from the system random source.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Self, Error> {
        let cert = CertifiedKey::new(chain, key)?;
        let mut ticket_key = [0u8; 32];
        SystemRandom.fill(&mut ticket_key)?;
        Ok(Self {
            cert,
            cipher_suites: default_suites(),
            groups: default_groups(),
            signature_schemes: default_schemes(),
            alpn: Vec::new(),
            client_auth: ClientAuth::None,
            tickets: 1,
            ticket_key,
            ticket_lifetime: 7200,
            send_cookie_on_hrr: false,
            knobs: Knobs::default(),
            random: Arc::new(SystemRandom),
            max_fragment: 16384,
        })
    }
}

/// What was negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol version.
    pub version: ProtocolVersion,
    /// Cipher suite.
    pub cipher_suite: CipherSuite,
    /// Key exchange group (None for psk_ke, which we do not do).
    pub group: Option<NamedGroup>,
    /// The peer's CertificateVerify scheme (client: the server's; server: the client's).
    pub signature_scheme: Option<SignatureScheme>,
    /// ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// Whether the session was resumed with a PSK.
    pub resumed: bool,
    /// Whether a HelloRetryRequest was sent/received.
    pub hrr: bool,
    /// The peer's certificate chain.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Server name (client: the one sent; server: the one received).
    pub server_name: Option<String>,
}

/// Something that happened, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed.
    HandshakeComplete,
    /// Application data received.
    ApplicationData(Vec<u8>),
    /// Client: a session ticket arrived.
    NewTicket(StoredSession),
    /// A close_notify was received.
    PeerClosed,
    /// Keys were updated.
    KeyUpdated {
        /// Which direction's keys changed.
        direction: Direction,
        /// Whether the KeyUpdate requested an update from the peer.
        update_requested: bool,
    },
}

/// Last handshake step reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Nothing yet.
    Start,
    /// ClientHello sent (client) or received (server).
    ClientHello,
    /// ServerHello (or HelloRetryRequest) received / sent.
    ServerHello,
    /// EncryptedExtensions / CertificateRequest / Certificate.
    Certificate,
    /// Path validation and CertificateVerify passed.
    CertificateVerified,
    /// The key exchange is confirmed (peer's encrypted Finished received).
    KeyExchange,
    /// Peer Finished verified.
    Finished,
    /// Handshake complete; application data may flow.
    AppData,
}

impl Step {
    /// Name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Step::Start => "Start",
            Step::ClientHello => "ClientHello",
            Step::ServerHello => "ServerHello",
            Step::Certificate => "Certificate",
            Step::CertificateVerified => "CertificateVerified",
            Step::KeyExchange => "KeyExchange",
            Step::Finished => "Finished",
            Step::AppData => "AppData",
        }
    }
}

/// Direction of a transcript entry or key update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We sent it.
    Sent,
    /// We received it.
    Received,
}

/// One record or message of the per-connection transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptEntry {
    /// Sent or received.
    pub direction: Direction,
    /// The (inner) content type.
    pub content_type: ContentType,
    /// Handshake message type, for handshake messages.
    pub handshake_type: Option<HandshakeType>,
    /// Alert description, for alerts.
    pub alert: Option<AlertDescription>,
    /// One-line summary.
    pub summary: String,
}

impl std::fmt::Display for TranscriptEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let arrow = match self.direction {
            Direction::Sent => "->",
            Direction::Received => "<-",
        };
        write!(f, "{arrow} {}", self.summary)
    }
}
