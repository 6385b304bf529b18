//! `cargo xtask bench`: every pairing timed back to back inside each sample, ratios to
//! rustls<->rustls and to the crypto floor, instruction counts under callgrind, the
//! regression gate. The logic is in `harness::bench::ratio`; this target adds the floor,
//! which needs aws-lc-rs directly (a dev-dependency).

mod floor;

fn main() {
    std::process::exit(harness::bench::ratio::main(floor::floor));
}
