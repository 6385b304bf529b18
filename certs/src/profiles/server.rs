//! Bad server certificate chains: the client under test must refuse each (or, where
//! `breaks` says so, accept it).

use std::net::{IpAddr, Ipv4Addr};

use super::{bad, rule};
use crate::KeyType;
use crate::chains::*;
use crate::spec::{
    Basic, CertSpec, DnAttr, Edit, ExtKeyUsage, Extension, KeyRole, KeyUsage, OddKey, Profile, Pss,
    San, SigAlg, Tamper,
};

pub(super) static BAD_SERVER: &[Profile] = &[
    p256_server!(
        "expired",
        "Server leaf expired on 2025-01-02 (otherwise the ecdsa_p256 chain)",
        rule::LEAF_VALIDITY,
        validity: EXPIRED,
    ),
    p256_server!(
        "name_mismatch",
        "Server leaf names only wrong.example (SAN and CN), not localhost / 127.0.0.1",
        "RFC 6125 6.4 (RFC 9525 6.3), RFC 5280 4.2.1.6: the reference identity (localhost) \
         must match a DNS-ID in the subjectAltName",
        subject: &[(DnAttr::CommonName, "wrong.example"), ORG],
        sans: &[San::Dns("wrong.example")],
    ),
    p256_server!(
        "not_yet_valid",
        "Server leaf valid only from 2044-01-01",
        rule::LEAF_VALIDITY,
        validity: NOT_YET_VALID,
    ),
    p256_server_ca!(
        "expired_intermediate",
        "The server's CA certificate expired on 2025-01-02 (leaf valid)",
        rule::PATH_VALIDITY,
        validity: EXPIRED,
    ),
    p256_server_ca!(
        "not_yet_valid_intermediate",
        "The server's CA certificate is valid only from 2044-01-01 (leaf valid)",
        rule::PATH_VALIDITY,
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
    bad(
        "self_signed_leaf",
        "The server sends only a self-signed leaf for localhost",
        "RFC 5280 6.1: the path must start at a trust anchor; a self-signed end entity is \
         not one",
        KeyType::EcdsaP256,
        chain(
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
    ),
    bad(
        "unknown_root",
        "Server chain leaf -> intermediate -> a root nobody trusts",
        rule::TRUST_ANCHOR,
        KeyType::EcdsaP256,
        chain(
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
    ),
    bad(
        "missing_intermediate",
        "The server sends its leaf without the intermediate",
        "RFC 8446 4.4.2 / RFC 5246 7.4.2: the sender sends the chain up to (not including) \
         the trust anchor; RFC 5280 6.1: no path can be built",
        KeyType::EcdsaP256,
        chain(
            &[ROOT, INTERMEDIATE, SERVER, CLIENT],
            &["server"],
            &["client", "intermediate"],
        ),
    ),
    bad(
        "leaf_not_first",
        "The server sends its intermediate first (and signs with the \
         intermediate's key), then the localhost leaf",
        "RFC 8446 4.4.2: the sender's certificate MUST come first in the list",
        KeyType::EcdsaP256,
        chain(
            &[ROOT, INTERMEDIATE, SERVER, CLIENT],
            &["intermediate", "server"],
            &["client", "intermediate"],
        ),
    ),
    bad(
        "extra_unrelated_certs",
        "Leaf, intermediate, then two unrelated certificates (a rogue root, the \
         client leaf): a verifier SHOULD tolerate them",
        "RFC 8446 4.4.2: each following certificate SHOULD certify the one before \
         (sender rule); receivers SHOULD be prepared to handle extraneous certificates, \
         so this chain must still be accepted",
        KeyType::EcdsaP256,
        chain(
            &[ROOT, INTERMEDIATE, ROGUE_ROOT, SERVER, CLIENT],
            &["server", "intermediate", "rogue_root", "client"],
            &["client", "intermediate"],
        ),
    ),
    bad(
        "intermediates_reordered",
        "Leaf, then its two CAs in the wrong order (root -> intermediate -> \
         server_ca -> leaf sent as leaf, intermediate, server_ca): a verifier \
         SHOULD tolerate it",
        "RFC 8446 4.4.2: each following certificate SHOULD certify the one before \
         (sender rule); receivers SHOULD handle arbitrary orderings except for the leaf, \
         so this chain must still be accepted",
        KeyType::EcdsaP256,
        chain(
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
    ),
    p256_server_ca!(
        "intermediate_ca_false",
        "The server's CA certificate has basicConstraints cA FALSE",
        rule::INTERMEDIATE_IS_CA,
        basic_constraints: Basic::NotCa,
    ),
    p256_server_ca!(
        "intermediate_no_basic_constraints",
        "The server's CA certificate (v3) has no basicConstraints",
        "RFC 5280 4.2.1.9 and 6.1.4 (k): a v3 intermediate without basicConstraints must not \
         verify certificate signatures",
        basic_constraints: Basic::Absent,
    ),
    bad(
        "path_len_exceeded",
        "root -> intermediate (pathLenConstraint 0) -> server_ca -> leaf",
        rule::PATH_LEN,
        KeyType::EcdsaP256,
        chain(
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
    ),
    bad(
        "leaf_as_ca",
        "The localhost leaf is issued by another end-entity certificate (no \
         basicConstraints, KU digitalSignature, EKU serverAuth)",
        "RFC 5280 4.2.1.9 and 6.1.4 (k), (n): an end entity must not verify certificate \
         signatures",
        KeyType::EcdsaP256,
        chain(
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
    ),
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
        rule::EKU_PURPOSE,
        ext_key_usage: &[ExtKeyUsage::ClientAuth],
    ),
    p256_server!(
        "eku_code_signing_only",
        "Server leaf with extKeyUsage codeSigning only",
        rule::EKU_PURPOSE,
        ext_key_usage: &[ExtKeyUsage::CodeSigning],
    ),
    p256_server!(
        "ku_no_digital_signature",
        "ECDSA server leaf with keyUsage keyAgreement only",
        rule::DIGITAL_SIGNATURE_BIT,
        key_usage: &[KeyUsage::KeyAgreement],
    ),
    server_leaf!(
        Rsa2048, SERVER,
        "ku_no_digital_signature_rsa",
        "RSA server leaf with keyUsage keyEncipherment only (an RSA key-transport \
         certificate)",
        rule::DIGITAL_SIGNATURE_BIT,
        key_usage: &[KeyUsage::KeyEncipherment],
    ),
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
        rule::UNKNOWN_CRITICAL_EXTENSION,
        extensions: &[UNKNOWN_CRITICAL],
    ),
    p256_server_ca!(
        "unknown_critical_extension_intermediate",
        "The server's CA has a critical extension of an unknown OID",
        rule::UNKNOWN_CRITICAL_EXTENSION,
        extensions: &[UNKNOWN_CRITICAL],
    ),
    p256_server!(
        "tampered_signature",
        "Server leaf (ECDSA P-256) with one bit of its signature flipped",
        rule::SIGNATURE_VERIFIES,
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    server_leaf!(
        EcdsaP384, SERVER,
        "tampered_signature_p384",
        "Server leaf (ECDSA P-384) with one bit of its signature flipped",
        rule::SIGNATURE_VERIFIES,
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    server_leaf!(
        Rsa2048, SERVER_RSA,
        "tampered_signature_rsa2048",
        "Server leaf (RSA 2048, PKCS#1 v1.5) with one bit of its signature flipped",
        rule::SIGNATURE_VERIFIES,
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    server_leaf!(
        Ed25519, SERVER,
        "tampered_signature_ed25519",
        "Server leaf (Ed25519) with one bit of its signature flipped",
        rule::SIGNATURE_VERIFIES,
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    p256_server_ca!(
        "tampered_intermediate_signature",
        "The server's CA certificate with one bit of its signature flipped",
        "RFC 5280 6.1.3 (a)(1): the signature on every certificate of the path must verify",
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    p256_server!(
        "wrong_key_signature",
        "Server leaf naming the intermediate as issuer but signed by another key",
        rule::ISSUER_KEY,
        signing_key: Some(KeyRole::Rogue),
    ),
    bad(
        "issuer_name_mismatch",
        "Server leaf signed by the intermediate's key but naming another issuer \
         (Harness Shadow CA), which is nowhere to be found",
        "RFC 5280 6.1.3 (a)(4): the certificate issuer name must be the working issuer \
         name (the subject of the certificate before it)",
        KeyType::EcdsaP256,
        standard_chain(&[
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
    ),
    server_leaf!(
        Rsa2048, SERVER_RSA,
        "sha1_signature",
        "Server leaf (RSA) signed with sha1WithRSAEncryption",
        "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
         (bad_certificate); CABF BR 7.1.3.2.1",
        signature: SigAlg::RsaPkcs1Sha1,
    ),
    p256_server!(
        "sha1_signature_ecdsa",
        "Server leaf (P-256) signed with ecdsa-with-SHA1",
        "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
         (bad_certificate); CABF BR 7.1.3.2.2",
        signature: SigAlg::EcdsaSha1,
    ),
    bad(
        "rsa1024_intermediate",
        "The server's CA has an RSA-1024 key (it signs an RSA-2048 leaf)",
        rule::RSA_MODULUS,
        KeyType::Rsa2048,
        server_ca_chain(&[
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
    ),
    server_leaf!(
        Rsa2048, SERVER_RSA,
        "rsa1024_leaf",
        "Server leaf with an RSA-1024 key",
        rule::RSA_MODULUS,
        odd_key: Some(OddKey::Rsa1024),
    ),
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
    server_leaf!(
        Rsa2048, SERVER_RSA,
        "rsa_pss_bad_trailer",
        "RSA leaf signed with RSASSA-PSS whose parameters carry trailerField 2",
        "RFC 4055 3.1: the trailerField value MUST be 1, and signers MUST omit it",
        signature: SigAlg::RsaPss(Pss {
        trailer_field: Some(2),
        ..PSS_SHA256
        }),
    ),
    server_leaf!(
        Rsa2048, SERVER_RSA,
        "rsa_pss_no_params",
        "RSA leaf signed with RSASSA-PSS, the AlgorithmIdentifier without \
         parameters",
        "RFC 4055 3.1: the parameters MUST be present when used in the algorithm \
         identifier associated with a signature value",
        signature: SigAlg::RsaPss(Pss {
        omit_params: true,
        ..PSS_SHA256
        }),
    ),
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
        rule::SERIAL_POSITIVE,
        edits: &[Edit::SerialContent(&[0xff, 0x01])],
    ),
    p256_server!(
        "serial_zero",
        "Server leaf with serial number 0",
        rule::SERIAL_POSITIVE,
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
        rule::V1_INTERMEDIATE,
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
        rule::EMPTY_SUBJECT_SAN_CRITICAL,
        subject: &[],
        edits: &[Edit::SetCritical(OID_SAN, false)],
    ),
];
