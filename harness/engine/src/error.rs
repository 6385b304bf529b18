//! Errors of the engine: one [`Error`] enum, whose variant says what class of failure it is,
//! and one mapping to the alert we send ([`Error::alert`]) or received
//! ([`Error::alert_received`]).
//!
//! Match on the variant (and on [`Misbehaviour`] for a protocol violation), never on the
//! text: the text is for people, and is kept stable only because reports quote it.

use std::fmt;

pub use tls_wire::AlertDescription;
use tls_wire::mutate::MutateError;
use tls_wire::{AlertLevel, DecodeError, HandshakeType};

pub use crate::verify::PolicyError;

/// An engine error: what went wrong, and which alert was sent or received.
///
/// Displayed as the detail, then ` (sent alert X)` when we send an alert for it, or
/// ` (received alert X)` when the peer's alert ended the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The peer broke a protocol rule; we send `alert` (queued in the output).
    PeerMisbehaved {
        /// The fatal alert we send.
        alert: AlertDescription,
        /// Which rule the peer broke.
        what: Misbehaviour,
        /// What exactly was wrong, for a person.
        detail: String,
    },
    /// A record, a handshake message or an alert from the peer does not decode; we send
    /// the alert the decode error names ([`DecodeError::alert`]: `record_overflow` for an
    /// oversized record, `decode_error` otherwise).
    InvalidMessage {
        /// What was being decoded.
        what: Decoding,
        /// The wire crate's error (what was being read and what went wrong).
        error: DecodeError,
    },
    /// The peer sent us a fatal alert (or a warning we do not ignore).
    AlertReceived {
        /// The alert's level as sent.
        level: AlertLevel,
        /// The alert's description.
        alert: AlertDescription,
    },
    /// The transport closed without a close_notify.
    Truncated {
        /// Whether the handshake was still in progress.
        during_handshake: bool,
    },
    /// The peer's certificate chain failed validation; we send the alert RFC 8446 6.2
    /// names for the failure ([`CertificateError::alert`]).
    Certificate {
        /// What was being checked (e.g. "end-entity certificate").
        what: String,
        /// Why it failed.
        error: CertificateError,
    },
    /// A configuration problem (unsupported key type, empty suite list, ...); no alert.
    Config(String),
    /// A `mutate_*` knob that cannot be applied to the message it names (a configuration
    /// problem of the caller); no alert.
    Mutation {
        /// The message the mutation was applied to.
        message: HandshakeType,
        /// The wire crate's error.
        error: MutateError,
    },
    /// The connection is closed, failed earlier, or not ready for the operation; no alert.
    Closed(ClosedReason),
    /// An internal failure of the crypto library or the engine; we send `internal_error`.
    Internal(String),
}

/// What an [`Error::InvalidMessage`] was decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoding {
    /// A record header or its length (the record layer).
    Record,
    /// The handshake message framing across records (type and length).
    HandshakeFraming,
    /// The body of a handshake message.
    HandshakeMessage,
    /// An alert record.
    Alert,
}

impl fmt::Display for Decoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Record => "record layer",
            Self::HandshakeFraming => "handshake framing",
            Self::HandshakeMessage => "malformed handshake message",
            Self::Alert => "malformed alert",
        })
    }
}

/// Why a certificate chain was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateError {
    /// Path validation or the name check of rustls-webpki failed.
    Webpki(webpki::Error),
    /// The strict policy around webpki rejected a certificate ([`crate::verify`]).
    Policy(PolicyError),
}

impl CertificateError {
    /// The alert RFC 8446 6.2 names for this failure.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::Webpki(e) => crate::verify::alert_for(e),
            Self::Policy(e) => e.alert(),
        }
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // webpki's errors have no Display worth the name; the variant says it all.
            Self::Webpki(e) => write!(f, "{e:?}"),
            Self::Policy(e) => write!(f, "{e}"),
        }
    }
}

