//! Our client, after sending its ClientHello, fed arbitrary server bytes in arbitrary chunks:
//! never a panic; a failure is an error with an alert, never a crash.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};
use tls_engine::{ClientConfig, Connection, SeededRandom};

fn config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let root = CertificateDer::from_pem_slice(include_bytes!(
                "../../../certs/fixtures/ecdsa_p256/root.pem"
            ))
            .expect("fixture root");
            Arc::new(ClientConfig {
                roots: vec![root],
                server_name: Some("localhost".into()),
                random: Arc::new(SeededRandom::new(1)),
                ..ClientConfig::default()
            })
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_000_000));
    let Ok(mut conn) = Connection::client(config(), now) else { return };
    let _ = conn.take_output();
    for piece in rest.chunks(usize::from(split).max(1)) {
        if conn.handle_input(piece, now).is_err() {
            break;
        }
        let _ = conn.take_output();
        while conn.poll_event().is_some() {}
    }
    let _ = conn.handle_eof();
});
