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
}

/// Post-signing changes to a certificate's DER.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// XOR the last byte of the certificate (the last byte of the signature value) with 0x01.
    FlipLastSignatureByte,
}
