//! The seeded pieces of the rustls provider: its `secure_random` and the (EC)DHE groups
//! draw from the case's generator, the configs read the case's clock.

use std::cell::RefCell;
use std::sync::Arc;

use aws_lc_rs::agreement;
use rustls::crypto::SupportedKxGroup;
use rustls::crypto::aws_lc_rs::kx_group;
use rustls::crypto::{ActiveKeyExchange, GetRandomFailed, SecureRandom, SharedSecret};
use rustls::time_provider::{DefaultTimeProvider, TimeProvider};
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};
use rustls_pki_types::UnixTime;
use tls_engine::RandomSource;

use super::group_from_rustls;
use crate::peer::CaseCtx;

thread_local! {
    /// The generator of the case side this thread plays, while a [`SeedScope`] lives.
    static CASE_RANDOM: RefCell<Option<Arc<dyn RandomSource>>> = const { RefCell::new(None) };
}

/// Installs a case side's generator for the seeded provider pieces ([`CaseRandom`],
/// [`SeededKx`]) on this thread, until dropped. rustls draws on the thread that drives the
/// connection (`ClientConnection::new`, `process_new_packets`), which is the peer's thread.
pub(super) struct SeedScope {
    previous: Option<Arc<dyn RandomSource>>,
}

impl SeedScope {
    pub(super) fn enter(random: Option<Arc<dyn RandomSource>>) -> Self {
        let previous = CASE_RANDOM.with(|r| r.replace(random));
        SeedScope { previous }
    }
}

impl Drop for SeedScope {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CASE_RANDOM.with(|r| r.replace(previous));
    }
}

/// Fills `buf` from the case's generator; from the system when no [`SeedScope`] is active
/// on this thread (rustls drawing elsewhere would then show as a replay that differs).
fn case_fill(buf: &mut [u8]) -> Result<(), GetRandomFailed> {
    let seeded = CASE_RANDOM.with(|r| r.borrow().clone());
    match seeded {
        Some(r) => r.fill(buf).map_err(|_| GetRandomFailed),
        None => aws_lc_rs::rand::fill(buf).map_err(|_| GetRandomFailed),
    }
}

/// The provider's `secure_random` in a seeded case (it must be `'static`, hence the
/// thread-local generator behind it).
#[derive(Debug)]
pub(super) struct CaseRandom;

impl SecureRandom for CaseRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        case_fill(buf)
    }
}

pub(super) static CASE_RANDOM_SOURCE: CaseRandom = CaseRandom;

/// An (EC)DHE group whose private key is drawn from the case's generator, otherwise the
/// same as rustls's aws-lc-rs group of that name (same public key checks, same errors).
#[derive(Debug)]
struct SeededKx {
    /// rustls's group of that name.
    base: fn() -> &'static dyn SupportedKxGroup,
    algorithm: &'static agreement::Algorithm,
    scalar_len: usize,
}

static SEEDED_X25519: SeededKx = SeededKx {
    base: || kx_group::X25519,
    algorithm: &agreement::X25519,
    scalar_len: 32,
};
static SEEDED_SECP256R1: SeededKx = SeededKx {
    base: || kx_group::SECP256R1,
    algorithm: &agreement::ECDH_P256,
    scalar_len: 32,
};
static SEEDED_SECP384R1: SeededKx = SeededKx {
    base: || kx_group::SECP384R1,
    algorithm: &agreement::ECDH_P384,
    scalar_len: 48,
};

/// The seeded variant of a group, when there is one (not for X25519MLKEM768: aws-lc-rs
/// generates ML-KEM keys and encapsulates only from its own RNG).
pub(super) fn seeded_kx(g: &'static dyn SupportedKxGroup) -> &'static dyn SupportedKxGroup {
    match group_from_rustls(g) {
        Some(tls_wire::NamedGroup::X25519) => &SEEDED_X25519,
        Some(tls_wire::NamedGroup::Secp256r1) => &SEEDED_SECP256R1,
        Some(tls_wire::NamedGroup::Secp384r1) => &SEEDED_SECP384R1,
        _ => g,
    }
}

impl SupportedKxGroup for SeededKx {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        // A P-256/P-384 scalar out of range is rejected; draw again (probability ~2^-32).
        for _ in 0..16 {
            let mut scalar = vec![0u8; self.scalar_len];
            case_fill(&mut scalar)?;
            let Ok(key) = agreement::PrivateKey::from_private_key(self.algorithm, &scalar) else {
                continue;
            };
            let public = key.compute_public_key().map_err(|_| GetRandomFailed)?;
            return Ok(Box::new(SeededKeyExchange {
                name: self.name(),
                algorithm: self.algorithm,
                public: public.as_ref().to_vec(),
                key,
            }));
        }
        Err(GetRandomFailed.into())
    }

    fn ffdhe_group(&self) -> Option<rustls::ffdhe_groups::FfdheGroup<'static>> {
        None
    }

    fn name(&self) -> NamedGroup {
        (self.base)().name()
    }

    fn fips(&self) -> bool {
        (self.base)().fips()
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        (self.base)().usable_for_version(version)
    }
}

struct SeededKeyExchange {
    name: NamedGroup,
    algorithm: &'static agreement::Algorithm,
    key: agreement::PrivateKey,
    public: Vec<u8>,
}

impl ActiveKeyExchange for SeededKeyExchange {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        // As rustls's groups: X25519 takes 32 bytes, the NIST curves an uncompressed point
        // only (aws-lc-rs would accept other encodings); aws-lc checks the point itself.
        let shape_ok = if self.name == NamedGroup::X25519 {
            peer.len() == 32
        } else {
            peer.first() == Some(&0x04)
        };
        if !shape_ok {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        let peer = agreement::UnparsedPublicKey::new(self.algorithm, peer);
        agreement::agree(&self.key, peer, (), |secret| Ok(SharedSecret::from(secret)))
            .map_err(|()| PeerMisbehaved::InvalidKeyShare.into())
    }

    fn ffdhe_group(&self) -> Option<rustls::ffdhe_groups::FfdheGroup<'static>> {
        None
    }

    fn group(&self) -> NamedGroup {
        self.name
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }
}

/// The clock of a seeded case (rustls's `TimeProvider`).
#[derive(Debug)]
struct FixedClock(UnixTime);

impl TimeProvider for FixedClock {
    fn current_time(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

pub(super) fn time_provider(ctx: &CaseCtx) -> Arc<dyn TimeProvider> {
    match ctx.fixed_clock() {
        Some(t) => Arc::new(FixedClock(t)),
        None => Arc::new(DefaultTimeProvider),
    }
}
