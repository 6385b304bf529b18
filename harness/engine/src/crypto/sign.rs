//! Signatures: CertificateVerify creation and verification (RFC 8446 4.4.3).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use rustls_pki_types::SignatureVerificationAlgorithm;

use super::CryptoError;

/// Signature schemes we implement for CertificateVerify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigScheme {
    /// ecdsa_secp256r1_sha256 (0x0403)
    EcdsaP256Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503)
    EcdsaP384Sha384,
    /// rsa_pss_rsae_sha256 (0x0804)
    RsaPssSha256,
    /// rsa_pss_rsae_sha384 (0x0805)
    RsaPssSha384,
    /// rsa_pss_rsae_sha512 (0x0806)
    RsaPssSha512,
    /// ed25519 (0x0807)
    Ed25519,
}

impl SigScheme {
    /// All schemes, default preference order.
    pub const ALL: [SigScheme; 6] = [
        SigScheme::EcdsaP256Sha256,
        SigScheme::EcdsaP384Sha384,
        SigScheme::Ed25519,
        SigScheme::RsaPssSha256,
        SigScheme::RsaPssSha384,
        SigScheme::RsaPssSha512,
    ];

    /// From the wire code point.
    pub fn from_u16(v: u16) -> Option<Self> {
        match v {
            0x0403 => Some(Self::EcdsaP256Sha256),
            0x0503 => Some(Self::EcdsaP384Sha384),
            0x0804 => Some(Self::RsaPssSha256),
            0x0805 => Some(Self::RsaPssSha384),
            0x0806 => Some(Self::RsaPssSha512),
            0x0807 => Some(Self::Ed25519),
            _ => None,
        }
    }

    /// The wire code point.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::EcdsaP256Sha256 => 0x0403,
            Self::EcdsaP384Sha384 => 0x0503,
            Self::RsaPssSha256 => 0x0804,
            Self::RsaPssSha384 => 0x0805,
            Self::RsaPssSha512 => 0x0806,
            Self::Ed25519 => 0x0807,
        }
    }

    /// The webpki verification algorithm for this scheme (TLS 1.3 semantics: ECDSA schemes
    /// bind the curve).
    pub fn webpki_alg(self) -> &'static dyn SignatureVerificationAlgorithm {
        use webpki::aws_lc_rs as w;
        match self {
            Self::EcdsaP256Sha256 => w::ECDSA_P256_SHA256,
            Self::EcdsaP384Sha384 => w::ECDSA_P384_SHA384,
            Self::RsaPssSha256 => w::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
            Self::RsaPssSha384 => w::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
            Self::RsaPssSha512 => w::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            Self::Ed25519 => w::ED25519,
        }
    }
}

/// The content covered by a CertificateVerify signature (RFC 8446 4.4.3): 64 spaces, the
/// context string, a zero byte, and the transcript hash.
pub fn certificate_verify_message(server: bool, transcript_hash: &[u8]) -> Vec<u8> {
    let ctx: &[u8] = if server {
        b"TLS 1.3, server CertificateVerify"
    } else {
        b"TLS 1.3, client CertificateVerify"
    };
    let mut m = vec![0x20u8; 64];
    m.extend_from_slice(ctx);
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

enum Inner {
    EcdsaP256(EcdsaKeyPair),
    EcdsaP384(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key able to sign CertificateVerify.
pub struct SigningKey {
    inner: Inner,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.key_type())
    }
}

impl SigningKey {
    /// Parse a PKCS#8 private key: ECDSA P-256/P-384, RSA, or Ed25519.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, CryptoError> {
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der) {
            return Ok(Self {
                inner: Inner::EcdsaP256(k),
            });
        }
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der) {
            return Ok(Self {
                inner: Inner::EcdsaP384(k),
            });
        }
        if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            return Ok(Self {
                inner: Inner::Ed25519(k),
            });
        }
        match RsaKeyPair::from_pkcs8(der) {
            Ok(k) => Ok(Self {
                inner: Inner::Rsa(k),
            }),
            Err(e) => Err(CryptoError::BadKey(format!(
                "PKCS#8 key is not ECDSA P-256/P-384, Ed25519 or RSA (RSA parser said: {e})"
            ))),
        }
    }

    /// Parse a PKCS#1 RSA private key (`RSA PRIVATE KEY`).
    pub fn from_rsa_der(der: &[u8]) -> Result<Self, CryptoError> {
        RsaKeyPair::from_der(der)
            .map(|k| Self {
                inner: Inner::Rsa(k),
            })
            .map_err(|e| CryptoError::BadKey(format!("PKCS#1 RSA key: {e}")))
    }

    /// Short name of the key type.
    pub fn key_type(&self) -> &'static str {
        match self.inner {
            Inner::EcdsaP256(_) => "ecdsa_p256",
            Inner::EcdsaP384(_) => "ecdsa_p384",
            Inner::Rsa(_) => "rsa",
            Inner::Ed25519(_) => "ed25519",
        }
    }

    /// The schemes this key can sign with, preference order.
    pub fn schemes(&self) -> &'static [SigScheme] {
        match self.inner {
            Inner::EcdsaP256(_) => &[SigScheme::EcdsaP256Sha256],
            Inner::EcdsaP384(_) => &[SigScheme::EcdsaP384Sha384],
            Inner::Rsa(_) => &[
                SigScheme::RsaPssSha256,
                SigScheme::RsaPssSha384,
                SigScheme::RsaPssSha512,
            ],
            Inner::Ed25519(_) => &[SigScheme::Ed25519],
        }
    }

    /// The public key (raw, as aws-lc-rs gives it).
    pub fn public_key(&self) -> Vec<u8> {
        match &self.inner {
            Inner::EcdsaP256(k) | Inner::EcdsaP384(k) => k.public_key().as_ref().to_vec(),
            Inner::Rsa(k) => k.public_key().as_ref().to_vec(),
            Inner::Ed25519(k) => k.public_key().as_ref().to_vec(),
        }
    }

    /// Sign `msg` with `scheme`.
    pub fn sign(&self, scheme: SigScheme, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.schemes().contains(&scheme) {
            return Err(CryptoError::UnsupportedScheme);
        }
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::EcdsaP256(k) | Inner::EcdsaP384(k) => Ok(k
                .sign(&rng, msg)
                .map_err(|_| CryptoError::Internal("ECDSA sign"))?
                .as_ref()
                .to_vec()),
            Inner::Ed25519(k) => Ok(k.sign(msg).as_ref().to_vec()),
            Inner::Rsa(k) => {
                let enc = match scheme {
                    SigScheme::RsaPssSha384 => &signature::RSA_PSS_SHA384,
                    SigScheme::RsaPssSha512 => &signature::RSA_PSS_SHA512,
                    _ => &signature::RSA_PSS_SHA256,
                };
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(enc, &rng, msg, &mut sig)
                    .map_err(|_| CryptoError::Internal("RSA sign"))?;
                Ok(sig)
            }
        }
    }
}

