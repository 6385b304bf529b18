//! Errors of the engine.

use std::fmt;

pub use tls_wire::AlertDescription;

/// An alert description code point (RFC 8446 6). Kept as a raw `u8` here so the crypto core
/// does not depend on the wire crate; converted to `tls_wire::AlertDescription` at the API.
pub type AlertCode = u8;

/// Alert description code points used by the engine (RFC 8446 6).
#[allow(missing_docs)]
pub mod alert {
    use super::AlertCode;
    pub const CLOSE_NOTIFY: AlertCode = 0;
    pub const UNEXPECTED_MESSAGE: AlertCode = 10;
    pub const BAD_RECORD_MAC: AlertCode = 20;
    pub const RECORD_OVERFLOW: AlertCode = 22;
    pub const HANDSHAKE_FAILURE: AlertCode = 40;
    pub const BAD_CERTIFICATE: AlertCode = 42;
    pub const UNSUPPORTED_CERTIFICATE: AlertCode = 43;
    pub const CERTIFICATE_REVOKED: AlertCode = 44;
    pub const CERTIFICATE_EXPIRED: AlertCode = 45;
    pub const CERTIFICATE_UNKNOWN: AlertCode = 46;
    pub const ILLEGAL_PARAMETER: AlertCode = 47;
    pub const UNKNOWN_CA: AlertCode = 48;
    pub const ACCESS_DENIED: AlertCode = 49;
    pub const DECODE_ERROR: AlertCode = 50;
    pub const DECRYPT_ERROR: AlertCode = 51;
    pub const PROTOCOL_VERSION: AlertCode = 70;
    pub const INSUFFICIENT_SECURITY: AlertCode = 71;
    pub const INTERNAL_ERROR: AlertCode = 80;
    pub const INAPPROPRIATE_FALLBACK: AlertCode = 86;
    pub const USER_CANCELED: AlertCode = 90;
    pub const MISSING_EXTENSION: AlertCode = 109;
    pub const UNSUPPORTED_EXTENSION: AlertCode = 110;
    pub const UNRECOGNIZED_NAME: AlertCode = 112;
    pub const BAD_CERTIFICATE_STATUS_RESPONSE: AlertCode = 113;
    pub const UNKNOWN_PSK_IDENTITY: AlertCode = 115;
    pub const CERTIFICATE_REQUIRED: AlertCode = 116;
    pub const NO_APPLICATION_PROTOCOL: AlertCode = 120;
}

/// What class of failure an [`Error`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The peer violated the protocol; we sent (or would send) a fatal alert.
    Protocol,
    /// The peer sent us a fatal alert.
    AlertReceived,
    /// The transport closed without a close_notify after the handshake started.
    Truncated,
    /// Certificate path validation or name check failed.
    Certificate,
    /// A configuration problem (unsupported key type, empty suite list, ...).
    Config,
    /// The connection is closed or failed earlier; no more operations.
    Closed,
    /// An internal failure of the crypto library or the engine.
    Internal,
}

/// An engine error: what went wrong, and which alert was sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The class of failure.
    pub kind: ErrorKind,
    /// The fatal alert we sent (queued in the output), if any.
    pub alert_sent: Option<AlertDescription>,
    /// The fatal alert the peer sent, if any.
    pub alert_received: Option<AlertDescription>,
    /// Human readable description of what went wrong.
    pub message: String,
}

impl Error {
    /// A protocol violation that is answered with `alert`.
    pub fn alert(code: AlertCode, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Protocol,
            alert_sent: Some(AlertDescription::from(code)),
            alert_received: None,
            message: message.into(),
        }
    }

    /// A configuration error (no alert).
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Config,
            alert_sent: None,
            alert_received: None,
            message: message.into(),
        }
    }

    /// An internal error (alert internal_error).
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Internal,
            alert_sent: Some(AlertDescription::from(alert::INTERNAL_ERROR)),
            alert_received: None,
            message: message.into(),
        }
    }

    /// A failure without an alert of the given kind.
    pub fn other(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            alert_sent: None,
            alert_received: None,
            message: message.into(),
        }
    }

    /// The alert code we send for this error, if any.
    pub fn alert_code(&self) -> Option<AlertCode> {
        self.alert_sent.map(u8::from)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(a) = &self.alert_sent {
            write!(f, " (sent alert {a})")?;
        }
        if let Some(a) = &self.alert_received {
            write!(f, " (received alert {a})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
