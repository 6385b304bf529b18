//! The data model of a certificate profile.
//!
//! A [`Profile`] is pure data: a list of [`CertSpec`]s (each one certificate: subject, names,
//! validity, constraints, usages, extensions, who signs it and how, what is broken after
//! signing) and a [`ChainSpec`] saying which of them each side sends, in which order, and which
//! are trusted. Every profile, good or bad, goes through the same builder (`build.rs`); adding
//! a bad profile means adding one entry to the table in `profiles.rs`, usually a good chain
//! with one field changed via struct update syntax (`CertSpec { validity: .., ..SERVER }`).

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::KeyType;

/// One test profile: a complete set of certificates for a server and a client.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Unique name, used by scenarios and as the fixture directory name.
    pub name: &'static str,
    /// One line for humans: what this profile is.
    pub description: &'static str,
    /// For a bad profile: the rule it violates (RFC 5280 / RFC 6125 / CABF BR section and
    /// text). `None` for a good profile, which every conforming verifier must accept.
    pub breaks: Option<&'static str>,
    /// The key type of every key in the profile (keys come from `fixtures/keys/`).
    pub key_type: KeyType,
    /// The certificates and what is sent / trusted.
    pub chain: ChainSpec,
}

impl Profile {
    /// A good profile is one every conforming verifier must accept.
    pub fn is_good(&self) -> bool {
        self.breaks.is_none()
    }
}

/// The certificates of a profile and the shape of the chains built from them.
#[derive(Clone, Copy, Debug)]
pub struct ChainSpec {
    /// Every certificate, in generation order: an issuer comes before what it signs.
    pub certs: &'static [CertSpec],
    /// Ids of the certificates the server sends, in the order sent (leaf first, normally).
    /// The server's private key is the key of the first one.
    pub server_chain: &'static [&'static str],
    /// Ids of the certificates the client sends (client authentication), in order.
    pub client_chain: &'static [&'static str],
    /// Ids of the certificates both sides trust as anchors.
    pub trusted: &'static [&'static str],
}

/// One certificate, fully described.
#[derive(Clone, Copy, Debug)]
pub struct CertSpec {
    /// Id within the profile ("root", "intermediate", "server", "client", ...), used by
    /// `issuer` and the [`ChainSpec`] lists.
    pub id: &'static str,
    /// Which key fixture holds the subject's key pair (of the profile's key type).
    pub key: KeyRole,
    /// Subject DN, in order. `{profile}` in a value is replaced by the profile name.
    pub subject: &'static [(DnAttr, &'static str)],
    /// Serial number, big-endian magnitude (encoded as a positive INTEGER).
    pub serial: &'static [u8],
    pub validity: Validity,
    /// subjectAltName entries; empty = no SAN extension.
    pub sans: &'static [San],
    pub basic_constraints: Basic,
    /// keyUsage bits; empty = no KU extension (written critical when present).
    pub key_usage: &'static [KeyUsage],
    /// extKeyUsage purposes; empty = no EKU extension.
    pub ext_key_usage: &'static [ExtKeyUsage],
    /// Extra extensions, written verbatim after the standard ones (may duplicate one).
    pub extensions: &'static [Extension],
    /// Id of the issuing certificate (its subject becomes our issuer name); our own id means
    /// self-signed.
    pub issuer: &'static str,
    /// Sign with this key instead of the issuer's (e.g. "signed by the wrong key").
    pub signing_key: Option<KeyRole>,
    /// Signature algorithm; must fit the signing key.
    pub signature: SigAlg,
    /// Write an authorityKeyIdentifier (derived from the signing key).
    pub authority_key_id: bool,
    /// Changes applied to the DER after signing, in order.
    pub tamper: &'static [Tamper],
    /// Subject key from an extra fixture (`fixtures/keys/<odd>.key.pem`) instead of `key`:
    /// a key of a size or curve the profile's key type does not have (RSA-1024, secp256k1).
    pub odd_key: Option<OddKey>,
    /// Changes to the to-be-signed certificate that neither rcgen nor a correct CA makes
    /// (v1, a negative serial, GeneralizedTime before 2050, a duplicate extension, ...),
    /// applied before signing: the signature over the edited certificate is valid.
    pub edits: &'static [Edit],
}

/// Keys outside the (key type, role) grid, for profiles about the key itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OddKey {
    /// RSA with a 1024-bit modulus.
    Rsa1024,
    /// ECDSA on secp256k1, a curve TLS does not use for certificates.
    Secp256k1,
}

impl OddKey {
    pub const ALL: [OddKey; 2] = [OddKey::Rsa1024, OddKey::Secp256k1];

