//! Strict certificate checks around rustls-webpki.
//!
//! webpki validates the path (signatures, dates, anchors, basicConstraints, name constraints,
//! EKU, names) and deliberately tolerates a number of defects that the strict reading of
//! RFC 5280, RFC 8446 4.4.2.2 and the CA/Browser Forum Baseline Requirements (BR) rejects.
//! This module checks those, one function per certificate role, and says for each failure
//! which rule it breaks and which alert (RFC 8446 6.2) answers it:
//!
//! | failure                                                   | alert                     |
//! |-----------------------------------------------------------|---------------------------|
//! | DER / structure of the certificate (RFC 5280 4.1, 4.2)    | `bad_certificate`         |
//! | sender's certificate not first (RFC 8446 4.4.2)           | `bad_certificate`         |
//! | CA key usage without keyCertSign (RFC 5280 6.1.4 (n))     | `bad_certificate`         |
//! | MD5 / SHA-1 signature (RFC 8446 4.4.2.4)                  | `bad_certificate`         |
//! | RSASSA-PSS parameters malformed (RFC 4055 3.1)            | `bad_certificate`         |
//! | server leaf without subjectAltName (RFC 9525 6.3, BR)     | `bad_certificate`         |
//! | leaf key usage without digitalSignature (RFC 8446 4.4.2.2)| `unsupported_certificate` |
//! | CA certificate as the leaf (BR 7.1.2.7.8)                 | `unsupported_certificate` |
//! | other signature algorithm, key type, curve or size        | `unsupported_certificate` |
//!
//! Nothing here panics on any input: the DER is parsed by `x509-parser`, every failure of
//! which is a [`PolicyError`].

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::OnceLock;

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, X509Version};

use crate::error::AlertDescription as A;

/// Which end entity is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A TLS server's certificate, checked by the client (serverAuth).
    Server,
    /// A TLS client's certificate, checked by the server (clientAuth).
    Client,
}

