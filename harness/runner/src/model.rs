//! The vocabulary every peer shares: the [`Setup`] of one case and the [`Outcome`] of one
//! connection.
//!
//! Versions, cipher suites, groups, signature schemes and alerts are the `tls_wire` enums
//! (re-exported here); the matrix's subsets of them and their short names are in
//! [`crate::vocab`]. Results spell them by their IANA names (`TLS_AES_128_GCM_SHA256`,
//! `x25519`, `ecdsa_secp256r1_sha256`), so they read the same whichever library produced them.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use certs::KeyType;
/// Whether something (an alert, a message) was sent or received by the side whose view it is:
/// the one direction type of the runner, the results schema's own.
pub use reports::Direction;
pub use reports::ObservedResult;
pub use tls_wire::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// Client authentication the server asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// No CertificateRequest.
    #[default]
    None,
    /// CertificateRequest sent; the client presents a certificate and the server verifies it,
    /// but would accept a client without one.
    Optional,
    /// CertificateRequest sent; a client certificate is required and verified.
    Required,
}

impl ClientAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::Optional => "optional",
            ClientAuth::Required => "required",
        }
    }
}

/// One role of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Client,
    Server,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Server => "server",
        })
    }
}

/// What one side is configured to do. Empty lists mean "the peer's defaults".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Side {
    #[serde(serialize_with = "crate::vocab::serialize_names")]
    pub versions: Vec<ProtocolVersion>,
    #[serde(serialize_with = "crate::vocab::serialize_names")]
    pub suites: Vec<CipherSuite>,
    /// Supported groups in preference order. A client sends its key share for the first one
    /// only (the behaviour OpenSSL 3.0 and rustls share), which is what makes a
    /// HelloRetryRequest predictable.
    #[serde(serialize_with = "crate::vocab::serialize_names")]
    pub groups: Vec<NamedGroup>,
    #[serde(serialize_with = "crate::vocab::serialize_names")]
    pub sig_schemes: Vec<SignatureScheme>,
    /// ALPN protocols offered (client) or accepted in preference order (server).
    pub alpn: Vec<String>,
}

impl Side {
    /// The ALPN protocols as the bytes on the wire.
    pub fn alpn_wire(&self) -> Vec<Vec<u8>> {
        self.alpn.iter().map(|p| p.as_bytes().to_vec()).collect()
    }
}

/// What the connection carries once the handshake is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppMode {
    /// The client sends `app_data`; the server echoes exactly those bytes; close_notify both
    /// ways (client first).
    #[default]
    Echo,
    /// HTTP/1.0: the client sends `app_data` (a request); the server reads up to the empty
    /// line, answers with a small response naming the negotiated parameters and closes; the
    /// client reads until the close.
    Http,
}

/// Certificates and keys given explicitly (PEM files on the command line) instead of a
/// profile name. Compared by identity.
#[derive(Debug, Clone)]
pub struct Credentials(pub std::sync::Arc<certs::Materials>);

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Credentials {}

impl Serialize for Credentials {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.profile)
    }
}

/// Everything a case asks both peers to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setup {
    pub client: Side,
    pub server: Side,
    /// Certificate profile of the `certs` crate (server and client identities, trust anchors).
    pub cert: String,
    /// Server name the client sends (SNI) and verifies.
    pub server_name: String,
    pub client_auth: ClientAuth,
    /// Whether the client has a certificate to present when asked (`false`: it answers a
    /// CertificateRequest with an empty Certificate).
    pub client_certificate: bool,
    /// Run a second connection that must resume the first one's session.
    pub resumption: bool,
    /// Bytes the client sends after the handshake (see [`AppMode`]).
    pub app_data: Vec<u8>,
    pub app: AppMode,
    /// Connections to make or accept; `None`: one, or two with `resumption`.
    pub repeat: Option<usize>,
    /// Explicit credentials that replace the profile `cert`.
    pub credentials: Option<Credentials>,
    /// Misbehaviour knobs of our engine on the client side (name -> value); a case with
    /// client knobs has `own` as its client.
    pub client_knobs: std::collections::BTreeMap<String, String>,
    /// The same for the server side.
    pub server_knobs: std::collections::BTreeMap<String, String>,
    /// A man-in-the-middle proxy between client and server, and what it does.
    pub mitm: Option<crate::mitm::MitmSpec>,
    /// TLS 1.3 NewSessionTickets the server sends after the handshake (`harness serve
    /// --tickets`); `None`: the library's default (own 1, rustls and OpenSSL 2).
    pub tickets: Option<u8>,
    /// TLS 1.2: both sides go on with a peer that does not negotiate extended_master_secret
    /// (RFC 7627 5.2 leaves it to each: "SHOULD abort ... if it does not wish to
    /// interoperate with legacy clients"). rustls and OpenSSL do by default; our engine,
    /// which requires it, then sets `allow_no_extended_master_secret`. Set by the MITM
    /// action `ch_drop_suite_no_ems` ([`crate::mitm::MitmSpec::adjust`]), not a knob, so any
    /// peer plays either side.
    pub allow_no_ems: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            client: Side::default(),
            server: Side::default(),
            cert: "ecdsa_p256".into(),
            server_name: "localhost".into(),
            client_auth: ClientAuth::None,
            client_certificate: true,
            resumption: false,
            app_data: b"GET / HTTP/1.0\r\n\r\n".to_vec(),
            app: AppMode::Echo,
            repeat: None,
            credentials: None,
            client_knobs: Default::default(),
            server_knobs: Default::default(),
            mitm: None,
            tickets: None,
            allow_no_ems: false,
        }
    }
}

