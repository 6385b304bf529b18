//! TLS 1.2 crypto: the ECDHE AEAD cipher suites (RFC 5289, 5288, 7905), the PRF (RFC 5246 5)
//! from aws-lc-rs, the master secret with and without the extended master secret (RFC 7627),
//! the key block (RFC 5246 6.3) and AEAD record protection (RFC 5246 6.2.3.3, RFC 5288 3,
//! RFC 7905 2).

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::tls_prf;

use super::aead::{RecordError, TAG_LEN};
use super::{CryptoError, HashAlg};

/// The key exchange / authentication half of a TLS 1.2 suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth12 {
    /// ECDHE_ECDSA: the server certificate holds an ECDSA (or EdDSA, RFC 8422) key.
    Ecdsa,
    /// ECDHE_RSA: the server certificate holds an RSA key.
    Rsa,
}

/// The TLS 1.2 cipher suites we implement: ECDHE with an AEAD. No CBC, no RSA key exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suite12 {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)
    EcdsaAes128Gcm,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)
    EcdsaAes256Gcm,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca9)
    EcdsaChacha20,
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)
    RsaAes128Gcm,
    /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)
    RsaAes256Gcm,
    /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (0xcca8)
    RsaChacha20,
}

impl Suite12 {
    /// All suites, default preference order.
    pub const ALL: [Suite12; 6] = [
        Suite12::EcdsaAes128Gcm,
        Suite12::EcdsaAes256Gcm,
        Suite12::EcdsaChacha20,
        Suite12::RsaAes128Gcm,
        Suite12::RsaAes256Gcm,
        Suite12::RsaChacha20,
    ];

    /// From the wire code point.
    pub fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            0xc02b => Self::EcdsaAes128Gcm,
            0xc02c => Self::EcdsaAes256Gcm,
            0xcca9 => Self::EcdsaChacha20,
            0xc02f => Self::RsaAes128Gcm,
            0xc030 => Self::RsaAes256Gcm,
            0xcca8 => Self::RsaChacha20,
            _ => return None,
        })
    }

    /// The wire code point.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::EcdsaAes128Gcm => 0xc02b,
            Self::EcdsaAes256Gcm => 0xc02c,
            Self::EcdsaChacha20 => 0xcca9,
            Self::RsaAes128Gcm => 0xc02f,
            Self::RsaAes256Gcm => 0xc030,
            Self::RsaChacha20 => 0xcca8,
        }
    }

    /// Which certificate key the suite needs.
    pub fn auth(self) -> Auth12 {
        match self {
            Self::EcdsaAes128Gcm | Self::EcdsaAes256Gcm | Self::EcdsaChacha20 => Auth12::Ecdsa,
            _ => Auth12::Rsa,
        }
    }

    /// The PRF hash.
    pub fn hash(self) -> HashAlg {
        match self {
            Self::EcdsaAes256Gcm | Self::RsaAes256Gcm => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    fn is_chacha(self) -> bool {
        matches!(self, Self::EcdsaChacha20 | Self::RsaChacha20)
    }

    /// The aws-lc-rs AEAD algorithm.
    pub fn aead(self) -> &'static aws_lc_rs::aead::Algorithm {
        match self {
            Self::EcdsaAes128Gcm | Self::RsaAes128Gcm => &aws_lc_rs::aead::AES_128_GCM,
            Self::EcdsaAes256Gcm | Self::RsaAes256Gcm => &aws_lc_rs::aead::AES_256_GCM,
            _ => &aws_lc_rs::aead::CHACHA20_POLY1305,
        }
    }

    /// Length of the fixed (implicit) IV from the key block: 4 for GCM (salt), 12 for ChaCha20.
    pub fn fixed_iv_len(self) -> usize {
        if self.is_chacha() { 12 } else { 4 }
    }

    /// Length of the explicit nonce carried in each record: 8 for GCM, 0 for ChaCha20.
    pub fn explicit_nonce_len(self) -> usize {
        if self.is_chacha() { 0 } else { 8 }
    }

    /// Total key block length: two keys and two fixed IVs (AEAD suites have no MAC keys).
    pub fn key_block_len(self) -> usize {
        2 * (self.aead().key_len() + self.fixed_iv_len())
    }
}

