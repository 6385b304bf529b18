//! Handshake benchmarks: in-memory (and loopback TCP) drivers for every client x server
//! pairing of `own` (our engine), `rustls` and `openssl`, the ratio mode behind
//! `cargo xtask bench` and the instruction-count gate.
//!
//! - [`Spec`] names one handshake kind (`tls13_full_ecdsa_p256_x25519`, ...).
//! - [`Pairing`] holds the configurations of one client x server pairing for one kind;
//!   [`Pairing::handshake`] runs one complete handshake in this thread, moving the bytes
//!   in memory (or through a loopback TCP connection), and asserts that the handshake was of
//!   the kind asked for (full, resumed, HelloRetryRequest, protocol version) on every call:
//!   a loop of "full" handshakes that silently resumes fails loudly instead.
//! - [`ratio`]: every pairing timed back to back inside each sample, ratios to rustls<->rustls
//!   and to the crypto floor, `bench.json`, the history file, the baseline check.
//! - [`valgrind`]: callgrind client requests and the instruction counts.
//!
//! Full handshakes are configured without tickets (no server issues any, no client keeps
//! any); resumed ones with one stateless ticket per handshake on every server. The own client
//! offers its first ticket every time; the rustls and OpenSSL clients use each TLS 1.3 ticket
//! once, as they are built to, and offer the one the previous handshake brought.
//!
//! With the `bench-slow-own` feature (tests of the regression gate only), the `own`
//! endpoint does extra, useless work per handshake: see [`own_slowdown`].

pub mod ratio;
pub mod valgrind;

mod endpoints;

use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use certs::{KeyType, Materials};

pub use endpoints::own_slowdown;

use crate::model::{NamedGroup, ProtocolVersion, Role};
pub use crate::pump::Observed;
use crate::pump::{MemoryWire, Wire, pair};
use crate::vocab;

/// An implementation under benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impl {
    /// Our engine (`tls-engine`).
    Own,
    /// rustls 0.23 with aws-lc-rs.
    Rustls,
    /// The system OpenSSL.
    Openssl,
}

impl Impl {
    /// Every implementation, in report order.
    pub const ALL: [Impl; 3] = [Impl::Own, Impl::Rustls, Impl::Openssl];

    /// Name as used in pairings (`own`, `rustls`, `openssl`).
    pub fn name(self) -> &'static str {
        match self {
            Impl::Own => "own",
            Impl::Rustls => "rustls",
            Impl::Openssl => "openssl",
        }
    }

    /// Parses a name.
    pub fn from_name(s: &str) -> Option<Impl> {
        Impl::ALL.into_iter().find(|i| i.name() == s)
    }
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Full handshake; no tickets issued.
    Full,
    /// Resumed with a ticket (TLS 1.3 psk_dhe_ke); every server issues one ticket.
    Resumed,
    /// Full handshake after a HelloRetryRequest: the client's first key share is X25519,
    /// the server accepts only `group`.
    Hrr,
}

/// One handshake kind: version, mode, certificate key type and group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spec {
    /// Protocol version (TLS 1.2 or TLS 1.3).
    pub version: ProtocolVersion,
    /// Full, resumed or HelloRetryRequest.
    pub mode: Mode,
    /// The server's certificate key type (the `certs` profile of that name).
    pub cert: KeyType,
    /// The negotiated group (x25519, secp256r1 or X25519MLKEM768; X25519MLKEM768 is not in
    /// OpenSSL 3.0).
    pub group: NamedGroup,
}

impl Spec {
    /// The headline kind: TLS 1.3 full handshake, ECDSA P-256 chain, X25519.
    pub const HEADLINE: Spec = Spec {
        version: ProtocolVersion::TLSv1_3,
        mode: Mode::Full,
        cert: KeyType::EcdsaP256,
        group: NamedGroup::X25519,
    };

