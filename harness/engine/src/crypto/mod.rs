//! Crypto core: hashes and HKDF, AEAD record protection, key exchange, signatures.
//!
//! Everything here is built on aws-lc-rs. Code points are handled as internal enums
//! ([`Suite`], [`Group`], [`SigScheme`]) that convert to and from their u16 wire values.

pub mod aead;
pub mod hash;
pub mod kx;
pub mod sign;
pub mod tls12;

pub use aead::{RecordError, RecordProtection};
pub use hash::HashAlg;
pub use kx::{Group, KeyShare};
pub use sign::{SigScheme, SigningKey};
pub use tls12::{Auth12, RecordProtection12, Suite12};

/// A failure inside the crypto core. Callers map it to the alert the RFC names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The peer's key share was malformed or the agreement failed (illegal_parameter).
    #[error("invalid peer key share: {0}")]
    BadKeyShare(&'static str),
    /// A signature did not verify (decrypt_error).
    #[error("signature verification failed")]
    BadSignature,
    /// The key does not support the requested scheme.
    #[error("signature scheme not supported by this key")]
    UnsupportedScheme,
    /// The key could not be parsed or is of an unsupported type.
    #[error("unsupported or malformed private key: {0}")]
    BadKey(String),
    /// The random source failed.
    #[error("random source failed")]
    Random,
    /// Any other failure of the crypto library.
    #[error("crypto library failure: {0}")]
    Internal(&'static str),
}

/// TLS 1.3 cipher suites we implement (RFC 8446 B.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suite {
    /// TLS_AES_128_GCM_SHA256 (0x1301)
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302)
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303)
    Chacha20Poly1305Sha256,
}

impl Suite {
    /// All suites, in our default preference order.
    pub const ALL: [Suite; 3] = [
        Suite::Aes128GcmSha256,
        Suite::Aes256GcmSha384,
        Suite::Chacha20Poly1305Sha256,
    ];

    /// From the wire code point.
    pub fn from_u16(v: u16) -> Option<Self> {
        match v {
            0x1301 => Some(Self::Aes128GcmSha256),
            0x1302 => Some(Self::Aes256GcmSha384),
            0x1303 => Some(Self::Chacha20Poly1305Sha256),
            _ => None,
        }
    }

    /// The wire code point.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::Aes128GcmSha256 => 0x1301,
            Self::Aes256GcmSha384 => 0x1302,
            Self::Chacha20Poly1305Sha256 => 0x1303,
        }
    }

    /// The suite's hash (HKDF and transcript).
    pub fn hash(self) -> HashAlg {
        match self {
            Self::Aes256GcmSha384 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    /// The aws-lc-rs AEAD algorithm.
    pub fn aead(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Self::Aes128GcmSha256 => &aws_lc_rs::aead::AES_128_GCM,
            Self::Aes256GcmSha384 => &aws_lc_rs::aead::AES_256_GCM,
            Self::Chacha20Poly1305Sha256 => &aws_lc_rs::aead::CHACHA20_POLY1305,
        }
    }

    /// AEAD key length in bytes.
    pub fn key_len(self) -> usize {
        self.aead().key_len()
    }
}
