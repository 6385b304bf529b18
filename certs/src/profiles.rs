//! The profile table. Good profiles first (one per key type), then bad ones.
//!
//! To add a bad profile: add an entry to [`PROFILES`], normally the standard chain
//! ([`standard_chain`] shape: root -> intermediate -> server / client) with one certificate
//! changed through struct update syntax, and say in `breaks` which rule it violates.

use std::net::{IpAddr, Ipv4Addr};

use time::macros::datetime;

use crate::KeyType;
use crate::spec::{
    Basic, CertSpec, ChainSpec, DnAttr, Edit, ExtKeyUsage, Extension, Hash, KeyRole, KeyUsage,
    OddKey, Profile, Pss, San, SigAlg, Tamper, Validity,
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
    odd_key: None,
    edits: &[],
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

/// A CA beside the intermediate, issued by the root, that only the server chain uses, so a profile can break the server's CA and keep the client chain good.
pub const SERVER_CA: CertSpec = CertSpec {
    id: "server_ca",
    subject: &[(DnAttr::CommonName, "Harness Server CA {profile}"), ORG],
    serial: &[0x10, 0x05],
    ..INTERMEDIATE
};

/// The server leaf issued by [`SERVER_CA`].
pub const SERVER_VIA_CA: CertSpec = CertSpec {
    issuer: "server_ca",
    ..SERVER
};

/// The same for the client side: [`CLIENT_CA`] and [`CLIENT_VIA_CA`].
pub const CLIENT_CA: CertSpec = CertSpec {
    id: "client_ca",
    subject: &[(DnAttr::CommonName, "Harness Client CA {profile}"), ORG],
    serial: &[0x10, 0x06],
    ..INTERMEDIATE
};

pub const CLIENT_VIA_CA: CertSpec = CertSpec {
    issuer: "client_ca",
    ..CLIENT
};

/// root -> server_ca -> server (sent: server, server_ca); root -> intermediate -> client.
pub const fn server_ca_chain(certs: &'static [CertSpec]) -> ChainSpec {
    ChainSpec {
        certs,
        server_chain: &["server", "server_ca"],
        client_chain: &["client", "intermediate"],
        trusted: &["root"],
    }
}

/// root -> intermediate -> server; root -> client_ca -> client (sent: client, client_ca).
pub const fn client_ca_chain(certs: &'static [CertSpec]) -> ChainSpec {
    ChainSpec {
        certs,
        server_chain: &["server", "intermediate"],
        client_chain: &["client", "client_ca"],
        trusted: &["root"],
    }
}

/// A chain with explicit lists.
pub const fn chain(
    certs: &'static [CertSpec],
    server_chain: &'static [&'static str],
    client_chain: &'static [&'static str],
) -> ChainSpec {
    ChainSpec {
        certs,
        server_chain,
        client_chain,
        trusted: &["root"],
    }
}

const EXPIRED: Validity = Validity {
    not_before: datetime!(2025-01-01 0:00 UTC),
    not_after: datetime!(2025-01-02 0:00 UTC),
};

const NOT_YET_VALID: Validity = Validity {
    not_before: datetime!(2044-01-01 0:00 UTC),
    not_after: datetime!(2045-01-01 0:00 UTC),
};

const OID_SAN: &[u64] = &[2, 5, 29, 17];
const OID_NAME_CONSTRAINTS: &[u64] = &[2, 5, 29, 30];
/// An OID under a private enterprise arc no verifier knows.
const OID_UNKNOWN: &[u64] = &[1, 3, 6, 1, 4, 1, 55_555, 1, 1];

const UNKNOWN_CRITICAL: Extension = Extension {
    oid: OID_UNKNOWN,
    critical: true,
    value: &[0x05, 0x00],
};

/// A root with the rogue key: an anchor nobody trusts.
const ROGUE_ROOT: CertSpec = CertSpec {
    id: "rogue_root",
    key: KeyRole::Rogue,
    subject: &[(DnAttr::CommonName, "Rogue Root CA {profile}"), ORG],
    serial: &[0x66, 0x01],
    issuer: "rogue_root",
    ..ROOT
};

/// An intermediate under the rogue root (intermediate key; not trusted).
const ROGUE_INTERMEDIATE: CertSpec = CertSpec {
    id: "rogue_intermediate",
    subject: &[(DnAttr::CommonName, "Rogue Intermediate CA {profile}"), ORG],
    serial: &[0x66, 0x02],
    issuer: "rogue_root",
    ..INTERMEDIATE
};

