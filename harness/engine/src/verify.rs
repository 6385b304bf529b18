//! Certificate path validation with rustls-webpki, strict checks around it ([`policy`]), and
//! the alert mapping of every failure (RFC 8446 6.2).
//!
//! Order: the sender's certificate (first in the list, RFC 8446 4.4.2) is checked by the
//! strict policy; then webpki validates the path; then the policy checks every CA certificate
//! of the path webpki verified. When webpki fails, the CA certificates that chain by name from
//! the leaf are checked first, so that a policy defect (e.g. an RSA-1024 CA, which webpki
//! reports as a bad signature) gets its own alert.

mod policy;

use std::collections::VecDeque;
use std::sync::Mutex;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

pub use policy::PolicyError;

use crate::error::{AlertDescription as A, CertificateError, Error, Misbehaviour, misbehave};

/// Signature algorithms accepted in certificate chains (includes RSA PKCS#1).
static CHAIN_ALGS: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] =
    webpki::ALL_VERIFICATION_ALGS;

/// The alert RFC 8446 6.2 names for a webpki error:
///
/// - validity dates (also an empty validity period) -> `certificate_expired` ("expired or
///   is not currently valid");
/// - no path to a trust anchor -> `unknown_ca`;
/// - unknown critical extension, EKU not allowing the usage, signature algorithm or key not
///   supported -> `unsupported_certificate` (RFC 8446 4.4.2.2's default);
/// - everything else that makes the certificate wrong (DER, version, signature, CA/end-entity
///   roles, path length, name constraints, names) -> `bad_certificate`;
/// - revocation -> `certificate_revoked`; resource limits of path building and the
///   rest -> `certificate_unknown`.
#[allow(deprecated)]
pub fn alert_for(e: &webpki::Error) -> A {
    use webpki::Error as E;
    match e {
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => {
            A::CertificateExpired
        }
        E::UnknownIssuer => A::UnknownCa,
        E::CertRevoked => A::CertificateRevoked,
        E::UnsupportedCriticalExtension
        | E::RequiredEkuNotFound
        | E::RequiredEkuNotFoundContext(_)
        | E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => A::UnsupportedCertificate,
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::UnsupportedCertVersion
        | E::InvalidSignatureForPublicKey
        | E::SignatureAlgorithmMismatch
        | E::CaUsedAsEndEntity
        | E::EndEntityUsedAsCa
        | E::PathLenConstraintViolated
        | E::NameConstraintViolation
        | E::InvalidNetworkMaskConstraint
        | E::UnsupportedNameType
        | E::CertNotValidForName(_)
        | E::InvalidSerialNumber
        | E::EmptyEkuExtension => A::BadCertificate,
        _ => A::CertificateUnknown,
    }
}

/// Certificates that passed the strict [`policy`], remembered per configuration: the
/// policy's verdict on a certificate is a function of its bytes and role alone (it reads no
/// clock and no other certificate when it passes), so a handshake that meets the same chain
/// again skips parsing it with x509-parser. Path validation (webpki: signatures, dates,
/// anchors, names) runs every time. Only passes are remembered; at most
/// [`PolicyCache::ENTRIES`], the oldest dropped first.
#[derive(Debug, Default)]
pub struct PolicyCache {
    passed: Mutex<VecDeque<(PolicyRole, Vec<u8>)>>,
}

/// What a certificate was checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyRole {
    ServerLeaf,
    ClientLeaf,
    Ca,
}

impl PolicyCache {
    /// Certificates remembered.
    pub const ENTRIES: usize = 32;

    fn contains(&self, role: PolicyRole, der: &[u8]) -> bool {
        self.passed
            .lock()
            .is_ok_and(|p| p.iter().any(|(r, d)| *r == role && d.as_slice() == der))
    }

    fn insert(&self, role: PolicyRole, der: &[u8]) {
        if let Ok(mut p) = self.passed.lock() {
            if p.len() >= Self::ENTRIES {
                p.pop_front();
            }
            p.push_back((role, der.to_vec()));
        }
    }

    /// Runs `check` on `der` unless it passed before as `role`.
    fn check<E>(
        &self,
        role: PolicyRole,
        der: &[u8],
        check: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        if self.contains(role, der) {
            return Ok(());
        }
        check()?;
        self.insert(role, der);
        Ok(())
    }

