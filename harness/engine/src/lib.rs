//! `tls-engine`: our own TLS 1.3 client and server (RFC 8446), sans-IO, with misbehaviour
//! knobs for the conformance harness.
//!
//! Drive a [`Connection`]: feed received bytes to [`Connection::handle_input`], send what
//! [`Connection::take_output`] returns, drain [`Connection::poll_event`]. No I/O, no clock:
//! the time is passed in.
//!
//! Implemented: TLS 1.3 full handshake, HelloRetryRequest (with cookie), PSK resumption
//! with psk_dhe_ke and binders, client authentication, ALPN, SNI, KeyUpdate, close_notify,
//! middlebox-compatibility ChangeCipherSpec, record_size_limit (RFC 8449), record padding,
//! groups x25519 / secp256r1 / secp384r1 / X25519MLKEM768, suites AES-128-GCM, AES-256-GCM,
//! ChaCha20-Poly1305, CertificateVerify with ECDSA P-256/P-384, RSA-PSS (rsae), Ed25519.
//!
//! Not implemented: TLS 1.2 and below; sending or accepting 0-RTT early data (a server
//! skips a client's early data, RFC 8446 4.2.10); psk_ke (PSK without (EC)DHE);
//! post-handshake client authentication; external PSKs; OCSP / SCT; certificate compression.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
pub mod config;
mod conn;
pub mod crypto;
pub mod error;
pub mod keyschedule;
pub mod random;
mod server;
pub mod verify;

pub use config::{
    ClientAuth, ClientConfig, CertifiedKey, Direction, Event, Knobs, Negotiated, ServerConfig, Step, StoredSession,
    TranscriptEntry,
};
pub use conn::Connection;
pub use error::{Error, ErrorKind};
pub use random::{RandomSource, SeededRandom, SystemRandom};
pub use tls_wire::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
