//! `tls-wire`: bytes <-> typed TLS records and handshake messages (TLS 1.3, RFC 8446;
//! TLS 1.2, RFC 5246 with modern extensions), lossless in both directions.
//!
//! - [`codec`]: the [`Codec`] trait, [`Reader`], [`DecodeError`] (names what was read).
//! - [`enums`]: code-point enums that keep unknown values.
//! - [`record`]: [`Record`], [`RecordHeader`], [`Deframer`], [`HandshakeJoiner`].
//! - [`alert`]: the [`Alert`] message.
//! - [`extension`]: [`Extension`] and its parts, decoded per [`ExtensionContext`].
//! - [`handshake`]: [`HandshakeMessage`], [`HandshakePayload`] and the message structs.
//!
//! No I/O, no clock; decoding never panics. Every value that decodes re-encodes to the
//! identical bytes. All message fields are public plain data, so invalid messages can
//! be built on purpose; encoding never validates.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alert;
pub mod codec;
pub mod enums;
pub mod extension;
pub mod handshake;
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
    CertificateVerify, ClientHello, DecodeCtx, HandshakeMessage, HandshakePayload,
    NewSessionTicket, NewSessionTicketTls12, ServerHello, ServerKeyExchange, DOWNGRADE_TLS11,
    DOWNGRADE_TLS12, HRR_RANDOM,
};
pub use record::{
    decode_handshake_header, Deframer, HandshakeJoiner, Record, RecordHeader,
    DEFAULT_MAX_HANDSHAKE, MAX_CIPHERTEXT_TLS12, MAX_CIPHERTEXT_TLS13, MAX_PLAINTEXT,
};
