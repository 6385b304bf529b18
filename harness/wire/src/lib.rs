//! `tls-wire`: bytes <-> typed TLS records and handshake messages (TLS 1.3, RFC 8446;
//! TLS 1.2, RFC 5246 with modern extensions), lossless in both directions.
//!
//! - [`codec`]: the [`Codec`] trait, [`Reader`], [`DecodeError`] (names what was read).
//! - [`enums`]: code-point enums that keep unknown values.
//! - [`record`]: [`Record`], [`RecordHeader`], [`Deframer`], [`HandshakeJoiner`].
//! - [`alert`]: the [`Alert`] message.
//! - [`extension`]: [`Extension`] and its parts, decoded per [`ExtensionContext`].
//! - [`handshake`]: [`HandshakeMessage`], [`HandshakePayload`] and the message structs.
//! - [`mutate`]: wire mutations (malformed messages on purpose) parsed from text specs.
//!
//! No I/O, no clock; decoding never panics. Every value that decodes re-encodes to the
//! identical bytes. All message fields are public plain data, so invalid messages can
//! be built on purpose; encoding never validates.
//!
//! ```
//! use tls_wire::*;
//!
//! let ch = ClientHello {
//!     cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
//!     extensions: vec![
//!         Extension::SupportedVersionsClient(vec![ProtocolVersion::TLSv1_3]),
//!         Extension::KeyShareClient(vec![KeyShareEntry::new(NamedGroup::X25519, vec![1; 32])]),
//!     ],
//!     ..ClientHello::default()
//! };
//! let msg = HandshakeMessage::new(HandshakePayload::ClientHello(ch));
//! let bytes = msg.to_bytes();
//! let back = HandshakeMessage::decode_with(&bytes, &DecodeCtx::TLS13)?;
//! assert_eq!(back, msg);
//! assert_eq!(back.to_bytes(), bytes);
//! assert_eq!(
//!     back.to_string(),
//!     "ClientHello versions=[TLS1.3] suites=[TLS_AES_128_GCM_SHA256] key_shares=[x25519]"
//! );
//! # Ok::<(), DecodeError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alert;
pub mod codec;
pub mod enums;
pub mod extension;
pub mod handshake;
pub mod mutate;
pub mod record;

pub use alert::Alert;
pub use codec::{Codec, Context, DecodeError, DecodeErrorKind, Reader};
pub use enums::{
    AlertDescription, AlertLevel, CertificateType, CipherSuite, ClientCertificateType,
    CompressionMethod, ContentType, ECCurveType, ECPointFormat, ExtensionType, HandshakeType,
    KeyUpdateRequest, NamedGroup, ProtocolVersion, PskKeyExchangeMode, ServerNameType,
    SignatureScheme,
};
pub use extension::{
    Extension, ExtensionContext, ExtensionList, KeyShareEntry, OfferedPsks, PskIdentity,
    ServerNameEntry,
};
pub use handshake::{
    CertificateEntry, CertificateRequestTls12, CertificateRequestTls13, CertificateTls13,
    CertificateVerify, ClientHello, DOWNGRADE_TLS11, DOWNGRADE_TLS12, DecodeCtx, HRR_RANDOM,
    HandshakeMessage, HandshakePayload, NewSessionTicket, NewSessionTicketTls12, ServerHello,
    ServerKeyExchange,
};
pub use record::{
    DEFAULT_MAX_HANDSHAKE, Deframer, HandshakeJoiner, MAX_CIPHERTEXT_TLS12, MAX_CIPHERTEXT_TLS13,
    MAX_PLAINTEXT, Record, RecordHeader, decode_handshake_header,
};
