//! Hash, HMAC and HKDF (RFC 5869), HKDF-Expand-Label and Derive-Secret (RFC 8446 7.1).

use aws_lc_rs::{digest, hkdf, hmac};

/// The hash function of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
}

impl HashAlg {
    /// Output length in bytes.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// The aws-lc-rs digest algorithm.
    pub(crate) fn digest_alg(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        }
    }

    fn hmac_alg(self) -> hmac::Algorithm {
        match self {
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
        }
    }

    /// Hash of `data`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.digest_alg(), data).as_ref().to_vec()
    }

    /// Hash of the concatenation of `parts`.
    pub fn hash_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        let mut ctx = digest::Context::new(self.digest_alg());
        for p in parts {
            ctx.update(p);
        }
        ctx.finish().as_ref().to_vec()
    }

    /// HMAC(key, data).
    pub fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hmac::sign(&hmac::Key::new(self.hmac_alg(), key), data)
            .as_ref()
            .to_vec()
    }

    /// Constant-time HMAC verification.
    pub fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        if crate::FUZZING {
            return true;
        }
        hmac::verify(&hmac::Key::new(self.hmac_alg(), key), data, tag).is_ok()
    }

    /// HKDF-Extract(salt, IKM); an empty salt means HashLen zero bytes (RFC 5869 2.2).
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
        let salt = if salt.is_empty() { self.zeros() } else { salt };
        self.hmac(salt, ikm)
    }

    /// Hash of the empty string ("derived" and binder secrets, RFC 8446 7.1).
    pub fn empty_hash(self) -> &'static [u8] {
        const SHA256: [u8; 32] =
            unhex(b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        const SHA384: [u8; 48] = unhex(
            b"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
        );
        match self {
            Self::Sha256 => &SHA256,
            Self::Sha384 => &SHA384,
        }
    }

    /// HashLen zero bytes.
    pub fn zeros(self) -> &'static [u8] {
        const ZEROS: [u8; 48] = [0; 48];
        &ZEROS[..self.len()]
    }

    /// HKDF-Expand(PRK, info, L) (RFC 5869 2.3). `len` must be at most 255 * HashLen (a
    /// longer request yields an empty vector).
    pub fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        Prk::new(self, prk).expand(&[info], len)
    }

    /// HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix (RFC 8446 7.1).
    pub fn expand_label(self, secret: &[u8], label: &[u8], context: &[u8], len: usize) -> Vec<u8> {
        Prk::new(self, secret).expand_label(label, context, len)
    }

    /// Derive-Secret(Secret, Label, Messages) given the transcript hash of Messages.
    pub fn derive_secret(self, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        self.expand_label(secret, label, transcript_hash, self.len())
    }
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a lower-case hex digit"),
    }
}

/// `N` bytes from `2 * N` lower-case hex digits (compile-time constants).
const fn unhex<const N: usize>(h: &[u8]) -> [u8; N] {
    assert!(h.len() == 2 * N, "wrong number of hex digits");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (nibble(h[2 * i]) << 4) | nibble(h[2 * i + 1]);
        i += 1;
    }
    out
}

/// A secret ready to be expanded with HKDF-Expand (aws-lc's `HKDF_expand`, which keeps its
/// HMAC state on the stack: no per-call heap work and no copies of HMAC contexts).
#[derive(Clone)]
pub struct Prk {
    hash: HashAlg,
    prk: hkdf::Prk,
}

impl std::fmt::Debug for Prk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prk")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// An output length for [`hkdf::Prk::expand`].
struct OutLen(usize);

impl hkdf::KeyType for OutLen {
    fn len(&self) -> usize {
        self.0
    }
}

impl Prk {
    /// The PRK `secret` for `hash`.
    pub fn new(hash: HashAlg, secret: &[u8]) -> Self {
        let alg = match hash {
            HashAlg::Sha256 => hkdf::HKDF_SHA256,
            HashAlg::Sha384 => hkdf::HKDF_SHA384,
        };
        Self {
            hash,
            prk: hkdf::Prk::new_less_safe(alg, secret),
        }
    }

    /// HKDF-Expand(PRK, info, L) (RFC 5869 2.3) with `info` given in parts. L is at most
    /// 255 * HashLen (RFC 5869 2.3); a longer request yields an empty vector.
    pub fn expand(&self, info: &[&[u8]], len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        match self
            .prk
            .expand(info, OutLen(len))
            .and_then(|okm| okm.fill(&mut out))
        {
            Ok(()) => out,
            Err(_) => Vec::new(),
        }
    }

    /// HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 7.1); the HkdfLabel is fed
    /// to HMAC in parts (see [`hkdf_label`] for its encoding).
    pub fn expand_label(&self, label: &[u8], context: &[u8], len: usize) -> Vec<u8> {
        let length = (len as u16).to_be_bytes();
        let label_len = [(6 + label.len()) as u8];
        let context_len = [context.len() as u8];
        self.expand(
            &[&length, &label_len, b"tls13 ", label, &context_len, context],
            len,
        )
    }

    /// Derive-Secret(Secret, Label, Messages) given the transcript hash of Messages.
    pub fn derive_secret(&self, label: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        self.expand_label(label, transcript_hash, self.hash.len())
    }
}

/// The HkdfLabel structure (RFC 8446 7.1), encoded.
pub fn hkdf_label(label: &[u8], context: &[u8], len: usize) -> Vec<u8> {
    let mut info = Vec::with_capacity(4 + 6 + label.len() + context.len());
    info.extend_from_slice(&(len as u16).to_be_bytes());
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label);
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hashes_are_the_hashes_of_nothing() {
        for h in [HashAlg::Sha256, HashAlg::Sha384] {
            assert_eq!(h.empty_hash(), h.hash(b"").as_slice(), "{h:?}");
        }
    }

    /// RFC 5869 A.1 (SHA-256, 42 bytes: two blocks), expanded in parts and whole.
    #[test]
    fn expand_matches_rfc5869_case_1() {
        let prk = hex::decode("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
            .unwrap();
        let info = hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap();
        let okm =
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
        assert_eq!(hex::encode(HashAlg::Sha256.expand(&prk, &info, 42)), okm);
        let (a, b) = info.split_at(3);
        assert_eq!(
            hex::encode(Prk::new(HashAlg::Sha256, &prk).expand(&[a, b], 42)),
            okm
        );
        assert!(HashAlg::Sha256.expand(&prk, &info, 255 * 32 + 1).is_empty());
    }
}
