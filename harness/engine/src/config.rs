//! Configuration, knobs, sessions and the observable results of a connection.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tls_wire::mutate::Mutation;
use tls_wire::{
    AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};

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
    /// Server negotiating TLS 1.2: what to write into the last 8 bytes of ServerHello.random
    /// (RFC 8446 4.1.3). `None` = correct: DOWNGRADE_TLS12 iff TLS 1.3 is enabled too.
    pub downgrade_sentinel: Option<DowngradeSentinel>,
    /// Client: the exact supported_versions values to offer (raw code points, e.g. 0x0300
    /// SSLv3, 0x0301 TLS 1.0, 0x0302 TLS 1.1), for malformed-hello scenarios. An empty list
    /// sends no supported_versions extension. The handshake itself still only completes in
    /// TLS 1.2 or 1.3.
    pub offer_versions_raw: Option<Vec<u16>>,
    /// TLS 1.2: do not offer (client) / acknowledge (server) extended_master_secret and use the
    /// RFC 5246 master secret (RFC 7627 is required by default).
    pub skip_extended_master_secret: bool,
    /// TLS 1.2: accept a peer without extended_master_secret instead of aborting with
    /// handshake_failure (RFC 7627 5.2 SHOULD).
    pub allow_no_extended_master_secret: bool,
    /// TLS 1.2: do not send renegotiation_info (RFC 5746): no extension in the ClientHello,
    /// no extension in the ServerHello.
    pub skip_renegotiation_info: bool,
    /// TLS 1.2 without RFC 5077 tickets: a client does not offer session_ticket, a server
    /// issues none; sessions then resume by session id only.
    pub skip_session_ticket: bool,
    /// Server, TLS 1.2: send a HelloRequest right after the handshake (asks the client to
    /// renegotiate; a client that does gets a no_renegotiation warning from us).
    pub send_hello_request: bool,
    /// Client: the ClientHello.legacy_version to send instead of 0x0303 (TLS 1.2), e.g.
    /// 0x0301 (a server must ignore it when supported_versions is present, RFC 8446 4.2.1) or
    /// 0x0304 without supported_versions (a server must then negotiate TLS 1.2).
    pub client_hello_legacy_version: Option<u16>,
    /// Wire mutations ([`tls_wire::mutate`]) applied to the first ClientHello we send, after
    /// it is built and before it is written; the transcript hashes the bytes as sent. Record
    /// operations (`fragment`, `record_version`, `record_before`, `record_after`) frame it;
    /// extra records are written with the keys in use for the message itself (so a record
    /// after a Finished still uses the handshake keys: use `mutate_key_update` to inject
    /// records under application keys).
    pub mutate_client_hello: Vec<Mutation>,
    /// Wire mutations for the second ClientHello (the answer to a HelloRetryRequest).
    pub mutate_second_client_hello: Vec<Mutation>,
    /// Wire mutations for the ServerHello we send (not a HelloRetryRequest).
    pub mutate_server_hello: Vec<Mutation>,
    /// Wire mutations for the HelloRetryRequest we send.
    pub mutate_hello_retry_request: Vec<Mutation>,
    /// Wire mutations for the EncryptedExtensions we send.
    pub mutate_encrypted_extensions: Vec<Mutation>,
    /// Wire mutations for the Certificate we send (handshake, not post-handshake).
    pub mutate_certificate: Vec<Mutation>,
    /// Wire mutations for the CertificateVerify we send.
    pub mutate_certificate_verify: Vec<Mutation>,
    /// Wire mutations for the Finished we send.
    pub mutate_finished: Vec<Mutation>,
    /// Server: answer the second ClientHello (after a HelloRetryRequest) with another
    /// HelloRetryRequest for the same group (RFC 8446 4.1.4 forbids it).
    pub send_second_hrr: bool,
    /// Client: send an empty key_share client_shares list (RFC 8446 4.2.8 allows it, to let
    /// the server pick the group with a HelloRetryRequest).
    pub send_empty_key_share: bool,
    /// Server, TLS 1.3: send this many KeyUpdate(update_not_requested) messages right after
    /// the handshake (after the NewSessionTickets): a KeyUpdate flood.
    pub send_key_updates: u32,
    /// Send this many empty ApplicationData records right after the handshake (either side,
    /// either version): zero-length application data is legal (RFC 8446 5.1); a flood of it
    /// tests the peer's limit.
    pub send_empty_records: u32,
    /// Send this many warning-level user_canceled alerts right after the handshake (either
    /// side, either version), then go on: tests the peer's limit on ignored warnings.
    pub send_warning_alerts: u32,
    /// Server, TLS 1.3: send a KeyUpdate before our Finished (RFC 8446 4.6.3 forbids it;
    /// our keys do not change).
    pub send_key_update_before_finished: bool,
    /// Wire mutations for the KeyUpdate messages we send.
    pub mutate_key_update: Vec<Mutation>,
    /// Server: negotiate this cipher suite (an implemented TLS 1.3 or TLS 1.2 one) whatever
    /// the client offered, and derive every key for it; a client that did not offer it must
    /// abort (RFC 8446 4.1.3, RFC 5246 7.4.1.3). `None`: the usual choice.
    pub select_cipher_suite: Option<u16>,
    /// Under test only (a negative control), never from `serve` or `connect`: a client
    /// accepts a ServerHello cipher suite it did not offer, as long as our engine implements
    /// it (it must abort with illegal_parameter).
    pub bug_accept_unoffered_suite: bool,
    /// Send every handshake message written with the same keys in one run of records
    /// (coalesced: EncryptedExtensions..Finished share records) instead of one message per
    /// record. Valid behaviour (RFC 8446 5.1); a receiver must reassemble.
    pub coalesce_handshake: bool,
}

