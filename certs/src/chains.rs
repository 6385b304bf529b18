//! The certificates every profile starts from (root, intermediate, server and client
//! leaves, the extra CAs and rogue anchors) and the chain shapes that join them; the
//! profile table in `profiles` changes one of them at a time.

use std::net::{IpAddr, Ipv4Addr};

use time::macros::datetime;

use crate::spec::{
    Basic, CertSpec, ChainSpec, DnAttr, ExtKeyUsage, Extension, Hash, KeyRole, KeyUsage, Pss, San,
    SigAlg, Validity,
};

/// The validity of every good certificate: 2025-01-01 .. 2045-01-01.
pub const VALIDITY: Validity = Validity {
    not_before: datetime!(2025-01-01 0:00 UTC),
    not_after: datetime!(2045-01-01 0:00 UTC),
};

pub(crate) const ORG: (DnAttr, &str) = (DnAttr::Organization, "tls-harness");

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
    chain(
        certs,
        &["server", "intermediate"],
        &["client", "intermediate"],
    )
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
    chain(certs, &["server", "server_ca"], &["client", "intermediate"])
}

/// root -> intermediate -> server; root -> client_ca -> client (sent: client, client_ca).
pub const fn client_ca_chain(certs: &'static [CertSpec]) -> ChainSpec {
    chain(certs, &["server", "intermediate"], &["client", "client_ca"])
}

/// A chain with explicit lists of what each side sends; the root is the trust anchor.
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

pub(crate) const EXPIRED: Validity = Validity {
    not_before: datetime!(2025-01-01 0:00 UTC),
    not_after: datetime!(2025-01-02 0:00 UTC),
};

pub(crate) const NOT_YET_VALID: Validity = Validity {
    not_before: datetime!(2044-01-01 0:00 UTC),
    not_after: datetime!(2045-01-01 0:00 UTC),
};

pub(crate) const OID_SAN: &[u64] = &[2, 5, 29, 17];
pub(crate) const OID_NAME_CONSTRAINTS: &[u64] = &[2, 5, 29, 30];
/// An OID under a private enterprise arc no verifier knows.
pub(crate) const OID_UNKNOWN: &[u64] = &[1, 3, 6, 1, 4, 1, 55_555, 1, 1];

pub(crate) const UNKNOWN_CRITICAL: Extension = Extension {
    oid: OID_UNKNOWN,
    critical: true,
    value: &[0x05, 0x00],
};

/// A root with the rogue key: an anchor nobody trusts.
pub(crate) const ROGUE_ROOT: CertSpec = CertSpec {
    id: "rogue_root",
    key: KeyRole::Rogue,
    subject: &[(DnAttr::CommonName, "Rogue Root CA {profile}"), ORG],
    serial: &[0x66, 0x01],
    issuer: "rogue_root",
    ..ROOT
};

/// An intermediate under the rogue root (intermediate key; not trusted).
pub(crate) const ROGUE_INTERMEDIATE: CertSpec = CertSpec {
    id: "rogue_intermediate",
    subject: &[(DnAttr::CommonName, "Rogue Intermediate CA {profile}"), ORG],
    serial: &[0x66, 0x02],
    issuer: "rogue_root",
    ..INTERMEDIATE
};

pub(crate) const PSS_SHA256: Pss = Pss {
    hash: Hash::Sha256,
    salt_len: 32,
    trailer_field: None,
    omit_params: false,
};
