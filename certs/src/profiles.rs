//! The profile table. Good profiles first (one per key type), then bad ones.
//!
//! To add a bad profile: add an entry to [`PROFILES`], normally the standard chain
//! ([`standard_chain`] shape: root -> intermediate -> server / client) with one certificate
//! changed through struct update syntax, and say in `breaks` which rule it violates.

use std::net::{IpAddr, Ipv4Addr};

use time::macros::datetime;

use crate::KeyType;
use crate::spec::{
    Basic, CertSpec, ChainSpec, DnAttr, ExtKeyUsage, KeyRole, KeyUsage, Profile, San, SigAlg,
    Validity,
};

/// The validity of every good certificate: 2025-01-01 .. 2045-01-01.
pub const VALIDITY: Validity = Validity {
    not_before: datetime!(2025-01-01 0:00 UTC),
    not_after: datetime!(2045-01-01 0:00 UTC),
};

const ORG: (DnAttr, &str) = (DnAttr::Organization, "tls-harness");

/// Root CA: self-signed, CA:true (critical), KU keyCertSign + cRLSign.
pub const ROOT: CertSpec = CertSpec {
    id: "root",
    key: KeyRole::Root,
    subject: &[(DnAttr::CommonName, "Harness Root CA {profile}"), ORG],
    serial: &[0x10, 0x01],
    validity: VALIDITY,
    sans: &[],
    basic_constraints: Basic::Ca { path_len: None },
    key_usage: &[KeyUsage::KeyCertSign, KeyUsage::CrlSign],
    ext_key_usage: &[],
    extensions: &[],
    issuer: "root",
    signing_key: None,
    signature: SigAlg::Default,
    authority_key_id: false,
    tamper: &[],
};

/// Intermediate CA: signed by the root, CA:true pathlen 0.
pub const INTERMEDIATE: CertSpec = CertSpec {
    id: "intermediate",
    key: KeyRole::Intermediate,
    subject: &[
        (DnAttr::CommonName, "Harness Intermediate CA {profile}"),
        ORG,
    ],
    serial: &[0x10, 0x02],
    basic_constraints: Basic::Ca { path_len: Some(0) },
    issuer: "root",
    authority_key_id: true,
    ..ROOT
};

/// Server leaf: SAN localhost + 127.0.0.1, EKU serverAuth, KU digitalSignature.
pub const SERVER: CertSpec = CertSpec {
    id: "server",
    key: KeyRole::Server,
    subject: &[(DnAttr::CommonName, "localhost"), ORG],
    serial: &[0x10, 0x03],
    sans: &[
        San::Dns("localhost"),
        San::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    ],
    basic_constraints: Basic::Absent,
    key_usage: &[KeyUsage::DigitalSignature],
    ext_key_usage: &[ExtKeyUsage::ServerAuth],
    issuer: "intermediate",
    ..INTERMEDIATE
};

/// Server leaf for RSA keys: KU digitalSignature + keyEncipherment.
pub const SERVER_RSA: CertSpec = CertSpec {
    key_usage: &[KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
    ..SERVER
};

/// Client leaf: SAN client.localhost, EKU clientAuth, KU digitalSignature.
pub const CLIENT: CertSpec = CertSpec {
    id: "client",
    key: KeyRole::Client,
    subject: &[(DnAttr::CommonName, "client.localhost"), ORG],
    serial: &[0x10, 0x04],
    sans: &[San::Dns("client.localhost")],
    ext_key_usage: &[ExtKeyUsage::ClientAuth],
    ..SERVER
};

/// root -> intermediate -> {server, client}; each side sends leaf + intermediate; root trusted.
pub const fn standard_chain(certs: &'static [CertSpec]) -> ChainSpec {
    ChainSpec {
        certs,
        server_chain: &["server", "intermediate"],
        client_chain: &["client", "intermediate"],
        trusted: &["root"],
    }
}

pub static PROFILES: &[Profile] = &[
    // ---- good: one per key type --------------------------------------------------------
    Profile {
        name: "ecdsa_p256",
        description: "Good chain root -> intermediate -> leaf, ECDSA P-256 keys, ecdsa-with-SHA256",
        breaks: None,
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
    Profile {
        name: "ecdsa_p384",
        description: "Good chain root -> intermediate -> leaf, ECDSA P-384 keys, ecdsa-with-SHA384",
        breaks: None,
        key_type: KeyType::EcdsaP384,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
    Profile {
        name: "rsa2048",
        description: "Good chain root -> intermediate -> leaf, RSA 2048 keys, sha256WithRSAEncryption",
        breaks: None,
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER_RSA, CLIENT]),
    },
    Profile {
        name: "ed25519",
        description: "Good chain root -> intermediate -> leaf, Ed25519 keys",
        breaks: None,
        key_type: KeyType::Ed25519,
        chain: standard_chain(&[ROOT, INTERMEDIATE, SERVER, CLIENT]),
    },
    // ---- bad ------------------------------------------------------------------------------
    Profile {
        name: "expired",
        description: "Server leaf expired on 2025-01-02 (otherwise the ecdsa_p256 chain)",
        breaks: Some(
            "RFC 5280 6.1.3 (a)(2): the certificate validity period (4.1.2.5) must include \
             the current time",
        ),
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                validity: Validity {
                    not_before: datetime!(2025-01-01 0:00 UTC),
                    not_after: datetime!(2025-01-02 0:00 UTC),
                },
                ..SERVER
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "name_mismatch",
        description: "Server leaf names only wrong.example (SAN and CN), not localhost / 127.0.0.1",
        breaks: Some(
            "RFC 6125 6.4 (RFC 9525 6.3), RFC 5280 4.2.1.6: the reference identity (localhost) \
             must match a DNS-ID in the subjectAltName",
        ),
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                subject: &[(DnAttr::CommonName, "wrong.example"), ORG],
                sans: &[San::Dns("wrong.example")],
                ..SERVER
            },
            CLIENT,
        ]),
    },
];
