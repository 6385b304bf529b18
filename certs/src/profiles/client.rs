//! Bad client certificate chains (the server chain is good): the server under test, asking
//! for a client certificate, must refuse each.

use super::{bad, rule};
use crate::KeyType;
use crate::chains::*;
use crate::spec::{
    Basic, CertSpec, Edit, ExtKeyUsage, KeyRole, KeyUsage, OddKey, Profile, SigAlg, Tamper,
};

pub(super) static BAD_CLIENT: &[Profile] = &[
    p256_client!(
        "client_expired",
        "Client leaf expired on 2025-01-02",
        rule::VALIDITY_PERIOD,
        validity: EXPIRED,
    ),
    p256_client!(
        "client_not_yet_valid",
        "Client leaf valid only from 2044-01-01",
        rule::VALIDITY_PERIOD,
        validity: NOT_YET_VALID,
    ),
    p256_client_chain!(
        "client_unknown_root",
        "Client chain leaf -> intermediate -> a root nobody trusts",
        rule::TRUST_ANCHOR,
        [
            ROGUE_ROOT,
            ROGUE_INTERMEDIATE,
            CertSpec {
                issuer: "rogue_intermediate",
                ..CLIENT
            }
        ],
        &["client", "rogue_intermediate"],
    ),
    p256_client_chain!(
        "client_self_signed",
        "The client sends only a self-signed leaf",
        rule::TRUST_ANCHOR,
        [CertSpec {
            issuer: "client",
            authority_key_id: false,
            ..CLIENT
        }],
        &["client"],
    ),
    p256_client_chain!(
        "client_missing_intermediate",
        "The client sends its leaf without the intermediate",
        "RFC 8446 4.4.2 / RFC 5280 6.1: no path to the trust anchor can be built",
        [CLIENT],
        &["client"],
    ),
    p256_client!(
        "client_eku_server_auth_only",
        "Client leaf with extKeyUsage serverAuth only",
        rule::EKU_PURPOSE,
        ext_key_usage: &[ExtKeyUsage::ServerAuth],
    ),
    p256_client!(
        "client_tampered_signature",
        "Client leaf with one bit of its signature flipped",
        rule::SIGNATURE_VERIFIES,
        tamper: &[Tamper::FlipLastSignatureByte],
    ),
    p256_client!(
        "client_wrong_key_signature",
        "Client leaf naming the intermediate as issuer but signed by another key",
        rule::ISSUER_KEY,
        signing_key: Some(KeyRole::Rogue),
    ),
    p256_client_ca!(
        "client_intermediate_ca_false",
        "The client's CA certificate has basicConstraints cA FALSE",
        rule::INTERMEDIATE_IS_CA,
        basic_constraints: Basic::NotCa,
    ),
    p256_client!(
        "client_unknown_critical_extension",
        "Client leaf with a critical extension of an unknown OID",
        rule::UNKNOWN_CRITICAL_EXTENSION,
        extensions: &[UNKNOWN_CRITICAL],
    ),
    client_leaf!(
        Rsa2048, SERVER_RSA,
        "client_sha1_signature",
        "Client leaf (RSA) signed with sha1WithRSAEncryption",
        "RFC 8446 4.4.2.4: it is RECOMMENDED to abort on certificates signed with SHA-1 \
         (bad_certificate)",
        signature: SigAlg::RsaPkcs1Sha1,
    ),
    p256_client_ca!(
        "client_v1_intermediate",
        "The client's CA is an X.509 version 1 certificate",
        rule::V1_INTERMEDIATE,
        edits: &[Edit::Version1],
    ),
    p256_client_chain!(
        "client_path_len_exceeded",
        "Client chain root -> intermediate (pathLenConstraint 0) -> client_ca -> \
         client",
        rule::PATH_LEN,
        [
            CertSpec {
                issuer: "intermediate",
                ..CLIENT_CA
            },
            CLIENT_VIA_CA
        ],
        &["client", "client_ca", "intermediate"],
    ),
    p256_client!(
        "client_ku_no_digital_signature",
        "ECDSA client leaf with keyUsage keyAgreement only",
        "RFC 5280 4.2.1.3: the key may only be used as keyUsage says; the client signs \
         CertificateVerify with it",
        key_usage: &[KeyUsage::KeyAgreement],
    ),
    bad(
        "client_rsa1024_intermediate",
        "The client's CA has an RSA-1024 key",
        "CABF BR 6.1.5: RSA moduli of at least 2048 bits",
        KeyType::Rsa2048,
        client_ca_chain(&[
            ROOT,
            INTERMEDIATE,
            SERVER_RSA,
            CertSpec {
                odd_key: Some(OddKey::Rsa1024),
                ..CLIENT_CA
            },
            CLIENT_VIA_CA,
        ]),
    ),
    p256_client!(
        "client_empty_subject_noncritical_san",
        "Client leaf with an empty subject and a non-critical subjectAltName",
        rule::EMPTY_SUBJECT_SAN_CRITICAL,
        subject: &[],
        edits: &[Edit::SetCritical(OID_SAN, false)],
    ),
];