const PSS_SHA256: Pss = Pss {
    hash: Hash::Sha256,
    salt_len: 32,
    trailer_field: None,
    omit_params: false,
};

/// The server leaf with one field changed, on the standard P-256 chain.
macro_rules! p256_server {
    ($name:literal, $desc:literal, $breaks:literal, $($field:ident : $value:expr),+ $(,)?) => {
        Profile {
            name: $name,
            description: $desc,
            breaks: Some($breaks),
            key_type: KeyType::EcdsaP256,
            chain: standard_chain(&[
                ROOT,
                INTERMEDIATE,
                CertSpec { $($field: $value,)+ ..SERVER },
                CLIENT,
            ]),
        }
    };
}

/// The client leaf with one field changed, on the standard P-256 chain.
macro_rules! p256_client {
    ($name:literal, $desc:literal, $breaks:literal, $($field:ident : $value:expr),+ $(,)?) => {
        Profile {
            name: $name,
            description: $desc,
            breaks: Some($breaks),
            key_type: KeyType::EcdsaP256,
            chain: standard_chain(&[
                ROOT,
                INTERMEDIATE,
                SERVER,
                CertSpec { $($field: $value,)+ ..CLIENT },
            ]),
        }
    };
}

/// The server's CA changed (root -> server_ca -> server), P-256.
macro_rules! p256_server_ca {
    ($name:literal, $desc:literal, $breaks:literal, $($field:ident : $value:expr),+ $(,)?) => {
        Profile {
            name: $name,
            description: $desc,
            breaks: Some($breaks),
            key_type: KeyType::EcdsaP256,
            chain: server_ca_chain(&[
                ROOT,
                INTERMEDIATE,
                CertSpec { $($field: $value,)+ ..SERVER_CA },
                SERVER_VIA_CA,
                CLIENT,
            ]),
        }
    };
}

