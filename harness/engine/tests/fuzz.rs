//! proptest: random and mutated input never panics the client or the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use proptest::prelude::*;
use tls_engine::Connection;

/// The configurations and seed corpora of the `client` and `server` fuzz targets, built here
/// too so that the engine's tests keep them compiling and whole.
#[path = "../../fuzz/fuzz_targets/common/mod.rs"]
mod fuzz_targets;

#[test]
fn fuzz_seeds_are_whole_and_feed_without_panic() {
    let client_seeds = fuzz_targets::client_seeds();
    let server_seeds = fuzz_targets::server_seeds();
    assert_eq!((client_seeds.len(), server_seeds.len()), (13, 10));
    for seed in &client_seeds {
        // at least a ServerHello record, a Finished and a close_notify
        assert!(seed.len() > 100, "{seed:02x?}");
        let mut conn =
            Connection::client(fuzz_targets::client_config(), fuzz_targets::now()).unwrap();
        let _ = conn.take_output();
        fuzz_targets::feed(&mut conn, &[&[255u8][..], seed].concat());
    }
    for seed in &server_seeds {
        assert!(seed.len() > 100, "{seed:02x?}");
        let mut conn =
            Connection::server(fuzz_targets::server_config(), fuzz_targets::now()).unwrap();
        fuzz_targets::feed(&mut conn, &[&[7u8][..], seed].concat());
    }
}

fn server() -> Connection {
    Connection::server(Arc::new(server_config("ecdsa_p256")), now()).unwrap()
}

fn client() -> Connection {
    Connection::client(Arc::new(client_config("ecdsa_p256")), now()).unwrap()
}

/// A real ClientHello and the server's real first flight, for mutation.
fn real_flights() -> (Vec<u8>, Vec<u8>) {
    let mut c = client();
    let mut s = server();
    let ch = c.take_output();
    s.handle_input(&ch, now()).unwrap();
    (ch, s.take_output())
}

fn mutate(mut v: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for (pos, x) in edits {
        if !v.is_empty() {
            let i = pos % v.len();
            v[i] ^= x;
        }
    }
    if let Some(c) = cut
        && !v.is_empty()
    {
        v.truncate(c % v.len());
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..3000), split in 0usize..3000) {
        let split = split.min(data.len());
        let mut s = server();
        let _ = s.handle_input(&data[..split], now());
        let _ = s.handle_input(&data[split..], now());
        let _ = s.handle_eof();
        let mut c = client();
        let _ = c.handle_input(&data, now());
    }

    #[test]
    fn random_handshake_records_never_panic(typ in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut rec = vec![22, 3, 3];
        let len = body.len() + 4;
        rec.extend_from_slice(&(len as u16).to_be_bytes());
        rec.push(typ);
        rec.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        rec.extend_from_slice(&body);
        let _ = server().handle_input(&rec, now());
        let _ = client().handle_input(&rec, now());
    }

    #[test]
    fn mutated_client_hello_never_panics(edits in proptest::collection::vec((any::<usize>(), 1u8..), 1..8), cut in proptest::option::of(any::<usize>())) {
        let (ch, _) = real_flights();
        let ch = mutate(ch, &edits, cut);
        let mut s = server();
        let _ = s.handle_input(&ch, now());
        let _ = s.take_output();
    }

    #[test]
    fn mutated_server_flight_never_panics(edits in proptest::collection::vec((any::<usize>(), 1u8..), 1..8), cut in proptest::option::of(any::<usize>())) {
        let mut c = client();
        let mut s = server();
        s.handle_input(&c.take_output(), now()).unwrap();
        let flight = mutate(s.take_output(), &edits, cut);
        let _ = c.handle_input(&flight, now());
        let _ = c.take_output();
        let _ = c.handle_eof();
    }

    /// TLS 1.2: mutate the server's first flight (ServerHello .. ServerHelloDone), then the
    /// client's second flight (ClientKeyExchange, CCS, Finished) and the server's last one.
    #[test]
    fn mutated_tls12_flights_never_panic(edits in proptest::collection::vec((any::<usize>(), 1u8..), 1..8), cut in proptest::option::of(any::<usize>()), which in 0u8..3) {
        let mut cc = client_config("rsa2048");
        cc.versions = vec![tls_engine::ProtocolVersion::TLSv1_2];
        let mut c = Connection::client(Arc::new(cc), now()).unwrap();
        let mut s = Connection::server(Arc::new(server_config("rsa2048")), now()).unwrap();
        s.handle_input(&c.take_output(), now()).unwrap();
        // flights 0 and 2 go to the client, flight 1 to the server
        for flight in 0..=which {
            let (from, to) = if flight == 1 { (&mut c, &mut s) } else { (&mut s, &mut c) };
            let bytes = from.take_output();
            if flight == which {
                let _ = to.handle_input(&mutate(bytes, &edits, cut), now());
                let _ = to.take_output();
                let _ = to.handle_eof();
            } else {
                to.handle_input(&bytes, now()).unwrap();
            }
        }
    }
}
