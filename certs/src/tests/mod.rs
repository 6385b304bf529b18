#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rcgen::PublicKeyData;
use rstest::rstest;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{AlgorithmIdentifier, CertificateDer, ServerName, UnixTime, alg_id};
use time::macros::datetime;
use webpki::{EndEntityCert, KeyUsage};

use super::*;
use crate::keys::KeyStore;
use crate::spec::{Tamper, Validity};

mod records;

/// A fixed verification time inside every good certificate's validity.
fn at() -> UnixTime {
    let secs = datetime!(2026-06-01 0:00 UTC).unix_timestamp();
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap()))
}

fn anchors(roots: &[CertificateDer<'static>]) -> Vec<rustls_pki_types::TrustAnchor<'static>> {
    roots
        .iter()
        .map(|r| webpki::anchor_from_trusted_cert(r).unwrap().to_owned())
        .collect()
}

/// webpki's path check of `ee` with `intermediates` up to `roots`, at [`at`].
fn check_path(
    ee: &EndEntityCert<'_>,
    intermediates: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
    usage: KeyUsage,
) -> Result<(), webpki::Error> {
    let anchors = anchors(roots);
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        intermediates,
        at(),
        usage,
        None,
        None,
    )
    .map(|_| ())
}

fn verify(
    chain: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
    usage: KeyUsage,
    name: Option<&str>,
) -> Result<(), webpki::Error> {
    let ee = EndEntityCert::try_from(&chain[0])?;
    check_path(&ee, &chain[1..], roots, usage)?;
    if let Some(name) = name {
        ee.verify_is_valid_for_subject_name(&ServerName::try_from(name).unwrap())?;
    }
    Ok(())
}

/// The server chain of `m` verified for the reference name localhost.
fn verify_server(m: &Materials) -> Result<(), webpki::Error> {
    verify(
        &m.server.chain,
        &m.roots,
        KeyUsage::server_auth(),
        Some("localhost"),
    )
}

// ---- a minimal DER reader, enough to take certificates apart -----------------------------

/// Splits one TLV off `input`: (tag, content, whole TLV, rest).
fn tlv(input: &[u8]) -> (u8, &[u8], &[u8], &[u8]) {
    let tag = input[0];
    let (len, hdr) = match input[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => ((usize::from(input[2]) << 8) | usize::from(input[3]), 4),
        n => panic!("length form {n:#x} not handled"),
    };
    (
        tag,
        &input[hdr..hdr + len],
        &input[..hdr + len],
        &input[hdr + len..],
    )
}

/// The elements of a SEQUENCE's content.
fn elements(mut content: &[u8]) -> Vec<(u8, &[u8], &[u8])> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tag, inner, whole, rest) = tlv(content);
        out.push((tag, inner, whole));
        content = rest;
    }
    out
}

struct Parsed<'a> {
    tbs: &'a [u8],
    serial: &'a [u8],
    issuer: &'a [u8],
    validity: &'a [u8],
    subject: &'a [u8],
    spki_alg: &'a [u8],
    sig_alg: &'a [u8],
    /// (oid content, critical, value)
    extensions: Vec<(&'a [u8], bool, &'a [u8])>,
}

fn parse(cert: &[u8]) -> Parsed<'_> {
    let (_, cert, _, _) = tlv(cert);
    let top = elements(cert);
    let mut tbs = elements(top[0].1);
    if tbs[0].0 != 0xa0 {
        // v1: no version field; keep the indexes of v3.
        tbs.insert(0, (0xa0, &[], &[]));
    }
    let spki = elements(tbs[6].1);
    let mut extensions = Vec::new();
    if let Some(exts) = tbs.get(7) {
        assert_eq!(exts.0, 0xa3);
        let (_, seq, _, _) = tlv(exts.1);
        for (_, ext, _) in elements(seq) {
            let parts = elements(ext);
            let (critical, value) = if parts.len() == 3 {
                (parts[1].1 == [0xff], parts[2].1)
            } else {
                (false, parts[1].1)
            };
            extensions.push((parts[0].1, critical, value));
        }
    }
    Parsed {
        tbs: top[0].2,
        serial: tbs[1].1,
        issuer: tbs[3].2,
        validity: tbs[4].2,
        subject: tbs[5].2,
        spki_alg: spki[0].1,
        sig_alg: top[1].1,
        extensions,
    }
}

