//! The proxy's record and handshake parser under a fuzzer (`harness/fuzz`, target `mitm`),
//! and seeds for the fuzz corpora from real handshakes.
//!
//! A fuzz input is one selector byte ([`spec_for`]: the action and the record it applies to)
//! and then chunks, each a 2-byte big-endian header and its bytes: the header's top bit set
//! means the server sent the chunk, clear the client; the other 15 bits are its length (a
//! length past the end of the input takes what is left). An empty chunk closes that side.
//! [`run`] replays the chunks through the proxy ([`replay`]) and checks that an action that
//! changed nothing forwarded exactly what it read.

use std::path::Path;

use super::{Action, MitmSpec, ProxyReport, replay};
use crate::bench::{Impl, Mode, Pairing, Spec, pairings_of};
use crate::model::Direction;
use crate::model::{NamedGroup, ProtocolVersion};

/// The longest chunk one header can carry.
pub const MAX_CHUNK: usize = 0x7fff;
const FROM_SERVER: u16 = 0x8000;

/// The actions the in-flight proxy parses records for: every action but the terminating
/// ones (rustls terminates those, there is no record parser in between), in
/// [`Action::ALL`] order.
pub fn in_flight_actions() -> impl Iterator<Item = Action> {
    Action::ALL.iter().copied().filter(|a| !a.terminates())
}

/// The spec a selector byte picks: the in-flight actions in turn, then the encrypted record
/// they apply to (1, 2, 3), so every rewriting path is reachable.
pub fn spec_for(selector: u8) -> MitmSpec {
    let n = in_flight_actions().count().max(1);
    let i = usize::from(selector);
    let action = in_flight_actions()
        .nth(i % n)
        .unwrap_or(Action::PassThrough);
    let mut spec = MitmSpec::new(action);
    spec.record = 1 + (i / n) % 3;
    spec
}

/// The selector of an in-flight action applied to the first record (`None` for a
/// terminating action).
pub fn selector_of(action: Action) -> Option<u8> {
    in_flight_actions()
        .position(|a| a == action)
        .and_then(|i| u8::try_from(i).ok())
}

/// Encodes chunks (`true`: from the client) as a fuzz input; chunks longer than
/// [`MAX_CHUNK`] become several.
pub fn encode(selector: u8, chunks: &[(bool, &[u8])]) -> Vec<u8> {
    let mut out = vec![selector];
    for &(from_client, bytes) in chunks {
        let side = if from_client { 0 } else { FROM_SERVER };
        let pieces: Vec<&[u8]> = if bytes.is_empty() {
            vec![bytes]
        } else {
            bytes.chunks(MAX_CHUNK).collect()
        };
        for piece in pieces {
            let len = u16::try_from(piece.len()).unwrap_or(0) & !FROM_SERVER;
            out.extend_from_slice(&(side | len).to_be_bytes());
            out.extend_from_slice(piece);
        }
    }
    out
}

/// A decoded fuzz input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input<'a> {
    /// What the selector byte picks.
    pub spec: MitmSpec,
    /// What the proxy reads, in order (`true`: from the client).
    pub chunks: Vec<(bool, &'a [u8])>,
}

/// Decodes a fuzz input. `None` for an empty input; a trailing single byte is ignored.
pub fn decode(data: &[u8]) -> Option<Input<'_>> {
    let (&selector, mut rest) = data.split_first()?;
    let mut chunks = Vec::new();
    while let Some((header, tail)) = rest.split_first_chunk::<2>() {
        let h = u16::from_be_bytes(*header);
        let len = usize::from(h & !FROM_SERVER).min(tail.len());
        let (chunk, tail) = tail.split_at_checked(len).unwrap_or((tail, &[]));
        chunks.push((h & FROM_SERVER == 0, chunk));
        rest = tail;
    }
    Some(Input {
        spec: spec_for(selector),
        chunks,
    })
}

