//! Certificate path validation with rustls-webpki, strict checks around it ([`policy`]), and
//! the alert mapping of every failure (RFC 8446 6.2).
//!
//! Order: the sender's certificate (first in the list, RFC 8446 4.4.2) is checked by the
//! strict policy; then webpki validates the path; then the policy checks every CA certificate
//! of the path webpki verified. When webpki fails, the CA certificates that chain by name from
//! the leaf are checked first, so that a policy defect (e.g. an RSA-1024 CA, which webpki
//! reports as a bad signature) gets its own alert.
//!
//! [`ChainBugs`] are the negative controls of this module (the `bug_*` knobs of the same
//! names): each makes the verification wrong in one way, for the client and the server,
//! TLS 1.3 and 1.2 alike; all off, nothing here changes.

mod policy;

use std::collections::VecDeque;
use std::sync::Mutex;

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
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

/// The negative controls of chain verification (the `bug_*` knobs of [`crate::knobs`] read
/// here); the default checks everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChainBugs {
    /// `bug_ignore_validity_dates`: validity periods are not checked.
    pub ignore_validity_dates: bool,
    /// `bug_accept_non_ca_intermediate`: a certificate that is not a CA may issue.
    pub accept_non_ca_intermediate: bool,
    /// `bug_skip_chain_check`: any non-empty chain is taken.
    pub skip_chain_check: bool,
    /// `bug_ignore_certificate_policy`: the strict [`policy`] layer is skipped.
    pub ignore_certificate_policy: bool,
}

impl ChainBugs {
    /// The chain verification bugs `knobs` switch on.
    pub fn from_knobs(knobs: &crate::knobs::Knobs) -> Self {
        Self {
            ignore_validity_dates: knobs.bug_ignore_validity_dates,
            accept_non_ca_intermediate: knobs.bug_accept_non_ca_intermediate,
            skip_chain_check: knobs.bug_skip_chain_check,
            ignore_certificate_policy: knobs.bug_ignore_certificate_policy,
        }
    }
}

