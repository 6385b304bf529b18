//! The matrix's closed subsets of the `tls_wire` vocabulary.
//!
//! Versions, cipher suites, groups, signature schemes and alerts are the `tls_wire` enums
//! everywhere in the runner ([`ProtocolVersion`], [`CipherSuite`], [`NamedGroup`],
//! [`SignatureScheme`], [`AlertDescription`]). What the matrix adds lives here, as tables and
//! functions over those values: which values a scenario may name ([`Term::MATRIX`]), how they
//! are parsed from their IANA names ([`parse`]), their short spellings in case ids
//! ([`suite_short`], [`group_short`], [`scheme_short`]) and which certificate key fits a suite
//! or a scheme.

use certs::KeyType;
pub use tls_wire::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// The protocol versions of the matrix.
pub const VERSIONS: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_2, ProtocolVersion::TLSv1_3];

/// The cipher suites of the matrix: the suites our engine implements (TLS 1.3 and the ECDHE
/// AEAD suites of TLS 1.2), the one list both share.
pub const SUITES: &[CipherSuite] = tls_engine::config::SUITES;

/// The key exchange groups of the matrix.
pub const GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::Secp256r1,
    NamedGroup::Secp384r1,
    NamedGroup::Secp521r1,
    NamedGroup::X25519MlKem768,
];

/// The handshake signature schemes of the matrix (CertificateVerify, ServerKeyExchange).
pub const SIG_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::EcdsaSecp256r1Sha256,
    SignatureScheme::EcdsaSecp384r1Sha384,
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
    SignatureScheme::Ed25519,
];

/// A `tls_wire` enum the scenario files and peer descriptions name.
pub trait Term: Copy + Eq + std::fmt::Display + 'static {
    /// What a value is, for messages (`cipher suite`).
    const WHAT: &'static str;
    /// The values a scenario may name.
    const MATRIX: &'static [Self];
    /// The IANA name.
    fn iana(self) -> &'static str;
}

/// The [`Term`] impls: what each kind is called, its matrix values; its IANA name is the
/// wire type's own.
macro_rules! terms {
    ($($ty:ty: $what:literal, $matrix:expr;)+) => {$(
        impl Term for $ty {
            const WHAT: &'static str = $what;
            const MATRIX: &'static [Self] = $matrix;
            fn iana(self) -> &'static str {
                self.name()
            }
        }
    )+};
}

terms! {
    ProtocolVersion: "version", VERSIONS;
    CipherSuite: "cipher suite", SUITES;
    NamedGroup: "group", GROUPS;
    SignatureScheme: "signature scheme", SIG_SCHEMES;
    AlertDescription: "alert", AlertDescription::KNOWN;
}

/// A matrix value from its IANA name (`TLS1.3`, `TLS_AES_128_GCM_SHA256`, `x25519`,
/// `X25519MLKEM768`, `ecdsa_secp256r1_sha256`, `illegal_parameter`; ASCII case ignored).
/// The error names the bad value and lists the good ones.
pub fn parse<T: Term>(text: &str) -> Result<T, String> {
    T::MATRIX
        .iter()
        .copied()
        .find(|v| v.iana().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            format!(
                "unknown {} `{text}`; expected one of: {}",
                T::WHAT,
                T::MATRIX
                    .iter()
                    .map(|v| v.iana())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// The version a suite of the matrix belongs to.
pub fn suite_version(s: CipherSuite) -> ProtocolVersion {
    if s.is_tls13() {
        ProtocolVersion::TLSv1_3
    } else {
        ProtocolVersion::TLSv1_2
    }
}

/// Whether a server with a certificate of this key type can use the suite: TLS 1.3 suites
/// take any key, ECDHE_ECDSA suites every key but RSA (Ed25519 too, RFC 8422 5.1),
/// ECDHE_RSA suites RSA.
pub fn suite_fits_key(s: CipherSuite, key: KeyType) -> bool {
    let name = s.name();
    if name.starts_with("TLS_ECDHE_ECDSA_") {
        !matches!(key, KeyType::Rsa2048)
    } else if name.starts_with("TLS_ECDHE_RSA_") {
        matches!(key, KeyType::Rsa2048)
    } else {
        true
    }
}

/// The spelling of a suite in case ids (`aes128gcm`, `ecdsa_chacha20`); `None` outside the
/// matrix.
pub fn suite_short(s: CipherSuite) -> Option<&'static str> {
    Some(match s {
        CipherSuite::TLS_AES_128_GCM_SHA256 => "aes128gcm",
        CipherSuite::TLS_AES_256_GCM_SHA384 => "aes256gcm",
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => "chacha20",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ecdsa_aes128gcm",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ecdsa_aes256gcm",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ecdsa_chacha20",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "rsa_aes128gcm",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "rsa_aes256gcm",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "rsa_chacha20",
        _ => return None,
    })
}

/// The spelling of a group in case ids and benchmark kinds (`p256`); `None` outside the
/// matrix.
pub fn group_short(g: NamedGroup) -> Option<&'static str> {
    Some(match g {
        NamedGroup::X25519 => "x25519",
        NamedGroup::Secp256r1 => "p256",
        NamedGroup::Secp384r1 => "p384",
        NamedGroup::Secp521r1 => "p521",
        NamedGroup::X25519MlKem768 => "x25519mlkem768",
        _ => return None,
    })
}

/// The spelling of a signature scheme in case ids (`ecdsa_sha256`, `pss_sha384`); `None`
/// outside the matrix.
pub fn scheme_short(s: SignatureScheme) -> Option<&'static str> {
    Some(match s {
        SignatureScheme::EcdsaSecp256r1Sha256 => "ecdsa_sha256",
        SignatureScheme::EcdsaSecp384r1Sha384 => "ecdsa_sha384",
        SignatureScheme::RsaPssRsaeSha256 => "pss_sha256",
        SignatureScheme::RsaPssRsaeSha384 => "pss_sha384",
        SignatureScheme::RsaPssRsaeSha512 => "pss_sha512",
        SignatureScheme::RsaPkcs1Sha256 => "pkcs1_sha256",
        SignatureScheme::RsaPkcs1Sha384 => "pkcs1_sha384",
        SignatureScheme::RsaPkcs1Sha512 => "pkcs1_sha512",
        SignatureScheme::Ed25519 => "ed25519",
        _ => return None,
    })
}