/// What a TLS 1.2-negotiating server writes as the downgrade sentinel (RFC 8446 4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeSentinel {
    /// Write no sentinel, even with TLS 1.3 enabled (a 1.3-capable server that omits it).
    Omit,
    /// Write DOWNGRADE_TLS12 (44 4F 57 4E 47 52 44 01) whenever TLS 1.2 is negotiated, even
    /// with TLS 1.3 disabled: what a client sees after an attacker's downgrade. A TLS
    /// 1.3-capable client must abort with illegal_parameter.
    Tls12,
    /// Write DOWNGRADE_TLS11 (44 4F 57 4E 47 52 44 00) when negotiating TLS 1.2.
    Tls11,
    /// Write a near miss (44 4F 57 4E 47 52 44 02): not a sentinel; the client must go on.
    WrongBytes,
}

/// The knob names [`Knobs::set`] accepts.
pub const KNOB_NAMES: &[&str] = &[
    "send_wrong_finished",
    "skip_certificate_verify",
    "send_ccs",
    "record_padding",
    "record_size_limit",
    "max_key_updates",
    "force_hrr",
    "bad_certificate_verify",
    "bad_psk_binder",
    "downgrade_sentinel",
    "offer_versions_raw",
    "skip_extended_master_secret",
    "allow_no_extended_master_secret",
    "skip_renegotiation_info",
    "skip_session_ticket",
    "send_hello_request",
    "client_hello_legacy_version",
    "mutate_client_hello",
    "mutate_second_client_hello",
    "mutate_server_hello",
    "mutate_hello_retry_request",
    "mutate_encrypted_extensions",
    "mutate_certificate",
    "mutate_certificate_verify",
    "mutate_finished",
    "send_second_hrr",
    "send_empty_key_share",
    "send_key_updates",
    "send_empty_records",
    "send_warning_alerts",
    "send_key_update_before_finished",
    "mutate_key_update",
    "coalesce_handshake",
    "select_cipher_suite",
    "bug_accept_unoffered_suite",
];

fn parse_bool(name: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "knob `{name}`: {other:?} is not a bool (accepted: true, false)"
        )),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str, what: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("knob `{name}`: {v:?} is not {what}"))
}

