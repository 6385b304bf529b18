//! Our server fed arbitrary client bytes in arbitrary chunks: never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use tls_engine::{Connection, SeededRandom, ServerConfig};

fn config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(include_bytes!(
                "../../../certs/fixtures/ecdsa_p256/server-chain.pem"
            ))
            .collect::<Result<_, _>>()
            .expect("fixture chain");
            let key = PrivateKeyDer::from_pem_slice(include_bytes!(
                "../../../certs/fixtures/ecdsa_p256/server.key.pem"
            ))
            .expect("fixture key");
            let mut config = ServerConfig::new(chain, key).expect("server config");
            config.random = Arc::new(SeededRandom::new(2));
            Arc::new(config)
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else { return };
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_000_000));
    let Ok(mut conn) = Connection::server(config(), now) else { return };
    for piece in rest.chunks(usize::from(split).max(1)) {
        if conn.handle_input(piece, now).is_err() {
            break;
        }
        let _ = conn.take_output();
        while conn.poll_event().is_some() {}
    }
    let _ = conn.handle_eof();
});