/// Why an operation finds the connection closed or not ready ([`Error::Closed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosedReason {
    /// Application data cannot be sent before the handshake completes.
    AppDataBeforeHandshake,
    /// We sent close_notify; nothing more can be sent.
    CloseNotifySent,
    /// A KeyUpdate cannot be requested before the handshake completes.
    KeyUpdateBeforeHandshake,
    /// The exporter is not available before the handshake completes.
    ExporterBeforeHandshake,
    /// The connection failed earlier with this error.
    Failed(Box<Error>),
}

impl fmt::Display for ClosedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AppDataBeforeHandshake => {
                f.write_str("cannot send application data before the handshake completes")
            }
            Self::CloseNotifySent => f.write_str("close_notify already sent"),
            Self::KeyUpdateBeforeHandshake => {
                f.write_str("KeyUpdate before the handshake completed")
            }
            Self::ExporterBeforeHandshake => {
                f.write_str("exporter not available before the handshake completes")
            }
            Self::Failed(e) => write!(f, "connection already failed: {}", e.detail()),
        }
    }
}

/// The protocol rule a peer broke ([`Error::PeerMisbehaved`]). The alert we send is carried
/// beside it, because some rules are answered differently by version (e.g. a missing client
/// certificate: `certificate_required` in TLS 1.3, `handshake_failure` in TLS 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Misbehaviour {
    // Record layer.
    /// A record did not authenticate (RFC 8446 5.2).
    BadRecordMac,
    /// More undecryptable early data than a server that rejected 0-RTT skips (RFC 8446
    /// 4.2.10; our bound).
    TooMuchEarlyData,
    /// A record or its plaintext exceeds the permitted size (RFC 8446 5.1, 5.2).
    RecordOverflow,
    /// A protected record whose inner plaintext has no non-zero content type (RFC 8446 5.4).
    NoContentType,
    /// A zero-length handshake or alert record (RFC 8446 5.1, 5.4).
    ZeroLengthRecord,
    /// A record in the clear after keys were established (RFC 8446 5.1).
    UnprotectedRecord,
    /// A record of an unknown or unexpected content type (RFC 8446 5).
    UnexpectedRecordType,
    /// A ChangeCipherSpec that is not the single byte 0x01 (RFC 8446 5, RFC 5246 7.1).
    BadChangeCipherSpec,
    /// A ChangeCipherSpec at a point where none may come (RFC 8446 5, RFC 5246 7.1).
    UnexpectedChangeCipherSpec,
    /// A ChangeCipherSpec, alert or application data between the fragments of a handshake
    /// message (RFC 8446 5.1).
    InterleavedWithHandshake,
    /// A handshake message that spans a key change (RFC 8446 5.1).
    KeyChangeMidMessage,
    /// Application data before the handshake completed (RFC 8446 2, RFC 5246 7.4.9).
    ApplicationDataBeforeHandshake,
    /// More consecutive empty records than we take (hostile-peer limit).
    TooManyEmptyRecords,
    /// More consecutive ignored warning alerts than we take (hostile-peer limit).
    TooManyWarningAlerts,
    /// More consecutive KeyUpdates without application data than we take (hostile-peer
    /// limit).
    TooManyKeyUpdates,
    /// A KeyUpdate whose request_update is neither 0 nor 1 (RFC 8446 4.6.3).
    BadKeyUpdateRequest,

    // Handshake order.
    /// A handshake message the state machine does not expect here (RFC 8446 4, RFC 5246
    /// 7.3).
    UnexpectedMessage,
    /// A second HelloRetryRequest (RFC 8446 4.1.4).
    SecondHelloRetryRequest,

    // Versions.
    /// legacy_version of SSL 3.0 or older.
    ObsoleteVersion,
    /// No version both sides support (RFC 8446 4.2.1, 4.1.3).
    NoCommonVersion,
    /// The server selected a version the client did not offer (RFC 8446 4.2.1).
    VersionNotOffered,
    /// A TLS 1.3 ServerHello whose legacy_version is not TLS 1.2 (RFC 8446 4.1.3).
    BadLegacyVersion,
    /// The TLS 1.3 downgrade sentinel in a TLS 1.2 ServerHello.random (RFC 8446 4.1.3).
    DowngradeSentinel,
    /// TLS_FALLBACK_SCSV below our highest version (RFC 7507).
    InappropriateFallback,

    // ClientHello / ServerHello fields.
    /// A session id longer than 32 bytes (RFC 8446 4.1.2).
    SessionIdTooLong,
    /// The ServerHello's session id echo does not match what the client sent (RFC 8446
    /// 4.1.3, RFC 5246 7.4.1.3).
    SessionIdMismatch,
    /// A compression method other than null, or a list without null (RFC 8446 4.1.2,
    /// RFC 5246 7.4.1.2).
    BadCompression,
    /// The server selected a cipher suite the client did not offer (RFC 8446 4.1.3).
    SuiteNotOffered,
    /// The ServerHello's cipher suite differs from the HelloRetryRequest's (RFC 8446 4.1.4).
    SuiteChangedAfterHelloRetry,
    /// The second ClientHello is not the first one as a HelloRetryRequest allows (RFC 8446
    /// 4.1.2).
    SecondClientHelloMismatch,
    /// A HelloRetryRequest that would not change the ClientHello, or asks for a group that
    /// already has a share (RFC 8446 4.1.4, 4.2.8).
    UselessHelloRetryRequest,

    // Extensions.
    /// The same extension twice in one message (RFC 8446 4.2).
    DuplicateExtension,
    /// An extension in a response that was not offered or requested (RFC 8446 4.2).
    UnsolicitedExtension,
    /// An extension in a message where it may not appear (RFC 8446 4.2).
    ExtensionNotAllowed,
    /// A required extension is missing (RFC 8446 4.2, 9.2).
    MissingExtension,
    /// pre_shared_key is not the last extension of the ClientHello (RFC 8446 4.2.11).
    PskNotLast,
    /// server_name with an empty list or an empty name (RFC 6066 3).
    EmptyServerName,
    /// record_size_limit below 64 (RFC 8449 4).
    BadRecordSizeLimit,
    /// A server ALPN response that names not exactly one offered protocol (RFC 7301 3.1).
    BadAlpn,
    /// A non-empty renegotiated_connection in an initial handshake (RFC 5746 3.4, 3.6).
    BadRenegotiationInfo,
    /// A ServerHello session_ticket extension that is not empty (RFC 5077 3.2).
    BadSessionTicketExtension,
    /// ec_point_formats without uncompressed (RFC 8422 5.1.2).
    NoUncompressedPointFormat,
    /// extended_master_secret missing where it is required (RFC 7627 5.2, 5.3).
    NoExtendedMasterSecret,

    // Negotiation.
    /// No cipher suite in common (RFC 8446 4.1.1).
    NoCommonSuite,
    /// No key exchange group in common (RFC 8446 4.1.1).
    NoCommonGroup,
    /// No signature scheme in common for our certificate (RFC 8446 4.4.2.2).
    NoCommonSignatureScheme,
    /// No ALPN protocol in common (RFC 7301 3.2).
    NoCommonAlpn,
    /// A group (key share, HelloRetryRequest, ServerKeyExchange) that was not offered
    /// (RFC 8446 4.2.8, RFC 8422 5.4).
    GroupNotOffered,
    /// Key shares inconsistent with supported_groups, or two for one group (RFC 8446 4.2.8).
    InconsistentKeyShares,
    /// A key share or ECDHE public value that is malformed or fails the agreement (RFC 8446
    /// 4.2.8.2, RFC 8422 5.11).
    BadKeyShare,

    // Resumption.
    /// The server selected a PSK identity that was not offered (RFC 8446 4.2.11).
    PskNotOffered,
    /// The server resumed in a PSK key exchange mode the client did not offer (RFC 8446
    /// 4.2.9: a key_share to a client that offered psk_ke only).
    PskModeNotOffered,
    /// A resumed session with a cipher suite (or hash) other than the original's (RFC 8446
    /// 4.2.11, RFC 5246 7.4.1.3).
    ResumptionSuiteMismatch,
    /// pre_shared_key with a different number of identities and binders (RFC 8446 4.2.11).
    PskBinderCount,
    /// A PSK binder that does not verify (RFC 8446 4.2.11.2).
    BadBinder,
    /// A NewSessionTicket lifetime over seven days (RFC 8446 4.6.1).
    TicketLifetimeTooLong,

    // Certificates and authentication.
    /// An empty Certificate message or chain where one is required (RFC 8446 4.4.2.4).
    EmptyCertificate,
    /// A certificate_request_context that is not the one it must be (RFC 8446 4.3.2, 4.4.2).
    BadCertificateRequestContext,
    /// The client sent no certificate but one is required (RFC 8446 4.4.2.4, RFC 5246
    /// 7.4.6).
    CertificateRequired,
    /// A signature scheme that was not offered, or does not fit the cipher suite (RFC 8446
    /// 4.4.3, RFC 5246 7.4.1.4.1).
    SignatureSchemeNotOffered,
    /// A CertificateVerify or ServerKeyExchange signature that does not verify (RFC 8446
    /// 4.4.3).
    BadSignature,

    // Finished.
    /// A Finished of the wrong length (RFC 8446 4.4.4).
    BadFinishedLength,
    /// A Finished whose verify_data does not match (RFC 8446 4.4.4).
    BadFinished,
}