fn parse_version_code(name: &str, tok: &str) -> Result<u16, String> {
    let t = tok.trim().trim_matches('"').trim_matches('\'');
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u16::from_str_radix(h, 16)
            .map_err(|_| format!("knob `{name}`: {t:?} is not a 16-bit hex value"));
    }
    if let Ok(v) = t.parse::<u16>() {
        return Ok(v);
    }
    ProtocolVersion::from_name(t).map(|v| v.get()).ok_or_else(|| {
        format!("knob `{name}`: {t:?} is not a version (accepted: SSLv3, TLS1.0, TLS1.1, TLS1.2, TLS1.3, 0x0301, 771, ...)")
    })
}

impl Knobs {
    /// Set one knob by name from its text form; the harness uses this for scenario files
    /// (`client_knobs = { downgrade_sentinel = "tls12" }`). Accepted values:
    ///
    /// - bools (`true`/`false`): `send_wrong_finished`, `skip_certificate_verify`, `force_hrr`,
    ///   `bad_certificate_verify`, `bad_psk_binder`, `skip_extended_master_secret`,
    ///   `allow_no_extended_master_secret`, `skip_renegotiation_info`, `skip_session_ticket`,
    ///   `send_hello_request`
    /// - `send_ccs`: `default`, `true`, `false`
    /// - numbers: `record_padding` (usize), `record_size_limit` (`default` or u16),
    ///   `max_key_updates` (u32)
    /// - `downgrade_sentinel`: `default`, `omit`, `tls12`, `tls11`, `wrong_bytes`
    /// - `client_hello_legacy_version`: `default` or one version (name, hex or decimal)
    /// - `offer_versions_raw`: a list of versions, comma separated, optionally in brackets:
    ///   names (`SSLv3`, `TLS1.0`, ...), hex (`0x0301`) or decimal (`769`); empty = no
    ///   supported_versions extension; `default` = normal behaviour
    /// - `mutate_client_hello`, `mutate_second_client_hello`, `mutate_server_hello`,
    ///   `mutate_hello_retry_request`, `mutate_encrypted_extensions`, `mutate_certificate`,
    ///   `mutate_certificate_verify`, `mutate_finished`, `mutate_key_update`: a mutation spec, operations separated
    ///   by `;` (`"drop_extension:key_share; fragment:1"`; see [`tls_wire::mutate`]); empty =
    ///   none
    /// - bools `send_second_hrr`, `send_empty_key_share`, `send_key_update_before_finished`,
    ///   `coalesce_handshake`; `send_key_updates`, `send_empty_records`, `send_warning_alerts` (u32)
    /// - `select_cipher_suite`: `default`, a hex code (`0x1302`) or an IANA suite name our
    ///   engine implements
    /// - `bug_accept_unoffered_suite` (bool; a negative control: our engine as the side
    ///   under test breaks RFC 8446 4.1.3)
    ///
    /// Errors name the knob and the accepted values.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let v = value.trim();
        match name {
            "send_wrong_finished" => self.send_wrong_finished = parse_bool(name, v)?,
            "skip_certificate_verify" => self.skip_certificate_verify = parse_bool(name, v)?,
            "force_hrr" => self.force_hrr = parse_bool(name, v)?,
            "bad_certificate_verify" => self.bad_certificate_verify = parse_bool(name, v)?,
            "bad_psk_binder" => self.bad_psk_binder = parse_bool(name, v)?,
            "skip_extended_master_secret" => {
                self.skip_extended_master_secret = parse_bool(name, v)?
            }
            "allow_no_extended_master_secret" => {
                self.allow_no_extended_master_secret = parse_bool(name, v)?
            }
            "skip_renegotiation_info" => self.skip_renegotiation_info = parse_bool(name, v)?,
            "skip_session_ticket" => self.skip_session_ticket = parse_bool(name, v)?,
            "send_hello_request" => self.send_hello_request = parse_bool(name, v)?,
            "send_second_hrr" => self.send_second_hrr = parse_bool(name, v)?,
            "send_empty_key_share" => self.send_empty_key_share = parse_bool(name, v)?,
            "send_key_update_before_finished" => {
                self.send_key_update_before_finished = parse_bool(name, v)?
            }
            "send_key_updates" => self.send_key_updates = parse_num(name, v, "a u32")?,
            "send_empty_records" => self.send_empty_records = parse_num(name, v, "a u32")?,
            "send_warning_alerts" => self.send_warning_alerts = parse_num(name, v, "a u32")?,
            "coalesce_handshake" => self.coalesce_handshake = parse_bool(name, v)?,
            "bug_accept_unoffered_suite" => self.bug_accept_unoffered_suite = parse_bool(name, v)?,
            "select_cipher_suite" => {
                self.select_cipher_suite = if v == "default" {
                    None
                } else {
                    let code = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                        Some(h) => u16::from_str_radix(h, 16).ok(),
                        None => CipherSuite::from_name(v).map(|c| c.get()),
                    };
                    let code = code.ok_or_else(|| {
                        format!("knob `{name}`: {v:?} is not a cipher suite (a hex code such as 0x1302, or an IANA name)")
                    })?;
                    if crate::crypto::Suite::from_u16(code).is_none()
                        && crate::crypto::Suite12::from_u16(code).is_none()
                    {
                        return Err(format!(
                            "knob `{name}`: {v} is not a suite our engine implements"
                        ));
                    }
                    Some(code)
                }
            }
            "mutate_client_hello"
            | "mutate_second_client_hello"
            | "mutate_server_hello"
            | "mutate_hello_retry_request"
            | "mutate_encrypted_extensions"
            | "mutate_certificate"
            | "mutate_certificate_verify"
            | "mutate_finished"
            | "mutate_key_update" => {
                let muts = Mutation::parse_list(v).map_err(|e| format!("knob `{name}`: {e}"))?;
                let slot = match name {
                    "mutate_client_hello" => &mut self.mutate_client_hello,
                    "mutate_second_client_hello" => &mut self.mutate_second_client_hello,
                    "mutate_server_hello" => &mut self.mutate_server_hello,
                    "mutate_hello_retry_request" => &mut self.mutate_hello_retry_request,
                    "mutate_encrypted_extensions" => &mut self.mutate_encrypted_extensions,
                    "mutate_certificate" => &mut self.mutate_certificate,
                    "mutate_certificate_verify" => &mut self.mutate_certificate_verify,
                    "mutate_key_update" => &mut self.mutate_key_update,
                    _ => &mut self.mutate_finished,
                };
                *slot = muts;
            }
            "send_ccs" => {
                self.send_ccs = match v {
                    "default" => None,
                    "true" => Some(true),
                    "false" => Some(false),
                    other => {
                        return Err(format!(
                            "knob `{name}`: {other:?} is not accepted (accepted: default, true, false)"
                        ));
                    }
                }
            }
            "record_padding" => self.record_padding = parse_num(name, v, "a byte count")?,
            "record_size_limit" => {
                self.record_size_limit = if v == "default" {
                    None
                } else {
                    Some(parse_num(name, v, "`default` or a u16")?)
                }
            }
            "max_key_updates" => self.max_key_updates = parse_num(name, v, "a u32")?,
            "downgrade_sentinel" => {
                self.downgrade_sentinel = match v {
                    "default" => None,
                    "omit" => Some(DowngradeSentinel::Omit),
                    "tls12" => Some(DowngradeSentinel::Tls12),
                    "tls11" => Some(DowngradeSentinel::Tls11),
                    "wrong_bytes" => Some(DowngradeSentinel::WrongBytes),
                    other => {
                        return Err(format!(
                            "knob `{name}`: {other:?} is not accepted (accepted: default, omit, tls12, tls11, wrong_bytes)"
                        ));
                    }
                }
            }
            "client_hello_legacy_version" => {
                self.client_hello_legacy_version = if v == "default" {
                    None
                } else {
                    Some(parse_version_code(name, v)?)
                }
            }
            "offer_versions_raw" => {
                if v == "default" {
                    self.offer_versions_raw = None;
                } else {
                    let inner = v.trim_start_matches('[').trim_end_matches(']');
                    let mut out = Vec::new();
                    for tok in inner.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        out.push(parse_version_code(name, tok)?);
                    }
                    self.offer_versions_raw = Some(out);
                }
            }
            other => {
                return Err(format!(
                    "unknown knob `{other}` (known: {})",
                    KNOB_NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }
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
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            signer: self.signer.clone(),
        }
    }
}