/// The client's CA changed (root -> client_ca -> client), P-256.
macro_rules! p256_client_ca {
    ($name:literal, $desc:literal, $breaks:literal, $($field:ident : $value:expr),+ $(,)?) => {
        Profile {
            name: $name,
            description: $desc,
            breaks: Some($breaks),
            key_type: KeyType::EcdsaP256,
            chain: client_ca_chain(&[
                ROOT,
                INTERMEDIATE,
                SERVER,
                CertSpec { $($field: $value,)+ ..CLIENT_CA },
                CLIENT_VIA_CA,
            ]),
        }
    };
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
    p256_server!(
        "not_yet_valid",
        "Server leaf valid only from 2044-01-01",
        "RFC 5280 6.1.3 (a)(2): the certificate validity period (4.1.2.5) must include the \
         current time",
        validity: NOT_YET_VALID,
    ),
    p256_server_ca!(
        "expired_intermediate",
        "The server's CA certificate expired on 2025-01-02 (leaf valid)",
        "RFC 5280 6.1.3 (a)(2): the validity period of every certificate in the path must \
         include the current time",
        validity: EXPIRED,
    ),
    p256_server_ca!(
        "not_yet_valid_intermediate",
        "The server's CA certificate is valid only from 2044-01-01 (leaf valid)",
        "RFC 5280 6.1.3 (a)(2): the validity period of every certificate in the path must \
         include the current time",
        validity: NOT_YET_VALID,
    ),
    p256_server!(
        "impersonation",
        "A valid certificate from the trusted root for another host (attacker.example), with \
         the attacker's own key: the classic man in the middle",
        "RFC 6125 6.4.1 (RFC 9525 6.3): the DNS-ID must match the reference identity \
         (localhost); a valid chain alone does not authenticate the server",
        key: KeyRole::Rogue,
        subject: &[(DnAttr::CommonName, "attacker.example"), ORG],
        sans: &[San::Dns("attacker.example")],
    ),
    p256_server!(
        "cn_only_no_san",
        "Server leaf names localhost only in the subject CN; no subjectAltName",
        "RFC 9525 6.3 (CN-IDs are not used; RFC 6125 6.4.4 allowed a CN fallback as a last \
         resort) and CABF BR 7.1.4.3 / 7.1.2.7.12 (subjectAltName required)",
        sans: &[],
    ),
    p256_server!(
        "ip_in_dns_san",
        "Server leaf carries 127.0.0.1 as a dNSName, not as an iPAddress (reference: IP \
         127.0.0.1)",
        "RFC 6125 6.2.1 / RFC 9525 6.2: an IP reference identity matches only an iPAddress \
         SAN; RFC 5280 4.2.1.6: dNSName is in preferred name syntax",
        subject: &[(DnAttr::CommonName, "ip in dns san"), ORG],
        sans: &[San::Dns("127.0.0.1")],
    ),
    p256_server!(
        "ip_san_for_dns_reference",
        "Server leaf has only the iPAddress SAN 127.0.0.1; the client asks for localhost",
        "RFC 6125 6.4 / RFC 9525 6.3: a DNS reference identity matches only a DNS-ID",
        subject: &[(DnAttr::CommonName, "ip only"), ORG],
        sans: &[San::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST))],
    ),
    p256_server!(
        "dns_in_ip_san",
        "Server leaf's only SAN is an iPAddress whose octets are the text \"localhost\"",
        "RFC 5280 4.2.1.6: an iPAddress holds exactly four (IPv4) or sixteen (IPv6) octets",
        subject: &[(DnAttr::CommonName, "dns in ip san"), ORG],
        sans: &[],
        extensions: &[Extension {
            oid: OID_SAN,
            critical: false,
            // SEQUENCE { [7] "localhost" }
            value: &[
                0x30, 0x0b, 0x87, 0x09, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't',
            ],
        }],
    ),
    p256_server!(
        "wildcard_two_labels",
        "Server leaf SAN *.*.harness.example (reference: a.b.harness.example)",
        "RFC 6125 6.4.3 (1) / RFC 9525 6.3: the wildcard may only be the complete left-most \
         label; CABF BR 3.2.2.6",
        subject: &[(DnAttr::CommonName, "wildcard"), ORG],
        sans: &[San::Dns("*.*.harness.example")],
    ),
    p256_server!(
        "wildcard_tld",
        "Server leaf SAN *.com (reference: example.com)",
        "RFC 6125 7.2 / RFC 9525 6.3 and CABF BR 3.2.2.6: no wildcard directly under a public \
         suffix, and *.com does not match example.com (one label only)",
        subject: &[(DnAttr::CommonName, "wildcard"), ORG],
        sans: &[San::Dns("*.com")],
    ),
    p256_server!(
        "wildcard_partial",
        "Server leaf SAN f*.harness.example (reference: foo.harness.example)",
        "RFC 9525 6.3: the wildcard must be the complete left-most label (RFC 6125 6.4.3 (3) \
         still allowed partial wildcards: MAY); CABF BR 3.2.2.6",
        subject: &[(DnAttr::CommonName, "wildcard"), ORG],
        sans: &[San::Dns("f*.harness.example")],
    ),
    p256_server!(
        "wildcard_in_ip",
        "Server leaf SAN dNSName 127.0.0.* (reference: IP 127.0.0.1)",
        "RFC 6125 6.2.1 / RFC 9525 6.3: wildcards exist only in DNS-IDs, an IP reference \
         identity matches only an iPAddress SAN",
        subject: &[(DnAttr::CommonName, "wildcard"), ORG],
        sans: &[San::Dns("127.0.0.*")],
    ),
    p256_server!(
        "wildcard_multi_label",
        "Server leaf SAN *.harness.example (reference: a.b.harness.example)",
        "RFC 6125 6.4.3 (2) / RFC 9525 6.3: a wildcard matches exactly one label",
        subject: &[(DnAttr::CommonName, "wildcard"), ORG],
        sans: &[San::Dns("*.harness.example")],
    ),
    Profile {
        name: "self_signed_leaf",
        description: "The server sends only a self-signed leaf for localhost",
        breaks: Some(
            "RFC 5280 6.1: the path must start at a trust anchor; a self-signed end entity is \
             not one",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                CertSpec {
                    issuer: "server",
                    authority_key_id: false,
                    ..SERVER
                },
                CLIENT,
            ],
            &["server"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "unknown_root",
        description: "Server chain leaf -> intermediate -> a root nobody trusts",
        breaks: Some("RFC 5280 6.1: the path must start at a trust anchor"),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                ROGUE_ROOT,
                ROGUE_INTERMEDIATE,
                CertSpec {
                    issuer: "rogue_intermediate",
                    ..SERVER
                },
                CLIENT,
            ],
            &["server", "rogue_intermediate"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "missing_intermediate",
        description: "The server sends its leaf without the intermediate",
        breaks: Some(
            "RFC 8446 4.4.2 / RFC 5246 7.4.2: the sender sends the chain up to (not including) \
             the trust anchor; RFC 5280 6.1: no path can be built",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[ROOT, INTERMEDIATE, SERVER, CLIENT],
            &["server"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "leaf_not_first",
        description: "The server sends its intermediate first (and signs with the \
                      intermediate's key), then the localhost leaf",
        breaks: Some("RFC 8446 4.4.2: the sender's certificate MUST come first in the list"),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[ROOT, INTERMEDIATE, SERVER, CLIENT],
            &["intermediate", "server"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "extra_unrelated_certs",
        description: "Leaf, intermediate, then two unrelated certificates (a rogue root, the \
                      client leaf): a verifier SHOULD tolerate them",
        breaks: Some(
            "RFC 8446 4.4.2: each following certificate SHOULD certify the one before \
             (sender rule); receivers SHOULD be prepared to handle extraneous certificates, \
             so this chain must still be accepted",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[ROOT, INTERMEDIATE, ROGUE_ROOT, SERVER, CLIENT],
            &["server", "intermediate", "rogue_root", "client"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "intermediates_reordered",
        description: "Leaf, then its two CAs in the wrong order (root -> intermediate -> \
                      server_ca -> leaf sent as leaf, intermediate, server_ca): a verifier \
                      SHOULD tolerate it",
        breaks: Some(
            "RFC 8446 4.4.2: each following certificate SHOULD certify the one before \
             (sender rule); receivers SHOULD handle arbitrary orderings except for the leaf, \
             so this chain must still be accepted",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                CertSpec {
                    basic_constraints: Basic::Ca { path_len: Some(1) },
                    ..INTERMEDIATE
                },
                CertSpec {
                    issuer: "intermediate",
                    ..SERVER_CA
                },
                SERVER_VIA_CA,
                CLIENT,
            ],
            &["server", "intermediate", "server_ca"],
            &["client", "intermediate"],
        ),
    },
    p256_server_ca!(
        "intermediate_ca_false",
        "The server's CA certificate has basicConstraints cA FALSE",
        "RFC 5280 4.2.1.9 and 6.1.4 (k): every intermediate must have basicConstraints with \
         cA TRUE",
        basic_constraints: Basic::NotCa,
    ),
    p256_server_ca!(
        "intermediate_no_basic_constraints",
        "The server's CA certificate (v3) has no basicConstraints",
        "RFC 5280 4.2.1.9 and 6.1.4 (k): a v3 intermediate without basicConstraints must not \
         verify certificate signatures",
        basic_constraints: Basic::Absent,
    ),
    Profile {
        name: "path_len_exceeded",
        description: "root -> intermediate (pathLenConstraint 0) -> server_ca -> leaf",
        breaks: Some(
            "RFC 5280 4.2.1.9 and 6.1.4 (l): pathLenConstraint 0 allows no further \
             intermediate",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                CertSpec {
                    issuer: "intermediate",
                    ..SERVER_CA
                },
                SERVER_VIA_CA,
                CLIENT,
            ],
            &["server", "server_ca", "intermediate"],
            &["client", "intermediate"],
        ),
    },
    Profile {
        name: "leaf_as_ca",
        description: "The localhost leaf is issued by another end-entity certificate (no \
                      basicConstraints, KU digitalSignature, EKU serverAuth)",
        breaks: Some(
            "RFC 5280 4.2.1.9 and 6.1.4 (k), (n): an end entity must not verify certificate \
             signatures",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                CertSpec {
                    id: "leaf_issuer",
                    key: KeyRole::Rogue,
                    subject: &[(DnAttr::CommonName, "leaf-issuer.localhost"), ORG],
                    sans: &[San::Dns("leaf-issuer.localhost")],
                    serial: &[0x10, 0x07],
                    ..SERVER
                },
                CertSpec {
                    issuer: "leaf_issuer",
                    ..SERVER
                },
                CLIENT,
            ],
            &["server", "leaf_issuer", "intermediate"],
            &["client", "intermediate"],
        ),
    },
    p256_server!(
        "ca_as_leaf",
        "The server leaf is a CA certificate (cA TRUE, KU keyCertSign + digitalSignature)",
        "CABF BR 7.1.2.7.8: a subscriber certificate has cA FALSE (RFC 5280 4.2.1.9 itself \
         does not forbid a CA key in a TLS server)",
        basic_constraints: Basic::Ca { path_len: None },
        key_usage: &[KeyUsage::DigitalSignature, KeyUsage::KeyCertSign],
    ),
    p256_server!(
        "eku_client_auth_only",
        "Server leaf with extKeyUsage clientAuth only",
        "RFC 5280 4.2.1.12: if the extension is present, the certificate MUST only be used for \
         one of the purposes indicated",
        ext_key_usage: &[ExtKeyUsage::ClientAuth],
    ),
    p256_server!(
        "eku_code_signing_only",
        "Server leaf with extKeyUsage codeSigning only",
        "RFC 5280 4.2.1.12: if the extension is present, the certificate MUST only be used for \
         one of the purposes indicated",
        ext_key_usage: &[ExtKeyUsage::CodeSigning],
    ),
    p256_server!(
        "ku_no_digital_signature",
        "ECDSA server leaf with keyUsage keyAgreement only",
        "RFC 8446 4.4.2.2: the digitalSignature bit MUST be set if the Key Usage extension is \
         present; RFC 5280 4.2.1.3",
        key_usage: &[KeyUsage::KeyAgreement],
    ),
    Profile {
        name: "ku_no_digital_signature_rsa",
        description: "RSA server leaf with keyUsage keyEncipherment only (an RSA key-transport \
                      certificate)",
        breaks: Some(
            "RFC 8446 4.4.2.2: the digitalSignature bit MUST be set if the Key Usage extension \
             is present; RFC 5280 4.2.1.3",
        ),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                key_usage: &[KeyUsage::KeyEncipherment],
                ..SERVER
            },
            CLIENT,
        ]),
    },
    p256_server_ca!(
        "intermediate_no_key_cert_sign",
        "The server's CA certificate has keyUsage digitalSignature + cRLSign, no keyCertSign",
        "RFC 5280 4.2.1.3 and 6.1.4 (n): a CA key usage without keyCertSign does not allow \
         certificate signatures",
        key_usage: &[KeyUsage::DigitalSignature, KeyUsage::CrlSign],
    ),
    p256_server_ca!(
        "name_constraints_dns_permitted",
        "The server's CA permits only DNS names under harness.example; the leaf is localhost",
        "RFC 5280 4.2.1.10 and 6.1.3 (b): every subjectAltName must lie within the permitted \
         subtrees",
        extensions: &[Extension {
            oid: OID_NAME_CONSTRAINTS,
            critical: true,
            // SEQUENCE { [0] { SEQUENCE { [2] "harness.example" } } }
            value: &[
                0x30, 0x15, 0xa0, 0x13, 0x30, 0x11, 0x82, 0x0f, b'h', b'a', b'r', b'n', b'e',
                b's', b's', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e',
            ],
        }],
    ),
    p256_server_ca!(
        "name_constraints_dns_excluded",
        "The server's CA excludes the DNS name localhost; the leaf is localhost",
        "RFC 5280 4.2.1.10 and 6.1.3 (c): no subjectAltName may lie within an excluded subtree",
        extensions: &[Extension {
            oid: OID_NAME_CONSTRAINTS,
            critical: true,
            // SEQUENCE { [1] { SEQUENCE { [2] "localhost" } } }
            value: &[
                0x30, 0x0f, 0xa1, 0x0d, 0x30, 0x0b, 0x82, 0x09, b'l', b'o', b'c', b'a', b'l',
                b'h', b'o', b's', b't',
            ],
        }],
    ),
    p256_server_ca!(
        "name_constraints_ip",
        "The server's CA permits only IP addresses in 10.0.0.0/8; the leaf has 127.0.0.1",
        "RFC 5280 4.2.1.10 and 6.1.3 (b): every iPAddress must lie within the permitted \
         subtrees",
        extensions: &[Extension {
            oid: OID_NAME_CONSTRAINTS,
            critical: true,
            // SEQUENCE { [0] { SEQUENCE { [7] 10.0.0.0 255.0.0.0 } } }
            value: &[
                0x30, 0x0e, 0xa0, 0x0c, 0x30, 0x0a, 0x87, 0x08, 10, 0, 0, 0, 255, 0, 0, 0,
            ],
        }],
    ),
    p256_server!(
        "unknown_critical_extension",
        "Server leaf with a critical extension of an unknown OID (1.3.6.1.4.1.55555.1.1)",
        "RFC 5280 4.2: a certificate-using system MUST reject the certificate if it encounters \
         a critical extension it does not recognize",
        extensions: &[UNKNOWN_CRITICAL],
    ),
    p256_server_ca!(
        "unknown_critical_extension_intermediate",
        "The server's CA has a critical extension of an unknown OID",
        "RFC 5280 4.2: a certificate-using system MUST reject the certificate if it encounters \
         a critical extension it does not recognize",
        extensions: &[UNKNOWN_CRITICAL],
    ),
    p256_server!(
        "tampered_signature",
        "Server leaf (ECDSA P-256) with one bit of its signature flipped",
        "RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify",
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    Profile {
        name: "tampered_signature_p384",
        description: "Server leaf (ECDSA P-384) with one bit of its signature flipped",
        breaks: Some("RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify"),
        key_type: KeyType::EcdsaP384,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                tamper: &[Tamper::FlipLastSignatureByte],
                ..SERVER
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "tampered_signature_rsa2048",
        description: "Server leaf (RSA 2048, PKCS#1 v1.5) with one bit of its signature flipped",
        breaks: Some("RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify"),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                tamper: &[Tamper::FlipLastSignatureByte],
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "tampered_signature_ed25519",
        description: "Server leaf (Ed25519) with one bit of its signature flipped",
        breaks: Some("RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify"),
        key_type: KeyType::Ed25519,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                tamper: &[Tamper::FlipLastSignatureByte],
                ..SERVER
            },
            CLIENT,
        ]),
    },
    p256_server_ca!(
        "tampered_intermediate_signature",
        "The server's CA certificate with one bit of its signature flipped",
        "RFC 5280 6.1.3 (a)(1): the signature on every certificate of the path must verify",
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    p256_server!(
        "wrong_key_signature",
        "Server leaf naming the intermediate as issuer but signed by another key",
        "RFC 5280 6.1.3 (a)(1): the signature must verify with the issuer's public key",
        signing_key: Some(KeyRole::Rogue),
    ),
    Profile {
        name: "issuer_name_mismatch",
        description: "Server leaf signed by the intermediate's key but naming another issuer \
                      (Harness Shadow CA), which is nowhere to be found",
        breaks: Some(
            "RFC 5280 6.1.3 (a)(4): the certificate issuer name must be the working issuer \
             name (the subject of the certificate before it)",
        ),
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                id: "shadow",
                subject: &[(DnAttr::CommonName, "Harness Shadow CA {profile}"), ORG],
                serial: &[0x10, 0x08],
                ..INTERMEDIATE
            },
            CertSpec {
                issuer: "shadow",
                ..SERVER
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "sha1_signature",
        description: "Server leaf (RSA) signed with sha1WithRSAEncryption",
        breaks: Some(
            "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
             (bad_certificate); CABF BR 7.1.3.2.1",
        ),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                signature: SigAlg::RsaPkcs1Sha1,
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    p256_server!(
        "sha1_signature_ecdsa",
        "Server leaf (P-256) signed with ecdsa-with-SHA1",
        "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
         (bad_certificate); CABF BR 7.1.3.2.2",
        signature: SigAlg::EcdsaSha1,
    ),
    Profile {
        name: "rsa1024_intermediate",
        description: "The server's CA has an RSA-1024 key (it signs an RSA-2048 leaf)",
        breaks: Some(
            "CABF BR 6.1.5: RSA moduli of at least 2048 bits; RFC 8446 4.4.2.2: a client that \
             cannot accept the chain aborts (by default unsupported_certificate)",
        ),
        key_type: KeyType::Rsa2048,
        chain: server_ca_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                odd_key: Some(OddKey::Rsa1024),
                ..SERVER_CA
            },
            CertSpec {
                issuer: "server_ca",
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "rsa1024_leaf",
        description: "Server leaf with an RSA-1024 key",
        breaks: Some(
            "CABF BR 6.1.5: RSA moduli of at least 2048 bits; RFC 8446 4.4.2.2: a client that \
             cannot accept the chain aborts (by default unsupported_certificate)",
        ),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                odd_key: Some(OddKey::Rsa1024),
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    p256_server_ca!(
        "secp256k1_intermediate",
        "P-256 leaf signed by a CA whose key is on secp256k1 (ecdsa-with-SHA256)",
        "CABF BR 6.1.5 (only P-256, P-384, P-521); RFC 8446 4.2.3: no TLS signature scheme \
         for secp256k1, so a client cannot accept the chain (4.4.2.2)",
        odd_key: Some(OddKey::Secp256k1),
    ),
    p256_server!(
        "sha3_signature",
        "P-256 leaf signed with id-ecdsa-with-sha3-256, an algorithm no TLS signature scheme \
         names",
        "RFC 8446 4.2.3 / 4.4.2.2: certificates must be signed with an algorithm the client \
         advertised; a client that cannot accept the chain aborts",
        signature: SigAlg::EcdsaSha3_256,
    ),
    Profile {
        name: "rsa_pss_bad_trailer",
        description: "RSA leaf signed with RSASSA-PSS whose parameters carry trailerField 2",
        breaks: Some("RFC 4055 3.1: the trailerField value MUST be 1, and signers MUST omit it"),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                signature: SigAlg::RsaPss(Pss {
                    trailer_field: Some(2),
                    ..PSS_SHA256
                }),
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    Profile {
        name: "rsa_pss_no_params",
        description: "RSA leaf signed with RSASSA-PSS, the AlgorithmIdentifier without \
                      parameters",
        breaks: Some(
            "RFC 4055 3.1: the parameters MUST be present when used in the algorithm \
             identifier associated with a signature value",
        ),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            CertSpec {
                signature: SigAlg::RsaPss(Pss {
                    omit_params: true,
                    ..PSS_SHA256
                }),
                ..SERVER_RSA
            },
            CLIENT,
        ]),
    },
    p256_server!(
        "duplicate_extension",
        "Server leaf with its subjectAltName extension twice",
        "RFC 5280 4.2: a certificate MUST NOT include more than one instance of a particular \
         extension",
        edits: &[Edit::DuplicateExtension(OID_SAN)],
    ),
    p256_server!(
        "serial_negative",
        "Server leaf with serial number -255",
        "RFC 5280 4.1.2.2: the serial number MUST be a positive integer (users SHOULD be \
         prepared to handle non-conforming ones gracefully)",
        edits: &[Edit::SerialContent(&[0xff, 0x01])],
    ),
    p256_server!(
        "serial_zero",
        "Server leaf with serial number 0",
        "RFC 5280 4.1.2.2: the serial number MUST be a positive integer (users SHOULD be \
         prepared to handle non-conforming ones gracefully)",
        edits: &[Edit::SerialContent(&[0x00])],
    ),
    p256_server!(
        "serial_zero_length",
        "Server leaf whose serialNumber INTEGER has no content octets",
        "X.690 8.3.1: an INTEGER has one or more content octets (not DER); RFC 5280 4.1.2.2",
        edits: &[Edit::SerialContent(&[])],
    ),
    p256_server_ca!(
        "v1_intermediate",
        "The server's CA is an X.509 version 1 certificate (no extensions)",
        "RFC 5280 6.1.4 (k): a version 1 or 2 intermediate MUST be verified as a CA out of \
         band or rejected",
        edits: &[Edit::Version1],
    ),
    p256_server!(
        "v1_leaf",
        "Server leaf is an X.509 version 1 certificate (no extensions, so no SAN)",
        "RFC 8446 4.4.2.2: the certificate type MUST be X.509v3",
        edits: &[Edit::Version1],
    ),
    p256_server!(
        "generalized_time_before_2050",
        "Server leaf validity 2025..2045 encoded as GeneralizedTime",
        "RFC 5280 4.1.2.5: validity dates through the year 2049 MUST be encoded as UTCTime",
        edits: &[Edit::GeneralizedTimeValidity],
    ),
    p256_server!(
        "empty_subject_noncritical_san",
        "Server leaf with an empty subject and a non-critical subjectAltName",
        "RFC 5280 4.2.1.6: with an empty subject the subjectAltName extension MUST be critical",
        subject: &[],
        edits: &[Edit::SetCritical(OID_SAN, false)],
    ),
    // ---- bad client certificates (the server chain is good) --------------------------------
    p256_client!(
        "client_expired",
        "Client leaf expired on 2025-01-02",
        "RFC 5280 6.1.3 (a)(2): the certificate validity period must include the current time",
        validity: EXPIRED,
    ),
    p256_client!(
        "client_not_yet_valid",
        "Client leaf valid only from 2044-01-01",
        "RFC 5280 6.1.3 (a)(2): the certificate validity period must include the current time",
        validity: NOT_YET_VALID,
    ),
    Profile {
        name: "client_unknown_root",
        description: "Client chain leaf -> intermediate -> a root nobody trusts",
        breaks: Some("RFC 5280 6.1: the path must start at a trust anchor"),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                SERVER,
                ROGUE_ROOT,
                ROGUE_INTERMEDIATE,
                CertSpec {
                    issuer: "rogue_intermediate",
                    ..CLIENT
                },
            ],
            &["server", "intermediate"],
            &["client", "rogue_intermediate"],
        ),
    },
    Profile {
        name: "client_self_signed",
        description: "The client sends only a self-signed leaf",
        breaks: Some("RFC 5280 6.1: the path must start at a trust anchor"),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                SERVER,
                CertSpec {
                    issuer: "client",
                    authority_key_id: false,
                    ..CLIENT
                },
            ],
            &["server", "intermediate"],
            &["client"],
        ),
    },
    Profile {
        name: "client_missing_intermediate",
        description: "The client sends its leaf without the intermediate",
        breaks: Some("RFC 8446 4.4.2 / RFC 5280 6.1: no path to the trust anchor can be built"),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[ROOT, INTERMEDIATE, SERVER, CLIENT],
            &["server", "intermediate"],
            &["client"],
        ),
    },
    p256_client!(
        "client_eku_server_auth_only",
        "Client leaf with extKeyUsage serverAuth only",
        "RFC 5280 4.2.1.12: if the extension is present, the certificate MUST only be used for \
         one of the purposes indicated",
        ext_key_usage: &[ExtKeyUsage::ServerAuth],
    ),
    p256_client!(
        "client_tampered_signature",
        "Client leaf with one bit of its signature flipped",
        "RFC 5280 6.1.3 (a)(1): the signature on the certificate must verify",
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    p256_client!(
        "client_wrong_key_signature",
        "Client leaf naming the intermediate as issuer but signed by another key",
        "RFC 5280 6.1.3 (a)(1): the signature must verify with the issuer's public key",
        signing_key: Some(KeyRole::Rogue),
    ),
    p256_client_ca!(
        "client_intermediate_ca_false",
        "The client's CA certificate has basicConstraints cA FALSE",
        "RFC 5280 4.2.1.9 and 6.1.4 (k): every intermediate must have basicConstraints with \
         cA TRUE",
        basic_constraints: Basic::NotCa,
    ),
    p256_client!(
        "client_unknown_critical_extension",
        "Client leaf with a critical extension of an unknown OID",
        "RFC 5280 4.2: a certificate-using system MUST reject the certificate if it encounters \
         a critical extension it does not recognize",
        extensions: &[UNKNOWN_CRITICAL],
    ),
    Profile {
        name: "client_sha1_signature",
        description: "Client leaf (RSA) signed with sha1WithRSAEncryption",
        breaks: Some(
            "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
             (bad_certificate)",
        ),
        key_type: KeyType::Rsa2048,
        chain: standard_chain(&[
            ROOT,
            INTERMEDIATE,
            SERVER_RSA,
            CertSpec {
                signature: SigAlg::RsaPkcs1Sha1,
                ..CLIENT
            },
        ]),
    },
    p256_client_ca!(
        "client_v1_intermediate",
        "The client's CA is an X.509 version 1 certificate",
        "RFC 5280 6.1.4 (k): a version 1 or 2 intermediate MUST be verified as a CA out of \
         band or rejected",
        edits: &[Edit::Version1],
    ),
    Profile {
        name: "client_path_len_exceeded",
        description: "Client chain root -> intermediate (pathLenConstraint 0) -> client_ca -> \
                      client",
        breaks: Some(
            "RFC 5280 4.2.1.9 and 6.1.4 (l): pathLenConstraint 0 allows no further \
             intermediate",
        ),
        key_type: KeyType::EcdsaP256,
        chain: chain(
            &[
                ROOT,
                INTERMEDIATE,
                SERVER,
                CertSpec {
                    issuer: "intermediate",
                    ..CLIENT_CA
                },
                CLIENT_VIA_CA,
            ],
            &["server", "intermediate"],
            &["client", "client_ca", "intermediate"],
        ),
    },
    p256_client!(
        "client_ku_no_digital_signature",
        "ECDSA client leaf with keyUsage keyAgreement only",
        "RFC 5280 4.2.1.3: the key may only be used as keyUsage says; the client signs \
         CertificateVerify with it",
        key_usage: &[KeyUsage::KeyAgreement],
    ),
    Profile {
        name: "client_rsa1024_intermediate",
        description: "The client's CA has an RSA-1024 key",
        breaks: Some("CABF BR 6.1.5: RSA moduli of at least 2048 bits"),
        key_type: KeyType::Rsa2048,
        chain: client_ca_chain(&[
            ROOT,
            INTERMEDIATE,
            SERVER_RSA,
            CertSpec {
                odd_key: Some(OddKey::Rsa1024),
                ..CLIENT_CA
            },
            CLIENT_VIA_CA,
        ]),
    },
    p256_client!(
        "client_empty_subject_noncritical_san",
        "Client leaf with an empty subject and a non-critical subjectAltName",
        "RFC 5280 4.2.1.6: with an empty subject the subjectAltName extension MUST be critical",
        subject: &[],
        edits: &[Edit::SetCritical(OID_SAN, false)],
    ),
];