const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];

fn spki_alg(key: KeyType) -> AlgorithmIdentifier {
    match key {
        KeyType::EcdsaP256 => alg_id::ECDSA_P256,
        KeyType::EcdsaP384 => alg_id::ECDSA_P384,
        KeyType::Rsa2048 => alg_id::RSA_ENCRYPTION,
        KeyType::Ed25519 => alg_id::ED25519,
    }
}

fn sig_alg(key: KeyType) -> AlgorithmIdentifier {
    match key {
        KeyType::EcdsaP256 => alg_id::ECDSA_SHA256,
        KeyType::EcdsaP384 => alg_id::ECDSA_SHA384,
        KeyType::Rsa2048 => alg_id::RSA_PKCS1_SHA256,
        KeyType::Ed25519 => alg_id::ED25519,
    }
}

// ---- good profiles ---------------------------------------------------------------------

#[test]
fn good_server_chain_verifies() {
    for key in KeyType::ALL {
        for name in ["localhost", "127.0.0.1"] {
            let m = materials(good_profile(key)).unwrap();
            assert_eq!(m.server_name, "localhost");
            assert_eq!(m.server.chain.len(), 2, "leaf + intermediate");
            verify(
                &m.server.chain,
                &m.roots,
                KeyUsage::server_auth(),
                Some(name),
            )
            .unwrap_or_else(|e| panic!("{key} for {name}: {e:?}"));
        }
    }
}

#[test]
fn good_client_chain_verifies() {
    for key in KeyType::ALL {
        let m = materials(good_profile(key)).unwrap();
        verify(&m.client.chain, &m.roots, KeyUsage::client_auth(), None)
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        // The client leaf is not a server certificate, and vice versa.
        for (chain, usage) in [
            (&m.client.chain, KeyUsage::server_auth()),
            (&m.server.chain, KeyUsage::client_auth()),
        ] {
            let r = verify(chain, &m.roots, usage, None);
            assert!(
                matches!(r, Err(webpki::Error::RequiredEkuNotFoundContext(_))),
                "{key}: {r:?}"
            );
        }
    }
}

#[test]
fn keys_are_what_they_claim() {
    for key in KeyType::ALL {
        let m = materials(good_profile(key)).unwrap();
        assert_eq!(m.server.key_type, key);
        assert_eq!(m.client.key_type, key);
        let all = m.server.chain.iter().chain(&m.client.chain).chain(&m.roots);
        for cert in all {
            let p = parse(cert);
            assert_eq!(p.spki_alg, spki_alg(key).as_ref(), "{key}: SPKI algorithm");
            assert_eq!(
                p.sig_alg,
                sig_alg(key).as_ref(),
                "{key}: signature algorithm"
            );
        }
        // Each identity's private key is the key of its leaf.
        for id in [&m.server, &m.client] {
            let pair =
                rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&id.key, keys::default_alg(key))
                    .unwrap();
            let ee = EndEntityCert::try_from(&id.chain[0]).unwrap();
            assert_eq!(
                pair.subject_public_key_info(),
                ee.subject_public_key_info().as_ref()
            );
            // The PEM forms say the same as the DER forms.
            let from_pem = PrivatePkcs8KeyDer::from_pem_slice(id.key_pem.as_bytes()).unwrap();
            assert_eq!(from_pem.secret_pkcs8_der(), id.key.secret_pkcs8_der());
            let chain: Vec<_> = CertificateDer::pem_slice_iter(id.chain_pem.as_bytes())
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(chain, id.chain);
        }
        let roots: Vec<_> = CertificateDer::pem_slice_iter(m.roots_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(roots, m.roots);
    }
}