/// Whether a key of this type can make this signature (the matrix's schemes: ECDSA P-256 and
/// P-384, Ed25519, the RSA ones with RSA).
pub fn scheme_fits_key(s: SignatureScheme, key: KeyType) -> bool {
    match s {
        SignatureScheme::EcdsaSecp256r1Sha256 => key == KeyType::EcdsaP256,
        SignatureScheme::EcdsaSecp384r1Sha384 => key == KeyType::EcdsaP384,
        SignatureScheme::Ed25519 => key == KeyType::Ed25519,
        _ => key == KeyType::Rsa2048,
    }
}

/// TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify (RFC 8446 4.2.3).
pub fn scheme_allowed_in_tls13(s: SignatureScheme) -> bool {
    !matches!(
        s,
        SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPkcs1Sha512
    )
}

/// Serialises a list of values as their IANA names (serde's `serialize_with`).
pub fn serialize_names<S: serde::Serializer, T: Term>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.iana()))
}

/// The value if the matrix covers it (what a peer reports outside the matrix is not
/// reported).
pub fn in_matrix<T: Term>(v: T) -> Option<T> {
    T::MATRIX.contains(&v).then_some(v)
}

/// A matrix value from its wire code point (`None` outside the matrix).
pub fn from_code<T: Term + Into<u16>>(code: u16) -> Option<T> {
    T::MATRIX.iter().copied().find(|v| (*v).into() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_iana_names_and_names_the_bad_value() {
        assert_eq!(parse("TLS1.3"), Ok(ProtocolVersion::TLSv1_3));
        assert_eq!(parse("x25519mlkem768"), Ok(NamedGroup::X25519MlKem768));
        assert_eq!(
            parse("ecdsa_secp256r1_sha256"),
            Ok(SignatureScheme::EcdsaSecp256r1Sha256)
        );
        assert_eq!(
            parse("TLS_AES_128_GCM_SHA256"),
            Ok(CipherSuite::TLS_AES_128_GCM_SHA256)
        );
        assert_eq!(
            parse("illegal_parameter"),
            Ok(AlertDescription::IllegalParameter)
        );
        let e = parse::<ProtocolVersion>("TLS1.1").unwrap_err();
        assert_eq!(
            e,
            "unknown version `TLS1.1`; expected one of: TLS1.2, TLS1.3"
        );
        assert!(parse::<CipherSuite>("TLS_AES_128_CCM_SHA256").is_err());
    }

    #[test]
    fn every_matrix_value_has_a_short_name() {
        assert!(SUITES.iter().all(|s| suite_short(*s).is_some()));
        assert!(GROUPS.iter().all(|g| group_short(*g).is_some()));
        assert!(SIG_SCHEMES.iter().all(|s| scheme_short(*s).is_some()));
        assert_eq!(from_code(0x11ec), Some(NamedGroup::X25519MlKem768));
        assert_eq!(from_code::<CipherSuite>(0x1304), None);
    }
}