/// Verify `sig` over `msg` with the public key of the end-entity certificate `cert_der`.
pub fn verify_with_cert(
    cert_der: &[u8],
    scheme: SigScheme,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    if crate::FUZZING {
        return Ok(());
    }
    let der = rustls_pki_types::CertificateDer::from(cert_der);
    let ee = webpki::EndEntityCert::try_from(&der).map_err(|_| CryptoError::BadSignature)?;
    ee.verify_signature(scheme.webpki_alg(), msg, sig)
        .map_err(|_| CryptoError::BadSignature)
}

/// TLS 1.2 signature schemes (SignatureAndHashAlgorithm, RFC 5246 7.4.1.4.1; RFC 8422 for
/// Ed25519) we verify: ECDSA with SHA-256/384 on either curve (the hash is not bound to the
/// curve in TLS 1.2), RSA PKCS#1 v1.5 and RSA-PSS (rsae) with SHA-256/384/512, Ed25519.
pub const TLS12_SCHEMES: [u16; 9] = [
    0x0403, 0x0503, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
];

fn tls12_verify_algs(scheme: u16) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    use webpki::aws_lc_rs as w;
    match scheme {
        0x0403 => vec![w::ECDSA_P256_SHA256, w::ECDSA_P384_SHA256],
        0x0503 => vec![w::ECDSA_P384_SHA384, w::ECDSA_P256_SHA384],
        0x0807 => vec![w::ED25519],
        0x0804 => vec![w::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        0x0805 => vec![w::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        0x0806 => vec![w::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        0x0401 => vec![w::RSA_PKCS1_2048_8192_SHA256],
        0x0501 => vec![w::RSA_PKCS1_2048_8192_SHA384],
        0x0601 => vec![w::RSA_PKCS1_2048_8192_SHA512],
        _ => vec![],
    }
}

/// TLS 1.2: verify `sig` over `msg` with scheme `scheme` (a TLS 1.2 SignatureAndHashAlgorithm
/// code point) and the public key of `cert_der`.
pub fn verify_tls12(
    cert_der: &[u8],
    scheme: u16,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let algs = tls12_verify_algs(scheme);
    if algs.is_empty() {
        return Err(CryptoError::UnsupportedScheme);
    }
    if crate::FUZZING {
        return Ok(());
    }
    let der = rustls_pki_types::CertificateDer::from(cert_der);
    let ee = webpki::EndEntityCert::try_from(&der).map_err(|_| CryptoError::BadSignature)?;
    if algs
        .iter()
        .any(|a| ee.verify_signature(*a, msg, sig).is_ok())
    {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

impl SigningKey {
    /// The TLS 1.2 schemes this key signs with (code points), preference order. ECDSA keys sign
    /// with their curve's hash only (aws-lc-rs binds the digest to the curve for signing).
    pub fn tls12_schemes(&self) -> &'static [u16] {
        match self.inner {
            Inner::EcdsaP256(_) => &[0x0403],
            Inner::EcdsaP384(_) => &[0x0503],
            Inner::Rsa(_) => &[0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601],
            Inner::Ed25519(_) => &[0x0807],
        }
    }

    /// Whether this key fits the ECDHE_ECDSA (true) or ECDHE_RSA (false) suites.
    pub fn is_ecdsa_like(&self) -> bool {
        !matches!(self.inner, Inner::Rsa(_))
    }

    /// TLS 1.2: sign `msg` with `scheme` (code point).
    pub fn sign_tls12(&self, scheme: u16, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.tls12_schemes().contains(&scheme) {
            return Err(CryptoError::UnsupportedScheme);
        }
        if let Inner::Rsa(k) = &self.inner {
            let enc: &'static dyn signature::RsaEncoding = match scheme {
                0x0401 => &signature::RSA_PKCS1_SHA256,
                0x0501 => &signature::RSA_PKCS1_SHA384,
                0x0601 => &signature::RSA_PKCS1_SHA512,
                0x0805 => &signature::RSA_PSS_SHA384,
                0x0806 => &signature::RSA_PSS_SHA512,
                _ => &signature::RSA_PSS_SHA256,
            };
            let mut sig = vec![0u8; k.public_modulus_len()];
            k.sign(enc, &SystemRandom::new(), msg, &mut sig)
                .map_err(|_| CryptoError::Internal("RSA sign"))?;
            return Ok(sig);
        }
        let s13 = SigScheme::from_u16(scheme).ok_or(CryptoError::UnsupportedScheme)?;
        self.sign(s13, msg)
    }
}