    /// Certificates remembered now.
    pub fn len(&self) -> usize {
        self.passed.lock().map_or(0, |p| p.len())
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Validate `chain` (end-entity first) against `roots` at `now` for `usage`, and, if
/// given, against `name`. Errors carry the alert to send. `cache` remembers the
/// certificates the strict policy passed.
pub fn verify_chain(
    chain: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
    now: UnixTime,
    server: bool,
    name: Option<&str>,
    cache: &PolicyCache,
) -> Result<(), Error> {
    let Some(ee_der) = chain.first() else {
        misbehave!(Misbehaviour::EmptyCertificate, "empty certificate chain");
    };
    if crate::FUZZING {
        return Ok(());
    }
    let (role, cached_as) = if server {
        (policy::Role::Server, PolicyRole::ServerLeaf)
    } else {
        (policy::Role::Client, PolicyRole::ClientLeaf)
    };
    cache
        .check(cached_as, ee_der.as_ref(), || {
            policy::check_end_entity(chain, role)
        })
        .map_err(|e| policy_err(e, "end-entity certificate"))?;
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|r| webpki::anchor_from_trusted_cert(r).ok())
        .collect();
    let ee = EndEntityCert::try_from(ee_der)
        .map_err(|e| cert_err(e, "end-entity certificate does not parse"))?;
    let intermediates = chain.get(1..).unwrap_or(&[]);
    let usage = if server {
        KeyUsage::server_auth()
    } else {
        KeyUsage::client_auth()
    };
    match ee.verify_for_usage(CHAIN_ALGS, &anchors, intermediates, now, usage, None, None) {
        Ok(path) => {
            for (i, ca) in path.intermediate_certificates().enumerate() {
                let der = ca.der();
                cache
                    .check(PolicyRole::Ca, der.as_ref(), || {
                        policy::check_ca(der.as_ref())
                    })
                    .map_err(|e| policy_err(e, &format!("CA certificate {} of the path", i + 1)))?;
            }
        }
        Err(e) => {
            for (i, ca) in policy::candidate_issuers(chain).into_iter().enumerate() {
                policy::check_ca(ca.as_ref()).map_err(|p| {
                    policy_err(
                        p,
                        &format!(
                            "CA certificate {} issuing the leaf's path (path validation: {e:?})",
                            i + 1
                        ),
                    )
                })?;
            }
            return Err(cert_err(e, "certificate path validation failed"));
        }
    }
    if let Some(name) = name {
        let sn = ServerName::try_from(name.to_string()).map_err(|_| {
            Error::config(format!(
                "server name {name:?} is neither a DNS name nor an IP address"
            ))
        })?;
        ee.verify_is_valid_for_subject_name(&sn)
            .map_err(|e| cert_err(e, &format!("certificate not valid for name {name:?}")))?;
    }
    Ok(())
}

fn cert_err(e: webpki::Error, what: &str) -> Error {
    Error::Certificate {
        what: what.to_string(),
        error: CertificateError::Webpki(e),
    }
}

fn policy_err(e: PolicyError, what: &str) -> Error {
    Error::Certificate {
        what: what.to_string(),
        error: CertificateError::Policy(e),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use rustls_pki_types::UnixTime;

    use super::*;

    /// 2026-11-26, inside the validity of every good profile (2025..2045).
    fn now() -> UnixTime {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_795_651_200))
    }

    fn run(profile: &str, server: bool, name: Option<&str>) -> Result<(), Error> {
        let m = certs::materials(profile).expect("profile");
        let chain = if server {
            &m.server.chain
        } else {
            &m.client.chain
        };
        let name = if server {
            Some(name.unwrap_or(&m.server_name))
        } else {
            None
        };
        verify_chain(
            chain,
            &m.roots,
            now(),
            server,
            name,
            &PolicyCache::default(),
        )
    }