impl Misbehaviour {
    /// The alert that answers this misbehaviour (RFC 8446 6, RFC 5246 7.2.2). One rule is
    /// answered differently by version: a missing client certificate is `certificate_required`
    /// in TLS 1.3 but `handshake_failure` in TLS 1.2 (RFC 5246 7.4.6), so TLS 1.2 names its
    /// alert with [`Error::peer_misbehaved`].
    pub fn alert(self) -> AlertDescription {
        match self {
            Self::BadRecordMac | Self::TooMuchEarlyData => AlertDescription::BadRecordMac,
            Self::RecordOverflow => AlertDescription::RecordOverflow,
            Self::NoContentType
            | Self::ZeroLengthRecord
            | Self::UnprotectedRecord
            | Self::UnexpectedRecordType
            | Self::BadChangeCipherSpec
            | Self::UnexpectedChangeCipherSpec
            | Self::InterleavedWithHandshake
            | Self::KeyChangeMidMessage
            | Self::ApplicationDataBeforeHandshake
            | Self::TooManyEmptyRecords
            | Self::TooManyWarningAlerts
            | Self::TooManyKeyUpdates
            | Self::UnexpectedMessage
            | Self::SecondHelloRetryRequest => AlertDescription::UnexpectedMessage,
            Self::BadKeyUpdateRequest
            | Self::VersionNotOffered
            | Self::BadLegacyVersion
            | Self::DowngradeSentinel
            | Self::SessionIdMismatch
            | Self::BadCompression
            | Self::SuiteNotOffered
            | Self::SuiteChangedAfterHelloRetry
            | Self::SecondClientHelloMismatch
            | Self::UselessHelloRetryRequest
            | Self::DuplicateExtension
            | Self::ExtensionNotAllowed
            | Self::PskNotLast
            | Self::BadRecordSizeLimit
            | Self::BadAlpn
            | Self::NoUncompressedPointFormat
            | Self::GroupNotOffered
            | Self::InconsistentKeyShares
            | Self::BadKeyShare
            | Self::PskNotOffered
            | Self::PskModeNotOffered
            | Self::ResumptionSuiteMismatch
            | Self::PskBinderCount
            | Self::TicketLifetimeTooLong
            | Self::BadCertificateRequestContext
            | Self::SignatureSchemeNotOffered => AlertDescription::IllegalParameter,
            Self::ObsoleteVersion | Self::NoCommonVersion => AlertDescription::ProtocolVersion,
            Self::InappropriateFallback => AlertDescription::InappropriateFallback,
            Self::SessionIdTooLong
            | Self::EmptyServerName
            | Self::BadSessionTicketExtension
            | Self::EmptyCertificate
            | Self::BadFinishedLength => AlertDescription::DecodeError,
            Self::UnsolicitedExtension => AlertDescription::UnsupportedExtension,
            Self::MissingExtension => AlertDescription::MissingExtension,
            Self::BadRenegotiationInfo
            | Self::NoExtendedMasterSecret
            | Self::NoCommonSuite
            | Self::NoCommonGroup
            | Self::NoCommonSignatureScheme => AlertDescription::HandshakeFailure,
            Self::NoCommonAlpn => AlertDescription::NoApplicationProtocol,
            Self::BadBinder | Self::BadSignature | Self::BadFinished => {
                AlertDescription::DecryptError
            }
            Self::CertificateRequired => AlertDescription::CertificateRequired,
        }
    }
}

