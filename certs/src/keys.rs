//! Key fixtures: PKCS#8 PEM files under `fixtures/keys/`, embedded at compile time.

use std::collections::BTreeMap;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::{rand::SystemRandom, rsa, signature};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use crate::spec::{KeyRole, SigAlg};
use crate::{CertError, KeyType, pem};

/// `<key_type>-<role>.key.pem`
pub fn key_file_name(key_type: KeyType, role: KeyRole) -> String {
    format!("{key_type}-{role}.key.pem")
}

macro_rules! embedded_keys {
    ($(($kt:ident, $name:literal)),* $(,)?) => {
        &[$(
            (KeyType::$kt, KeyRole::Root,
             include_str!(concat!("../fixtures/keys/", $name, "-root.key.pem"))),
            (KeyType::$kt, KeyRole::Intermediate,
             include_str!(concat!("../fixtures/keys/", $name, "-intermediate.key.pem"))),
            (KeyType::$kt, KeyRole::Server,
             include_str!(concat!("../fixtures/keys/", $name, "-server.key.pem"))),
            (KeyType::$kt, KeyRole::Client,
             include_str!(concat!("../fixtures/keys/", $name, "-client.key.pem"))),
            (KeyType::$kt, KeyRole::Rogue,
             include_str!(concat!("../fixtures/keys/", $name, "-rogue.key.pem"))),
        )*]
    };
}

/// The committed key fixtures, as compiled into the crate.
pub(crate) static EMBEDDED: &[(KeyType, KeyRole, &str)] = embedded_keys!(
    (EcdsaP256, "ecdsa_p256"),
    (EcdsaP384, "ecdsa_p384"),
    (Rsa2048, "rsa2048"),
    (Ed25519, "ed25519"),
);

/// A full set of keys: one per (key type, role).
pub(crate) struct KeyStore {
    keys: BTreeMap<(KeyType, KeyRole), PrivatePkcs8KeyDer<'static>>,
}

impl KeyStore {
    /// Parse the embedded fixtures.
    pub(crate) fn embedded() -> Result<Self, CertError> {
        let mut keys = BTreeMap::new();
        for &(key_type, role, text) in EMBEDDED {
            let file = key_file_name(key_type, role);
            let der = PrivatePkcs8KeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
                CertError::KeyFixture {
                    file: file.clone(),
                    reason: format!("not a PKCS#8 PEM private key: {e}"),
                }
            })?;
            // Check the key really is of the type its name claims.
            rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, default_alg(key_type)).map_err(
                |e| CertError::KeyFixture {
                    file: file.clone(),
                    reason: format!("not a {key_type} key: {e}"),
                },
            )?;
            keys.insert((key_type, role), der);
        }
        Ok(Self { keys })
    }

    /// Generate fresh keys for every (key type, role).
    pub(crate) fn generate() -> Result<Self, CertError> {
        let mut keys = BTreeMap::new();
        for key_type in KeyType::ALL {
            for role in KeyRole::ALL {
                keys.insert((key_type, role), generate_key(key_type, role)?);
            }
        }
        Ok(Self { keys })
    }

    pub(crate) fn der(
        &self,
        key_type: KeyType,
        role: KeyRole,
    ) -> Result<&PrivatePkcs8KeyDer<'static>, CertError> {
        self.keys
            .get(&(key_type, role))
            .ok_or_else(|| CertError::KeyFixture {
                file: key_file_name(key_type, role),
                reason: "missing from the key set".into(),
            })
    }

    pub(crate) fn pem(&self, key_type: KeyType, role: KeyRole) -> Result<String, CertError> {
        Ok(pem::encode(
            "PRIVATE KEY",
            self.der(key_type, role)?.secret_pkcs8_der(),
        ))
    }

    /// The key as an rcgen key pair that signs with `alg`.
    pub(crate) fn key_pair(
        &self,
        key_type: KeyType,
        role: KeyRole,
        alg: SigAlg,
    ) -> Result<rcgen::KeyPair, CertError> {
        let der = self.der(key_type, role)?;
        let alg = match alg {
            SigAlg::Default => default_alg(key_type),
            SigAlg::RsaPkcs1Sha256 => &rcgen::PKCS_RSA_SHA256,
            SigAlg::RsaPkcs1Sha384 => &rcgen::PKCS_RSA_SHA384,
            SigAlg::RsaPkcs1Sha512 => &rcgen::PKCS_RSA_SHA512,
            SigAlg::EcdsaP256Sha256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            SigAlg::EcdsaP384Sha384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            SigAlg::Ed25519 => &rcgen::PKCS_ED25519,
        };
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(der, alg).map_err(|e| CertError::KeyFixture {
            file: key_file_name(key_type, role),
            reason: format!("cannot be used with {alg:?}: {e}"),
        })
    }

    pub(crate) fn iter(
        &self,
    ) -> impl Iterator<Item = (KeyType, KeyRole, &PrivatePkcs8KeyDer<'static>)> {
        self.keys.iter().map(|(&(kt, role), der)| (kt, role, der))
    }
}

pub(crate) fn default_alg(key_type: KeyType) -> &'static rcgen::SignatureAlgorithm {
    match key_type {
        KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
        KeyType::Ed25519 => &rcgen::PKCS_ED25519,
    }
}

/// A fresh PKCS#8 v1 key (v1 for Ed25519 too: older tools reject v2).
fn generate_key(
    key_type: KeyType,
    role: KeyRole,
) -> Result<PrivatePkcs8KeyDer<'static>, CertError> {
    let fail = |what: &str| CertError::KeyGeneration {
        file: key_file_name(key_type, role),
        reason: what.to_string(),
    };
    let rng = SystemRandom::new();
    let der: Vec<u8> = match key_type {
        KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
            let alg = if key_type == KeyType::EcdsaP256 {
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING
            } else {
                &signature::ECDSA_P384_SHA384_ASN1_SIGNING
            };
            signature::EcdsaKeyPair::generate_pkcs8(alg, &rng)
                .map_err(|_| fail("ECDSA key generation failed"))?
                .as_ref()
                .to_vec()
        }
        KeyType::Rsa2048 => {
            let key = rsa::KeyPair::generate(rsa::KeySize::Rsa2048)
                .map_err(|_| fail("RSA key generation failed"))?;
            let der: aws_lc_rs::encoding::Pkcs8V1Der<'_> =
                key.as_der().map_err(|_| fail("RSA key encoding failed"))?;
            der.as_ref().to_vec()
        }
        KeyType::Ed25519 => signature::Ed25519KeyPair::generate_pkcs8v1(&rng)
            .map_err(|_| fail("Ed25519 key generation failed"))?
            .as_ref()
            .to_vec(),
    };
    Ok(PrivatePkcs8KeyDer::from(der))
}