#[test]
fn ca_constraints() {
    for key in KeyType::ALL {
        let m = materials(good_profile(key)).unwrap();
        let ext = |cert: &CertificateDer<'_>, oid: &[u8]| {
            parse(cert)
                .extensions
                .iter()
                .find(|e| e.0 == oid)
                .map(|e| (e.1, e.2.to_vec()))
        };
        let root = &m.roots[0];
        let intermediate = &m.server.chain[1];
        // SEQUENCE { BOOLEAN TRUE }, critical
        assert_eq!(
            ext(root, OID_BASIC_CONSTRAINTS),
            Some((true, vec![0x30, 0x03, 0x01, 0x01, 0xff]))
        );
        // SEQUENCE { BOOLEAN TRUE, INTEGER 0 }, critical
        assert_eq!(
            ext(intermediate, OID_BASIC_CONSTRAINTS),
            Some((true, vec![0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00]))
        );
        // keyCertSign (bit 5) + cRLSign (bit 6)
        assert_eq!(
            ext(root, OID_KEY_USAGE),
            Some((true, vec![0x03, 0x02, 0x01, 0x06]))
        );
        // server: digitalSignature (bit 0) [+ keyEncipherment (bit 2) for RSA]
        let server_ku = if key == KeyType::Rsa2048 {
            vec![0x03, 0x02, 0x05, 0xa0]
        } else {
            vec![0x03, 0x02, 0x07, 0x80]
        };
        assert_eq!(
            ext(&m.server.chain[0], OID_KEY_USAGE),
            Some((true, server_ku))
        );
        assert_eq!(ext(&m.server.chain[0], OID_BASIC_CONSTRAINTS), None);
    }
}

// ---- bad profiles ----------------------------------------------------------------------

#[test]
fn expired_is_rejected() {
    let m = materials("expired").unwrap();
    let err = verify_server(&m).unwrap_err();
    assert!(matches!(err, webpki::Error::CertExpired { .. }), "{err:?}");
    // Only the server leaf is broken.
    verify(&m.client.chain, &m.roots, KeyUsage::client_auth(), None).unwrap();
}

#[test]
fn name_mismatch_is_rejected() {
    let m = materials("name_mismatch").unwrap();
    // The chain itself is fine ...
    verify(&m.server.chain, &m.roots, KeyUsage::server_auth(), None).unwrap();
    // ... but it is not for localhost, nor 127.0.0.1.
    for name in ["localhost", "127.0.0.1"] {
        let err = verify(
            &m.server.chain,
            &m.roots,
            KeyUsage::server_auth(),
            Some(name),
        )
        .unwrap_err();
        assert!(
            matches!(err, webpki::Error::CertNotValidForName(_)),
            "{name}: {err:?}"
        );
    }
}

/// The post-signing tamper path, on a profile defined only here.
#[test]
fn tampered_signature_is_rejected() {
    static CERTS: &[CertSpec] = &[
        ROOT,
        INTERMEDIATE,
        CertSpec {
            tamper: &[Tamper::FlipLastSignatureByte],
            ..SERVER
        },
        CLIENT,
    ];
    let profile = Profile {
        name: "test_tampered",
        description: "test",
        breaks: Some("RFC 5280 6.1.3 (a)(1): the signature must verify"),
        key_type: KeyType::Ed25519,
        chain: standard_chain(CERTS),
    };
    let built = generate::build(&profile, embedded_keys().unwrap()).unwrap();
    let m = built.materials;
    let err = verify_server(&m).unwrap_err();
    assert!(
        matches!(err, webpki::Error::InvalidSignatureForPublicKey),
        "{err:?}"
    );
}

#[test]
fn bad_spec_references_are_errors() {
    static CERTS: &[CertSpec] = &[
        ROOT,
        CertSpec {
            issuer: "nowhere",
            ..SERVER
        },
    ];
    let profile = Profile {
        name: "test_dangling",
        description: "test",
        breaks: None,
        key_type: KeyType::EcdsaP256,
        chain: standard_chain(CERTS),
    };
    let Err(err) = generate::build(&profile, embedded_keys().unwrap()) else {
        panic!("dangling issuer accepted");
    };
    let msg = err.to_string();
    assert!(
        msg.contains("test_dangling") && msg.contains("server") && msg.contains("nowhere"),
        "{msg}"
    );
}

// ---- the table, the API ----------------------------------------------------------------

#[test]
fn profile_table_is_consistent() {
    let names: Vec<_> = profiles().iter().map(|p| p.name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "duplicate profile names");
    for key in KeyType::ALL {
        let p = profile(good_profile(key)).unwrap();
        assert!(p.is_good());
        assert_eq!(p.key_type, key);
    }
    for p in profiles() {
        if let Some(rule) = p.breaks {
            assert!(
                rule.contains("RFC") || rule.contains("CABF"),
                "{}: {rule}",
                p.name
            );
        }
        // Every profile generates.
        materials(p.name).unwrap();
    }
}

