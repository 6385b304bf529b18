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
pub fn prf(hash: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Result<Vec<u8>, CryptoError> {
    let alg = match hash {
        HashAlg::Sha256 => &tls_prf::P_SHA256,
        HashAlg::Sha384 => &tls_prf::P_SHA384,
    };
    let s = tls_prf::Secret::new(alg, secret).map_err(|_| CryptoError::Internal("TLS PRF: empty secret"))?;
    let out = s.derive(label, seed, len).map_err(|_| CryptoError::Internal("TLS PRF failed"))?;
    Ok(out.as_ref().to_vec())
}

/// master_secret = PRF(pre_master_secret, "master secret", ClientHello.random +
/// ServerHello.random)[0..47] (RFC 5246 8.1).
pub fn master_secret(hash: HashAlg, pms: &[u8], client_random: &[u8; 32], server_random: &[u8; 32]) -> Result<Vec<u8>, CryptoError> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf(hash, pms, b"master secret", &seed, 48)
}

/// master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]
/// (RFC 7627 4), session_hash = Hash(handshake messages up to and including ClientKeyExchange).
pub fn extended_master_secret(hash: HashAlg, pms: &[u8], session_hash: &[u8]) -> Result<Vec<u8>, CryptoError> {
    prf(hash, pms, b"extended master secret", session_hash, 48)
}

/// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
/// (RFC 5246 7.4.9).
pub fn verify_data(hash: HashAlg, master: &[u8], client: bool, handshake_hash: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let label: &[u8] = if client { b"client finished" } else { b"server finished" };
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
pub fn key_block(suite: Suite12, master: &[u8], client_random: &[u8; 32], server_random: &[u8; 32]) -> Result<KeyBlock, CryptoError> {
    let mut seed = server_random.to_vec();
    seed.extend_from_slice(client_random);
    let kb = prf(suite.hash(), master, b"key expansion", &seed, suite.key_block_len())?;
    let k = suite.aead().key_len();
    let iv = suite.fixed_iv_len();
    let part = |from: usize, len: usize| kb.get(from..from + len).map(<[u8]>::to_vec).ok_or(CryptoError::Internal("key block"));
    Ok(KeyBlock { client_key: part(0, k)?, server_key: part(k, k)?, client_iv: part(2 * k, iv)?, server_iv: part(2 * k + iv, iv)? })
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
        f.debug_struct("RecordProtection12").field("suite", &self.suite).field("seq", &self.seq).finish()
    }
}

impl RecordProtection12 {
    /// From a write key and its fixed IV.
    pub fn new(suite: Suite12, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        if iv.len() != suite.fixed_iv_len() {
            return Err(CryptoError::Internal("bad TLS 1.2 IV length"));
        }
        let unbound = UnboundKey::new(suite.aead(), key).map_err(|_| CryptoError::Internal("bad AEAD key length"))?;
        Ok(Self { suite, key: LessSafeKey::new(unbound), iv: iv.to_vec(), seq: 0 })
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
        let explicit: Vec<u8> = if self.suite.explicit_nonce_len() == 8 { self.seq.to_be_bytes().to_vec() } else { Vec::new() };
        let nonce = self.nonce(&explicit)?;
        let aad = self.aad(typ, payload.len());
        let mut body = payload.to_vec();
        self.key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut body).map_err(|_| RecordError::Overflow)?;
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
        let n = self.key.open_in_place(nonce, Aad::from(aad), &mut buf).map_err(|_| RecordError::BadRecordMac)?.len();
        buf.truncate(n);
        self.seq += 1;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
