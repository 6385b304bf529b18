//! Key fixtures: PKCS#8 PEM files under `fixtures/keys/`, embedded at compile time.

use std::collections::BTreeMap;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::{rand::SystemRandom, rsa, signature};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;

use crate::spec::{KeyRole, OddKey, SigAlg};
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

/// The committed odd keys (`fixtures/keys/<odd>.key.pem`).
pub(crate) static EMBEDDED_ODD: &[(OddKey, &str)] = &[
    (
        OddKey::Rsa1024,
        include_str!("../fixtures/keys/rsa1024.key.pem"),
    ),
    (
        OddKey::Secp256k1,
        include_str!("../fixtures/keys/secp256k1.key.pem"),
    ),
];

/// `<odd>.key.pem`
pub fn odd_key_file_name(odd: OddKey) -> String {
    format!("{}.key.pem", odd.as_str())
}

/// Which key: one of the grid, or an odd one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeySel {
    Std(KeyRole),
    Odd(OddKey),
}

/// A full set of keys: one per (key type, role), plus the odd keys.
pub(crate) struct KeyStore {
    keys: BTreeMap<(KeyType, KeyRole), PrivatePkcs8KeyDer<'static>>,
    odd: BTreeMap<OddKey, PrivatePkcs8KeyDer<'static>>,
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
        let mut odd = BTreeMap::new();
        for &(which, text) in EMBEDDED_ODD {
            let file = odd_key_file_name(which);
            let der = PrivatePkcs8KeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
                CertError::KeyFixture {
                    file: file.clone(),
                    reason: format!("not a PKCS#8 PEM private key: {e}"),
                }
            })?;
            let pkey =
                openssl::pkey::PKey::private_key_from_der(der.secret_pkcs8_der()).map_err(|e| {
                    CertError::KeyFixture {
                        file: file.clone(),
                        reason: format!("OpenSSL cannot read it: {e}"),
                    }
                })?;
            let fits = match which {
                OddKey::Rsa1024 => pkey.rsa().is_ok_and(|r| r.size() == 128),
                OddKey::Secp256k1 => pkey
                    .ec_key()
                    .is_ok_and(|k| k.group().curve_name() == Some(openssl::nid::Nid::SECP256K1)),
            };
            if !fits {
                return Err(CertError::KeyFixture {
                    file,
                    reason: format!("not a {} key", which.as_str()),
                });
            }
            odd.insert(which, der);
        }
        Ok(Self { keys, odd })
    }

    /// Generate fresh keys for every (key type, role).
    pub(crate) fn generate() -> Result<Self, CertError> {
        let mut keys = BTreeMap::new();
        for key_type in KeyType::ALL {
            for role in KeyRole::ALL {
                keys.insert((key_type, role), generate_key(key_type, role)?);
            }
        }
        let mut odd = BTreeMap::new();
        for which in OddKey::ALL {
            odd.insert(which, generate_odd(which)?);
        }
        Ok(Self { keys, odd })
    }

    /// The private key (PKCS#8) of either kind.
    pub(crate) fn der_of(
        &self,
        key_type: KeyType,
        key: KeySel,
    ) -> Result<&PrivatePkcs8KeyDer<'static>, CertError> {
        match key {
            KeySel::Std(role) => self.der(key_type, role),
            KeySel::Odd(which) => self.odd.get(&which).ok_or_else(|| CertError::KeyFixture {
                file: odd_key_file_name(which),
                reason: "missing from the key set".into(),
            }),
        }
    }

    pub(crate) fn pem_of(&self, key_type: KeyType, key: KeySel) -> Result<String, CertError> {
        Ok(pem::encode(
            "PRIVATE KEY",
            self.der_of(key_type, key)?.secret_pkcs8_der(),
        ))
    }

    /// The key as an OpenSSL key, for signatures rcgen does not make.
    pub(crate) fn pkey(
        &self,
        key_type: KeyType,
        key: KeySel,
    ) -> Result<openssl::pkey::PKey<openssl::pkey::Private>, CertError> {
        let der = self.der_of(key_type, key)?;
        openssl::pkey::PKey::private_key_from_der(der.secret_pkcs8_der()).map_err(|e| {
            CertError::KeyFixture {
                file: match key {
                    KeySel::Std(role) => key_file_name(key_type, role),
                    KeySel::Odd(which) => odd_key_file_name(which),
                },
                reason: format!("OpenSSL cannot read it: {e}"),
            }
        })
    }

    /// The DER SubjectPublicKeyInfo of a key.
    pub(crate) fn spki(&self, key_type: KeyType, key: KeySel) -> Result<Vec<u8>, CertError> {
        match key {
            KeySel::Std(role) => {
                use rcgen::PublicKeyData;
                Ok(self
                    .key_pair(key_type, role, SigAlg::Default)?
                    .subject_public_key_info())
            }
            KeySel::Odd(which) => {
                self.pkey(key_type, key)?
                    .public_key_to_der()
                    .map_err(|e| CertError::KeyFixture {
                        file: odd_key_file_name(which),
                        reason: format!("cannot encode the public key: {e}"),
                    })
            }
        }
    }

    pub(crate) fn iter_odd(&self) -> impl Iterator<Item = (OddKey, &PrivatePkcs8KeyDer<'static>)> {
        self.odd.iter().map(|(k, der)| (*k, der))
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
            // Made outside rcgen; rcgen signs a stand-in that is re-signed.
            _ => default_alg(key_type),
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

/// A fresh odd key, made with OpenSSL.
fn generate_odd(which: OddKey) -> Result<PrivatePkcs8KeyDer<'static>, CertError> {
    let fail = |e: openssl::error::ErrorStack| CertError::KeyGeneration {
        file: odd_key_file_name(which),
        reason: e.to_string(),
    };
    let pkey = match which {
        OddKey::Rsa1024 => {
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).map_err(fail)?)
                .map_err(fail)?
        }
        OddKey::Secp256k1 => {
            let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::SECP256K1)
                .map_err(fail)?;
            openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).map_err(fail)?)
                .map_err(fail)?
        }
    };
    let der = pkey.private_key_to_pkcs8().map_err(fail)?;
    Ok(PrivatePkcs8KeyDer::from(der))
}