/// A certificate that the strict policy rejects, with the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The DER does not parse as a certificate (RFC 5280 4.1).
    #[error("certificate does not parse (RFC 5280 4.1): {0}")]
    Malformed(String),
    /// RFC 5280 4.1.2.2: the serial number MUST be a positive integer, at most 20 octets;
    /// X.690 8.3: an INTEGER has one or more content octets, minimally encoded.
    #[error("serial number {0} (RFC 5280 4.1.2.2: a positive integer of at most 20 octets)")]
    Serial(&'static str),
    /// RFC 8446 4.4.2.2 (end entity: "MUST be X.509v3"), RFC 5280 6.1.4 (k) (a v1/v2 CA is
    /// rejected unless verified out of band).
    #[error(
        "X.509 version {0} certificate (RFC 8446 4.4.2.2, RFC 5280 6.1.4 (k): X.509v3 required)"
    )]
    Version(u32),
    /// RFC 5280 4.1.2.5: dates through 2049 MUST be UTCTime, from 2050 GeneralizedTime.
    #[error(
        "validity {0} is encoded as {1} (RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050)"
    )]
    TimeEncoding(&'static str, &'static str),
    /// RFC 5280 4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
    #[error("signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)")]
    SignatureAlgorithmMismatch,
    /// RFC 5280 4.1.2.4: the issuer field MUST contain a non-empty distinguished name.
    #[error("empty issuer name (RFC 5280 4.1.2.4)")]
    EmptyIssuer,
    /// RFC 5280 4.1.2.6 / 4.2.1.6: an empty subject needs a critical subjectAltName.
    #[error(
        "empty subject with {0} (RFC 5280 4.2.1.6: the subjectAltName MUST then be present and critical)"
    )]
    EmptySubject(&'static str),
    /// RFC 5280 4.2: at most one instance of an extension.
    #[error("extension {0} appears more than once (RFC 5280 4.2)")]
    DuplicateExtension(String),
    /// RFC 5280 4.2.1: a known extension whose value does not parse.
    #[error("extension {0} is malformed (RFC 5280 4.2.1)")]
    MalformedExtension(String),
    /// RFC 5280 4.2.1.6: an iPAddress is 4 or 16 octets; the extension holds at least one name.
    #[error("subjectAltName {0} (RFC 5280 4.2.1.6)")]
    BadSubjectAltName(String),
    /// RFC 9525 6.3 (CN-IDs are not used), BR 7.1.2.7.12: a server certificate names its
    /// host in the subjectAltName.
    #[error("server certificate without subjectAltName (RFC 9525 6.3, CABF BR 7.1.2.7.12)")]
    NoSubjectAltName,
    /// RFC 8446 4.4.2: the sender's certificate MUST come in the first CertificateEntry.
    #[error(
        "the first certificate is a CA that issued a later one: the sender's certificate is not first (RFC 8446 4.4.2)"
    )]
    LeafNotFirst,
    /// BR 7.1.2.7.8: a subscriber certificate has cA FALSE.
    #[error("the end-entity certificate is a CA certificate (CABF BR 7.1.2.7.8)")]
    CaAsLeaf,
    /// RFC 8446 4.4.2.2 / RFC 5280 4.2.1.3: the leaf's key usage must allow signatures.
    #[error("end-entity keyUsage lacks digitalSignature (RFC 8446 4.4.2.2, RFC 5280 4.2.1.3)")]
    NoDigitalSignature,
    /// RFC 5280 4.2.1.3 and 6.1.4 (n): a CA key usage must include keyCertSign.
    #[error("CA keyUsage lacks keyCertSign (RFC 5280 4.2.1.3, 6.1.4 (n))")]
    NoKeyCertSign,
    /// RFC 8446 4.4.2.4: MD5 MUST, SHA-1 RECOMMENDED to be rejected with bad_certificate.
    #[error("signature algorithm {0} uses a broken hash (RFC 8446 4.4.2.4)")]
    WeakHash(String),
    /// RFC 4055 3.1: RSASSA-PSS parameters MUST be present in a signature's identifier and
    /// follow RSASSA-PSS-params (trailerField 1); RFC 5758 / 3279 / 8410 parameter rules.
    #[error(
        "signature algorithm {0}: malformed parameters (RFC 4055 3.1, RFC 5758 3.2, RFC 8410 3)"
    )]
    BadAlgorithmParameters(String),
    /// RFC 8446 4.4.2.2: a chain the client cannot use (signature algorithm not offered).
    #[error("unsupported signature algorithm {0} (RFC 8446 4.2.3, 4.4.2.2)")]
    UnsupportedSignatureAlgorithm(String),
    /// RFC 8446 4.4.2.2 and BR 6.1.5: key type, curve or size not acceptable.
    #[error("unsupported public key: {0} (RFC 8446 4.4.2.2, CABF BR 6.1.5)")]
    UnsupportedKey(String),
}

impl PolicyError {
    /// The alert RFC 8446 6.2 names for this failure.
    pub(crate) fn alert(&self) -> A {
        match self {
            Self::NoDigitalSignature
            | Self::CaAsLeaf
            | Self::UnsupportedSignatureAlgorithm(_)
            | Self::UnsupportedKey(_) => A::UnsupportedCertificate,
            Self::Malformed(_)
            | Self::Serial(_)
            | Self::Version(_)
            | Self::TimeEncoding(..)
            | Self::SignatureAlgorithmMismatch
            | Self::EmptyIssuer
            | Self::EmptySubject(_)
            | Self::DuplicateExtension(_)
            | Self::MalformedExtension(_)
            | Self::BadSubjectAltName(_)
            | Self::NoSubjectAltName
            | Self::LeafNotFirst
            | Self::NoKeyCertSign
            | Self::WeakHash(_)
            | Self::BadAlgorithmParameters(_) => A::BadCertificate,
        }
    }
}

