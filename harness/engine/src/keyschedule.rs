//! The TLS 1.3 key schedule (RFC 8446 7.1) and the transcript hash (4.4.1).

use crate::crypto::HashAlg;
use crate::crypto::hash::Prk;

/// Which stage of the key schedule the current secret belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Early Secret
    Early,
    /// Handshake Secret
    Handshake,
    /// Master Secret
    Master,
}

/// The running key schedule: the current Early/Handshake/Master secret.
#[derive(Debug, Clone)]
pub struct KeySchedule {
    hash: HashAlg,
    secret: Vec<u8>,
    /// `secret` as an HMAC key, set up once for the several secrets derived from it.
    prk: Prk,
    stage: Stage,
}

impl KeySchedule {
    /// Early Secret = HKDF-Extract(0, PSK or 0).
    pub fn new(hash: HashAlg, psk: Option<&[u8]>) -> Self {
        let zeros = hash.zeros();
        let secret = hash.extract(zeros, psk.unwrap_or(zeros));
        let prk = Prk::new(hash, &secret);
        Self {
            hash,
            secret,
            prk,
            stage: Stage::Early,
        }
    }

    /// The hash function.
    pub fn hash(&self) -> HashAlg {
        self.hash
    }

    /// The current secret (Early, Handshake or Master Secret).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    fn empty_hash(&self) -> &'static [u8] {
        self.hash.empty_hash()
    }

    /// Derive-Secret(current, label, Messages) given the transcript hash.
    pub fn derive(&self, label: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        self.prk.derive_secret(label, transcript_hash)
    }

    /// binder_key: "ext binder" or "res binder" from the Early Secret.
    pub fn binder_key(&self, resumption: bool) -> Vec<u8> {
        let label: &[u8] = if resumption {
            b"res binder"
        } else {
            b"ext binder"
        };
        self.derive(label, self.empty_hash())
    }

    /// Move to the next stage: secret = HKDF-Extract(Derive-Secret(., "derived", ""), ikm).
    /// `ikm` is the (EC)DHE shared secret for the Handshake Secret, or None (zeros) for the
    /// Master Secret.
    pub fn advance(&mut self, ikm: Option<&[u8]>) {
        let derived = self.derive(b"derived", self.empty_hash());
        self.secret = self
            .hash
            .extract(&derived, ikm.unwrap_or(self.hash.zeros()));
        self.prk = Prk::new(self.hash, &self.secret);
        self.stage = match self.stage {
            Stage::Early => Stage::Handshake,
            _ => Stage::Master,
        };
    }

    /// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length).
    pub fn finished_key(hash: HashAlg, base_key: &[u8]) -> Vec<u8> {
        hash.expand_label(base_key, b"finished", b"", hash.len())
    }

    /// verify_data = HMAC(finished_key, transcript hash).
    pub fn verify_data(hash: HashAlg, base_key: &[u8], transcript_hash: &[u8]) -> Vec<u8> {
        hash.hmac(&Self::finished_key(hash, base_key), transcript_hash)
    }

    /// application_traffic_secret_N+1 (RFC 8446 7.2).
    pub fn next_traffic_secret(hash: HashAlg, secret: &[u8]) -> Vec<u8> {
        hash.expand_label(secret, b"traffic upd", b"", hash.len())
    }

    /// PSK for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce, Hash.length).
    pub fn resumption_psk(hash: HashAlg, res_master: &[u8], nonce: &[u8]) -> Vec<u8> {
        hash.expand_label(res_master, b"resumption", nonce, hash.len())
    }

    /// TLS-Exporter (RFC 8446 7.5) from an exporter_master_secret.
    pub fn export(
        hash: HashAlg,
        exporter_master: &[u8],
        label: &[u8],
        context: &[u8],
        len: usize,
    ) -> Vec<u8> {
        let secret = hash.derive_secret(exporter_master, label, &hash.hash(b""));
        hash.expand_label(&secret, b"exporter", &hash.hash(context), len)
    }
}

/// The handshake transcript (RFC 8446 4.4.1): the concatenation of handshake messages,
/// hashed on demand. Kept as bytes because the hash is known only after ServerHello.
#[derive(Clone, Default)]
pub struct Transcript {
    buf: Vec<u8>,
    /// A running hash of `buf[..fed]`, so each byte is hashed once per algorithm however
    /// often the transcript hash is asked for.
    running: std::cell::RefCell<Option<Running>>,
}

/// An incremental transcript hash.
#[derive(Clone)]
struct Running {
    alg: HashAlg,
    ctx: aws_lc_rs::digest::Context,
    fed: usize,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl Transcript {
    /// Empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a whole handshake message (header included).
    pub fn add(&mut self, msg: &[u8]) {
        self.buf.extend_from_slice(msg);
    }

    /// The running context for `h`, brought up to date with everything added so far.
    fn context(&self, h: HashAlg) -> aws_lc_rs::digest::Context {
        let mut slot = self.running.borrow_mut();
        let running = match slot.take() {
            Some(r) if r.alg == h => r,
            _ => Running {
                alg: h,
                ctx: aws_lc_rs::digest::Context::new(h.digest_alg()),
                fed: 0,
            },
        };
        let mut running = running;
        if let Some(new) = self.buf.get(running.fed..) {
            running.ctx.update(new);
        }
        running.fed = self.buf.len();
        let ctx = running.ctx.clone();
        *slot = Some(running);
        ctx
    }

    /// Transcript-Hash of everything so far.
    pub fn hash(&self, h: HashAlg) -> Vec<u8> {
        self.context(h).finish().as_ref().to_vec()
    }

    /// Transcript-Hash of everything so far followed by `extra` (e.g. a truncated ClientHello
    /// for PSK binders).
    pub fn hash_with(&self, h: HashAlg, extra: &[u8]) -> Vec<u8> {
        let mut ctx = self.context(h);
        ctx.update(extra);
        ctx.finish().as_ref().to_vec()
    }

    /// Replace ClientHello1 with message_hash (4.4.1), used when a HelloRetryRequest is
    /// sent/received: message_hash || 00 00 Hash.length || Hash(ClientHello1).
    pub fn replace_with_message_hash(&mut self, h: HashAlg) {
        let digest = self.hash(h);
        let mut b = vec![254u8, 0, 0, digest.len() as u8];
        b.extend_from_slice(&digest);
        self.buf = b;
        self.running = std::cell::RefCell::new(None);
    }

    /// Raw transcript bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}