    /// `tls13_full_ecdsa_p256_x25519`, `tls13_resumed_...`, `tls13_hrr_...`, `tls12_full_...`.
    pub fn kind(&self) -> String {
        let v = match self.version {
            ProtocolVersion::TLSv1_2 => "tls12",
            ProtocolVersion::TLSv1_3 => "tls13",
            _ => "tls",
        };
        let m = match self.mode {
            Mode::Full => "full",
            Mode::Resumed => "resumed",
            Mode::Hrr => "hrr",
        };
        format!(
            "{v}_{m}_{}_{}",
            self.cert.as_str(),
            vocab::group_short(self.group).unwrap_or("group")
        )
    }

    /// Parses what [`Spec::kind`] writes.
    pub fn from_kind(kind: &str) -> Option<Spec> {
        Spec::all().into_iter().find(|s| s.kind() == kind)
    }

    /// Whether `imp` can take part in this kind at all (OpenSSL 3.0 has no X25519MLKEM768,
    /// rustls's aws-lc-rs provider no secp521r1).
    pub fn supports(&self, imp: Impl) -> bool {
        match imp {
            Impl::Own => true,
            Impl::Rustls => crate::peers::rustls_peer::kx_of(self.group).is_some(),
            Impl::Openssl => self.group != NamedGroup::X25519MlKem768,
        }
    }

    /// Whether the pairing can run this kind: both implementations can.
    pub fn supports_pairing(&self, client: Impl, server: Impl) -> bool {
        self.supports(client) && self.supports(server)
    }

    /// Whether the kind is possible at all (no TLS 1.2 hybrid, HRR and resumption are TLS 1.3
    /// here).
    pub fn valid(&self) -> bool {
        let group = vocab::GROUPS.contains(&self.group) && self.group != NamedGroup::Secp384r1;
        group
            && match self.version {
                ProtocolVersion::TLSv1_2 => {
                    self.mode == Mode::Full && self.group != NamedGroup::X25519MlKem768
                }
                ProtocolVersion::TLSv1_3 => {
                    self.mode != Mode::Hrr || self.group == NamedGroup::Secp256r1
                }
                _ => false,
            }
    }

    /// Every kind the criterion benches cover: full TLS 1.3 for every certificate x group
    /// (X25519, P-256, P-521, X25519MLKEM768),
    /// full TLS 1.2 for every certificate over X25519 and P-256, resumed TLS 1.3 for every
    /// certificate over X25519, HelloRetryRequest (X25519 -> P-256) for every certificate.
    pub fn all() -> Vec<Spec> {
        let certs = [KeyType::EcdsaP256, KeyType::Rsa2048, KeyType::Ed25519];
        let groups = [
            NamedGroup::X25519,
            NamedGroup::Secp256r1,
            NamedGroup::Secp521r1,
            NamedGroup::X25519MlKem768,
        ];
        let mut out = Vec::new();
        for cert in certs {
            for group in groups {
                out.push(Spec {
                    version: ProtocolVersion::TLSv1_3,
                    mode: Mode::Full,
                    cert,
                    group,
                });
            }
        }
        for cert in certs {
            out.push(Spec {
                version: ProtocolVersion::TLSv1_3,
                mode: Mode::Resumed,
                cert,
                group: NamedGroup::X25519,
            });
            out.push(Spec {
                version: ProtocolVersion::TLSv1_3,
                mode: Mode::Hrr,
                cert,
                group: NamedGroup::Secp256r1,
            });
            for group in [NamedGroup::X25519, NamedGroup::Secp256r1] {
                out.push(Spec {
                    version: ProtocolVersion::TLSv1_2,
                    mode: Mode::Full,
                    cert,
                    group,
                });
            }
        }
        out.retain(Spec::valid);
        out
    }

