//! Randomness behind a small trait so tests can make handshakes deterministic.

use std::sync::Mutex;

use aws_lc_rs::hmac;

use crate::error::Error;

/// Source of random bytes for the engine (client/server randoms, session ids, key shares,
/// tickets). ML-KEM key generation and signature nonces still use aws-lc-rs internally.
pub trait RandomSource: Send + Sync {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error>;

    /// Whether this is the system's CSPRNG, which aws-lc draws from anyway: then key
    /// generation may be left to aws-lc (for P-256/P-384 that skips the consistency check
    /// importing a scalar costs, one scalar multiplication). Sources that must drive every
    /// byte (a seeded one) keep the default, false.
    fn is_system(&self) -> bool {
        false
    }
}

/// The operating system's CSPRNG via aws-lc-rs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        aws_lc_rs::rand::fill(buf).map_err(|_| Error::internal("system random source failed"))
    }

    fn is_system(&self) -> bool {
        true
    }
}

/// A deterministic generator: HMAC-SHA256(key = seed, counter) blocks. Not for production.
#[derive(Debug)]
pub struct SeededRandom {
    key: hmac::Key,
    counter: Mutex<u64>,
}

impl SeededRandom {
    /// A generator whose output is a function of `seed` only.
    pub fn new(seed: u64) -> Self {
        let mut k = b"tls-engine SeededRandom".to_vec();
        k.extend_from_slice(&seed.to_be_bytes());
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &k),
            counter: Mutex::new(0),
        }
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        let mut c = self
            .counter
            .lock()
            .map_err(|_| Error::internal("SeededRandom poisoned"))?;
        for chunk in buf.chunks_mut(32) {
            let block = hmac::sign(&self.key, &c.to_be_bytes());
            *c = c.wrapping_add(1);
            let n = chunk.len();
            chunk.copy_from_slice(&block.as_ref()[..n]);
        }
        Ok(())
    }
}
