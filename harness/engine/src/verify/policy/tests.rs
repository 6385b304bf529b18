//! Tests of the certificate policy checks.

use proptest::prelude::*;
use rstest::rstest;

use super::*;

fn server_chain(profile: &str) -> Vec<CertificateDer<'static>> {
    certs::materials(profile)
        .expect("profile")
        .server
        .chain
        .clone()
}

fn client_chain(profile: &str) -> Vec<CertificateDer<'static>> {
    certs::materials(profile)
        .expect("profile")
        .client
        .chain
        .clone()
}

/// Each end-entity check, with the profile that breaks it and the alert it maps to.
#[rstest]
#[case::serial_negative(
    "serial_negative",
    PolicyError::Serial("is negative"),
    A::BadCertificate
)]
#[case::serial_zero("serial_zero", PolicyError::Serial("is zero"), A::BadCertificate)]
#[case::serial_zero_length(
    "serial_zero_length",
    PolicyError::Serial("has no content octets"),
    A::BadCertificate
)]
#[case::v1_leaf("v1_leaf", PolicyError::Version(1), A::BadCertificate)]
#[case::generalized_time(
    "generalized_time_before_2050",
    PolicyError::TimeEncoding("notBefore", "GeneralizedTime before 2050"),
    A::BadCertificate
)]
#[case::empty_subject(
    "empty_subject_noncritical_san",
    PolicyError::EmptySubject("a non-critical subjectAltName"),
    A::BadCertificate
)]
#[case::duplicate_extension("duplicate_extension", PolicyError::DuplicateExtension(OID_SAN.into()), A::BadCertificate)]
#[case::dns_in_ip_san(
    "dns_in_ip_san",
    PolicyError::BadSubjectAltName("iPAddress of 9 octets".into()),
    A::BadCertificate
)]
#[case::cn_only("cn_only_no_san", PolicyError::NoSubjectAltName, A::BadCertificate)]
#[case::leaf_not_first("leaf_not_first", PolicyError::LeafNotFirst, A::BadCertificate)]
#[case::ca_as_leaf("ca_as_leaf", PolicyError::CaAsLeaf, A::UnsupportedCertificate)]
#[case::ku_ecdsa(
    "ku_no_digital_signature",
    PolicyError::NoDigitalSignature,
    A::UnsupportedCertificate
)]
#[case::ku_rsa(
    "ku_no_digital_signature_rsa",
    PolicyError::NoDigitalSignature,
    A::UnsupportedCertificate
)]
#[case::sha1_rsa(
    "sha1_signature",
    PolicyError::WeakHash("sha1WithRSAEncryption (1.2.840.113549.1.1.5)".into()),
    A::BadCertificate
)]
#[case::sha1_ecdsa(
    "sha1_signature_ecdsa",
    PolicyError::WeakHash("ecdsa-with-SHA1 (1.2.840.10045.4.1)".into()),
    A::BadCertificate
)]
#[case::sha3(
    "sha3_signature",
    PolicyError::UnsupportedSignatureAlgorithm("2.16.840.1.101.3.4.3.10".into()),
    A::UnsupportedCertificate
)]
#[case::pss_trailer(
    "rsa_pss_bad_trailer",
    PolicyError::BadAlgorithmParameters("RSASSA-PSS: trailerField is not 1".into()),
    A::BadCertificate
)]
#[case::pss_no_params(
    "rsa_pss_no_params",
    PolicyError::BadAlgorithmParameters("RSASSA-PSS: parameters absent".into()),
    A::BadCertificate
)]
#[case::rsa1024_leaf(
    "rsa1024_leaf",
    PolicyError::UnsupportedKey("RSA modulus of 1024 bits (at least 2048)".into()),
    A::UnsupportedCertificate
)]
fn end_entity_check(#[case] profile: &str, #[case] expected: PolicyError, #[case] alert: A) {
    let got = check_end_entity(&server_chain(profile), Role::Server);
    assert_eq!(got, Err(expected.clone()), "{profile}");
    assert_eq!(expected.alert(), alert);
}

