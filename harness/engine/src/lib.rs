//! `tls-engine`: our own TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246) client and server,
//! sans-IO, with misbehaviour knobs for the conformance harness.
//!
//! Drive a [`Connection`]: feed received bytes to [`Connection::handle_input`], send what
//! [`Connection::take_output`] returns, drain [`Connection::poll_event`]. No I/O, no clock:
//! the time is passed in.
//!
//! Implemented: TLS 1.3 full handshake, HelloRetryRequest (with cookie), PSK resumption
//! with psk_dhe_ke and binders, client authentication, ALPN, SNI, KeyUpdate, close_notify,
//! middlebox-compatibility ChangeCipherSpec, record_size_limit (RFC 8449), record padding,
//! groups x25519 / secp256r1 / secp384r1 / secp521r1 / X25519MLKEM768 (secp521r1 only when
//! configured; not in the default offer), suites AES-128-GCM, AES-256-GCM,
//! ChaCha20-Poly1305, CertificateVerify with ECDSA P-256/P-384, RSA-PSS (rsae), Ed25519.
//!
//! TLS 1.2: ECDHE_ECDSA and ECDHE_RSA with AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305
//! (RFC 5289, 5288, 7905) over x25519 / secp256r1 / secp384r1 / secp521r1 (RFC 8422);
//! ServerKeyExchange and
//! CertificateVerify with ECDSA, RSA PKCS#1 v1.5, RSA-PSS and Ed25519 as signature_algorithms
//! allows; extended master secret (RFC 7627, required by default); renegotiation_info (RFC
//! 5746; renegotiation is refused with a no_renegotiation warning); session tickets (RFC 5077)
//! and session-id resumption; client authentication; the PRF from aws-lc-rs. Version
//! negotiation with supported_versions, the downgrade sentinel (RFC 8446 4.1.3) on both sides,
//! TLS_FALLBACK_SCSV (RFC 7507) on the server. psk_ke resumption (PSK without (EC)DHE, RFC
//! 8446 4.2.9) as an option: a client knob offers it, a server knob takes it.
//!
//! Not implemented: TLS 1.1 and below, CBC suites, RSA key exchange, FFDHE (TLS 1.2);
//! renegotiation; TLS 1.2 ECDSA signatures with a hash other than the curve's (we verify
//! them, we do not make them); sending or accepting 0-RTT early data (a server
//! skips a client's early data, RFC 8446 4.2.10); post-handshake client authentication; external PSKs; OCSP / SCT; certificate compression.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod client12;
pub mod config;
mod conn;
pub mod crypto;
pub mod error;
mod handshake;
mod handshake12;
pub mod keyschedule;
pub mod knobs;
pub mod random;
mod server;
mod server12;
pub mod verify;

/// In-memory driving of two connections, for the engine's tests and the fuzz seeds.
#[doc(hidden)]
pub mod testing;

pub use config::{
    CertifiedKey, ClientAuth, ClientConfig, Direction, DowngradeSentinel, Event, KNOB_NAMES, KNOBS,
    KnobInfo, Knobs, Negotiated, ServerConfig, ServerSession12, SessionCache, Step, StoredSession,
    TranscriptEntry,
};
pub use conn::{Connection, MAX_EMPTY_RECORDS, MAX_WARNING_ALERTS};

/// Whether this build is the fuzzing build (feature `fuzzing`): null record protection, and
/// signatures, certificate chains, Finished and binders always verify. Never in a real build.
pub const FUZZING: bool = cfg!(feature = "fuzzing");
pub use error::{CertificateError, ClosedReason, Decoding, Error, Misbehaviour};
pub use random::{RandomSource, SeededRandom, SystemRandom};
pub use tls_wire::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