/// What crossed the proxy in each direction, from a report's two legs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Streams {
    /// What the proxy read: [from the client, from the server].
    pub read: [Vec<u8>; 2],
    /// What the proxy forwarded: [to the server, to the client].
    pub forwarded: [Vec<u8>; 2],
}

/// The bytes of each direction in a report's captures.
pub fn streams(report: &ProxyReport) -> Streams {
    let mut s = Streams::default();
    for (client_leg, capture) in [(true, &report.client_leg), (false, &report.server_leg)] {
        for (d, bytes) in capture.connections.iter().flatten() {
            // Client leg: `Sent` is what the client sent, `Received` what the proxy sent it.
            // Server leg: `Sent` is what the proxy sent, `Received` what the server sent.
            let (read, i) = match (client_leg, d) {
                (true, Direction::Sent) => (true, 0),
                (true, Direction::Received) => (false, 1),
                (false, Direction::Sent) => (false, 0),
                (false, Direction::Received) => (true, 1),
            };
            let into = if read { &mut s.read } else { &mut s.forwarded };
            if let Some(v) = into.get_mut(i) {
                v.extend_from_slice(bytes);
            }
        }
    }
    s
}

/// The check of every fuzz input: an action that changed nothing (nothing in `applied`)
/// forwarded exactly what it read, in each direction and in order. `reorder_c2s` is left
/// out: it holds a record before it knows whether a next one comes, and a replay's time
/// does not pass to release it.
pub fn check(spec: &MitmSpec, report: &ProxyReport) -> Result<(), String> {
    if report.error.is_some() || !report.applied.is_empty() || spec.action == Action::ReorderC2s {
        return Ok(());
    }
    let s = streams(report);
    for ((read, fwd), name) in s
        .read
        .iter()
        .zip(&s.forwarded)
        .zip(["client->server", "server->client"])
    {
        if read != fwd {
            let at = read
                .iter()
                .zip(fwd)
                .position(|(a, b)| a != b)
                .unwrap_or(read.len().min(fwd.len()));
            return Err(format!(
                "{}: nothing applied, yet {name} forwarded {} bytes for {} read, first difference at byte {at}\n{}",
                spec.action,
                fwd.len(),
                read.len(),
                report.log.join("\n")
            ));
        }
    }
    Ok(())
}

/// One fuzz input: decoded, replayed through the proxy, checked ([`check`]).
pub fn run(data: &[u8]) -> Result<(), String> {
    let Some(input) = decode(data) else {
        return Ok(());
    };
    let report = replay(&input.spec, &input.chunks);
    check(&input.spec, &report)
}

/// One real handshake: its name and its flights (`true`: from the client).
#[derive(Debug, Clone)]
pub struct Transcript {
    /// `client->server kind`.
    pub name: String,
    pub flights: Vec<(bool, Vec<u8>)>,
}

impl Transcript {
    /// The flights as chunks for [`replay`] or [`encode`].
    pub fn chunks(&self) -> Vec<(bool, &[u8])> {
        self.flights
            .iter()
            .map(|(c, b)| (*c, b.as_slice()))
            .collect()
    }

    /// Everything one side sent, in order (`true`: the client).
    pub fn sent_by(&self, client: bool) -> Vec<u8> {
        self.flights
            .iter()
            .filter(|(c, _)| *c == client)
            .flat_map(|(_, b)| b.iter().copied())
            .collect()
    }
}

/// The handshake kinds of the seeds: TLS 1.3 full, resumed and with HelloRetryRequest, TLS
/// 1.2 with an ECDSA and an RSA certificate (ServerKeyExchange of both kinds).
pub fn seed_kinds() -> Vec<Spec> {
    use certs::KeyType::{EcdsaP256, Rsa2048};
    let kinds = [
        (
            ProtocolVersion::TLSv1_3,
            Mode::Resumed,
            EcdsaP256,
            NamedGroup::X25519,
        ),
        (
            ProtocolVersion::TLSv1_3,
            Mode::Hrr,
            EcdsaP256,
            NamedGroup::Secp256r1,
        ),
        (
            ProtocolVersion::TLSv1_2,
            Mode::Full,
            EcdsaP256,
            NamedGroup::X25519,
        ),
        (
            ProtocolVersion::TLSv1_2,
            Mode::Full,
            Rsa2048,
            NamedGroup::X25519,
        ),
    ];
    let others = kinds.map(|(version, mode, cert, group)| Spec {
        version,
        mode,
        cert,
        group,
    });
    std::iter::once(Spec::HEADLINE).chain(others).collect()
}