#[test]
fn unknown_profile_error_names_it_and_lists_valid_ones() {
    let err = materials("nope").unwrap_err().to_string();
    assert!(err.contains("\"nope\""), "{err}");
    for p in profiles() {
        assert!(err.contains(p.name), "{err}");
    }
}

#[test]
fn materials_are_cached() {
    let a = materials("ecdsa_p256").unwrap();
    let b = materials("ecdsa_p256").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn key_type_names() {
    for key in KeyType::ALL {
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, format!("\"{key}\""));
        assert_eq!(serde_json::from_str::<KeyType>(&json).unwrap(), key);
        assert_eq!(key.to_string().parse::<KeyType>().unwrap(), key);
        assert_eq!(good_profile(key), key.to_string());
    }
    let err = "rsa1024".parse::<KeyType>().unwrap_err().to_string();
    assert!(err.contains("rsa1024") && err.contains("ed25519"), "{err}");
}

// ---- fixtures --------------------------------------------------------------------------

#[test]
fn committed_key_fixtures_parse() {
    let store = KeyStore::embedded().unwrap();
    assert_eq!(
        store.iter().count(),
        KeyType::ALL.len() * KeyRole::ALL.len()
    );
    for (key_type, role, der) in store.iter() {
        let pem = store.pem(key_type, role).unwrap();
        // Written by us, so byte-identical to the committed file.
        let committed = keys::EMBEDDED
            .iter()
            .find(|(k, r, _)| *k == key_type && *r == role)
            .unwrap()
            .2;
        assert_eq!(pem, committed, "{}", key_file_name(key_type, role));
        let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(der, keys::default_alg(key_type));
        assert!(pair.is_ok(), "{}", key_file_name(key_type, role));
    }
}

#[test]
fn regeneration_gives_the_same_tbs_fields() {
    let keys = embedded_keys().unwrap();
    for p in profiles() {
        let a = generate::build(p, keys).unwrap();
        let b = generate::build(p, keys).unwrap();
        assert_eq!(a.certs.len(), b.certs.len());
        for ((id, x), (_, y)) in a.certs.iter().zip(&b.certs) {
            let (x, y) = (parse(x), parse(y));
            assert_eq!(x.subject, y.subject, "{} {id}", p.name);
            assert_eq!(x.issuer, y.issuer, "{} {id}", p.name);
            assert_eq!(x.serial, y.serial, "{} {id}", p.name);
            assert_eq!(x.validity, y.validity, "{} {id}", p.name);
            // Everything but the signature is reproducible.
            assert_eq!(x.tbs, y.tbs, "{} {id}", p.name);
        }
    }
}

#[test]
fn fixed_fields() {
    let m = materials("ecdsa_p256").unwrap();
    let leaf = parse(&m.server.chain[0]);
    assert_eq!(leaf.serial, [0x10, 0x03]);
    let cn = b"Harness Intermediate CA ecdsa_p256";
    assert!(leaf.issuer.windows(cn.len()).any(|w| w == cn));
    assert!(leaf.subject.windows(9).any(|w| w == b"localhost"));
    let root = parse(&m.roots[0]);
    let cn = b"Harness Root CA ecdsa_p256";
    assert!(root.subject.windows(cn.len()).any(|w| w == cn));
    assert_eq!(root.subject, root.issuer);
    let Validity {
        not_before,
        not_after,
    } = VALIDITY;
    assert_eq!((not_before.year(), not_after.year()), (2025, 2045));
}

