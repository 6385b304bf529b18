//! What the `client` and `server` targets share: our engine's configurations (fixture
//! certificates, seeded randomness, a fixed clock) and their seed corpora.
//!
//! The targets are built with tls-engine's `fuzzing` feature (null record protection;
//! signatures, chains, Finished and binders always verify), so a fuzzer's bytes reach every
//! parser of the handshake. The seeds are real transcripts of that build: own client <-> own
//! server handshakes over a set of peer configurations (TLS 1.3 and 1.2, HelloRetryRequest,
//! client authentication, ALPN, tickets, KeyUpdates, fragmented and coalesced flights, empty
//! records, warning alerts), each written as the bytes one side received, in the targets'
//! input format (a chunk-size byte, then the bytes). `FUZZ_WRITE_SEEDS=DIR target` writes
//! them into DIR and exits; `cargo xtask fuzz` does that before each run.
#![allow(dead_code, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use tls_engine::{ClientConfig, Connection, NamedGroup, ProtocolVersion, SeededRandom, ServerConfig};

/// The clock of every fuzzed connection (inside the fixtures' validity).
pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_000_000))
}

fn base_client() -> ClientConfig {
    let root = CertificateDer::from_pem_slice(include_bytes!("../../../../certs/fixtures/ecdsa_p256/root.pem"))
        .expect("fixture root");
    ClientConfig {
        roots: vec![root],
        server_name: Some("localhost".into()),
        random: Arc::new(SeededRandom::new(1)),
        ..ClientConfig::default()
    }
}

fn base_server() -> ServerConfig {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("../../../../certs/fixtures/ecdsa_p256/server-chain.pem"))
            .collect::<Result<_, _>>()
            .expect("fixture chain");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../../../../certs/fixtures/ecdsa_p256/server.key.pem"))
        .expect("fixture key");
    let mut config = ServerConfig::new(chain, key).expect("server config");
    config.random = Arc::new(SeededRandom::new(2));
    config.ticket_key = [7; 32];
    config
}

/// The client the `client` target fuzzes.
pub fn client_config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG.get_or_init(|| Arc::new(base_client())).clone()
}

/// The server the `server` target fuzzes.
pub fn server_config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG.get_or_init(|| Arc::new(base_server())).clone()
}

/// Feeds `data` (a chunk-size byte, then bytes) to `conn` in chunks; never panics.
pub fn feed(conn: &mut Connection, data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else { return };
    for piece in rest.chunks(usize::from(split).max(1)) {
        if conn.handle_input(piece, now()).is_err() {
            break;
        }
        let _ = conn.take_output();
        while conn.poll_event().is_some() {}
    }
    let _ = conn.handle_eof();
}

/// One in-memory handshake plus a round of application data; returns the bytes the client
/// received and the bytes the server received.
fn transcript(client: ClientConfig, server: ServerConfig) -> (Vec<u8>, Vec<u8>) {
    let mut c = Connection::client(Arc::new(client), now()).expect("client");
    let mut s = Connection::server(Arc::new(server), now()).expect("server");
    let (mut to_client, mut to_server) = (Vec::new(), Vec::new());
    let mut sent_data = false;
    for _ in 0..64 {
        let out = c.take_output();
        to_server.extend_from_slice(&out);
        let moved_c = !out.is_empty();
        if moved_c && s.handle_input(&out, now()).is_err() {
            break;
        }
        let out = s.take_output();
        to_client.extend_from_slice(&out);
        let moved_s = !out.is_empty();
        if moved_s && c.handle_input(&out, now()).is_err() {
            break;
        }
        while c.poll_event().is_some() {}
        while s.poll_event().is_some() {}
        if !c.is_handshaking() && !s.is_handshaking() && !sent_data {
            sent_data = true;
            let _ = c.send_application_data(b"GET / HTTP/1.0\r\n\r\n");
            let _ = s.send_application_data(b"HTTP/1.0 200 OK\r\n\r\n");
            let _ = c.request_key_update(true);
            c.send_close_notify();
            s.send_close_notify();
            continue;
        }
        if !moved_c && !moved_s {
            break;
        }
    }
    (to_client, to_server)
}