    /// The kinds of the ratio mode (`cargo xtask bench`); `quick` keeps the first three.
    pub fn ratio_set(quick: bool) -> Vec<Spec> {
        use Mode::*;
        const X25519: NamedGroup = NamedGroup::X25519;
        const P256: NamedGroup = NamedGroup::Secp256r1;
        const X25519_MLKEM768: NamedGroup = NamedGroup::X25519MlKem768;
        const TLS12: ProtocolVersion = ProtocolVersion::TLSv1_2;
        const TLS13: ProtocolVersion = ProtocolVersion::TLSv1_3;
        let s = |version, mode, cert, group| Spec {
            version,
            mode,
            cert,
            group,
        };
        let mut v = vec![
            Spec::HEADLINE,
            s(TLS13, Resumed, KeyType::EcdsaP256, X25519),
            s(TLS12, Full, KeyType::EcdsaP256, X25519),
            s(TLS13, Hrr, KeyType::EcdsaP256, P256),
            s(TLS13, Full, KeyType::Rsa2048, X25519),
            s(TLS13, Full, KeyType::Ed25519, X25519),
            s(TLS13, Full, KeyType::EcdsaP256, P256),
            s(TLS13, Full, KeyType::EcdsaP256, X25519_MLKEM768),
        ];
        if quick {
            v.truncate(3);
        }
        v
    }

    /// The certificate materials of this kind.
    pub fn materials(&self) -> Result<Arc<Materials>, String> {
        certs::materials(certs::good_profile(self.cert)).map_err(|e| e.to_string())
    }
}

/// How the bytes travel between client and server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Handed over in memory, same thread.
    Memory,
    /// Through a fresh loopback TCP connection per handshake (connect included), same thread.
    Tcp,
}

impl Transport {
    /// `memory` or `tcp`.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Memory => "memory",
            Transport::Tcp => "tcp",
        }
    }
}

/// A client x server pairing, configured for one kind.
pub struct Pairing {
    /// The client.
    pub client: Impl,
    /// The server.
    pub server: Impl,
    /// The kind.
    pub spec: Spec,
    factory: endpoints::Factory,
    listener: Option<TcpListener>,
}

impl fmt::Debug for Pairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pairing({}->{} {})",
            self.client,
            self.server,
            self.spec.kind()
        )
    }
}

impl Pairing {
    /// Builds both configurations (and, for resumed kinds, the first ticket) and runs one
    /// checked handshake. Errors say why a pairing cannot run.
    pub fn new(client: Impl, server: Impl, spec: Spec) -> Result<Pairing, String> {
        if !spec.valid() {
            return Err(format!("{}: not a valid kind", spec.kind()));
        }
        if !spec.supports_pairing(client, server) {
            return Err(format!("{client}->{server} cannot do {}", spec.kind()));
        }
        let materials = spec.materials()?;
        let factory = endpoints::Factory::new(client, server, &spec, &materials)?;
        let mut p = Pairing {
            client,
            server,
            spec,
            factory,
            listener: None,
        };
        // Warm up, and prime the client's ticket for resumed kinds.
        p.factory.prime(&p.spec)?;
        p.handshake(Transport::Memory)?;
        Ok(p)
    }

    /// `client->server`.
    pub fn name(&self) -> String {
        format!("{}->{}", self.client, self.server)
    }

    /// One complete handshake (plus the post-handshake tickets of resumed kinds), checked.
    pub fn handshake(&mut self, transport: Transport) -> Result<(), String> {
        let mut c = self.factory.client()?;
        let mut s = self.factory.server()?;
        match transport {
            Transport::Memory => pair(c.as_mut(), s.as_mut(), &mut MemoryWire)?,
            Transport::Tcp => {
                if self.listener.is_none() {
                    self.listener =
                        Some(TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?);
                }
                let listener = self.listener.as_ref().ok_or("no listener")?;
                let mut wire = TcpWire::connect(listener)?;
                pair(c.as_mut(), s.as_mut(), &mut wire)?;
            }
        }
        let (oc, os) = (c.observed(), s.observed());
        self.check(oc, os)
    }