/// The files under `fixtures/<profile>/` were made from the committed keys by this code
/// (same TBS); if not, run `cargo xtask certs`.
#[test]
fn committed_certificate_fixtures_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for p in profiles() {
        let m = materials(p.name).unwrap();
        for (file, want) in [
            ("server-chain.pem", &m.server.chain),
            ("client-chain.pem", &m.client.chain),
            ("root.pem", &m.roots),
        ] {
            let path = dir.join(p.name).join(file);
            let have: Vec<_> = CertificateDer::pem_file_iter(&path)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(have.len(), want.len(), "{}", path.display());
            for (h, w) in have.iter().zip(want.iter()) {
                assert_eq!(
                    parse(h).tbs,
                    parse(w).tbs,
                    "{} is stale: run `cargo xtask certs`",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn write_fixtures_writes_the_documented_files() {
    let dir = std::env::temp_dir().join(format!("certs-fixtures-test-{}", std::process::id()));
    let written = write_fixtures(&dir, false).unwrap();
    for p in profiles() {
        for file in [
            "root.pem",
            "intermediate.pem",
            "server.pem",
            "server-chain.pem",
            "server.key.pem",
            "client.pem",
            "client-chain.pem",
            "client.key.pem",
            "profile.txt",
        ] {
            assert!(
                written.contains(&dir.join(p.name).join(file)),
                "{} {file}",
                p.name
            );
        }
    }
    for key_type in KeyType::ALL {
        for role in KeyRole::ALL {
            let path = dir.join("keys").join(key_file_name(key_type, role));
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                keys::EMBEDDED
                    .iter()
                    .any(|(k, r, t)| *k == key_type && *r == role && *t == text)
            );
        }
    }
    let leaf = CertificateDer::from_pem_file(dir.join("rsa2048/server.pem")).unwrap();
    assert_eq!(parse(&leaf).serial, [0x10, 0x03]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_bad_profile_breaks_one_side_only() {
    // Bad client profiles keep a good server chain, and vice versa, so a scenario about one
    // side is never decided by the other.
    for p in profiles().iter().filter(|p| !p.is_good()) {
        let m = materials(p.name).unwrap();
        if p.name.starts_with("client_") {
            verify_server(&m).unwrap_or_else(|e| panic!("{}: server chain {e:?}", p.name));
        } else if !matches!(p.name, "leaf_not_first") {
            // The client chain of a server profile shares at most root and intermediate.
            let r = verify(&m.client.chain, &m.roots, KeyUsage::client_auth(), None);
            assert!(r.is_ok(), "{}: client chain {:?}", p.name, r.err());
        }
    }
}

#[test]
fn odd_keys_are_what_they_claim() {
    let m = materials("rsa1024_leaf").unwrap();
    let leaf = openssl::x509::X509::from_der(&m.server.chain[0]).unwrap();
    assert_eq!(leaf.public_key().unwrap().bits(), 1024);
    let key = openssl::pkey::PKey::private_key_from_der(m.server.key.secret_pkcs8_der()).unwrap();
    assert!(leaf.public_key().unwrap().public_eq(&key));
    let m = materials("secp256k1_intermediate").unwrap();
    let ca = openssl::x509::X509::from_der(&m.server.chain[1]).unwrap();
    let curve = ca
        .public_key()
        .unwrap()
        .ec_key()
        .unwrap()
        .group()
        .curve_name();
    assert_eq!(curve, Some(openssl::nid::Nid::SECP256K1));
    // The leaf's signature verifies with the secp256k1 key: the only defect is the curve.
    assert!(
        openssl::x509::X509::from_der(&m.server.chain[0])
            .unwrap()
            .verify(&ca.public_key().unwrap())
            .unwrap()
    );
}

/// Re-signed certificates (edits, odd algorithms) carry valid signatures, so the defect under
/// test is the only one.
#[rstest]
#[case("duplicate_extension")]
#[case("serial_negative")]
#[case("serial_zero")]
#[case("generalized_time_before_2050")]
#[case("empty_subject_noncritical_san")]
#[case("v1_leaf")]
#[case("sha1_signature")]
#[case("sha1_signature_ecdsa")]
fn resigned_leaf_signatures_verify(#[case] name: &str) {
    let m = materials(name).unwrap();
    let leaf = openssl::x509::X509::from_der(&m.server.chain[0]).unwrap();
    let issuer = openssl::x509::X509::from_der(&m.server.chain[1]).unwrap();
    assert!(
        leaf.verify(&issuer.public_key().unwrap()).unwrap(),
        "{name}"
    );
}

#[test]
fn pss_parameters_are_as_described() {
    let trailer = materials("rsa_pss_bad_trailer").unwrap();
    let p = parse(&trailer.server.chain[0]);
    // ... [3] { INTEGER 2 } at the end of RSASSA-PSS-params
    assert!(
        p.sig_alg.ends_with(&[0xa3, 0x03, 0x02, 0x01, 0x02]),
        "{:02x?}",
        p.sig_alg
    );
    let bare = materials("rsa_pss_no_params").unwrap();
    let p = parse(&bare.server.chain[0]);
    assert_eq!(
        p.sig_alg,
        [
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a
        ]
    );
}
