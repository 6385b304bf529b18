//! `tls-engine`: our own TLS 1.3 client and server (RFC 8446), sans-IO, with misbehaviour
//! knobs for the conformance harness.
//!
//! Drive a [`Connection`]: feed received bytes to [`Connection::handle_input`], send what
//! [`Connection::take_output`] returns, drain [`Connection::poll_event`]. No I/O, no clock:
//! the time is passed in.
#![forbid(unsafe_code)]

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