impl Setup {
    /// Whether the client is configured with a certificate: client authentication is asked
    /// for, and the client has one.
    pub fn client_presents_certificate(&self) -> bool {
        self.client_auth != ClientAuth::None && self.client_certificate
    }

    /// The knobs of one side.
    pub fn knobs(&self, role: Role) -> &std::collections::BTreeMap<String, String> {
        match role {
            Role::Client => &self.client_knobs,
            Role::Server => &self.server_knobs,
        }
    }

    pub fn side(&self, role: Role) -> &Side {
        match role {
            Role::Client => &self.client,
            Role::Server => &self.server,
        }
    }

    /// How many connections the case makes.
    pub fn connections(&self) -> usize {
        match self.repeat {
            Some(n) => n,
            None if self.resumption => 2,
            None => 1,
        }
    }

    /// The certificates, keys and trust anchors of the case.
    pub fn materials(&self) -> Result<std::sync::Arc<certs::Materials>, String> {
        match &self.credentials {
            Some(c) => Ok(c.0.clone()),
            None => certs::materials(&self.cert).map_err(|e| e.to_string()),
        }
    }

    /// Whether the server has read the whole request.
    pub fn request_complete(&self, got: &[u8]) -> bool {
        match self.app {
            AppMode::Echo => got.len() >= self.app_data.len(),
            AppMode::Http => got.windows(4).any(|w| w == b"\r\n\r\n") || got.len() > 16 * 1024,
        }
    }

    /// What the server answers to a request.
    pub fn response(&self, request: &[u8], n: &Negotiated) -> Vec<u8> {
        match self.app {
            AppMode::Echo => request.to_vec(),
            AppMode::Http => {
                let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
                let ok = line.starts_with(b"GET ");
                let body = format!(
                    "tls-harness\nversion: {}\nsuite: {}\ngroup: {}\nalpn: {}\nresumed: {}\n",
                    n.version.map_or("?".into(), |v| v.to_string()),
                    n.suite.map_or("?".into(), |v| v.to_string()),
                    n.group.map_or("?".into(), |v| v.to_string()),
                    n.alpn.as_deref().unwrap_or("-"),
                    n.resumed
                );
                let status = if ok { "200 OK" } else { "400 Bad Request" };
                format!(
                    "HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            }
        }
    }
}

impl Setup {
    /// Whether the client has the whole answer (echo mode; HTTP reads until the close).
    pub fn answer_complete(&self, got: &[u8]) -> bool {
        match self.app {
            AppMode::Echo => got.len() >= self.app_data.len(),
            AppMode::Http => false,
        }
    }

    /// Every group either side names.
    pub fn all_groups(&self) -> impl Iterator<Item = NamedGroup> + '_ {
        self.both(|s| &s.groups)
    }

    pub fn all_suites(&self) -> impl Iterator<Item = CipherSuite> + '_ {
        self.both(|s| &s.suites)
    }

