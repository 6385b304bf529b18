//! Certificate path validation with rustls-webpki, and the alert mapping of its errors.

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use crate::error::{alert, AlertCode, Error, ErrorKind};

/// Signature algorithms accepted in certificate chains (includes RSA PKCS#1).
static CHAIN_ALGS: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = webpki::ALL_VERIFICATION_ALGS;

/// The alert RFC 8446 6.2 suggests for a webpki error (same mapping as rustls).
#[allow(deprecated)]
pub fn alert_for(e: &webpki::Error) -> AlertCode {
    use webpki::Error as E;
    match e {
        E::BadDer | E::BadDerTime | E::UnsupportedCriticalExtension | E::CertNotValidForName(_) | E::TrailingData(_)
        | E::MalformedExtensions | E::UnsupportedCertVersion => alert::BAD_CERTIFICATE,
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => alert::CERTIFICATE_EXPIRED,
        E::UnknownIssuer => alert::UNKNOWN_CA,
        E::CertRevoked => alert::CERTIFICATE_REVOKED,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => alert::BAD_CERTIFICATE,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => alert::UNSUPPORTED_CERTIFICATE,
        _ => alert::CERTIFICATE_UNKNOWN,
    }
}

/// Validate `chain` (end-entity first) against `roots` at `now` for `usage`, and, if
/// given, against `name`. Errors carry the alert to send.
pub fn verify_chain(
    chain: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
    now: UnixTime,
    server: bool,
    name: Option<&str>,
) -> Result<(), Error> {
    let Some(ee_der) = chain.first() else {
        return Err(Error::alert(alert::DECODE_ERROR, "empty certificate chain"));
    };
    let anchors: Vec<_> = roots.iter().filter_map(|r| webpki::anchor_from_trusted_cert(r).ok()).collect();
    let ee = EndEntityCert::try_from(ee_der).map_err(|e| cert_err(&e, "end-entity certificate does not parse"))?;
    let intermediates = chain.get(1..).unwrap_or(&[]);
    let usage = if server { KeyUsage::server_auth() } else { KeyUsage::client_auth() };
    ee.verify_for_usage(CHAIN_ALGS, &anchors, intermediates, now, usage, None, None)
        .map_err(|e| cert_err(&e, "certificate path validation failed"))?;
    if let Some(name) = name {
        let sn = ServerName::try_from(name.to_string())
            .map_err(|_| Error::config(format!("server name {name:?} is neither a DNS name nor an IP address")))?;
        ee.verify_is_valid_for_subject_name(&sn)
            .map_err(|e| cert_err(&e, &format!("certificate not valid for name {name:?}")))?;
    }
    Ok(())
}

fn cert_err(e: &webpki::Error, what: &str) -> Error {
    let mut err = Error::alert(alert_for(e), format!("{what}: {e:?}"));
    err.kind = ErrorKind::Certificate;
    err
}