/// The object identifiers this module compares against, in dotted form. Comparisons go
/// through [`dotted`], which matches the DER content octets against this table (parsed once),
/// so a known OID never costs a string conversion.
const KNOWN_OIDS: &[&str] = &[
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "1.2.840.113549.1.1.1",
    "1.2.840.113549.1.1.2",
    "1.2.840.113549.1.1.4",
    "1.2.840.113549.1.1.5",
    "1.2.840.113549.1.1.8",
    "1.2.840.113549.1.1.10",
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
    "1.3.14.3.2.26",
    "1.3.14.3.2.29",
    "1.2.840.10045.2.1",
    "1.2.840.10045.3.1.7",
    "1.2.840.10045.4.1",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
    "1.2.840.10040.4.3",
    "1.3.101.112",
    "1.3.132.0.34",
    "1.3.132.0.35",
    "2.16.840.1.101.3.4.2.1",
    "2.16.840.1.101.3.4.2.2",
    "2.16.840.1.101.3.4.2.3",
];

/// [`KNOWN_OIDS`] with their DER content octets, parsed once.
fn known_oids() -> &'static [(Vec<u8>, &'static str)] {
    static TABLE: OnceLock<Vec<(Vec<u8>, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        KNOWN_OIDS
            .iter()
            .filter_map(|d| Oid::from_str(d).ok().map(|o| (o.as_bytes().to_vec(), *d)))
            .collect()
    })
}

/// The dotted form of `oid`: borrowed from [`KNOWN_OIDS`] when it is one of them.
fn dotted(oid: &Oid<'_>) -> Cow<'static, str> {
    match known_oids()
        .iter()
        .find(|(der, _)| der.as_slice() == oid.as_bytes())
    {
        Some((_, d)) => Cow::Borrowed(d),
        None => Cow::Owned(oid.to_id_string()),
    }
}

/// Whether `oid` is `known`, one of [`KNOWN_OIDS`] (compared as DER content octets).
fn oid_is(oid: &Oid<'_>, known: &str) -> bool {
    known_oids()
        .iter()
        .any(|(der, d)| *d == known && der.as_slice() == oid.as_bytes())
}

const OID_KU: &str = "2.5.29.15";
const OID_SAN: &str = "2.5.29.17";
const OID_BC: &str = "2.5.29.19";

/// Checks the end-entity certificate `chain[0]` (the sender's, RFC 8446 4.4.2) for `role`.
pub(crate) fn check_end_entity(
    chain: &[CertificateDer<'_>],
    role: Role,
) -> Result<(), PolicyError> {
    let Some(first) = chain.first() else {
        return Err(PolicyError::Malformed("empty chain".into()));
    };
    let cert = parse(first)?;
    check_common(&cert)?;
    if basic_constraints_ca(&cert)? {
        // A CA first and a later certificate issued by it: the list is in the wrong order.
        let subject = cert.subject().as_raw();
        let issued_later =
            chain.iter().skip(1).filter_map(|c| parse(c).ok()).any(|c| {
                c.issuer().as_raw() == subject && c.subject().as_raw() != c.issuer().as_raw()
            });
        return Err(if issued_later {
            PolicyError::LeafNotFirst
        } else {
            PolicyError::CaAsLeaf
        });
    }
    if let Some(ku) = extension(&cert, OID_KU)? {
        match ku.parsed_extension() {
            ParsedExtension::KeyUsage(ku) if ku.digital_signature() => {}
            ParsedExtension::KeyUsage(_) => return Err(PolicyError::NoDigitalSignature),
            _ => return Err(PolicyError::MalformedExtension("keyUsage".into())),
        }
    }
    if role == Role::Server && extension(&cert, OID_SAN)?.is_none() {
        return Err(PolicyError::NoSubjectAltName);
    }
    Ok(())
}

/// Checks an intermediate (CA) certificate of the path.
pub(crate) fn check_ca(der: &[u8]) -> Result<(), PolicyError> {
    let cert = parse(der)?;
    check_common(&cert)?;
    if let Some(ku) = extension(&cert, OID_KU)? {
        match ku.parsed_extension() {
            ParsedExtension::KeyUsage(ku) if ku.key_cert_sign() => {}
            ParsedExtension::KeyUsage(_) => return Err(PolicyError::NoKeyCertSign),
            _ => return Err(PolicyError::MalformedExtension("keyUsage".into())),
        }
    }
    Ok(())
}

/// Whether `der` is a CA certificate (basicConstraints with cA TRUE); false for anything
/// that does not parse.
pub(crate) fn is_ca(der: &[u8]) -> bool {
    parse(der).is_ok_and(|c| basic_constraints_ca(&c).unwrap_or(false))
}

/// The certificates after the first that chain by name from it (issuer = subject), in path
/// order, skipping unrelated ones: what a path would most likely use. Only used to explain a
/// failed path validation; never to accept.
pub(crate) fn candidate_issuers<'a>(
    chain: &'a [CertificateDer<'a>],
) -> Vec<&'a CertificateDer<'a>> {
    let parsed: Vec<Option<X509Certificate<'_>>> = chain.iter().map(|c| parse(c).ok()).collect();
    let mut used = vec![false; chain.len()];
    let mut out = Vec::new();
    let mut current = 0usize;
    if let Some(u) = used.first_mut() {
        *u = true;
    }
    // A path longer than the chain is impossible; the bound also stops any loop.
    for _ in 0..chain.len() {
        let Some(Some(cur)) = parsed.get(current) else {
            break;
        };
        if cur.subject().as_raw() == cur.issuer().as_raw() {
            break;
        }
        let next = parsed.iter().enumerate().position(|(i, p)| {
            !used.get(i).copied().unwrap_or(true)
                && p.as_ref()
                    .is_some_and(|p| p.subject().as_raw() == cur.issuer().as_raw())
        });
        let (Some(n), Some(der)) = (next, next.and_then(|n| chain.get(n))) else {
            break;
        };
        if let Some(u) = used.get_mut(n) {
            *u = true;
        }
        out.push(der);
        current = n;
    }
    out
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, PolicyError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(PolicyError::Malformed(format!(
            "{} bytes after the certificate",
            rest.len()
        ))),
        Err(e) => Err(PolicyError::Malformed(e.to_string())),
    }
}