impl Error {
    /// A protocol violation of the peer, answered with `alert`.
    pub fn peer_misbehaved(
        alert: AlertDescription,
        what: Misbehaviour,
        detail: impl Into<String>,
    ) -> Self {
        Self::PeerMisbehaved {
            alert,
            what,
            detail: detail.into(),
        }
    }

    /// A configuration error (no alert).
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    /// An internal error (alert internal_error).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// The fatal alert we send for this error (queued in the output), if any.
    pub fn alert(&self) -> Option<AlertDescription> {
        match self {
            Self::PeerMisbehaved { alert, .. } => Some(*alert),
            Self::InvalidMessage { error, .. } => Some(error.alert()),
            Self::Certificate { error, .. } => Some(error.alert()),
            Self::Internal(_) => Some(AlertDescription::InternalError),
            Self::AlertReceived { .. }
            | Self::Truncated { .. }
            | Self::Config(_)
            | Self::Mutation { .. }
            | Self::Closed(_) => None,
        }
    }

    /// The alert the peer sent that ended the connection, if that is what this error is.
    pub fn alert_received(&self) -> Option<AlertDescription> {
        match self {
            Self::AlertReceived { alert, .. } => Some(*alert),
            _ => None,
        }
    }

    /// The protocol rule the peer broke, if this is [`Error::PeerMisbehaved`].
    pub fn misbehaviour(&self) -> Option<Misbehaviour> {
        match self {
            Self::PeerMisbehaved { what, .. } => Some(*what),
            _ => None,
        }
    }