/// Validate `chain` (end-entity first) against `roots` at `now` for `usage`, and, if
/// given, against `name`. Errors carry the alert to send. `cache` remembers the
/// certificates the strict policy passed. `bugs` are negative controls (all off: correct).
pub fn verify_chain(
    chain: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
    now: UnixTime,
    server: bool,
    name: Option<&str>,
    cache: &PolicyCache,
    bugs: ChainBugs,
) -> Result<(), Error> {
    let Some(ee_der) = chain.first() else {
        misbehave!(Misbehaviour::EmptyCertificate, "empty certificate chain");
    };
    if crate::FUZZING || bugs.skip_chain_check {
        return Ok(());
    }
    let strict = !bugs.ignore_certificate_policy;
    let (role, cached_as) = if server {
        (policy::Role::Server, PolicyRole::ServerLeaf)
    } else {
        (policy::Role::Client, PolicyRole::ClientLeaf)
    };
    if strict {
        cache
            .check(cached_as, ee_der.as_ref(), || {
                policy::check_end_entity(chain, role)
            })
            .map_err(|e| policy_err(e, "end-entity certificate"))?;
    }
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|r| webpki::anchor_from_trusted_cert(r).ok())
        .collect();
    let ee = EndEntityCert::try_from(ee_der)
        .map_err(|e| cert_err(e, "end-entity certificate does not parse"))?;
    let usage = if server {
        KeyUsage::server_auth()
    } else {
        KeyUsage::client_auth()
    };
    let path = Path {
        chain,
        now,
        usage,
        bugs,
    };
    let mut budget = Path::SPLIT_BUDGET;
    let intermediates = chain.get(1..).unwrap_or(&[]);
    match path.validate(&ee, ee_der, intermediates, &anchors, &mut budget) {
        Ok(cas) if strict => {
            for (i, ca) in cas.into_iter().enumerate() {
                cache
                    .check(PolicyRole::Ca, ca.as_ref(), || {
                        policy::check_ca(ca.as_ref())
                    })
                    .map_err(|e| policy_err(e, &format!("CA certificate {} of the path", i + 1)))?;
            }
        }
        Ok(_) => {}
        Err(e) => {
            if strict {
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

/// One path validation of a peer's `chain`: webpki, and the negative controls that change it.
struct Path<'c> {
    chain: &'c [CertificateDer<'static>],
    now: UnixTime,
    usage: KeyUsage,
    bugs: ChainBugs,
}

impl<'c> Path<'c> {
    /// Path validations tried for `bug_accept_non_ca_intermediate` (each split of the path
    /// at a non-CA certificate costs two), so that a long chain cannot make it slow.
    const SPLIT_BUDGET: u32 = 32;

    /// The CA certificates of `chain` (not the anchor) of a valid path from `ee` (whose DER
    /// is `ee_der`) through `intermediates` to one of `anchors`, in path order.
    fn validate(
        &self,
        ee: &EndEntityCert<'_>,
        ee_der: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        anchors: &[TrustAnchor<'_>],
        budget: &mut u32,
    ) -> Result<Vec<&'c CertificateDer<'static>>, webpki::Error> {
        let e = match self.webpki(ee, intermediates, anchors) {
            Ok(cas) => return Ok(cas),
            Err(e) => e,
        };
        if !(self.bugs.accept_non_ca_intermediate && e == webpki::Error::EndEntityUsedAsCa) {
            return Err(e);
        }
        // The bug: split the path at a certificate that is not a CA, taking it as the anchor
        // of the path below it and as an end entity of the path above it (neither role reads
        // basicConstraints); every other check is made on both halves.
        let mut last = e;
        for (i, x) in intermediates.iter().enumerate() {
            if policy::is_ca(x.as_ref()) || x.as_ref() == ee_der.as_ref() {
                continue;
            }
            let Some(left) = budget.checked_sub(2) else {
                break;
            };
            *budget = left;
            let (Ok(x_anchor), Ok(x_ee), Some(x_in_chain)) = (
                webpki::anchor_from_trusted_cert(x),
                EndEntityCert::try_from(x),
                self.in_chain(x),
            ) else {
                continue;
            };
            let rest: Vec<CertificateDer<'_>> = intermediates
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| CertificateDer::from(c.as_ref()))
                .collect();
            let below = self.validate(ee, ee_der, &rest, std::slice::from_ref(&x_anchor), budget);
            let mut cas = match below {
                Ok(cas) => cas,
                Err(e) => {
                    last = e;
                    continue;
                }
            };
            match self.validate(&x_ee, x, &rest, anchors, budget) {
                Ok(above) => {
                    cas.push(x_in_chain);
                    cas.extend(above);
                    return Ok(cas);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// webpki's path validation; with `bug_ignore_validity_dates`, a date error makes it try
    /// again at the reported notAfter or notBefore (a time inside that certificate's
    /// validity), once per certificate of the chain at most.
    fn webpki(
        &self,
        ee: &EndEntityCert<'_>,
        intermediates: &[CertificateDer<'_>],
        anchors: &[TrustAnchor<'_>],
    ) -> Result<Vec<&'c CertificateDer<'static>>, webpki::Error> {
        let mut time = self.now;
        let mut tries = self.chain.len().saturating_add(1);
        loop {
            let r = ee.verify_for_usage(
                CHAIN_ALGS,
                anchors,
                intermediates,
                time,
                self.usage,
                None,
                None,
            );
            let e = match r {
                Ok(path) => {
                    return Ok(path
                        .intermediate_certificates()
                        .filter_map(|ca| self.in_chain(&ca.der()))
                        .collect());
                }
                Err(e) => e,
            };
            let retry_at = match e {
                webpki::Error::CertExpired { not_after, .. } => not_after,
                webpki::Error::CertNotValidYet { not_before, .. } => not_before,
                _ => return Err(e),
            };
            tries = tries.saturating_sub(1);
            if !self.bugs.ignore_validity_dates || tries == 0 || retry_at == time {
                return Err(e);
            }
            time = retry_at;
        }
    }

    /// `der`'s entry in the peer's chain.
    fn in_chain(&self, der: &CertificateDer<'_>) -> Option<&'c CertificateDer<'static>> {
        self.chain.iter().find(|c| c.as_ref() == der.as_ref())
    }
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
        run_with(profile, server, ChainBugs::default())
            .roots(None)
            .name(name)
            .go()
    }

    /// One verification of `profile`'s chain for `server` with `bugs`, changed before it runs.
    struct Run {
        chain: Vec<CertificateDer<'static>>,
        roots: Vec<CertificateDer<'static>>,
        server: bool,
        name: Option<String>,
        now: UnixTime,
        bugs: ChainBugs,
    }

    fn run_with(profile: &str, server: bool, bugs: ChainBugs) -> Run {
        let m = certs::materials(profile).expect("profile");
        Run {
            chain: if server {
                m.server.chain.clone()
            } else {
                m.client.chain.clone()
            },
            roots: m.roots.clone(),
            server,
            name: server.then(|| m.server_name.clone()),
            now: now(),
            bugs,
        }
    }

    impl Run {
        /// The roots of `profile` instead (None: unchanged).
        fn roots(mut self, profile: Option<&str>) -> Self {
            if let Some(p) = profile {
                self.roots = certs::materials(p).expect("profile").roots.clone();
            }
            self
        }

        /// Another reference name (None: unchanged).
        fn name(mut self, name: Option<&str>) -> Self {
            if let Some(n) = name {
                self.name = Some(n.to_string());
            }
            self
        }

        /// Verification at `secs` after the epoch.
        fn at(mut self, secs: u64) -> Self {
            self.now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
            self
        }

        /// The last byte of certificate `i` flipped (the end of its signature value).
        fn tamper(mut self, i: usize) -> Self {
            let mut der = self.chain[i].as_ref().to_vec();
            *der.last_mut().expect("a certificate") ^= 1;
            self.chain[i] = CertificateDer::from(der);
            self
        }

        fn go(&self) -> Result<(), Error> {
            verify_chain(
                &self.chain,
                &self.roots,
                self.now,
                self.server,
                self.name.as_deref(),
                &PolicyCache::default(),
                self.bugs,
            )
        }

        fn alert(&self) -> Option<A> {
            self.go().err().and_then(|e| e.alert())
        }
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

    /// A server chain verified now against `roots`, no name, no bug.
    fn verify_plain(
        chain: &[CertificateDer<'static>],
        roots: &[CertificateDer<'static>],
    ) -> Result<(), Error> {
        let cache = PolicyCache::default();
        verify_chain(
            chain,
            roots,
            now(),
            true,
            None,
            &cache,
            ChainBugs::default(),
        )
    }

    #[test]
    fn empty_chain_is_decode_error() {
        let e = verify_plain(&[], &[]).expect_err("empty");
        assert_eq!(e.alert(), Some(A::DecodeError));
        assert_eq!(e.misbehaviour(), Some(Misbehaviour::EmptyCertificate));
    }

    #[test]
    fn garbage_is_bad_certificate() {
        let m = certs::materials("ecdsa_p256").expect("profile");
        let garbage = [CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01])];
        let e = verify_plain(&garbage, &m.roots).expect_err("garbage");
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
            let all = ChainBugs {
                ignore_validity_dates: true,
                accept_non_ca_intermediate: true,
                skip_chain_check: false,
                ignore_certificate_policy: true,
            };
            // The bugs accept more, and must not panic either.
            let _ = verify_chain(&chain, &m.roots, now(), true, Some("localhost"), &PolicyCache::default(), all);
            let r = verify_chain(&chain, &m.roots, now(), true, Some("localhost"), &PolicyCache::default(), ChainBugs::default());
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
                ChainBugs::default(),
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
                ChainBugs::default(),
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

    /// 2100-01-01 and 2000-01-01: outside every profile's validity.
    const IN_2100: u64 = 4_102_444_800;
    const IN_2000: u64 = 946_684_800;

    fn with(f: impl FnOnce(&mut ChainBugs)) -> ChainBugs {
        let mut b = ChainBugs::default();
        f(&mut b);
        b
    }

    fn ignore_dates() -> ChainBugs {
        with(|b| b.ignore_validity_dates = true)
    }

    fn non_ca() -> ChainBugs {
        with(|b| b.accept_non_ca_intermediate = true)
    }

    fn skip_chain() -> ChainBugs {
        with(|b| b.skip_chain_check = true)
    }

    fn no_policy() -> ChainBugs {
        with(|b| b.ignore_certificate_policy = true)
    }

    /// `bug_ignore_validity_dates`: each date profile is rejected without the bug and
    /// accepted with it, and so is a good chain read long after and long before its validity.
    #[rstest]
    #[case("expired", true)]
    #[case("not_yet_valid", true)]
    #[case("expired_intermediate", true)]
    #[case("not_yet_valid_intermediate", true)]
    #[case("client_expired", false)]
    #[case("client_not_yet_valid", false)]
    #[case("ecdsa_p256", true)]
    #[case("rsa2048", false)]
    fn ignoring_validity_dates_accepts_a_chain_out_of_its_dates(
        #[case] profile: &str,
        #[case] server: bool,
    ) {
        let at = |r: Run| {
            if profile.contains("valid") || profile.contains("expired") {
                r
            } else {
                r.at(IN_2100)
            }
        };
        let clean = at(run_with(profile, server, ChainBugs::default()));
        assert_eq!(clean.alert(), Some(A::CertificateExpired), "{profile}");
        let bugged = at(run_with(profile, server, ignore_dates()));
        assert!(bugged.go().is_ok(), "{profile}: {:?}", bugged.go());
        let before = run_with("ecdsa_p256", true, ignore_dates()).at(IN_2000);
        assert!(before.go().is_ok(), "{:?}", before.go());
    }

    /// `bug_ignore_validity_dates` and `bug_accept_non_ca_intermediate` keep every other
    /// check: each of these server chains is still rejected with its alert.
    #[rstest]
    #[case::dates_unknown_root(ignore_dates(), "unknown_root", A::UnknownCa)]
    #[case::dates_missing_intermediate(ignore_dates(), "missing_intermediate", A::UnknownCa)]
    #[case::dates_tampered(ignore_dates(), "tampered_signature", A::BadCertificate)]
    #[case::dates_ca_false(ignore_dates(), "intermediate_ca_false", A::BadCertificate)]
    #[case::dates_name(ignore_dates(), "name_mismatch", A::BadCertificate)]
    #[case::dates_eku(ignore_dates(), "eku_client_auth_only", A::UnsupportedCertificate)]
    #[case::dates_ku(ignore_dates(), "ku_no_digital_signature", A::UnsupportedCertificate)]
    #[case::non_ca_path_len(non_ca(), "path_len_exceeded", A::BadCertificate)]
    #[case::non_ca_v1(non_ca(), "v1_intermediate", A::BadCertificate)]
    #[case::non_ca_leaf_as_ca(non_ca(), "leaf_as_ca", A::BadCertificate)]
    #[case::non_ca_no_key_cert_sign(non_ca(), "intermediate_no_key_cert_sign", A::BadCertificate)]
    #[case::non_ca_expired(non_ca(), "expired_intermediate", A::CertificateExpired)]
    #[case::non_ca_ca_as_leaf(non_ca(), "ca_as_leaf", A::UnsupportedCertificate)]
    #[case::non_ca_unknown_root(non_ca(), "unknown_root", A::UnknownCa)]
    fn a_chain_bug_keeps_the_other_checks(
        #[case] b: ChainBugs,
        #[case] profile: &str,
        #[case] alert: A,
    ) {
        assert_eq!(run_with(profile, true, b).alert(), Some(alert), "{profile}");
    }

    /// `bug_ignore_validity_dates` checks everything but the dates.
    #[test]
    fn ignoring_validity_dates_still_checks_the_rest() {
        let b = ignore_dates();
        // An expired leaf with another date defect absent but another fault present.
        let expired = || run_with("expired", true, b);
        assert_eq!(expired().roots(Some("rsa2048")).alert(), Some(A::UnknownCa));
        assert_eq!(expired().tamper(0).alert(), Some(A::BadCertificate));
        assert_eq!(
            expired().name(Some("other.example")).alert(),
            Some(A::BadCertificate)
        );
        let client = run_with("client_expired", false, b).roots(Some("rsa2048"));
        assert_eq!(client.alert(), Some(A::UnknownCa));
    }

    /// `bug_accept_non_ca_intermediate`: a non-CA issuer is rejected without the bug and
    /// accepted with it, server and client chains alike.
    #[rstest]
    #[case("intermediate_ca_false", true)]
    #[case("intermediate_no_basic_constraints", true)]
    #[case("client_intermediate_ca_false", false)]
    fn accepting_a_non_ca_intermediate(#[case] profile: &str, #[case] server: bool) {
        let clean = run_with(profile, server, ChainBugs::default());
        assert_eq!(clean.alert(), Some(A::BadCertificate), "{profile}");
        let bugged = run_with(profile, server, non_ca());
        assert!(bugged.go().is_ok(), "{profile}: {:?}", bugged.go());
    }

    /// `bug_accept_non_ca_intermediate` checks everything but basicConstraints: signatures,
    /// anchors, dates and names of both halves, path length, version and keyUsage.
    #[test]
    fn accepting_a_non_ca_intermediate_still_checks_the_rest() {
        let b = non_ca();
        let ca_false = || run_with("intermediate_ca_false", true, b);
        assert_eq!(ca_false().tamper(0).alert(), Some(A::BadCertificate));
        assert_eq!(ca_false().tamper(1).alert(), Some(A::BadCertificate));
        assert_eq!(
            ca_false().roots(Some("rsa2048")).alert(),
            Some(A::UnknownCa)
        );
        assert_eq!(ca_false().at(IN_2100).alert(), Some(A::CertificateExpired));
        assert_eq!(
            ca_false().name(Some("other.example")).alert(),
            Some(A::BadCertificate)
        );
        let client = run_with("client_intermediate_ca_false", false, b);
        assert_eq!(client.tamper(1).alert(), Some(A::BadCertificate));
        assert!(run_with("ecdsa_p256", true, b).go().is_ok());
    }

    /// `bug_skip_chain_check`: every profile's chain is taken, for both sides, even bytes
    /// that are no certificate; an empty chain is still a decode_error.
    #[test]
    fn skipping_the_chain_check_takes_any_chain() {
        for p in certs::profiles() {
            for server in [true, false] {
                let r = run_with(p.name, server, skip_chain());
                assert!(r.go().is_ok(), "{} {server}: {:?}", p.name, r.go());
                let r = r.roots(Some("rsa2048")).name(Some("other.example"));
                assert!(r.go().is_ok(), "{} {server}: {:?}", p.name, r.go());
            }
        }
        let garbage = [CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01])];
        let cache = PolicyCache::default();
        assert!(verify_chain(&garbage, &[], now(), true, None, &cache, skip_chain()).is_ok());
        let e = verify_chain(&[], &[], now(), true, None, &cache, skip_chain()).expect_err("empty");
        assert_eq!(e.alert(), Some(A::DecodeError));
        assert!(cache.is_empty());
    }

    /// The profiles only the strict policy rejects (webpki takes them), with the side that
    /// verifies them (true: the client, of a server chain).
    const POLICY_ONLY: &[(&str, bool)] = &[
        ("ku_no_digital_signature", true),
        ("ku_no_digital_signature_rsa", true),
        ("intermediate_no_key_cert_sign", true),
        ("rsa1024_leaf", true),
        ("serial_negative", true),
        ("serial_zero", true),
        ("serial_zero_length", true),
        ("generalized_time_before_2050", true),
        ("empty_subject_noncritical_san", true),
        ("client_ku_no_digital_signature", false),
        ("client_empty_subject_noncritical_san", false),
    ];

    /// `bug_ignore_certificate_policy`: the profiles only the policy rejects are accepted;
    /// every other bad profile is still rejected (by webpki).
    #[test]
    fn ignoring_the_policy_leaves_webpki_checks() {
        let mut accepted = Vec::new();
        for p in certs::profiles().iter().filter(|p| !p.is_good()) {
            let server = !p.name.starts_with("client_");
            if matches!(p.name, "extra_unrelated_certs" | "intermediates_reordered") {
                continue;
            }
            assert!(
                run_with(p.name, server, ChainBugs::default()).go().is_err(),
                "{}",
                p.name
            );
            if run_with(p.name, server, no_policy()).go().is_ok() {
                accepted.push((p.name, server));
            }
        }
        assert_eq!(accepted, POLICY_ONLY);
        for (profile, alert) in [
            ("tampered_signature", A::BadCertificate),
            ("expired", A::CertificateExpired),
            ("unknown_root", A::UnknownCa),
            ("intermediate_ca_false", A::BadCertificate),
        ] {
            assert_eq!(
                run_with(profile, true, no_policy()).alert(),
                Some(alert),
                "{profile}"
            );
        }
    }

    /// The bugs' switches are the knobs of the same names.
    #[test]
    fn chain_bugs_come_from_the_knobs() {
        assert_eq!(
            ChainBugs::from_knobs(&crate::knobs::Knobs::default()),
            ChainBugs::default()
        );
        for (knob, want) in [
            ("bug_ignore_validity_dates", ignore_dates()),
            ("bug_accept_non_ca_intermediate", non_ca()),
            ("bug_skip_chain_check", skip_chain()),
            ("bug_ignore_certificate_policy", no_policy()),
        ] {
            let mut k = crate::knobs::Knobs::default();
            k.set(knob, "true").expect("a knob");
            assert_eq!(ChainBugs::from_knobs(&k), want, "{knob}");
        }
    }
}