fn knobs<T>(mut config: T, set: impl Fn(&mut T) -> &mut tls_engine::Knobs, pairs: &[(&str, &str)]) -> T {
    for (k, v) in pairs {
        set(&mut config).set(k, v).expect("knob");
    }
    config
}

/// Seeds for the `client` target: what our client receives from servers configured in
/// several ways (the fuzzed client's own configuration is fixed).
pub fn client_seeds() -> Vec<Vec<u8>> {
    let mut servers: Vec<ServerConfig> = Vec::new();
    servers.push(base_server());
    let mut s = base_server();
    s.versions = vec![ProtocolVersion::TLSv1_2];
    servers.push(s);
    let mut s = base_server();
    s.groups = vec![NamedGroup::Secp256r1];
    servers.push(s);
    let mut s = base_server();
    s.client_auth = tls_engine::ClientAuth::Optional { roots: base_client().roots };
    servers.push(s);
    let mut s = base_server();
    s.tickets = 3;
    servers.push(s);
    let mut s = base_server();
    s.versions = vec![ProtocolVersion::TLSv1_2];
    s.tls12_tickets = true;
    servers.push(s);
    for pairs in [
        &[("send_key_updates", "3")][..],
        &[("coalesce_handshake", "true")],
        &[("send_empty_records", "3")],
        &[("send_warning_alerts", "2")],
        &[("mutate_server_hello", "fragment:7")],
        &[("mutate_encrypted_extensions", "add_extension:0x0a0a:-")],
        &[("send_ccs", "false")],
    ] {
        servers.push(knobs(base_server(), |c| &mut c.knobs, pairs));
    }
    servers.into_iter().map(|s| transcript(base_client(), s).0).collect()
}

/// Seeds for the `server` target: what our server receives from clients configured in
/// several ways.
pub fn server_seeds() -> Vec<Vec<u8>> {
    let mut clients: Vec<ClientConfig> = Vec::new();
    clients.push(base_client());
    let mut c = base_client();
    c.versions = vec![ProtocolVersion::TLSv1_2];
    clients.push(c);
    let mut c = base_client();
    c.groups = vec![NamedGroup::Secp256r1, NamedGroup::X25519];
    c.key_share_groups = vec![NamedGroup::Secp384r1];
    clients.push(c);
    let mut c = base_client();
    c.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    clients.push(c);
    let mut c = base_client();
    c.key_share_groups = vec![NamedGroup::X25519MlKem768, NamedGroup::X25519];
    clients.push(c);
    for pairs in [
        &[("mutate_client_hello", "fragment:5")][..],
        &[("mutate_client_hello", "add_extension_first:0x0a0a:-")],
        &[("send_empty_records", "3")],
        &[("send_warning_alerts", "2")],
        &[("send_ccs", "false")],
    ] {
        clients.push(knobs(base_client(), |c| &mut c.knobs, pairs));
    }
    clients.into_iter().map(|c| transcript(c, base_server()).1).collect()
}

/// If `FUZZ_WRITE_SEEDS` names a directory, writes `seeds` there (each with chunk sizes
/// 255 and 7; file name = FNV-1a of the content, so rewriting is idempotent) and exits.
pub fn write_seeds_if_asked(seeds: impl FnOnce() -> Vec<Vec<u8>>) {
    let Some(dir) = std::env::var_os("FUZZ_WRITE_SEEDS") else { return };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("seed directory");
    let mut n = 0;
    for bytes in seeds() {
        for split in [255u8, 7] {
            let mut input = vec![split];
            input.extend_from_slice(&bytes);
            let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
            std::fs::write(dir.join(format!("seed-{hash:016x}")), &input).expect("seed file");
            n += 1;
        }
    }
    eprintln!("wrote {n} seeds to {}", dir.display());
    std::process::exit(0);
}