    /// What went wrong, without the alert: the [`Display`](fmt::Display) text minus its
    /// ` (sent alert X)` / ` (received alert X)` suffix.
    pub fn detail(&self) -> impl fmt::Display + '_ {
        Detail(self)
    }
}

/// `map_err` for a decoding failure of `what`: [`Error::InvalidMessage`].
pub(crate) fn invalid(what: Decoding) -> impl FnOnce(DecodeError) -> Error {
    move |error| Error::InvalidMessage { what, error }
}

/// Shorthand for [`Error::peer_misbehaved`] in the state machines, answered with the alert of
/// `what` ([`Misbehaviour::alert`]).
pub(crate) fn misbehaved(what: Misbehaviour, detail: impl Into<String>) -> Error {
    Error::peer_misbehaved(what.alert(), what, detail)
}

/// Returns from the current function with [`misbehaved`]`(what, format!(...))`: the peer
/// broke the rule `what`, and the rest says how.
macro_rules! misbehave {
    ($what:expr, $($detail:tt)+) => {
        return Err($crate::error::misbehaved($what, format!($($detail)+)))
    };
}
pub(crate) use misbehave;

struct Detail<'a>(&'a Error);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::PeerMisbehaved { detail, .. } => f.write_str(detail),
            Error::InvalidMessage { what, error } => write!(f, "{what}: {error}"),
            Error::AlertReceived { level, alert } => write!(f, "received {level} alert {alert}"),
            Error::Truncated {
                during_handshake: false,
            } => f.write_str("connection truncated: EOF without close_notify"),
            Error::Truncated {
                during_handshake: true,
            } => f.write_str("connection truncated: EOF during the handshake"),
            Error::Certificate { what, error } => write!(f, "{what}: {error}"),
            Error::Config(m) | Error::Internal(m) => f.write_str(m),
            Error::Mutation { message, error } => write!(f, "knob mutation on {message}: {error}"),
            Error::Closed(why) => write!(f, "{why}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.detail())?;
        if let Some(a) = self.alert() {
            write!(f, " (sent alert {a})")?;
        }
        if let Some(a) = self.alert_received() {
            write!(f, " (received alert {a})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidMessage { error, .. } => Some(error),
            Self::Mutation { error, .. } => Some(error),
            Self::Certificate {
                error: CertificateError::Policy(e),
                ..
            } => Some(e),
            Self::Closed(ClosedReason::Failed(e)) => Some(e.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use tls_wire::DecodeErrorKind;

    use super::*;
    use crate::AlertDescription as A;

    /// `misbehaved` sends the alert of the misbehaviour's table entry.
    #[test]
    fn misbehaved_sends_the_alert_of_its_rule() {
        let cases = [
            (Misbehaviour::UnsolicitedExtension, A::UnsupportedExtension),
            (Misbehaviour::TooManyKeyUpdates, A::UnexpectedMessage),
            (Misbehaviour::BadFinishedLength, A::DecodeError),
            (Misbehaviour::BadFinished, A::DecryptError),
            (Misbehaviour::CertificateRequired, A::CertificateRequired),
        ];
        for (what, alert) in cases {
            let e = misbehaved(what, "detail");
            assert_eq!((e.alert(), e.misbehaviour()), (Some(alert), Some(what)));
            assert_eq!(e.to_string(), format!("detail (sent alert {alert})"));
        }
    }

    /// The text reports quote: detail, then the alert sent or received.
    #[test]
    fn display_keeps_the_alert_suffix() {
        let e = Error::peer_misbehaved(
            AlertDescription::IllegalParameter,
            Misbehaviour::DuplicateExtension,
            "duplicate extension key_share in ClientHello",
        );
        assert_eq!(
            e.to_string(),
            "duplicate extension key_share in ClientHello (sent alert illegal_parameter)"
        );
        let e = Error::AlertReceived {
            level: AlertLevel::Fatal,
            alert: AlertDescription::HandshakeFailure,
        };
        assert_eq!(
            e.to_string(),
            "received fatal alert handshake_failure (received alert handshake_failure)"
        );
        assert_eq!(e.alert(), None);
        assert_eq!(e.alert_received(), Some(AlertDescription::HandshakeFailure));
        let e = Error::InvalidMessage {
            what: Decoding::Record,
            error: DecodeError::new(DecodeErrorKind::RecordOverflow { len: 11, max: 10 }),
        };
        assert_eq!(e.alert(), Some(AlertDescription::RecordOverflow));
        assert_eq!(
            e.to_string(),
            "record layer: record payload length 11 exceeds the maximum 10 (sent alert record_overflow)"
        );
        let closed = Error::Closed(ClosedReason::Failed(Box::new(e)));
        assert_eq!(closed.alert(), None);
        assert_eq!(
            closed.to_string(),
            "connection already failed: record layer: record payload length 11 exceeds the maximum 10"
        );
        assert_eq!(
            Error::internal("no keys").to_string(),
            "no keys (sent alert internal_error)"
        );
        assert_eq!(
            Error::Truncated {
                during_handshake: true
            }
            .to_string(),
            "connection truncated: EOF during the handshake"
        );
    }
}
