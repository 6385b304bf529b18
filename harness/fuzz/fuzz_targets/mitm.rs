//! The MITM proxy's record and handshake parser (`harness::mitm::replay`) on arbitrary
//! bytes from both sides: the first byte picks the in-flight action and the record it
//! applies to, then chunks with a 2-byte header each (top bit: from the server; 15 bits:
//! length; empty: that side closes). Never a panic, and an action that changed nothing
//! forwarded exactly what it read, in order (`harness::mitm::fuzz::check`). Seeds: real
//! handshakes between own, rustls and OpenSSL, with every action (`cargo run -p harness
//! --example fuzz_seeds`, run by `cargo xtask fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = harness::mitm::fuzz::run(data) {
        panic!("{e}");
    }
});
