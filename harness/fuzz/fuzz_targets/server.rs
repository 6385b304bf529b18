//! Our server fed arbitrary client bytes in arbitrary chunks: never a panic. Built with the
//! engine's `fuzzing` feature (see `common`), so the bytes reach past record protection,
//! signatures, Finished and PSK binders.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use tls_engine::Connection;

fuzz_target!(
    init: common::write_seeds_if_asked(common::server_seeds),
    |data: &[u8]| {
        let Ok(mut conn) = Connection::server(common::server_config(), common::now()) else { return };
        common::feed(&mut conn, data);
    }
);