impl std::fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("chain_len", &self.chain.len())
            .field("key", &self.signer)
            .finish()
    }
}

impl CertifiedKey {
    /// Detects the key type; errors clearly on an unsupported or malformed key.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, Error> {
        if chain.is_empty() {
            return Err(Error::config("certificate chain is empty"));
        }
        let signer = match &key {
            PrivateKeyDer::Pkcs8(k) => SigningKey::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => SigningKey::from_rsa_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(_) => {
                return Err(Error::config(
                    "SEC1 EC private keys are not supported: convert to PKCS#8",
                ));
            }
            _ => return Err(Error::config("unsupported private key encoding")),
        }
        .map_err(|e| Error::config(e.to_string()))?;
        Ok(Self {
            chain,
            key,
            signer: Arc::new(signer),
        })
    }

    /// The signature schemes this key can produce.
    pub fn schemes(&self) -> Vec<SignatureScheme> {
        self.signer
            .schemes()
            .iter()
            .map(|s| SignatureScheme::from(s.to_u16()))
            .collect()
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

/// A resumable session: TLS 1.3 (from a NewSessionTicket) or TLS 1.2 (session id and/or
/// RFC 5077 ticket, delivered when the handshake completes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The protocol version of the session.
    pub version: ProtocolVersion,
    /// TLS 1.3: the opaque ticket (PSK identity). TLS 1.2: the RFC 5077 ticket (empty if the
    /// server issued none).
    pub ticket: Vec<u8>,
    /// TLS 1.3: the PSK derived from the resumption master secret and the ticket nonce.
    /// TLS 1.2: the master secret.
    pub psk: Vec<u8>,
    /// TLS 1.2: the session id the server assigned (empty if none). Empty in TLS 1.3.
    pub session_id: Vec<u8>,
    /// TLS 1.2: whether the session used the extended master secret (RFC 7627).
    pub extended_master_secret: bool,
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

/// Receives each secret as it is derived, for an SSLKEYLOGFILE: (label, client_random,
/// secret), labels as in NSS's key log format (`CLIENT_HANDSHAKE_TRAFFIC_SECRET`, ...,
/// `CLIENT_RANDOM` for the TLS 1.2 master secret).
pub type KeyLog = Arc<dyn Fn(&str, &[u8], &[u8]) + Send + Sync>;

/// Client configuration.
#[derive(Clone)]
pub struct ClientConfig {
    /// Where secrets are logged (debugging, Wireshark); default none.
    pub key_log: Option<KeyLog>,
    /// Protocol versions enabled (TLS 1.3 and/or TLS 1.2); default both.
    pub versions: Vec<ProtocolVersion>,
    /// TLS 1.2: offer the session_ticket extension (RFC 5077); default true. Without it the
    /// server can only resume by session id.
    pub tls12_session_tickets: bool,
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
    /// Render the one-line summary of every transcript entry ([`TranscriptEntry::summary`]);
    /// default true. The entries themselves are always kept; without summaries a handshake
    /// formats no text (what a benchmark wants).
    pub transcript_summaries: bool,
    /// Certificates the strict certificate policy passed (see
    /// [`crate::verify::PolicyCache`]); shared by clones of this config.
    pub policy_cache: Arc<crate::verify::PolicyCache>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("versions", &self.versions)
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
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

fn default_versions() -> Vec<ProtocolVersion> {
    vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
}

fn default_groups() -> Vec<NamedGroup> {
    vec![
        NamedGroup::X25519,
        NamedGroup::Secp256r1,
        NamedGroup::Secp384r1,
        NamedGroup::X25519MlKem768,
    ]
}

fn default_schemes() -> Vec<SignatureScheme> {
    let mut v: Vec<SignatureScheme> = SigScheme::ALL
        .iter()
        .map(|s| SignatureScheme::from(s.to_u16()))
        .collect();
    // TLS 1.2 only (RSA PKCS#1 v1.5); never accepted in TLS 1.3 CertificateVerify.
    v.extend([
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPkcs1Sha384,
        SignatureScheme::RsaPkcs1Sha512,
    ]);
    v
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            versions: default_versions(),
            tls12_session_tickets: true,
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
            key_log: None,
            knobs: Knobs::default(),
            random: Arc::new(SystemRandom),
            max_fragment: 16384,
            transcript_summaries: true,
            policy_cache: Arc::default(),
        }
    }
}