/// One in-memory handshake of `client` and `server` ([`Pairing::transcript`]).
pub fn transcript(client: Impl, server: Impl, spec: Spec) -> Result<Transcript, String> {
    let mut p = Pairing::new(client, server, spec)?;
    Ok(Transcript {
        name: format!("{client}->{server} {}", spec.kind()),
        flights: p.transcript()?,
    })
}

/// Handshakes of every pairing of own, rustls and OpenSSL for each of [`seed_kinds`].
pub fn seed_transcripts() -> Result<Vec<Transcript>, String> {
    let mut out = Vec::new();
    for spec in seed_kinds() {
        for (c, s) in pairings_of(&spec) {
            out.push(transcript(c, s, spec)?);
        }
    }
    Ok(out)
}

/// The fuzz targets seeded from real handshakes.
pub const SEEDED_TARGETS: [&str; 2] = ["mitm", "deframe"];

fn marker(corpus: &Path, target: &str) -> std::path::PathBuf {
    corpus.join(format!(".seeded-{target}"))
}

/// The targets of [`SEEDED_TARGETS`] to seed under `corpus`: those without a marker
/// `.seeded-TARGET` or without a corpus directory holding files. Handshakes with OpenSSL
/// differ each time, so seeding again would only add near-copies.
pub fn unseeded(corpus: &Path) -> Vec<&'static str> {
    let has_files =
        |t: &str| std::fs::read_dir(corpus.join(t)).is_ok_and(|mut d| d.next().is_some());
    SEEDED_TARGETS
        .into_iter()
        .filter(|t| !(marker(corpus, t).is_file() && has_files(t)))
        .collect()
}

