//! Key exchange for the supported groups (RFC 8446 4.2.8, 7.4; draft-ietf-tls-ecdhe-mlkem).

use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
use aws_lc_rs::kem::{self, DecapsulationKey, EncapsulationKey};

use super::CryptoError;
use crate::random::RandomSource;

/// Named groups we implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// x25519 (0x001d)
    X25519,
    /// secp256r1 (0x0017)
    Secp256r1,
    /// secp384r1 (0x0018)
    Secp384r1,
    /// secp521r1 (0x0019)
    Secp521r1,
    /// X25519MLKEM768 (0x11ec)
    X25519Mlkem768,
}

const MLKEM_EK_LEN: usize = 1184;
const MLKEM_CT_LEN: usize = 1088;

impl Group {
    /// All groups, default preference order.
    pub const ALL: [Group; 5] = [
        Group::X25519,
        Group::Secp256r1,
        Group::Secp384r1,
        Group::Secp521r1,
        Group::X25519Mlkem768,
    ];

    /// From the wire code point.
    pub fn from_u16(v: u16) -> Option<Self> {
        match v {
            0x001d => Some(Self::X25519),
            0x0017 => Some(Self::Secp256r1),
            0x0018 => Some(Self::Secp384r1),
            0x0019 => Some(Self::Secp521r1),
            0x11ec => Some(Self::X25519Mlkem768),
            _ => None,
        }
    }

    /// The wire code point.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::X25519 => 0x001d,
            Self::Secp256r1 => 0x0017,
            Self::Secp384r1 => 0x0018,
            Self::Secp521r1 => 0x0019,
            Self::X25519Mlkem768 => 0x11ec,
        }
    }

    fn ec_alg(self) -> &'static agreement::Algorithm {
        match self {
            Self::Secp256r1 => &agreement::ECDH_P256,
            Self::Secp384r1 => &agreement::ECDH_P384,
            Self::Secp521r1 => &agreement::ECDH_P521,
            _ => &agreement::X25519,
        }
    }

    fn ec_scalar_len(self) -> usize {
        match self {
            Self::Secp256r1 => 32,
            Self::Secp384r1 => 48,
            Self::Secp521r1 => 66,
            _ => 32,
        }
    }

    fn ec_public_len(self) -> usize {
        match self {
            Self::Secp256r1 => 65,
            Self::Secp384r1 => 97,
            Self::Secp521r1 => 133,
            _ => 32,
        }
    }
}

enum Private {
    Ec(PrivateKey),
    Hybrid {
        mlkem: DecapsulationKey<kem::AlgorithmId>,
        x25519: PrivateKey,
    },
}

/// Our half of a key exchange: the private key and the share we send.
pub struct KeyShare {
    group: Group,
    private: Private,
    public: Vec<u8>,
}

impl std::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyShare")
            .field("group", &self.group)
            .field("public_len", &self.public.len())
            .finish()
    }
}

fn ec_private(group: Group, rng: &dyn RandomSource) -> Result<PrivateKey, CryptoError> {
    if rng.is_system()
        && matches!(
            group,
            Group::Secp256r1 | Group::Secp384r1 | Group::Secp521r1
        )
    {
        // aws-lc draws from the same system generator; importing a scalar would cost a key
        // check (one more scalar multiplication).
        return PrivateKey::generate(group.ec_alg()).map_err(|_| CryptoError::Random);
    }
    // Draw the scalar from our random source so a seeded source makes the handshake
    // reproducible; retry the (negligible) case of an out-of-range scalar.
    for _ in 0..16 {
        let mut scalar = vec![0u8; group.ec_scalar_len()];
        rng.fill(&mut scalar).map_err(|_| CryptoError::Random)?;
        if group == Group::Secp521r1 {
            // 66 bytes carry 528 bits, the order n < 2^521: keep only the top byte's lowest
            // bit, or almost every draw would be out of range (then one is in [1, n) but for
            // a negligible fraction).
            scalar[0] &= 0x01;
        }
        if let Ok(k) = PrivateKey::from_private_key(group.ec_alg(), &scalar) {
            return Ok(k);
        }
    }
    Err(CryptoError::Internal("could not generate EC private key"))
}

fn ec_public(k: &PrivateKey) -> Result<Vec<u8>, CryptoError> {
    Ok(k.compute_public_key()
        .map_err(|_| CryptoError::Internal("public key"))?
        .as_ref()
        .to_vec())
}

