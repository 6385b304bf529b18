//! Record protection (RFC 8446 5.2, 5.3, 7.3).

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};

use super::{CryptoError, Suite};

/// Maximum TLSPlaintext fragment length (2^14).
pub const MAX_PLAINTEXT: usize = 16384;
/// Maximum TLSCiphertext length (2^14 + 256).
pub const MAX_CIPHERTEXT: usize = 16384 + 256;
/// AEAD tag length of all TLS 1.3 suites.
pub const TAG_LEN: usize = 16;

/// Why a protected record could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// AEAD authentication failed (bad_record_mac).
    #[error("record authentication failed")]
    BadRecordMac,
    /// The inner plaintext has no non-zero content type (unexpected_message).
    #[error("inner plaintext is all zeros (no content type)")]
    NoContentType,
    /// The ciphertext or plaintext exceeds the permitted size (record_overflow).
    #[error("record too large")]
    Overflow,
    /// The sequence number would wrap.
    #[error("sequence number exhausted")]
    SequenceExhausted,
}

/// One direction of record protection: AEAD key, static IV and sequence number.
pub struct RecordProtection {
    suite: Suite,
    key: LessSafeKey,
    iv: [u8; 12],
    seq: u64,
}

impl std::fmt::Debug for RecordProtection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_protection(f, "RecordProtection", &self.suite, self.seq)
    }
}

/// The `Debug` text of one direction of record protection (either version): its suite and
/// sequence number, never the key or the IV.
pub(super) fn debug_protection(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    suite: &dyn std::fmt::Debug,
    seq: u64,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("suite", suite)
        .field("seq", &seq)
        .finish()
}

/// The traffic key and IV derived from a traffic secret (RFC 8446 7.3).
pub fn derive_key_iv(suite: Suite, secret: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let prk = super::hash::Prk::new(suite.hash(), secret);
    (
        prk.expand_label(b"key", b"", suite.key_len()),
        prk.expand_label(b"iv", b"", 12),
    )
}

impl RecordProtection {
    /// Keys derived from a traffic secret.
    pub fn from_secret(suite: Suite, secret: &[u8]) -> Result<Self, CryptoError> {
        let (key, iv) = derive_key_iv(suite, secret);
        Self::from_key_iv(suite, &key, &iv)
    }

    /// Keys given directly (test vectors). The key must have the suite's key length and
    /// the IV 12 bytes.
    pub fn from_key_iv(suite: Suite, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let unbound = UnboundKey::new(suite.aead(), key)
            .map_err(|_| CryptoError::Internal("bad AEAD key length"))?;
        let iv: [u8; 12] = iv
            .try_into()
            .map_err(|_| CryptoError::Internal("bad IV length"))?;
        Ok(Self {
            suite,
            key: LessSafeKey::new(unbound),
            iv,
            seq: 0,
        })
    }

    /// The suite in use.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The next sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Set the sequence number (tests).
    pub fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }

    fn nonce(&self) -> Nonce {
        let mut n = self.iv;
        let s = self.seq.to_be_bytes();
        for i in 0..8 {
            n[4 + i] ^= s[i];
        }
        Nonce::assume_unique_for_key(n)
    }

    /// Protect `payload` of content type `typ` with `padding` zero bytes; returns the whole
    /// record (header + encrypted_record).
    pub fn seal(
        &mut self,
        typ: u8,
        payload: &[u8],
        padding: usize,
    ) -> Result<Vec<u8>, RecordError> {
        self.seal_limit(typ, payload, padding, MAX_CIPHERTEXT)
    }

    /// Like [`Self::seal`], but allows a ciphertext up to `limit` bytes (at most 65535):
    /// for faults that send oversized records on purpose.
    pub fn seal_limit(
        &mut self,
        typ: u8,
        payload: &[u8],
        padding: usize,
        limit: usize,
    ) -> Result<Vec<u8>, RecordError> {
        let mut out = Vec::new();
        self.seal_into(&mut out, typ, payload, padding, limit)?;
        Ok(out)
    }

    /// [`Self::seal_limit`], appending the record to `out` (sealed in place there: no
    /// intermediate buffer). On an error `out` is as it was.
    pub fn seal_into(
        &mut self,
        out: &mut Vec<u8>,
        typ: u8,
        payload: &[u8],
        padding: usize,
        limit: usize,
    ) -> Result<(), RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        let inner_len = payload.len() + 1 + padding;
        let ct_len = inner_len + TAG_LEN;
        if ct_len > limit || ct_len > u16::MAX as usize {
            return Err(RecordError::Overflow);
        }
        let header: [u8; 5] = [23, 3, 3, (ct_len >> 8) as u8, ct_len as u8];
        let start = out.len();
        out.reserve(5 + ct_len);
        out.extend_from_slice(&header);
        out.extend_from_slice(payload);
        out.push(typ);
        out.resize(start + 5 + inner_len, 0);
        let nonce = self.nonce();
        let sealed = match out.get_mut(start + 5..) {
            // Fuzzing build: the null cipher (plaintext and a zero tag).
            Some(_) if crate::FUZZING => Ok([0u8; TAG_LEN]),
            Some(inner) => self
                .key
                .seal_in_place_separate_tag(nonce, Aad::from(header), inner)
                .and_then(|t| {
                    <[u8; TAG_LEN]>::try_from(t.as_ref()).map_err(|_| aws_lc_rs::error::Unspecified)
                }),
            None => Err(aws_lc_rs::error::Unspecified),
        };
        match sealed {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                self.seq += 1;
                Ok(())
            }
            Err(_) => {
                out.truncate(start);
                Err(RecordError::Overflow)
            }
        }
    }

    /// Open a protected record: `header` is the 5-byte record header, `body` the
    /// encrypted_record. Returns the inner content type and content, padding stripped.
    /// `max_plaintext` is the largest permitted inner content length (2^14, or the
    /// record_size_limit we advertised minus one).
    pub fn open(
        &mut self,
        header: &[u8; 5],
        body: &[u8],
        max_plaintext: usize,
    ) -> Result<(u8, Vec<u8>), RecordError> {
        if body.len() > MAX_CIPHERTEXT {
            return Err(RecordError::Overflow);
        }
        if body.len() < TAG_LEN {
            return Err(RecordError::BadRecordMac);
        }
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        let mut buf = body.to_vec();
        let plain_len = if crate::FUZZING {
            // Fuzzing build: the null cipher; the tag is not checked.
            body.len() - TAG_LEN
        } else {
            self.key
                .open_in_place(self.nonce(), Aad::from(*header), &mut buf)
                .map_err(|_| RecordError::BadRecordMac)?
                .len()
        };
        self.seq += 1;
        // The whole TLSInnerPlaintext (content, type, padding) is bounded (RFC 8446 5.2,
        // RFC 8449 4).
        if plain_len > max_plaintext.saturating_add(1) {
            return Err(RecordError::Overflow);
        }
        buf.truncate(plain_len);
        // strip padding: find the last non-zero byte
        let Some(pos) = buf.iter().rposition(|b| *b != 0) else {
            return Err(RecordError::NoContentType);
        };
        let typ = buf[pos];
        buf.truncate(pos);
        Ok((typ, buf))
    }
}