/// Writes seeds from `transcripts` for `targets` under `corpus`, then each target's marker
/// (see [`unseeded`]); returns how many seed files it wrote. `mitm`: each transcript with
/// each in-flight action; `deframe`: each direction's bytes, in chunks of 255 and of 7
/// bytes. A file's name is the SHA-1 of its content, as libFuzzer names its own.
pub fn write_seeds(
    corpus: &Path,
    targets: &[&str],
    transcripts: &[Transcript],
) -> Result<usize, String> {
    let mut written = 0;
    for &target in targets {
        let mut seeds: Vec<Vec<u8>> = Vec::new();
        for t in transcripts {
            match target {
                "mitm" => {
                    let chunks = t.chunks();
                    seeds.extend(
                        in_flight_actions()
                            .filter_map(selector_of)
                            .map(|sel| encode(sel, &chunks)),
                    );
                }
                "deframe" => {
                    for client in [true, false] {
                        let bytes = t.sent_by(client);
                        for split in [255u8, 7] {
                            seeds.push([&[split], bytes.as_slice()].concat());
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "no seeds for fuzz target `{other}`; seeded: {}",
                        SEEDED_TARGETS.join(", ")
                    ));
                }
            }
        }
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for seed in seeds {
            let path = dir.join(hex::encode(openssl::sha::sha1(&seed)));
            if !path.exists() {
                std::fs::write(&path, &seed).map_err(|e| format!("{}: {e}", path.display()))?;
                written += 1;
            }
        }
        let m = marker(corpus, target);
        let note = format!(
            "{target}: seeded from {} real handshakes (own, rustls, OpenSSL) by `cargo run -p harness --example fuzz_seeds`; delete this file to seed again\n",
            transcripts.len()
        );
        std::fs::write(&m, note).map_err(|e| format!("{}: {e}", m.display()))?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls13() -> Transcript {
        transcript(Impl::Own, Impl::Rustls, Spec::HEADLINE).unwrap_or_else(|e| panic!("{e}"))
    }

    fn tls12() -> Transcript {
        let spec = Spec {
            version: ProtocolVersion::TLSv1_2,
            ..Spec::HEADLINE
        };
        transcript(Impl::Openssl, Impl::Own, spec).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn real_handshakes_pass_through_unchanged_and_parsed() {
        for t in [tls13(), tls12()] {
            let report = replay(&MitmSpec::new(Action::PassThrough), &t.chunks());
            let s = streams(&report);
            assert_eq!(s.read, [t.sent_by(true), t.sent_by(false)], "{}", t.name);
            assert_eq!(s.forwarded, s.read, "{}", t.name);
            let log = report.log.join("\n");
            assert!(log.contains("C->S ClientHello"), "{}:\n{log}", t.name);
            assert!(log.contains("S->C ServerHello"), "{}:\n{log}", t.name);
            assert!(log.contains("(encrypted)"), "{}:\n{log}", t.name);
            assert!(report.applied.is_empty(), "{}", t.name);
            assert_eq!(report.error, None);
        }
        // TLS 1.2: the server's flight is plaintext, parsed message by message.
        let log = replay(&MitmSpec::new(Action::PassThrough), &tls12().chunks())
            .log
            .join("\n");
        assert!(log.contains("S->C ServerKeyExchange"), "{log}");
        assert!(log.contains("S->C ServerHelloDone"), "{log}");
    }

    #[test]
    fn rewriting_actions_apply_to_real_handshakes() {
        let (t13, t12) = (tls13(), tls12());
        use Action::*;
        let tls13_actions = [
            ChRandom,
            ChDropSupportedVersions,
            ChDropExtension,
            ChDuplicateExtension,
            ShRandom,
            ShKeyShare,
            FlipS2c,
            DropS2c,
            FlipC2s,
            InjectAlertC2s,
        ];
        let tls12_actions = [
            SkeKeyShare,
            ReorderServerFlight,
            DropSke,
            ReplayC2s,
            ChDropSuiteNoEms,
            ShUnsolicitedExtension,
            InjectCcsBeforeCke,
            InjectCcsBeforeServerHelloDone,
        ];
        let applies =
            (tls13_actions.map(|a| (&t13, a)).into_iter()).chain(tls12_actions.map(|a| (&t12, a)));
        for (t, action) in applies {
            let report = replay(&MitmSpec::new(action), &t.chunks());
            assert!(
                !report.applied.is_empty(),
                "{action} on {}:\n{}",
                t.name,
                report.log.join("\n")
            );
            let s = streams(&report);
            assert_ne!(s.forwarded, s.read, "{action} on {}", t.name);
        }
        for t in [&t13, &t12] {
            for action in in_flight_actions() {
                let report = replay(&MitmSpec::new(action), &t.chunks());
                check(&MitmSpec::new(action), &report)
                    .unwrap_or_else(|e| panic!("{}: {e}", t.name));
            }
        }
    }

    #[test]
    fn terminating_actions_are_not_replayed() {
        let report = replay(
            &MitmSpec::new(Action::CertSelfSigned),
            &[(true, b"\x16\x03\x01".as_slice())],
        );
        assert!(
            report
                .error
                .as_deref()
                .is_some_and(|e| e.contains("terminates TLS"))
        );
        assert!(streams(&report).read.iter().all(Vec::is_empty));
    }

    #[test]
    fn selectors_reach_every_in_flight_action_and_record() {
        let specs: Vec<MitmSpec> = (0..=255u8).map(spec_for).collect();
        for action in in_flight_actions() {
            for record in 1..=3 {
                assert!(
                    specs
                        .iter()
                        .any(|s| s.action == action && s.record == record),
                    "{action} #{record}"
                );
            }
            let sel = selector_of(action).unwrap_or_else(|| panic!("{action}"));
            assert_eq!(spec_for(sel), MitmSpec::new(action));
        }
        assert!(specs.iter().all(|s| !s.action.terminates()));
        assert_eq!(selector_of(Action::CertSelfSigned), None);
    }

    #[test]
    fn inputs_round_trip() {
        let big = vec![0x17; MAX_CHUNK + 10];
        let chunks: Vec<(bool, &[u8])> =
            vec![(true, b"abc"), (false, &big), (false, b""), (true, b"d")];
        let data = encode(7, &chunks);
        let input = decode(&data).unwrap_or_else(|| panic!("decodes"));
        assert_eq!(input.spec, spec_for(7));
        let want: Vec<(bool, &[u8])> = vec![
            (true, b"abc"),
            (false, &big[..MAX_CHUNK]),
            (false, &big[MAX_CHUNK..]),
            (false, b""),
            (true, b"d"),
        ];
        assert_eq!(input.chunks, want);
        // A length past the end takes what is left; a lone trailing byte is no chunk.
        assert_eq!(
            decode(&[0, 0x80, 9, 1, 2]).map(|d| d.chunks),
            Some(vec![(false, &[1u8, 2][..])])
        );
        assert_eq!(decode(&[0, 0]).map(|d| d.chunks), Some(vec![]));
        assert!(decode(&[]).is_none());
    }

    /// Deterministic noise (xorshift).
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn garbage_and_mangled_handshakes_never_panic() {
        let t = tls12();
        let real = encode(0, &t.chunks());
        for sel in 0..=255u8 {
            let mut inputs = vec![noise(u64::from(sel) + 1, 600), vec![sel]];
            // Real records with bytes flipped, cut short, or preceded by noise.
            let mut flipped = real.clone();
            for (k, b) in flipped.iter_mut().enumerate().skip(3) {
                if k % (usize::from(sel) + 11) == 0 {
                    *b ^= sel | 1;
                }
            }
            inputs.push(flipped);
            inputs.push(
                real.get(..real.len() * usize::from(sel) / 256)
                    .unwrap_or_default()
                    .to_vec(),
            );
            for mut input in inputs {
                if let Some(first) = input.first_mut() {
                    *first = sel;
                }
                if let Err(e) = run(&input) {
                    panic!("selector {sel}: {e}");
                }
            }
        }
        // Not TLS at all: forwarded as it comes.
        let report = replay(
            &MitmSpec::new(Action::PassThrough),
            &[(true, b"GET / HTTP/1.1\r\n\r\n".as_slice())],
        );
        assert!(report.log.join("\n").contains("C->S not TLS"));
        let s = streams(&report);
        assert_eq!(s.forwarded, s.read);
    }

    #[test]
    fn seeds_are_written_once_named_by_content() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let corpus = dir.path();
        assert_eq!(unseeded(corpus), SEEDED_TARGETS);
        let ts = [tls13()];
        let written = write_seeds(corpus, &unseeded(corpus), &ts).unwrap_or_else(|e| panic!("{e}"));
        let actions = in_flight_actions().count();
        assert_eq!(written, actions + 4);
        assert!(unseeded(corpus).is_empty());
        // The same transcripts again: nothing new.
        assert_eq!(write_seeds(corpus, &SEEDED_TARGETS, &ts), Ok(0));
        let mitm: Vec<_> = std::fs::read_dir(corpus.join("mitm"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .collect();
        assert_eq!(mitm.len(), actions);
        for f in mitm {
            let bytes = std::fs::read(f.path()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                f.file_name().to_string_lossy(),
                hex::encode(openssl::sha::sha1(&bytes))
            );
            let input = decode(&bytes).unwrap_or_else(|| panic!("decodes"));
            assert_eq!(input.chunks, ts[0].chunks(), "{}", input.spec.action);
            run(&bytes).unwrap_or_else(|e| panic!("{e}"));
        }
        // A corpus directory removed is seeded again.
        std::fs::remove_dir_all(corpus.join("deframe")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(unseeded(corpus), ["deframe"]);
        assert!(
            write_seeds(corpus, &["client"], &ts)
                .is_err_and(|e| e.contains("no seeds for fuzz target `client`"))
        );
    }
}
