//! Runs one pairing's in-memory handshakes in a loop, for profilers (`perf record`,
//! `valgrind --tool=callgrind`) that need a process doing one thing:
//!
//! ```text
//! cargo build --release -p harness --example handshake_loop
//! perf record -g target/release/examples/handshake_loop own own tls13_full_ecdsa_p256_x25519 2000
//! ```
//!
//! With `--between CLIENT SERVER PER`, every `PER` handshakes of the pairing are followed by
//! `PER` of another pairing (untimed), as in the ratio mode, where the caches are shared.

use harness::bench::{Impl, Pairing, Spec, Transport};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: handshake_loop CLIENT SERVER KIND [ITERATIONS [--between CLIENT SERVER PER]]";
    let (Some(client), Some(server), Some(kind)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let imp = |n: &str| {
        Impl::from_name(n).unwrap_or_else(|| panic!("unknown implementation `{n}`; {usage}"))
    };
    let spec = Spec::from_kind(kind).unwrap_or_else(|| panic!("unknown kind `{kind}`"));
    let iterations: u64 = args
        .get(3)
        .map_or(1000, |n| n.parse().expect("ITERATIONS is a number"));
    let mut p = Pairing::new(imp(client), imp(server), spec).unwrap_or_else(|e| panic!("{e}"));
    let mut between = match args.get(4).map(String::as_str) {
        Some("--between") => {
            let (Some(c), Some(s), Some(n)) = (args.get(5), args.get(6), args.get(7)) else {
                panic!("--between needs CLIENT SERVER PER");
            };
            let other = Pairing::new(imp(c), imp(s), spec).unwrap_or_else(|e| panic!("{e}"));
            Some((other, n.parse::<u64>().expect("PER is a number").max(1)))
        }
        Some(other) => panic!("unknown argument `{other}`; {usage}"),
        None => None,
    };
    let mut timed = std::time::Duration::ZERO;
    let mut start = std::time::Instant::now();
    for i in 0..iterations {
        p.handshake(Transport::Memory)
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some((other, per)) = &mut between
            && (i + 1) % *per == 0
        {
            timed += start.elapsed();
            for _ in 0..*per {
                other
                    .handshake(Transport::Memory)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            start = std::time::Instant::now();
        }
    }
    timed += start.elapsed();
    let per = timed.as_secs_f64() * 1e6 / iterations as f64;
    println!(
        "{}->{} {kind}: {iterations} handshakes, {per:.1} us each",
        p.client, p.server
    );
}