    pub fn all_versions(&self) -> impl Iterator<Item = ProtocolVersion> + '_ {
        self.both(|s| &s.versions)
    }

    pub fn all_sig_schemes(&self) -> impl Iterator<Item = SignatureScheme> + '_ {
        self.both(|s| &s.sig_schemes)
    }

    /// One list of both sides, the client's first.
    fn both<T: Copy + 'static>(&self, list: fn(&Side) -> &Vec<T>) -> impl Iterator<Item = T> + '_ {
        list(&self.client).iter().chain(list(&self.server)).copied()
    }

    /// The identity `role` presents: the server's certificate, and the client's under client
    /// authentication.
    pub fn presented_identity<'m>(
        &self,
        role: Role,
        materials: &'m certs::Materials,
    ) -> Option<&'m certs::Identity> {
        match role {
            Role::Server => Some(&materials.server),
            Role::Client if self.client_auth != ClientAuth::None => Some(&materials.client),
            Role::Client => None,
        }
    }
}

/// The last handshake step a connection reached, in the order a connection takes them: the
/// one step type of the runner (outcomes, transcripts, fault points, results' `step`).
///
/// A side reaches a step by sending or receiving the message that starts it
/// ([`crate::steps::step_of`] reads it off the handshake messages); steps only move forward.
/// Adapters whose library reports its own progress map it here, in one place each (our
/// engine's `tls_engine::Step` in `peers/own_peer.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Step {
    /// Connected; no handshake message yet.
    #[default]
    Tcp,
    /// ClientHello (1) sent or received.
    ClientHello,
    /// ServerHello (2) or HelloRetryRequest.
    ServerHello,
    /// The server's parameters and certificate: EncryptedExtensions (8), Certificate (11),
    /// CertificateRequest (13).
    Certificate,
    /// The handshake signature: CertificateVerify (15), TLS 1.2 ServerKeyExchange (12); our
    /// engine: the peer's certificate chain and CertificateVerify passed.
    CertificateVerify,
    /// The key exchange is done but not yet confirmed by a Finished: TLS 1.2 ServerHelloDone
    /// (14) and ClientKeyExchange (16); our engine: the peer's Finished arrived (the keys
    /// decrypted it) and is not verified yet.
    KeyExchange,
    /// Finished (20) sent or received.
    Finished,
    /// The handshake completed and application data flowed.
    AppData,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Tcp => "Tcp",
            Step::ClientHello => "ClientHello",
            Step::ServerHello => "ServerHello",
            Step::Certificate => "Certificate",
            Step::CertificateVerify => "CertificateVerify",
            Step::KeyExchange => "KeyExchange",
            Step::Finished => "Finished",
            Step::AppData => "AppData",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which alert a side sent or received, as far as anyone could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertSeen {
    /// Its description, as the library reported it or the wire showed it.
    Named(AlertDescription),
    /// The library said that it sent an alert but not which (rustls, for some errors); the
    /// judge reads it off the wire.
    Unnamed,
    /// Not named by the library, and encrypted on the wire without a key log to open it.
    Encrypted,
}

impl AlertSeen {
    /// The description, when known.
    pub fn description(self) -> Option<AlertDescription> {
        match self {
            AlertSeen::Named(d) => Some(d),
            AlertSeen::Unnamed | AlertSeen::Encrypted => None,
        }
    }

    /// Whether this is the alert `d`.
    pub fn is(self, d: AlertDescription) -> bool {
        self.description() == Some(d)
    }
}

impl From<AlertDescription> for AlertSeen {
    fn from(d: AlertDescription) -> Self {
        AlertSeen::Named(d)
    }
}

impl fmt::Display for AlertSeen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertSeen::Named(d) => d.fmt(f),
            AlertSeen::Unnamed => f.write_str("unnamed (the library did not say which)"),
            AlertSeen::Encrypted => f.write_str("unknown (encrypted)"),
        }
    }
}

/// How a connection that did not complete ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A fatal alert was sent or received.
    Alert {
        direction: Direction,
        alert: AlertSeen,
    },
    /// The peer closed the connection without an alert.
    Closed,
    /// Nothing arrived within the idle timeout, or the case deadline passed.
    Timeout,
    /// The adapter or the library broke (unexpected error); not a protocol verdict.
    Internal(String),
    /// The peer's process died (a signal, a traceback, a panic): what it printed or why.
    Crash(String),
}