/// Server configuration.
#[derive(Clone)]
pub struct ServerConfig {
    /// Where secrets are logged (debugging, Wireshark); default none.
    pub key_log: Option<KeyLog>,
    /// The server certificate and key.
    pub cert: CertifiedKey,
    /// Protocol versions enabled (TLS 1.3 and/or TLS 1.2); default both.
    pub versions: Vec<ProtocolVersion>,
    /// TLS 1.2: issue an RFC 5077 ticket when the client offers session_ticket (default
    /// true). Otherwise sessions are resumable by session id from `session_cache`.
    pub tls12_tickets: bool,
    /// TLS 1.2 session-id cache, shared by clones of this config.
    pub session_cache: SessionCache,
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
    /// Render the one-line summary of every transcript entry ([`TranscriptEntry::summary`]);
    /// default true. The entries themselves are always kept; without summaries a handshake
    /// formats no text (what a benchmark wants).
    pub transcript_summaries: bool,
    /// Certificates the strict certificate policy passed (see
    /// [`crate::verify::PolicyCache`]); shared by clones of this config.
    pub policy_cache: Arc<crate::verify::PolicyCache>,
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
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, Error> {
        let cert = CertifiedKey::new(chain, key)?;
        let mut ticket_key = [0u8; 32];
        SystemRandom.fill(&mut ticket_key)?;
        Ok(Self {
            key_log: None,
            cert,
            versions: default_versions(),
            tls12_tickets: true,
            session_cache: SessionCache::default(),
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
            transcript_summaries: true,
            policy_cache: Arc::default(),
        })
    }
}