    /// One checked in-memory handshake (plus the post-handshake tickets of resumed kinds),
    /// returning what crossed the wire: each flight in order, `true` when the client sent it.
    /// Real bytes for the fuzz corpora (`harness::mitm::fuzz`).
    pub fn transcript(&mut self) -> Result<Vec<(bool, Vec<u8>)>, String> {
        let mut c = self.factory.client()?;
        let mut s = self.factory.server()?;
        let mut wire = RecordingWire::default();
        pair(c.as_mut(), s.as_mut(), &mut wire)?;
        self.check(c.observed(), s.observed())?;
        Ok(wire.flights)
    }

    fn check(&self, c: Observed, s: Observed) -> Result<(), String> {
        let what = || format!("{} {}", self.name(), self.spec.kind());
        if !c.done || !s.done {
            return Err(format!(
                "{}: handshake did not complete (client {}, server {})",
                what(),
                c.done,
                s.done
            ));
        }
        let want_resumed = self.spec.mode == Mode::Resumed;
        let want_hrr = self.spec.mode == Mode::Hrr;
        let want_version = self.spec.version;
        /// A side's report that differs from what the kind wants, as `say` words it.
        fn differs<T: PartialEq>(
            got: Option<T>,
            want: T,
            say: impl FnOnce(T) -> String,
        ) -> Result<(), String> {
            match got {
                Some(g) if g != want => Err(say(g)),
                _ => Ok(()),
            }
        }
        for (side, o) in [("client", c), ("server", s)] {
            differs(o.resumed, want_resumed, |r| {
                format!(
                    "{}: {side} says resumed = {r}, expected {want_resumed} (client {c:?}, server {s:?})",
                    what()
                )
            })?;
            differs(o.hrr, want_hrr, |h| {
                format!(
                    "{}: {side} says HelloRetryRequest = {h}, expected {want_hrr}",
                    what()
                )
            })?;
            differs(o.version, want_version, |v| {
                format!("{}: {side} negotiated {v}, expected {want_version}", what())
            })?;
        }
        if c.resumed.is_none() && s.resumed.is_none() {
            return Err(format!(
                "{}: neither side can tell whether the handshake resumed",
                what()
            ));
        }
        Ok(())
    }
}

/// Every valid client x server pairing of `spec`, in report order (client-major).
pub fn pairings_of(spec: &Spec) -> Vec<(Impl, Impl)> {
    let mut v = Vec::new();
    for c in Impl::ALL {
        for s in Impl::ALL {
            if spec.supports_pairing(c, s) {
                v.push((c, s));
            }
        }
    }
    v
}

/// In memory, keeping every flight: `true` for client -> server.
#[derive(Default)]
struct RecordingWire {
    flights: Vec<(bool, Vec<u8>)>,
}

impl Wire for RecordingWire {
    fn carry(&mut self, from: Role, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
        self.flights.push((from == Role::Client, bytes.clone()));
        Ok(bytes)
    }
}

/// Both ends of one loopback connection, driven from this thread: what one side writes is
/// read back, byte count known, from the other end.
struct TcpWire {
    client: TcpStream,
    server: TcpStream,
}

impl TcpWire {
    fn connect(listener: &TcpListener) -> Result<TcpWire, String> {
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let client = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        let (server, _) = listener.accept().map_err(|e| e.to_string())?;
        for s in [&client, &server] {
            s.set_nodelay(true).map_err(|e| e.to_string())?;
        }
        Ok(TcpWire { client, server })
    }

    fn through(
        from: &mut TcpStream,
        to: &mut TcpStream,
        bytes: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        from.write_all(&bytes).map_err(|e| e.to_string())?;
        let mut got = vec![0u8; bytes.len()];
        to.read_exact(&mut got).map_err(|e| e.to_string())?;
        Ok(got)
    }
}