/// PRF(secret, label, seed) (RFC 5246 5) with P_SHA256 or P_SHA384, from aws-lc-rs.
pub fn prf(
    hash: HashAlg,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    len: usize,
) -> Result<Vec<u8>, CryptoError> {
    let alg = match hash {
        HashAlg::Sha256 => &tls_prf::P_SHA256,
        HashAlg::Sha384 => &tls_prf::P_SHA384,
    };
    let s = tls_prf::Secret::new(alg, secret)
        .map_err(|_| CryptoError::Internal("TLS PRF: empty secret"))?;
    let out = s
        .derive(label, seed, len)
        .map_err(|_| CryptoError::Internal("TLS PRF failed"))?;
    Ok(out.as_ref().to_vec())
}

/// master_secret = PRF(pre_master_secret, "master secret", ClientHello.random +
/// ServerHello.random)[0..47] (RFC 5246 8.1).
pub fn master_secret(
    hash: HashAlg,
    pms: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf(hash, pms, b"master secret", &seed, 48)
}

/// master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
/// (RFC 7627 4), session_hash = Hash(handshake messages up to and including ClientKeyExchange).
pub fn extended_master_secret(
    hash: HashAlg,
    pms: &[u8],
    session_hash: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    prf(hash, pms, b"extended master secret", session_hash, 48)
}

/// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
/// (RFC 5246 7.4.9).
pub fn verify_data(
    hash: HashAlg,
    master: &[u8],
    client: bool,
    handshake_hash: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    prf(hash, master, label, handshake_hash, 12)
}

/// The write keys of both sides from the key block (RFC 5246 6.3).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyBlock {
    /// client_write_key
    pub client_key: Vec<u8>,
    /// server_write_key
    pub server_key: Vec<u8>,
    /// client_write_IV (fixed part)
    pub client_iv: Vec<u8>,
    /// server_write_IV (fixed part)
    pub server_iv: Vec<u8>,
}

impl std::fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBlock(..)")
    }
}

/// key_block = PRF(master_secret, "key expansion", server_random + client_random).
pub fn key_block(
    suite: Suite12,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<KeyBlock, CryptoError> {
    let mut seed = server_random.to_vec();
    seed.extend_from_slice(client_random);
    let kb = prf(
        suite.hash(),
        master,
        b"key expansion",
        &seed,
        suite.key_block_len(),
    )?;
    let k = suite.aead().key_len();
    let iv = suite.fixed_iv_len();
    let part = |from: usize, len: usize| {
        kb.get(from..from + len)
            .map(<[u8]>::to_vec)
            .ok_or(CryptoError::Internal("key block"))
    };
    Ok(KeyBlock {
        client_key: part(0, k)?,
        server_key: part(k, k)?,
        client_iv: part(2 * k, iv)?,
        server_iv: part(2 * k + iv, iv)?,
    })
}

/// One direction of TLS 1.2 AEAD record protection.
pub struct RecordProtection12 {
    suite: Suite12,
    key: LessSafeKey,
    iv: Vec<u8>,
    seq: u64,
}

impl std::fmt::Debug for RecordProtection12 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::aead::debug_protection(f, "RecordProtection12", &self.suite, self.seq)
    }
}

impl RecordProtection12 {
    /// From a write key and its fixed IV.
    pub fn new(suite: Suite12, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        if iv.len() != suite.fixed_iv_len() {
            return Err(CryptoError::Internal("bad TLS 1.2 IV length"));
        }
        let unbound = UnboundKey::new(suite.aead(), key)
            .map_err(|_| CryptoError::Internal("bad AEAD key length"))?;
        Ok(Self {
            suite,
            key: LessSafeKey::new(unbound),
            iv: iv.to_vec(),
            seq: 0,
        })
    }

    /// The suite.
    pub fn suite(&self) -> Suite12 {
        self.suite
    }