/// What was negotiated on a completed connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Negotiated {
    pub version: Option<ProtocolVersion>,
    pub suite: Option<CipherSuite>,
    pub group: Option<NamedGroup>,
    /// The signature scheme of the peer's CertificateVerify / ServerKeyExchange as seen by
    /// this side (the client reports the server's, the server the client's, when known).
    pub sig_scheme: Option<SignatureScheme>,
    pub alpn: Option<String>,
    pub resumed: bool,
    pub hrr: bool,
}

/// One side's view of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `None` when the handshake and the application data exchange completed.
    pub failure: Option<Failure>,
    /// Boxed: it keeps an `Outcome` small enough to be the error of every endpoint call.
    pub negotiated: Box<Negotiated>,
    /// Last handshake step reached.
    pub step: Step,
    /// The application data this side received.
    pub app_data: Vec<u8>,
    /// Free text: what the library said, for the report.
    pub detail: Option<String>,
    /// Bytes of application data this side's library delivered after the peer's
    /// close_notify (RFC 8446 6.1: they MUST be ignored); `None` where not watched (command
    /// peers, connections that did not end with a close_notify).
    pub app_data_after_close: Option<usize>,
}

impl Outcome {
    pub fn connected(negotiated: Negotiated, app_data: Vec<u8>) -> Self {
        Outcome {
            failure: None,
            negotiated: Box::new(negotiated),
            step: Step::AppData,
            app_data,
            detail: None,
            app_data_after_close: None,
        }
    }

    pub fn failed(failure: Failure, step: Step, detail: impl Into<String>) -> Self {
        Outcome {
            failure: Some(failure),
            negotiated: Box::default(),
            step,
            app_data: Vec::new(),
            detail: Some(detail.into()),
            app_data_after_close: None,
        }
    }

    pub fn internal(step: Step, message: impl Into<String>) -> Self {
        let message = message.into();
        Outcome::failed(Failure::Internal(message.clone()), step, message)
    }

    pub fn is_connected(&self) -> bool {
        self.failure.is_none()
    }

    /// The alert and its direction, if the connection ended with one.
    pub fn alert(&self) -> Option<(AlertSeen, Direction)> {
        match &self.failure {
            Some(Failure::Alert { direction, alert }) => Some((*alert, *direction)),
            _ => None,
        }
    }

    /// The schema's view of this outcome.
    pub fn observed(&self) -> reports::Observed {
        let n = &self.negotiated;
        let result = match &self.failure {
            None => ObservedResult::Connected,
            Some(Failure::Alert { .. } | Failure::Closed) => ObservedResult::Rejected,
            Some(Failure::Timeout | Failure::Internal(_) | Failure::Crash(_)) => {
                ObservedResult::Error
            }
        };
        let (alert, direction) = match self.alert() {
            Some((a, d)) => (Some(a.to_string()), Some(d)),
            None => (None, None),
        };
        let with_detail = |what: &str| match self.detail.as_deref() {
            Some(d) => format!("{what}: {d}"),
            None => what.to_string(),
        };
        let error = match &self.failure {
            None => None,
            Some(Failure::Alert { .. }) => self.detail.clone(),
            Some(Failure::Closed) => Some(with_detail("connection closed without an alert")),
            Some(Failure::Timeout) => Some(with_detail("timeout")),
            Some(Failure::Internal(m)) => Some(format!("internal error: {m}")),
            Some(Failure::Crash(m)) => Some(format!("crashed: {m}")),
        };
        let connected = self.failure.is_none();
        reports::Observed {
            result: Some(result),
            step: Some(self.step.as_str().to_string()),
            version: n.version.map(|v| v.to_string()),
            suite: n.suite.map(|v| v.to_string()),
            group: n.group.map(|v| v.to_string()),
            sigalg: n.sig_scheme.map(|v| v.to_string()),
            alpn: n.alpn.clone(),
            resumed: connected.then_some(n.resumed),
            hrr: connected.then_some(n.hrr),
            alert,
            direction,
            error,
            app_data_len: (!self.app_data.is_empty()).then_some(self.app_data.len()),
            app_data: (!self.app_data.is_empty()).then(|| {
                String::from_utf8_lossy(&self.app_data)
                    .chars()
                    .take(120)
                    .collect()
            }),
            app_data_after_close_notify: self.app_data_after_close,
            // The other lifecycle fields are the peer's view: `lifecycle::record` fills them.
            ..reports::Observed::default()
        }
    }
}