    pub fn as_str(self) -> &'static str {
        match self {
            OddKey::Rsa1024 => "rsa1024",
            OddKey::Secp256k1 => "secp256k1",
        }
    }
}

/// Edits of the to-be-signed certificate, made before signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Make it an X.509 v1 certificate: drop the version field and the extensions.
    Version1,
    /// Replace the content octets of the serialNumber INTEGER (may be negative or empty).
    SerialContent(&'static [u8]),
    /// Encode notBefore / notAfter as GeneralizedTime even before 2050.
    GeneralizedTimeValidity,
    /// Repeat the extension with this OID right after itself.
    DuplicateExtension(&'static [u64]),
    /// Set or clear the critical flag of the extension with this OID.
    SetCritical(&'static [u64], bool),
}

/// Hash functions, for signatures made outside rcgen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// RSASSA-PSS parameters as written in the AlgorithmIdentifier (RFC 4055 3.1); the signature
/// itself is made with `hash`, MGF1 with `hash`, and `salt_len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pss {
    pub hash: Hash,
    pub salt_len: u32,
    /// `Some(n)`: write trailerField n (RFC 4055: MUST be 1, and signers MUST omit it).
    pub trailer_field: Option<u32>,
    /// Write the AlgorithmIdentifier without parameters (RFC 4055: MUST be present).
    pub omit_params: bool,
}

/// Which key fixture a certificate uses; file `fixtures/keys/<key_type>-<role>.key.pem`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyRole {
    Root,
    Intermediate,
    Server,
    Client,
    /// A key no good chain uses: for "unknown root", "signed by the wrong key", ...
    Rogue,
}

impl KeyRole {
    pub const ALL: [KeyRole; 5] = [
        KeyRole::Root,
        KeyRole::Intermediate,
        KeyRole::Server,
        KeyRole::Client,
        KeyRole::Rogue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Root => "root",
            KeyRole::Intermediate => "intermediate",
            KeyRole::Server => "server",
            KeyRole::Client => "client",
            KeyRole::Rogue => "rogue",
        }
    }
}

impl std::fmt::Display for KeyRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Distinguished name attribute types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnAttr {
    CommonName,
    Organization,
    OrganizationalUnit,
    Country,
    StateOrProvince,
    Locality,
}

/// notBefore / notAfter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// A subjectAltName entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum San {
    Dns(&'static str),
    Ip(IpAddr),
    Email(&'static str),
    Uri(&'static str),
}

/// basicConstraints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basic {
    /// No basicConstraints extension.
    Absent,
    /// Present (critical) with cA FALSE.
    NotCa,
    /// Present (critical) with cA TRUE and an optional pathLenConstraint.
    Ca { path_len: Option<u8> },
}

/// keyUsage bits (RFC 5280 4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUsage {
    DigitalSignature,
    ContentCommitment,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
}

/// extKeyUsage purposes (RFC 5280 4.2.1.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtKeyUsage {
    Any,
    ServerAuth,
    ClientAuth,
    CodeSigning,
    EmailProtection,
    TimeStamping,
    OcspSigning,
    /// Any other purpose, by OID arcs.
    Other(&'static [u64]),
}

/// An arbitrary extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension {
    /// OID arcs, e.g. `&[2, 5, 29, 17]`.
    pub oid: &'static [u64],
    pub critical: bool,
    /// DER of the extension value (the content of extnValue's OCTET STRING).
    pub value: &'static [u8],
}

/// Signature algorithm used to sign a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigAlg {
    /// The natural one for the signing key: ECDSA P-256/SHA-256, P-384/SHA-384,
    /// sha256WithRSAEncryption, Ed25519.
    Default,
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    EcdsaP256Sha256,
    EcdsaP384Sha384,
    Ed25519,
    /// sha1WithRSAEncryption (made with OpenSSL).
    RsaPkcs1Sha1,
    /// ecdsa-with-SHA1 (made with OpenSSL).
    EcdsaSha1,
    /// id-ecdsa-with-sha3-256 (made with OpenSSL).
    EcdsaSha3_256,
    /// RSASSA-PSS with the parameters given (made with OpenSSL).
    RsaPss(Pss),
}

impl SigAlg {
    /// Whether rcgen can make this signature itself.
    pub(crate) fn rcgen_native(self) -> bool {
        !matches!(
            self,
            SigAlg::RsaPkcs1Sha1 | SigAlg::EcdsaSha1 | SigAlg::EcdsaSha3_256 | SigAlg::RsaPss(_)
        )
    }
}

/// Post-signing changes to a certificate's DER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// XOR the last byte of the certificate (the last byte of the signature value) with 0x01.
    FlipLastSignatureByte,
}