/// Checks for every certificate of the path: structure, then algorithms and keys.
fn check_common(cert: &X509Certificate<'_>) -> Result<(), PolicyError> {
    check_serial(cert.tbs_certificate.raw_serial())?;
    if cert.version() != X509Version::V3 {
        return Err(PolicyError::Version(cert.version().0.saturating_add(1)));
    }
    check_time("notBefore", &cert.validity().not_before)?;
    check_time("notAfter", &cert.validity().not_after)?;
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(PolicyError::SignatureAlgorithmMismatch);
    }
    if cert.issuer().iter().next().is_none() {
        return Err(PolicyError::EmptyIssuer);
    }
    check_extensions(cert)?;
    check_signature_algorithm(&cert.signature_algorithm)?;
    check_public_key(cert)?;
    Ok(())
}

fn check_serial(serial: &[u8]) -> Result<(), PolicyError> {
    match serial {
        [] => Err(PolicyError::Serial("has no content octets")),
        [first, ..] if first & 0x80 != 0 => Err(PolicyError::Serial("is negative")),
        [0] => Err(PolicyError::Serial("is zero")),
        [0, second, ..] if second & 0x80 == 0 => {
            Err(PolicyError::Serial("is not minimally encoded"))
        }
        [0, rest @ ..] if rest.len() > 20 => Err(PolicyError::Serial("is longer than 20 octets")),
        [first, ..] if *first != 0 && serial.len() > 20 => {
            Err(PolicyError::Serial("is longer than 20 octets"))
        }
        _ => Ok(()),
    }
}

fn check_time(which: &'static str, t: &x509_parser::time::ASN1Time) -> Result<(), PolicyError> {
    let year = t.to_datetime().year();
    match (year < 2050, t.is_generalizedtime()) {
        (true, true) => Err(PolicyError::TimeEncoding(
            which,
            "GeneralizedTime before 2050",
        )),
        (false, false) => Err(PolicyError::TimeEncoding(which, "UTCTime from 2050")),
        _ => Ok(()),
    }
}

fn extension<'a, 'b>(
    cert: &'b X509Certificate<'a>,
    oid: &str,
) -> Result<Option<&'b X509Extension<'a>>, PolicyError> {
    let mut found = cert.extensions().iter().filter(|e| oid_is(&e.oid, oid));
    let first = found.next();
    if found.next().is_some() {
        return Err(PolicyError::DuplicateExtension(oid.to_string()));
    }
    Ok(first)
}

