//! Criterion benches of handshake latency: every kind of `Spec::all()` (TLS 1.3 full for
//! ECDSA P-256, RSA-2048 and Ed25519 over X25519, P-256 and X25519MLKEM768; TLS 1.3 resumed;
//! HelloRetryRequest; TLS 1.2 full), every client x server pairing of own, rustls and
//! OpenSSL, in memory and over loopback TCP, plus the crypto floor of each kind.
//!
//! Every iteration is checked (full/resumed/HRR and version, see `Pairing::handshake`).
//! Ids: `<kind>/<client>-><server>/<memory|tcp>`, `<kind>/floor`; filter as usual:
//! `cargo bench -p harness --bench handshake -- tls13_full_ecdsa_p256_x25519/own`.
//! The ratio mode (`cargo xtask bench`) is the one to compare pairings on a noisy machine.

mod floor;

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use harness::bench::{Pairing, Spec, Transport, pairings_of};

fn handshakes(c: &mut Criterion) {
    for spec in Spec::all() {
        let kind = spec.kind();
        let mut group = c.benchmark_group(&kind);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (client, server) in pairings_of(&spec) {
            let mut p = match Pairing::new(client, server, spec) {
                Ok(p) => p,
                Err(e) => panic!("{client}->{server} {kind}: {e}"),
            };
            for transport in [Transport::Memory, Transport::Tcp] {
                group.bench_function(format!("{client}->{server}/{}", transport.name()), |b| {
                    b.iter(|| p.handshake(transport).unwrap_or_else(|e| panic!("{e}")))
                });
            }
        }
        let m = spec.materials().unwrap_or_else(|e| panic!("{e}"));
        let mut f = floor::floor(&spec, &m).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function("floor", |b| b.iter(&mut f));
        group.finish();
    }
}

criterion_group!(benches, handshakes);
criterion_main!(benches);