impl Wire for TcpWire {
    fn carry(&mut self, from: Role, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
        match from {
            Role::Client => Self::through(&mut self.client, &mut self.server, bytes),
            Role::Server => Self::through(&mut self.server, &mut self.client, bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for s in Spec::all() {
            assert_eq!(Spec::from_kind(&s.kind()), Some(s));
        }
        assert_eq!(Spec::HEADLINE.kind(), "tls13_full_ecdsa_p256_x25519");
    }

    #[test]
    fn every_pairing_runs_the_headline_kind_in_memory_and_over_tcp() {
        for (c, s) in pairings_of(&Spec::HEADLINE) {
            let mut p =
                Pairing::new(c, s, Spec::HEADLINE).unwrap_or_else(|e| panic!("{c}->{s}: {e}"));
            for _ in 0..2 {
                p.handshake(Transport::Memory)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            p.handshake(Transport::Tcp)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    /// Every client x server pairing of every resumed kind, OpenSSL as the client included,
    /// resumes on every handshake: several in a row (the rustls and OpenSSL clients use each
    /// ticket once, so each handshake must bring the next one), over TCP too, each checked by
    /// `Pairing::check` on both sides.
    #[test]
    fn every_pairing_resumes_every_time_in_memory_and_over_tcp() {
        let resumed: Vec<Spec> = Spec::all()
            .into_iter()
            .filter(|s| s.mode == Mode::Resumed)
            .collect();
        assert_eq!(resumed.len(), 3, "one resumed kind per certificate type");
        let mut failures = Vec::new();
        for spec in resumed {
            let pairings = pairings_of(&spec);
            assert_eq!(pairings.len(), 9, "{}: {pairings:?}", spec.kind());
            assert!(
                pairings.contains(&(Impl::Openssl, Impl::Own)),
                "{}",
                spec.kind()
            );
            for (c, s) in pairings {
                let r = Pairing::new(c, s, spec).and_then(|mut p| {
                    (0..4).try_for_each(|_| p.handshake(Transport::Memory))?;
                    p.handshake(Transport::Tcp)?;
                    p.handshake(Transport::Memory)
                });
                if let Err(e) = r {
                    failures.push(format!("{c}->{s} {}: {e}", spec.kind()));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// The check refuses a full handshake run as a resumed kind (an error, not a silently
    /// wrong sample), and a handshake neither side can classify.
    #[test]
    fn check_refuses_the_wrong_kind() {
        let resumed = Spec::ratio_set(false)
            .into_iter()
            .find(|s| s.mode == Mode::Resumed)
            .expect("a resumed kind");
        let p = Pairing::new(Impl::Openssl, Impl::Own, resumed).unwrap_or_else(|e| panic!("{e}"));
        let full = Observed {
            done: true,
            resumed: Some(false),
            hrr: None,
            version: Some(ProtocolVersion::TLSv1_3),
        };
        let err = p
            .check(
                full,
                Observed {
                    hrr: Some(false),
                    ..full
                },
            )
            .unwrap_err();
        assert!(err.contains("resumed = false, expected true"), "{err}");
        let resumed_obs = Observed {
            resumed: Some(true),
            ..full
        };
        assert_eq!(
            p.check(
                resumed_obs,
                Observed {
                    hrr: Some(false),
                    ..resumed_obs
                }
            ),
            Ok(())
        );
        let unknown = Observed {
            resumed: None,
            ..full
        };
        assert!(
            p.check(unknown, unknown)
                .unwrap_err()
                .contains("neither side can tell")
        );
    }

    #[test]
    fn every_kind_and_pairing_is_what_it_says() {
        let mut failures = Vec::new();
        for spec in Spec::all() {
            for (c, s) in pairings_of(&spec) {
                let r = Pairing::new(c, s, spec)
                    .and_then(|mut p| (0..2).try_for_each(|_| p.handshake(Transport::Memory)));
                if let Err(e) = r {
                    failures.push(format!("{c}->{s} {}: {e}", spec.kind()));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
