//! Our client, after sending its ClientHello, fed arbitrary server bytes in arbitrary chunks:
//! never a panic; a failure is an error with an alert, never a crash. Built with the
//! engine's `fuzzing` feature (see `common`), so the bytes reach past record protection,
//! signatures and Finished.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use tls_engine::Connection;

fuzz_target!(
    init: common::write_seeds_if_asked(common::client_seeds),
    |data: &[u8]| {
        let Ok(mut conn) = Connection::client(common::client_config(), common::now()) else { return };
        let _ = conn.take_output();
        common::feed(&mut conn, data);
    }
);