    /// Every scenario of scenarios/certificate.toml and client_certificate.toml: the profile,
    /// the verifying side (true: the client verifies the server), the reference name and the
    /// alert the scenario names (None: must be accepted).
    #[rstest]
    #[case::certificate_expired("expired", true, None, Some(A::CertificateExpired))]
    #[case::certificate_not_yet_valid("not_yet_valid", true, None, Some(A::CertificateExpired))]
    #[case::certificate_expired_intermediate(
        "expired_intermediate",
        true,
        None,
        Some(A::CertificateExpired)
    )]
    #[case::certificate_not_yet_valid_intermediate(
        "not_yet_valid_intermediate",
        true,
        None,
        Some(A::CertificateExpired)
    )]
    #[case::certificate_name_mismatch("name_mismatch", true, None, Some(A::BadCertificate))]
    #[case::certificate_impersonation("impersonation", true, None, Some(A::BadCertificate))]
    #[case::certificate_cn_only_no_san("cn_only_no_san", true, None, Some(A::BadCertificate))]
    #[case::certificate_ip_in_dns_san(
        "ip_in_dns_san",
        true,
        Some("127.0.0.1"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_ip_san_for_dns_reference(
        "ip_san_for_dns_reference",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_dns_in_ip_san("dns_in_ip_san", true, None, Some(A::BadCertificate))]
    #[case::certificate_wildcard_two_labels(
        "wildcard_two_labels",
        true,
        Some("a.b.harness.example"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_wildcard_tld(
        "wildcard_tld",
        true,
        Some("example.com"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_wildcard_partial(
        "wildcard_partial",
        true,
        Some("foo.harness.example"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_wildcard_in_ip(
        "wildcard_in_ip",
        true,
        Some("127.0.0.1"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_wildcard_multi_label(
        "wildcard_multi_label",
        true,
        Some("a.b.harness.example"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_self_signed_leaf("self_signed_leaf", true, None, Some(A::UnknownCa))]
    #[case::certificate_unknown_root("unknown_root", true, None, Some(A::UnknownCa))]
    #[case::certificate_missing_intermediate(
        "missing_intermediate",
        true,
        None,
        Some(A::UnknownCa)
    )]
    #[case::certificate_issuer_name_mismatch(
        "issuer_name_mismatch",
        true,
        None,
        Some(A::UnknownCa)
    )]
    #[case::certificate_leaf_not_first("leaf_not_first", true, None, Some(A::BadCertificate))]
    #[case::certificate_extra_unrelated_certs("extra_unrelated_certs", true, None, None)]
    #[case::certificate_intermediates_reordered("intermediates_reordered", true, None, None)]
    #[case::certificate_intermediate_ca_false(
        "intermediate_ca_false",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_intermediate_no_basic_constraints(
        "intermediate_no_basic_constraints",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_path_len_exceeded("path_len_exceeded", true, None, Some(A::BadCertificate))]
    #[case::certificate_leaf_as_ca("leaf_as_ca", true, None, Some(A::BadCertificate))]
    #[case::certificate_ca_as_leaf("ca_as_leaf", true, None, Some(A::UnsupportedCertificate))]
    #[case::certificate_eku_client_auth_only(
        "eku_client_auth_only",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_eku_code_signing_only(
        "eku_code_signing_only",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_ku_no_digital_signature(
        "ku_no_digital_signature",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_ku_no_digital_signature_rsa(
        "ku_no_digital_signature_rsa",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_intermediate_no_key_cert_sign(
        "intermediate_no_key_cert_sign",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_name_constraints_dns_permitted(
        "name_constraints_dns_permitted",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_name_constraints_dns_excluded(
        "name_constraints_dns_excluded",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_name_constraints_ip(
        "name_constraints_ip",
        true,
        Some("127.0.0.1"),
        Some(A::BadCertificate)
    )]
    #[case::certificate_unknown_critical_extension(
        "unknown_critical_extension",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_unknown_critical_extension_intermediate(
        "unknown_critical_extension_intermediate",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_tampered_signature(
        "tampered_signature",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_tampered_signature_p384(
        "tampered_signature_p384",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_tampered_signature_rsa2048(
        "tampered_signature_rsa2048",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_tampered_signature_ed25519(
        "tampered_signature_ed25519",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_tampered_intermediate_signature(
        "tampered_intermediate_signature",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_wrong_key_signature(
        "wrong_key_signature",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_sha1_signature("sha1_signature", true, None, Some(A::BadCertificate))]
    #[case::certificate_sha1_signature_ecdsa(
        "sha1_signature_ecdsa",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_rsa1024_intermediate(
        "rsa1024_intermediate",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_rsa1024_leaf("rsa1024_leaf", true, None, Some(A::UnsupportedCertificate))]
    #[case::certificate_secp256k1_intermediate(
        "secp256k1_intermediate",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_sha3_signature(
        "sha3_signature",
        true,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::certificate_rsa_pss_bad_trailer(
        "rsa_pss_bad_trailer",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_rsa_pss_no_params("rsa_pss_no_params", true, None, Some(A::BadCertificate))]
    #[case::certificate_duplicate_extension(
        "duplicate_extension",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_serial_negative("serial_negative", true, None, Some(A::BadCertificate))]
    #[case::certificate_serial_zero("serial_zero", true, None, Some(A::BadCertificate))]
    #[case::certificate_serial_zero_length(
        "serial_zero_length",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_v1_intermediate("v1_intermediate", true, None, Some(A::BadCertificate))]
    #[case::certificate_v1_leaf("v1_leaf", true, None, Some(A::BadCertificate))]
    #[case::certificate_generalized_time_before_2050(
        "generalized_time_before_2050",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::certificate_empty_subject_noncritical_san(
        "empty_subject_noncritical_san",
        true,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_expired("client_expired", false, None, Some(A::CertificateExpired))]
    #[case::client_certificate_not_yet_valid(
        "client_not_yet_valid",
        false,
        None,
        Some(A::CertificateExpired)
    )]
    #[case::client_certificate_unknown_root("client_unknown_root", false, None, Some(A::UnknownCa))]
    #[case::client_certificate_self_signed("client_self_signed", false, None, Some(A::UnknownCa))]
    #[case::client_certificate_missing_intermediate(
        "client_missing_intermediate",
        false,
        None,
        Some(A::UnknownCa)
    )]
    #[case::client_certificate_eku_server_auth_only(
        "client_eku_server_auth_only",
        false,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::client_certificate_tampered_signature(
        "client_tampered_signature",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_wrong_key_signature(
        "client_wrong_key_signature",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_intermediate_ca_false(
        "client_intermediate_ca_false",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_unknown_critical_extension(
        "client_unknown_critical_extension",
        false,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::client_certificate_sha1_signature(
        "client_sha1_signature",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_v1_intermediate(
        "client_v1_intermediate",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_path_len_exceeded(
        "client_path_len_exceeded",
        false,
        None,
        Some(A::BadCertificate)
    )]
    #[case::client_certificate_ku_no_digital_signature(
        "client_ku_no_digital_signature",
        false,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::client_certificate_rsa1024_intermediate(
        "client_rsa1024_intermediate",
        false,
        None,
        Some(A::UnsupportedCertificate)
    )]
    #[case::client_certificate_empty_subject_noncritical_san(
        "client_empty_subject_noncritical_san",
        false,
        None,
        Some(A::BadCertificate)
    )]
    fn scenario_catalogue(
        #[case] profile: &str,
        #[case] server: bool,
        #[case] name: Option<&str>,
        #[case] expected: Option<A>,
    ) {
        let got = run(profile, server, name);
        match (expected, got) {
            (None, Ok(())) => {}
            (None, Err(e)) => panic!("{profile}: must be accepted, got {e:?}"),
            (Some(a), Ok(())) => panic!("{profile}: accepted, must be rejected with {a}"),
            (Some(a), Err(e)) => {
                assert_eq!(e.alert(), Some(a), "{profile}: {e}");
                assert!(matches!(e, Error::Certificate { .. }), "{profile}: {e:?}");
            }
        }
    }

    /// Good profiles pass for both sides; every bad profile fails for the side it targets.
    #[test]
    fn every_profile() {
        for p in certs::profiles() {
            let client_profile = p.name.starts_with("client_");
            let server = run(p.name, true, None);
            let client = run(p.name, false, None);
            if p.is_good()
                || p.name == "extra_unrelated_certs"
                || p.name == "intermediates_reordered"
            {
                assert!(
                    server.is_ok() && client.is_ok(),
                    "{}: {server:?} {client:?}",
                    p.name
                );
            } else if client_profile {
                assert!(
                    server.is_ok() && client.is_err(),
                    "{}: {server:?} {client:?}",
                    p.name
                );
            } else {
                assert!(
                    server.is_err() && client.is_ok(),
                    "{}: {server:?} {client:?}",
                    p.name
                );
            }
        }
    }

    #[test]
    fn empty_chain_is_decode_error() {
        let e =
            verify_chain(&[], &[], now(), true, None, &PolicyCache::default()).expect_err("empty");
        assert_eq!(e.alert(), Some(A::DecodeError));
        assert_eq!(e.misbehaviour(), Some(Misbehaviour::EmptyCertificate));
    }

    #[test]
    fn garbage_is_bad_certificate() {
        let m = certs::materials("ecdsa_p256").expect("profile");
        let e = verify_chain(
            &[CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01])],
            &m.roots,
            now(),
            true,
            None,
            &PolicyCache::default(),
        )
        .expect_err("garbage");
        assert_eq!(e.alert(), Some(A::BadCertificate));
        assert!(matches!(e, Error::Certificate { .. }), "{e:?}");
    }

    #[rstest]
    #[case(webpki::Error::UnsupportedCriticalExtension, A::UnsupportedCertificate)]
    #[case(webpki::Error::CaUsedAsEndEntity, A::BadCertificate)]
    #[case(webpki::Error::EndEntityUsedAsCa, A::BadCertificate)]
    #[case(webpki::Error::PathLenConstraintViolated, A::BadCertificate)]
    #[case(webpki::Error::NameConstraintViolation, A::BadCertificate)]
    #[case(webpki::Error::ExtensionValueInvalid, A::BadCertificate)]
    #[case(webpki::Error::InvalidSignatureForPublicKey, A::BadCertificate)]
    #[case(webpki::Error::UnknownIssuer, A::UnknownCa)]
    #[case(webpki::Error::InvalidCertValidity, A::CertificateExpired)]
    #[case(webpki::Error::CertRevoked, A::CertificateRevoked)]
    #[case(webpki::Error::MaximumSignatureChecksExceeded, A::CertificateUnknown)]
    fn webpki_alert_mapping(#[case] e: webpki::Error, #[case] a: A) {
        assert_eq!(alert_for(&e), a);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// No panic, and never an acceptance, on a good chain with bytes changed in one of
        /// its certificates (an edit that keeps the certificate valid is a no-op edit).
        #[test]
        fn mutated_chain_never_panics(which in 0usize..2, at in proptest::prelude::any::<proptest::sample::Index>(),
                                      flip in 1u8..=255) {
            let m = certs::materials("ecdsa_p256").expect("profile");
            let mut chain = m.server.chain.clone();
            if let Some(c) = chain.get_mut(which) {
                let mut bytes = c.as_ref().to_vec();
                let i = at.index(bytes.len());
                if let Some(b) = bytes.get_mut(i) { *b ^= flip; }
                *c = CertificateDer::from(bytes);
            }
            let r = verify_chain(&chain, &m.roots, now(), true, Some("localhost"), &PolicyCache::default());
            match r {
                Ok(()) => proptest::prop_assert!(false, "a mutated chain was accepted"),
                Err(e) => proptest::prop_assert!(e.alert().is_some()),
            }
        }
    }

    /// The cache remembers passes only: a good chain is parsed once (leaf and CA remembered)
    /// and passes again; a chain the policy rejects is rejected every time, with the same
    /// alert, and nothing is remembered for it; the bound holds.
    #[test]
    fn policy_cache_remembers_passes_only() {
        let cache = PolicyCache::default();
        let m = certs::materials("ecdsa_p256").expect("profile");
        for _ in 0..2 {
            verify_chain(
                &m.server.chain,
                &m.roots,
                now(),
                true,
                Some(&m.server_name),
                &cache,
            )
            .expect("good chain");
        }
        assert_eq!(cache.len(), 2, "the leaf and the intermediate");
        let bad = certs::materials("ku_no_digital_signature").expect("profile");
        let verify_bad = || {
            let chain = &bad.server.chain;
            verify_chain(
                chain,
                &bad.roots,
                now(),
                true,
                Some(&bad.server_name),
                &cache,
            )
            .expect_err("bad")
        };
        let first = verify_bad();
        let again = verify_bad();
        assert_eq!(first.alert(), again.alert());
        assert_eq!(cache.len(), 2, "a rejected leaf is not remembered");
        // A leaf passed as a server certificate is checked afresh as a client certificate.
        assert!(!cache.contains(PolicyRole::ClientLeaf, m.server.chain[0].as_ref()));
        for i in 0..(PolicyCache::ENTRIES + 5) {
            cache.insert(PolicyRole::Ca, &[i as u8]);
        }
        assert_eq!(cache.len(), PolicyCache::ENTRIES);
    }
}
