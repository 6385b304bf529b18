//! Hash, HMAC and HKDF (RFC 5869), HKDF-Expand-Label and Derive-Secret (RFC 8446 7.1).

use aws_lc_rs::{digest, hmac};

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
        hmac::sign(&hmac::Key::new(self.hmac_alg(), key), data).as_ref().to_vec()
    }

    /// Constant-time HMAC verification.
    pub fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&hmac::Key::new(self.hmac_alg(), key), data, tag).is_ok()
    }

    /// HKDF-Extract(salt, IKM); an empty salt means HashLen zero bytes (RFC 5869 2.2).
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
        let zeros = vec![0u8; self.len()];
        let salt = if salt.is_empty() { &zeros[..] } else { salt };
        self.hmac(salt, ikm)
    }

    /// HKDF-Expand(PRK, info, L) (RFC 5869 2.3). `len` must be at most 255 * HashLen.
    pub fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
        let key = hmac::Key::new(self.hmac_alg(), prk);
        let mut out = Vec::with_capacity(len + self.len());
        let mut t: Vec<u8> = Vec::new();
        let mut counter: u8 = 1;
        while out.len() < len {
            let mut ctx = hmac::Context::with_key(&key);
            ctx.update(&t);
            ctx.update(info);
            ctx.update(&[counter]);
            t = ctx.sign().as_ref().to_vec();
            out.extend_from_slice(&t);
            counter = counter.wrapping_add(1);
        }
        out.truncate(len);
        out
    }

    /// HKDF-Expand-Label(Secret, Label, Context, Length) with the "tls13 " prefix (RFC 8446 7.1).
    pub fn expand_label(self, secret: &[u8], label: &[u8], context: &[u8], len: usize) -> Vec<u8> {
        self.expand(secret, &hkdf_label(label, context, len), len)
    }

    /// Derive-Secret(Secret, Label, Messages) given the transcript hash of Messages.
    pub fn derive_secret(self, secret: &[u8], label: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        self.expand_label(secret, label, transcript_hash, self.len())
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
