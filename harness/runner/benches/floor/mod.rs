//! The crypto floor of a handshake kind, measured directly through aws-lc-rs: both sides'
//! ephemeral key generation and agreement (X25519, P-256, or X25519 plus ML-KEM-768 key
//! generation, encapsulation and decapsulation) and, unless resumed, the server's one
//! CertificateVerify signature and the client's verification of it and of the two chain
//! signatures (leaf by intermediate, intermediate by root: the `certs` chains are
//! root -> intermediate -> leaf). Hashing, HKDF and AEAD are left out: the floor is the
//! public-key work no implementation can avoid.

use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::kem::{DecapsulationKey, ML_KEM_768};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair};
use certs::{KeyType, Materials};
use harness::bench::{Mode, Spec};
use harness::model::NamedGroup;

type Sign = Box<dyn Fn(&[u8]) -> Vec<u8>>;

fn kx(alg: &'static agreement::Algorithm, rng: &SystemRandom) {
    let a = EphemeralPrivateKey::generate(alg, rng).expect("keygen");
    let b = EphemeralPrivateKey::generate(alg, rng).expect("keygen");
    let pa = a.compute_public_key().expect("public key");
    let pb = b.compute_public_key().expect("public key");
    let s1 = agreement::agree_ephemeral(a, UnparsedPublicKey::new(alg, pb.as_ref()), (), |k| {
        Ok(k.len())
    });
    let s2 = agreement::agree_ephemeral(b, UnparsedPublicKey::new(alg, pa.as_ref()), (), |k| {
        Ok(k.len())
    });
    assert_eq!(s1, s2);
}

fn mlkem() {
    let dk = DecapsulationKey::generate(&ML_KEM_768).expect("ml-kem keygen");
    let ek = dk.encapsulation_key().expect("ek");
    let (ct, ss) = ek.encapsulate().expect("encapsulate");
    let ss2 = dk.decapsulate(ct).expect("decapsulate");
    assert_eq!(ss.as_ref(), ss2.as_ref());
}

/// See the module documentation.
pub fn floor(spec: &Spec, m: &Materials) -> Result<Box<dyn FnMut()>, String> {
    let rng = SystemRandom::new();
    let der = m.server.key.secret_pkcs8_der().to_vec();
    let e = |err: aws_lc_rs::error::KeyRejected| format!("floor key: {err}");
    let (sign, public, verify_alg): (Sign, Vec<u8>, &'static dyn signature::VerificationAlgorithm) =
        match spec.cert {
            KeyType::EcdsaP256 | KeyType::EcdsaP384 => {
                let (signing, verifying) = if spec.cert == KeyType::EcdsaP256 {
                    (
                        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                        &signature::ECDSA_P256_SHA256_ASN1,
                    )
                } else {
                    (
                        &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                        &signature::ECDSA_P384_SHA384_ASN1,
                    )
                };
                let kp = signature::EcdsaKeyPair::from_pkcs8(signing, &der).map_err(e)?;
                let public = kp.public_key().as_ref().to_vec();
                let rng = rng.clone();
                (
                    Box::new(move |msg| kp.sign(&rng, msg).expect("sign").as_ref().to_vec()),
                    public,
                    verifying,
                )
            }
            KeyType::Rsa2048 => {
                let kp = signature::RsaKeyPair::from_pkcs8(&der).map_err(e)?;
                let public = kp.public_key().as_ref().to_vec();
                let rng = rng.clone();
                (
                    Box::new(move |msg| {
                        let mut sig = vec![0u8; kp.public_modulus_len()];
                        kp.sign(&signature::RSA_PSS_SHA256, &rng, msg, &mut sig)
                            .expect("sign");
                        sig
                    }),
                    public,
                    &signature::RSA_PSS_2048_8192_SHA256,
                )
            }
            KeyType::Ed25519 => {
                let kp = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(e)?;
                let public = kp.public_key().as_ref().to_vec();
                (
                    Box::new(move |msg| kp.sign(msg).as_ref().to_vec()),
                    public,
                    &signature::ED25519,
                )
            }
        };
    let msg = [0x20u8; 130];
    let chain_sig = sign(&msg);
    let group = spec.group;
    let resumed = spec.mode == Mode::Resumed;
    Ok(Box::new(move || {
        match group {
            NamedGroup::X25519MlKem768 => {
                kx(&agreement::X25519, &rng);
                mlkem();
            }
            NamedGroup::Secp256r1 => kx(&agreement::ECDH_P256, &rng),
            _ => kx(&agreement::X25519, &rng),
        }
        if !resumed {
            let cv = sign(&msg);
            let key = signature::UnparsedPublicKey::new(verify_alg, &public);
            key.verify(&msg, &cv).expect("verify");
            for _ in 0..2 {
                key.verify(&msg, &chain_sig).expect("verify");
            }
        }
    }))
}