/// The same checks on the client side (clientAuth).
#[rstest]
#[case("client_ku_no_digital_signature", PolicyError::NoDigitalSignature)]
#[case(
    "client_empty_subject_noncritical_san",
    PolicyError::EmptySubject("a non-critical subjectAltName")
)]
#[case("client_sha1_signature", PolicyError::WeakHash("sha1WithRSAEncryption (1.2.840.113549.1.1.5)".into()))]
fn client_end_entity_check(#[case] profile: &str, #[case] expected: PolicyError) {
    assert_eq!(
        check_end_entity(&client_chain(profile), Role::Client),
        Err(expected),
        "{profile}"
    );
}

/// Each CA check, on the first CA certificate that chains from the leaf.
#[rstest]
#[case::no_key_cert_sign(
    "intermediate_no_key_cert_sign",
    false,
    PolicyError::NoKeyCertSign,
    A::BadCertificate
)]
#[case::v1("v1_intermediate", false, PolicyError::Version(1), A::BadCertificate)]
#[case::client_v1(
    "client_v1_intermediate",
    true,
    PolicyError::Version(1),
    A::BadCertificate
)]
#[case::rsa1024(
    "rsa1024_intermediate",
    false,
    PolicyError::UnsupportedKey("RSA modulus of 1024 bits (at least 2048)".into()),
    A::UnsupportedCertificate
)]
#[case::client_rsa1024(
    "client_rsa1024_intermediate",
    true,
    PolicyError::UnsupportedKey("RSA modulus of 1024 bits (at least 2048)".into()),
    A::UnsupportedCertificate
)]
#[case::secp256k1(
    "secp256k1_intermediate",
    false,
    PolicyError::UnsupportedKey("EC key on curve 1.3.132.0.10".into()),
    A::UnsupportedCertificate
)]
fn ca_check(
    #[case] profile: &str,
    #[case] client: bool,
    #[case] expected: PolicyError,
    #[case] alert: A,
) {
    let chain = if client {
        client_chain(profile)
    } else {
        server_chain(profile)
    };
    let path = candidate_issuers(&chain);
    let ca = path.first().expect("an issuer in the chain");
    assert_eq!(check_ca(ca.as_ref()), Err(expected.clone()), "{profile}");
    assert_eq!(expected.alert(), alert);
}

/// Good chains pass every check, for both roles, leaf and CAs alike.
#[rstest]
#[case("ecdsa_p256")]
#[case("ecdsa_p384")]
#[case("rsa2048")]
#[case("ed25519")]
#[case("extra_unrelated_certs")]
#[case("intermediates_reordered")]
fn good_chains_pass(#[case] profile: &str) {
    for (chain, role) in [
        (server_chain(profile), Role::Server),
        (client_chain(profile), Role::Client),
    ] {
        assert_eq!(check_end_entity(&chain, role), Ok(()), "{profile} {role:?}");
        let path = candidate_issuers(&chain);
        assert!(!path.is_empty(), "{profile}: no issuer found");
        for ca in path {
            assert_eq!(check_ca(ca.as_ref()), Ok(()), "{profile} {role:?}");
        }
    }
}

/// The candidate path follows names, skips unrelated certificates and ignores the order.
#[test]
fn candidate_path_follows_names() {
    assert_eq!(
        candidate_issuers(&server_chain("extra_unrelated_certs")).len(),
        1
    );
    assert_eq!(
        candidate_issuers(&server_chain("intermediates_reordered")).len(),
        2
    );
    assert!(candidate_issuers(&server_chain("self_signed_leaf")).is_empty());
    assert!(candidate_issuers(&[]).is_empty());
}