fn basic_constraints_ca(cert: &X509Certificate<'_>) -> Result<bool, PolicyError> {
    match extension(cert, OID_BC)?.map(X509Extension::parsed_extension) {
        None => Ok(false),
        Some(ParsedExtension::BasicConstraints(bc)) => Ok(bc.ca),
        Some(_) => Err(PolicyError::MalformedExtension("basicConstraints".into())),
    }
}

fn check_extensions(cert: &X509Certificate<'_>) -> Result<(), PolicyError> {
    let exts = cert.extensions();
    for (i, e) in exts.iter().enumerate() {
        if exts
            .iter()
            .skip(i.saturating_add(1))
            .any(|o| o.oid == e.oid)
        {
            return Err(PolicyError::DuplicateExtension(dotted(&e.oid).into_owned()));
        }
        if let ParsedExtension::ParseError { .. } = e.parsed_extension() {
            return Err(PolicyError::MalformedExtension(dotted(&e.oid).into_owned()));
        }
    }
    let san = extension(cert, OID_SAN)?;
    if let Some(san) = san {
        let ParsedExtension::SubjectAlternativeName(names) = san.parsed_extension() else {
            return Err(PolicyError::MalformedExtension("subjectAltName".into()));
        };
        if names.general_names.is_empty() {
            return Err(PolicyError::BadSubjectAltName("is empty".into()));
        }
        for n in &names.general_names {
            if let GeneralName::IPAddress(ip) = n
                && ip.len() != 4
                && ip.len() != 16
            {
                return Err(PolicyError::BadSubjectAltName(format!(
                    "iPAddress of {} octets",
                    ip.len()
                )));
            }
        }
    }
    if cert.subject().iter().next().is_none() {
        match san {
            None => return Err(PolicyError::EmptySubject("no subjectAltName")),
            Some(s) if !s.critical => {
                return Err(PolicyError::EmptySubject("a non-critical subjectAltName"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// DER of ASN.1 NULL, the parameters of PKCS#1 v1.5 signature identifiers (RFC 4055 5).
fn params_null(alg: &AlgorithmIdentifier<'_>) -> bool {
    alg.parameters
        .as_ref()
        .is_some_and(|p| p.header.tag().0 == 5 && p.data.is_empty())
}

fn check_signature_algorithm(alg: &AlgorithmIdentifier<'_>) -> Result<(), PolicyError> {
    let oid = dotted(&alg.algorithm);
    let name = |n: &str| format!("{n} ({oid})");
    match oid.as_ref() {
        // RFC 8446 4.4.2.4: MD5 and SHA-1 in any signature algorithm.
        "1.2.840.113549.1.1.2" | "1.2.840.113549.1.1.4" => {
            Err(PolicyError::WeakHash(name("md2/md5WithRSAEncryption")))
        }
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => {
            Err(PolicyError::WeakHash(name("sha1WithRSAEncryption")))
        }
        "1.2.840.10045.4.1" => Err(PolicyError::WeakHash(name("ecdsa-with-SHA1"))),
        "1.2.840.10040.4.3" => Err(PolicyError::WeakHash(name("dsa-with-sha1"))),
        // PKCS#1 v1.5 with SHA-2 (RFC 4055 5: parameters NULL).
        "1.2.840.113549.1.1.11" | "1.2.840.113549.1.1.12" | "1.2.840.113549.1.1.13" => {
            if params_null(alg) {
                Ok(())
            } else {
                Err(PolicyError::BadAlgorithmParameters(name(
                    "sha2WithRSAEncryption",
                )))
            }
        }
        // ECDSA with SHA-2 (RFC 5758 3.2: parameters absent).
        "1.2.840.10045.4.3.2" | "1.2.840.10045.4.3.3" | "1.2.840.10045.4.3.4" => {
            if alg.parameters.is_none() {
                Ok(())
            } else {
                Err(PolicyError::BadAlgorithmParameters(name("ecdsa-with-SHA2")))
            }
        }
        // Ed25519 (RFC 8410 3: parameters absent).
        "1.3.101.112" => {
            if alg.parameters.is_none() {
                Ok(())
            } else {
                Err(PolicyError::BadAlgorithmParameters(name("Ed25519")))
            }
        }
        "1.2.840.113549.1.1.10" => check_pss(alg),
        _ => Err(PolicyError::UnsupportedSignatureAlgorithm(oid.into_owned())),
    }
}

/// RFC 4055 3.1 (structure) and RFC 8446 4.2.3 / BR 7.1.3.2 (SHA-256/384/512, MGF1 with the
/// same hash, salt as long as the hash).
fn check_pss(alg: &AlgorithmIdentifier<'_>) -> Result<(), PolicyError> {
    let bad = |why: &str| PolicyError::BadAlgorithmParameters(format!("RSASSA-PSS: {why}"));
    let Some(any) = alg.parameters.as_ref() else {
        return Err(bad("parameters absent"));
    };
    let params = RsaSsaPssParams::try_from(any).map_err(|_| bad("parameters do not parse"))?;
    if params.trailer_field() != 1 {
        return Err(bad("trailerField is not 1"));
    }
    let hash = dotted(params.hash_algorithm_oid());
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| bad("maskGenAlgorithm does not parse"))?;
    if dotted(&mgf.mgf) != "1.2.840.113549.1.1.8" {
        return Err(PolicyError::UnsupportedSignatureAlgorithm(format!(
            "RSASSA-PSS with mask generation {}",
            mgf.mgf
        )));
    }
    let mgf_hash = dotted(&mgf.hash);
    let salt = match hash.as_ref() {
        "1.3.14.3.2.26" => return Err(PolicyError::WeakHash("RSASSA-PSS with SHA-1".into())),
        "2.16.840.1.101.3.4.2.1" => 32,
        "2.16.840.1.101.3.4.2.2" => 48,
        "2.16.840.1.101.3.4.2.3" => 64,
        _ => {
            return Err(PolicyError::UnsupportedSignatureAlgorithm(format!(
                "RSASSA-PSS with hash {hash}"
            )));
        }
    };
    if mgf_hash != hash || params.salt_length() != salt {
        return Err(PolicyError::UnsupportedSignatureAlgorithm(format!(
            "RSASSA-PSS with hash {hash}, MGF1 hash {mgf_hash}, salt {}",
            params.salt_length()
        )));
    }
    Ok(())
}

fn check_public_key(cert: &X509Certificate<'_>) -> Result<(), PolicyError> {
    let spki = cert.public_key();
    let alg = dotted(&spki.algorithm.algorithm);
    let unsupported = |why: String| Err(PolicyError::UnsupportedKey(why));
    match alg.as_ref() {
        "1.2.840.113549.1.1.1" => {
            let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
                return Err(PolicyError::Malformed(
                    "RSA public key does not parse".into(),
                ));
            };
            let bits = bit_length(rsa.modulus);
            if bits < 2048 {
                return unsupported(format!("RSA modulus of {bits} bits (at least 2048)"));
            }
            if !bits.is_multiple_of(8) {
                return unsupported(format!("RSA modulus of {bits} bits (not a multiple of 8)"));
            }
            let e = rsa.exponent;
            if e.last().is_none_or(|b| b & 1 == 0) || bit_length(e) < 2 {
                return unsupported("RSA public exponent not an odd number of at least 3".into());
            }
            Ok(())
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| dotted(&o))
                .unwrap_or_default();
            match curve.as_ref() {
                // secp256r1, secp384r1, secp521r1 (RFC 8446 4.2.3, BR 6.1.5).
                "1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35" => Ok(()),
                "" => unsupported("EC key without a named curve".into()),
                _ => unsupported(format!("EC key on curve {curve}")),
            }
        }
        "1.3.101.112" => Ok(()),
        _ => unsupported(format!("key algorithm {alg}")),
    }
}

/// Bits in a big-endian unsigned integer, leading zero octets ignored.
fn bit_length(be: &[u8]) -> usize {
    let mut it = be.iter().skip_while(|b| **b == 0);
    match it.next() {
        None => 0,
        Some(first) => {
            let rest = it.count();
            rest.saturating_mul(8)
                .saturating_add(8usize.saturating_sub(first.leading_zeros() as usize))
        }
    }
}

#[cfg(test)]
mod tests;