/// A TLS 1.2 session as the server keeps it (in the session-id cache or inside a ticket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSession12 {
    /// Cipher suite code point.
    pub cipher_suite: u16,
    /// The master secret.
    pub master_secret: Vec<u8>,
    /// Whether the extended master secret was used.
    pub extended_master_secret: bool,
    /// When the session was created, seconds since the Unix epoch.
    pub created: u64,
    /// The client certificate chain, if the client authenticated.
    pub client_certs: Vec<CertificateDer<'static>>,
}

type CacheEntries = VecDeque<(Vec<u8>, ServerSession12)>;

/// The server's TLS 1.2 session-id cache (bounded; oldest entries are evicted).
#[derive(Debug, Clone, Default)]
pub struct SessionCache {
    inner: Arc<Mutex<CacheEntries>>,
}

impl SessionCache {
    /// Most sessions kept.
    pub const CAPACITY: usize = 256;

    /// Store a session under `id`.
    pub fn put(&self, id: Vec<u8>, s: ServerSession12) {
        if let Ok(mut q) = self.inner.lock() {
            q.retain(|(k, _)| *k != id);
            if q.len() >= Self::CAPACITY {
                q.pop_front();
            }
            q.push_back((id, s));
        }
    }

    /// Look a session up.
    pub fn get(&self, id: &[u8]) -> Option<ServerSession12> {
        self.inner
            .lock()
            .ok()?
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, s)| s.clone())
    }

    /// Number of cached sessions.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    /// Whether the session was resumed (TLS 1.3 PSK; TLS 1.2 session id or ticket).
    pub resumed: bool,
    /// TLS 1.2: whether the extended master secret (RFC 7627) is in use.
    pub extended_master_secret: bool,
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