    /// The next sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    fn nonce(&self, explicit: &[u8]) -> Result<Nonce, RecordError> {
        let mut n = [0u8; 12];
        if self.suite.is_chacha() {
            // RFC 7905 2: the padded sequence number XORed with the client/server_write_IV.
            n.copy_from_slice(&self.iv);
            for (b, s) in n.iter_mut().skip(4).zip(self.seq.to_be_bytes()) {
                *b ^= s;
            }
        } else {
            // RFC 5288 3: salt (4 bytes of the write IV) || nonce_explicit (8 bytes).
            if explicit.len() != 8 {
                return Err(RecordError::BadRecordMac);
            }
            n[..4].copy_from_slice(&self.iv);
            n[4..].copy_from_slice(explicit);
        }
        Ok(Nonce::assume_unique_for_key(n))
    }

    /// additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length.
    fn aad(&self, typ: u8, len: usize) -> [u8; 13] {
        let mut a = [0u8; 13];
        a[..8].copy_from_slice(&self.seq.to_be_bytes());
        a[8] = typ;
        a[9] = 3;
        a[10] = 3;
        a[11] = (len >> 8) as u8;
        a[12] = len as u8;
        a
    }

    /// Protect one record of type `typ`; returns header + GenericAEADCipher.
    pub fn seal(&mut self, typ: u8, payload: &[u8]) -> Result<Vec<u8>, RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        if payload.len() > super::aead::MAX_PLAINTEXT {
            return Err(RecordError::Overflow);
        }
        // The explicit nonce is the sequence number: unique per key, as RFC 5288 3 requires.
        let explicit: Vec<u8> = if self.suite.explicit_nonce_len() == 8 {
            self.seq.to_be_bytes().to_vec()
        } else {
            Vec::new()
        };
        let nonce = self.nonce(&explicit)?;
        let aad = self.aad(typ, payload.len());
        let mut body = payload.to_vec();
        if crate::FUZZING {
            // Fuzzing build: the null cipher (plaintext and a zero tag).
            body.extend_from_slice(&[0u8; TAG_LEN]);
        } else {
            self.key
                .seal_in_place_append_tag(nonce, Aad::from(aad), &mut body)
                .map_err(|_| RecordError::Overflow)?;
        }
        let len = explicit.len() + body.len();
        let mut out = Vec::with_capacity(5 + len);
        out.extend_from_slice(&[typ, 3, 3, (len >> 8) as u8, len as u8]);
        out.extend_from_slice(&explicit);
        out.extend_from_slice(&body);
        self.seq += 1;
        Ok(out)
    }

    /// Open one record of (outer = real) type `typ`; returns the plaintext.
    pub fn open(&mut self, typ: u8, body: &[u8]) -> Result<Vec<u8>, RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        let en = self.suite.explicit_nonce_len();
        if body.len() < en + TAG_LEN {
            return Err(RecordError::BadRecordMac);
        }
        let (explicit, ct) = body.split_at(en);
        let plain_len = ct.len() - TAG_LEN;
        if plain_len > super::aead::MAX_PLAINTEXT {
            return Err(RecordError::Overflow);
        }
        let nonce = self.nonce(explicit)?;
        let aad = self.aad(typ, plain_len);
        let mut buf = ct.to_vec();
        let n = if crate::FUZZING {
            // Fuzzing build: the null cipher; the tag is not checked.
            plain_len
        } else {
            self.key
                .open_in_place(nonce, Aad::from(aad), &mut buf)
                .map_err(|_| RecordError::BadRecordMac)?
                .len()
        };
        buf.truncate(n);
        self.seq += 1;
        Ok(buf)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The widely published TLS 1.2 PRF vectors ("test label"), IETF TLS list msg03416; the
    /// same in GnuTLS's and many other test suites; recomputed with `openssl kdf TLS1-PRF`.
    #[test]
    fn prf_sha256_published_vector() {
        let out = prf(
            HashAlg::Sha256,
            &unhex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &unhex("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        )
        .unwrap();
        assert_eq!(
            out,
            unhex(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af\
                 0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
                 87347b66"
            )
        );
    }

    #[test]
    fn prf_sha384_published_vector() {
        let out = prf(
            HashAlg::Sha384,
            &unhex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &unhex("cd665cf6a8447dd6ff8b27555edb7465"),
            148,
        )
        .unwrap();
        assert_eq!(
            out,
            unhex(
                "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0\
                 e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
                 9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d\
                 73e56f"
            )
        );
    }

    // Expected values below were computed independently with the OpenSSL 3 CLI, e.g.
    //   openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:0b0b..(48) \
    //     -kdfopt hexseed:<hex("extended master secret")>5a5a..(32) TLS1-PRF

    /// RFC 7627 4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash).
    #[test]
    fn extended_master_secret_sha256_and_sha384() {
        let pms = [0x0b; 48];
        assert_eq!(
            extended_master_secret(HashAlg::Sha256, &pms, &[0x5a; 32]).unwrap(),
            unhex(
                "EC283B48AE8D016B5CD09B488D676A8A6105123FEB68C434747DF3BBEF5D73940ACC61F343BA91FBF17AE7DB58EB3B09"
            )
        );
        assert_eq!(
            extended_master_secret(HashAlg::Sha384, &pms, &[0x5a; 48]).unwrap(),
            unhex(
                "1C13DBE15A87F29516EDFDFCACEE0FF750E48DB365C4BA6D6B2B4158E6AF648A9B945605736EAD19D2917EF276C7E6ED"
            )
        );
        // and it differs from the RFC 5246 master secret of the same pre-master secret
        assert_ne!(
            extended_master_secret(HashAlg::Sha256, &pms, &[0x5a; 32]).unwrap(),
            master_secret(HashAlg::Sha256, &pms, &[1; 32], &[2; 32]).unwrap()
        );
    }

    /// RFC 5246 8.1 master secret and 6.3 key block (seed order: client+server, then
    /// server+client).
    #[test]
    fn master_secret_and_key_block() {
        assert_eq!(
            master_secret(HashAlg::Sha256, &[0x0b; 48], &[1; 32], &[2; 32]).unwrap(),
            unhex(
                "50E095F3E89ABD4C6FDE14C8F022AF1FAD38CA86A3308BB28B3521988B5FB5F636EC06681D65BC2E7BFBA165AEE2AC16"
            )
        );
        let kb = key_block(Suite12::EcdsaAes128Gcm, &[0x33; 48], &[1; 32], &[2; 32]).unwrap();
        let want = unhex(
            "6D30A5058CCABDFEC643473AE7C694C77ABCD94355622AE477A3556F2B1F2A25BA96BDA16807BD57",
        );
        assert_eq!(kb.client_key, want[..16]);
        assert_eq!(kb.server_key, want[16..32]);
        assert_eq!(kb.client_iv, want[32..36]);
        assert_eq!(kb.server_iv, want[36..40]);
        let kb = key_block(Suite12::RsaChacha20, &[0x33; 48], &[1; 32], &[2; 32]).unwrap();
        assert_eq!((kb.client_key.len(), kb.client_iv.len()), (32, 12));
    }

    #[test]
    fn gcm_and_chacha_round_trip_and_tamper() {
        for suite in Suite12::ALL {
            let k = vec![7u8; suite.aead().key_len()];
            let iv = vec![9u8; suite.fixed_iv_len()];
            let mut w = RecordProtection12::new(suite, &k, &iv).unwrap();
            let mut r = RecordProtection12::new(suite, &k, &iv).unwrap();
            for i in 0..3u8 {
                let rec = w.seal(23, &[i; 40]).unwrap();
                assert_eq!(rec.len(), 5 + suite.explicit_nonce_len() + 40 + TAG_LEN);
                assert_eq!(r.open(23, &rec[5..]).unwrap(), vec![i; 40]);
            }
            let mut rec = w.seal(22, b"hello").unwrap();
            let last = rec.len() - 1;
            rec[last] ^= 1;
            assert_eq!(r.open(22, &rec[5..]), Err(RecordError::BadRecordMac));
        }
    }
}