#[rstest]
#[case(&[], Err(PolicyError::Serial("has no content octets")))]
#[case(&[0x00], Err(PolicyError::Serial("is zero")))]
#[case(&[0x80], Err(PolicyError::Serial("is negative")))]
#[case(&[0x00, 0x01], Err(PolicyError::Serial("is not minimally encoded")))]
#[case(&[0x01], Ok(()))]
#[case(&[0x00, 0x80], Ok(()))]
#[case(&[0x7f; 20], Ok(()))]
#[case(&[0x7f; 21], Err(PolicyError::Serial("is longer than 20 octets")))]
fn serial_rules(#[case] serial: &[u8], #[case] expected: Result<(), PolicyError>) {
    assert_eq!(check_serial(serial), expected);
}

#[test]
fn serial_of_20_octets_with_sign_octet() {
    let mut s = vec![0x00];
    s.extend([0xff; 20]);
    assert_eq!(check_serial(&s), Ok(()));
    s.push(0xff);
    assert!(check_serial(&s).is_err());
}

#[rstest]
#[case(&[], 0)]
#[case(&[0, 0], 0)]
#[case(&[1], 1)]
#[case(&[0, 0x80, 0], 16)]
#[case(&[0x01, 0x00, 0x01], 17)]
fn bit_lengths(#[case] be: &[u8], #[case] bits: usize) {
    assert_eq!(bit_length(be), bits);
}

#[test]
fn known_oids_compare_without_conversion() {
    for d in KNOWN_OIDS {
        let oid = Oid::from_str(d).expect("dotted OID");
        assert!(matches!(dotted(&oid), Cow::Borrowed(b) if b == *d), "{d}");
    }
    let other = Oid::from_str("1.2.3.4").expect("dotted OID");
    assert_eq!(dotted(&other), "1.2.3.4");
    assert!(oid_is(
        &Oid::from_str(OID_SAN).expect("dotted OID"),
        OID_SAN
    ));
    assert!(!oid_is(&other, OID_SAN));
    assert!(!oid_is(
        &Oid::from_str(OID_KU).expect("dotted OID"),
        OID_SAN
    ));
}

#[test]
fn every_policy_error_has_a_certificate_alert() {
    let all = [
        PolicyError::Malformed(String::new()),
        PolicyError::SignatureAlgorithmMismatch,
        PolicyError::EmptyIssuer,
        PolicyError::MalformedExtension(String::new()),
        PolicyError::UnsupportedSignatureAlgorithm(String::new()),
    ];
    for e in all {
        assert!(
            matches!(e.alert(), A::BadCertificate | A::UnsupportedCertificate),
            "{e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No panic on any bytes.
    #[test]
    fn arbitrary_bytes_do_not_panic(a in proptest::collection::vec(any::<u8>(), 0..600),
                                    b in proptest::collection::vec(any::<u8>(), 0..600)) {
        let chain = [CertificateDer::from(a.clone()), CertificateDer::from(b)];
        let _ = check_end_entity(&chain, Role::Server);
        let _ = check_ca(&a);
        let _ = candidate_issuers(&chain);
    }

    /// No panic on a real chain with bytes changed or cut: close to valid DER, deep parsing.
    #[test]
    fn mutated_certificates_do_not_panic(profile in prop::sample::select(vec!["ecdsa_p256", "rsa2048", "ed25519", "leaf_not_first"]),
                                         edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
                                         cut in any::<prop::sample::Index>()) {
        let chain = server_chain(profile);
        let mut mutated: Vec<CertificateDer<'static>> = Vec::new();
        for c in &chain {
            let mut bytes = c.as_ref().to_vec();
            for (i, v) in &edits {
                let at = i.index(bytes.len());
                if let Some(b) = bytes.get_mut(at) { *b = *v; }
            }
            mutated.push(CertificateDer::from(bytes.clone()));
            bytes.truncate(cut.index(bytes.len().saturating_add(1)));
            mutated.push(CertificateDer::from(bytes));
        }
        let _ = check_end_entity(&mutated, Role::Server);
        let _ = check_end_entity(&mutated, Role::Client);
        for c in &mutated { let _ = check_ca(c.as_ref()); }
        let _ = candidate_issuers(&mutated);
    }
}