fn ec_agree(group: Group, k: &PrivateKey, peer: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if peer.len() != group.ec_public_len() {
        return Err(CryptoError::BadKeyShare("wrong key share length"));
    }
    if group != Group::X25519 && group != Group::X25519Mlkem768 && peer.first() != Some(&4) {
        return Err(CryptoError::BadKeyShare(
            "EC point not in uncompressed form",
        ));
    }
    let peer = UnparsedPublicKey::new(group.ec_alg(), peer);
    let ss = agreement::agree(
        k,
        peer,
        CryptoError::BadKeyShare("key agreement failed"),
        |ss| Ok(ss.to_vec()),
    )?;
    if group == Group::X25519 && ss.iter().all(|b| *b == 0) {
        // RFC 8446 7.4.2: MUST check for the all-zero value and abort.
        return Err(CryptoError::BadKeyShare(
            "x25519 shared secret is all zeros",
        ));
    }
    Ok(ss)
}

impl KeyShare {
    /// Generate a fresh key share for `group`.
    pub fn generate(group: Group, rng: &dyn RandomSource) -> Result<Self, CryptoError> {
        match group {
            Group::X25519Mlkem768 => {
                let mlkem = DecapsulationKey::generate(&kem::ML_KEM_768)
                    .map_err(|_| CryptoError::Internal("ML-KEM keygen"))?;
                let ek = mlkem
                    .encapsulation_key()
                    .map_err(|_| CryptoError::Internal("ML-KEM ek"))?;
                let ek_bytes = ek
                    .key_bytes()
                    .map_err(|_| CryptoError::Internal("ML-KEM ek bytes"))?;
                let x25519 = ec_private(Group::X25519, rng)?;
                let mut public = ek_bytes.as_ref().to_vec();
                public.extend_from_slice(&ec_public(&x25519)?);
                Ok(Self {
                    group,
                    private: Private::Hybrid { mlkem, x25519 },
                    public,
                })
            }
            _ => {
                let k = ec_private(group, rng)?;
                let public = ec_public(&k)?;
                Ok(Self {
                    group,
                    private: Private::Ec(k),
                    public,
                })
            }
        }
    }

    /// A key share from a known EC private scalar (test vectors, e.g. RFC 8448).
    pub fn from_ec_private(group: Group, scalar: &[u8]) -> Result<Self, CryptoError> {
        if group == Group::X25519Mlkem768 {
            return Err(CryptoError::Internal("hybrid group has no single scalar"));
        }
        let k = PrivateKey::from_private_key(group.ec_alg(), scalar)
            .map_err(|_| CryptoError::Internal("bad scalar"))?;
        let public = ec_public(&k)?;
        Ok(Self {
            group,
            private: Private::Ec(k),
            public,
        })
    }

    /// The group.
    pub fn group(&self) -> Group {
        self.group
    }

    /// The public share we send (KeyShareEntry.key_exchange).
    pub fn public(&self) -> &[u8] {
        &self.public
    }

    /// Client side: complete the exchange with the server's share.
    pub fn complete(&self, peer: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.private {
            Private::Ec(k) => ec_agree(self.group, k, peer),
            Private::Hybrid { mlkem, x25519 } => {
                if peer.len() != MLKEM_CT_LEN + 32 {
                    return Err(CryptoError::BadKeyShare(
                        "wrong X25519MLKEM768 server share length",
                    ));
                }
                let (ct, x) = peer.split_at(MLKEM_CT_LEN);
                let ss_k = mlkem
                    .decapsulate(kem::Ciphertext::from(ct))
                    .map_err(|_| CryptoError::BadKeyShare("ML-KEM decapsulation failed"))?;
                let ss_x = ec_agree(Group::X25519, x25519, x)?;
                let mut ss = ss_k.as_ref().to_vec();
                ss.extend_from_slice(&ss_x);
                Ok(ss)
            }
        }
    }
}

/// Server side: given the client's share for `group`, produce our share and the shared secret.
pub fn server_respond(
    group: Group,
    client_share: &[u8],
    rng: &dyn RandomSource,
) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
    match group {
        Group::X25519Mlkem768 => {
            if client_share.len() != MLKEM_EK_LEN + 32 {
                return Err(CryptoError::BadKeyShare(
                    "wrong X25519MLKEM768 client share length",
                ));
            }
            let (ek, x) = client_share.split_at(MLKEM_EK_LEN);
            let ek = EncapsulationKey::new(&kem::ML_KEM_768, ek)
                .map_err(|_| CryptoError::BadKeyShare("bad ML-KEM encapsulation key"))?;
            let (ct, ss_k) = ek
                .encapsulate()
                .map_err(|_| CryptoError::BadKeyShare("ML-KEM encapsulation failed"))?;
            let xk = ec_private(Group::X25519, rng)?;
            let ss_x = ec_agree(Group::X25519, &xk, x)?;
            let mut share = ct.as_ref().to_vec();
            share.extend_from_slice(&ec_public(&xk)?);
            let mut ss = ss_k.as_ref().to_vec();
            ss.extend_from_slice(&ss_x);
            Ok((share, ss))
        }
        _ => {
            let ks = KeyShare::generate(group, rng)?;
            let ss = ks.complete(client_share)?;
            Ok((ks.public, ss))
        }
    }
}
