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
use tls_engine::testing::{Side, drive};
use tls_engine::{
    ClientConfig, Connection, NamedGroup, ProtocolVersion, SeededRandom, ServerConfig,
};

/// The clock of every fuzzed connection (inside the fixtures' validity).
pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_000_000))
}

fn base_client() -> ClientConfig {
    let root = CertificateDer::from_pem_slice(include_bytes!(
        "../../../../certs/fixtures/ecdsa_p256/root.pem"
    ))
    .expect("fixture root");
    ClientConfig {
        roots: vec![root],
        server_name: Some("localhost".into()),
        random: Arc::new(SeededRandom::new(1)),
        ..ClientConfig::default()
    }
}

fn base_server() -> ServerConfig {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(include_bytes!(
        "../../../../certs/fixtures/ecdsa_p256/server-chain.pem"
    ))
    .collect::<Result<_, _>>()
    .expect("fixture chain");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!(
        "../../../../certs/fixtures/ecdsa_p256/server.key.pem"
    ))
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
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    for piece in rest.chunks(usize::from(split).max(1)) {
        if conn.handle_input(piece, now()).is_err() {
            break;
        }
        let _ = conn.take_output();
        while conn.poll_event().is_some() {}
    }
    let _ = conn.handle_eof();
}

/// One in-memory handshake (through the engine's own test driver) plus a round of
/// application data, a KeyUpdate and close_notify; returns the bytes the client received and
/// the bytes the server received.
fn transcript(client: ClientConfig, server: ServerConfig) -> (Vec<u8>, Vec<u8>) {
    let mut c = Side::new(Connection::client(Arc::new(client), now()).expect("client"));
    let mut s = Side::new(Connection::server(Arc::new(server), now()).expect("server"));
    drive(&mut c, &mut s, now(), 64);
    if !c.conn.is_handshaking() && !s.conn.is_handshaking() {
        let _ = c.conn.send_application_data(b"GET / HTTP/1.0\r\n\r\n");
        let _ = s.conn.send_application_data(b"HTTP/1.0 200 OK\r\n\r\n");
        let _ = c.conn.request_key_update(true);
        c.conn.send_close_notify();
        s.conn.send_close_notify();
        drive(&mut c, &mut s, now(), 64);
    }
    (c.received, s.received)
}

/// Knobs of both sides, a seed each: record-layer oddities.
const RECORD_KNOBS: &[(&str, &str)] = &[
    ("send_empty_records", "3"),
    ("send_warning_alerts", "2"),
    ("send_ccs", "false"),
];

/// The configurations of the peers a seed is recorded against: `base()` changed by each of
/// `tweaks`, then `base()` with each knob (name, value) of `own_knobs` and `RECORD_KNOBS`.
fn peers<T>(
    base: fn() -> T,
    tweaks: &[fn(&mut T)],
    knobs: fn(&mut T) -> &mut tls_engine::Knobs,
    own_knobs: &[(&str, &str)],
) -> Vec<T> {
    let tweaked = tweaks.iter().map(|tweak| {
        let mut config = base();
        tweak(&mut config);
        config
    });
    let knobbed = own_knobs.iter().chain(RECORD_KNOBS).map(|(k, v)| {
        let mut config = base();
        knobs(&mut config).set(k, v).expect("knob");
        config
    });
    tweaked.chain(knobbed).collect()
}

/// Seeds for the `client` target: what our client receives from servers configured in
/// several ways (the fuzzed client's own configuration is fixed).
pub fn client_seeds() -> Vec<Vec<u8>> {
    let servers = peers(
        base_server,
        &[
            |_| {},
            |s| s.versions = vec![ProtocolVersion::TLSv1_2],
            |s| s.groups = vec![NamedGroup::Secp256r1],
            |s| {
                s.client_auth = tls_engine::ClientAuth::Optional {
                    roots: base_client().roots,
                }
            },
            |s| s.tickets = 3,
            |s| {
                s.versions = vec![ProtocolVersion::TLSv1_2];
                s.tls12_tickets = true;
            },
        ],
        |s| &mut s.knobs,
        &[
            ("send_key_updates", "3"),
            ("coalesce_handshake", "true"),
            ("mutate_server_hello", "fragment:7"),
            ("mutate_encrypted_extensions", "add_extension:0x0a0a:-"),
        ],
    );
    servers
        .into_iter()
        .map(|s| transcript(base_client(), s).0)
        .collect()
}

/// Seeds for the `server` target: what our server receives from clients configured in
/// several ways.
pub fn server_seeds() -> Vec<Vec<u8>> {
    let clients = peers(
        base_client,
        &[
            |_| {},
            |c| c.versions = vec![ProtocolVersion::TLSv1_2],
            |c| {
                c.groups = vec![NamedGroup::Secp256r1, NamedGroup::X25519];
                c.key_share_groups = vec![NamedGroup::Secp384r1];
            },
            |c| c.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            |c| c.key_share_groups = vec![NamedGroup::X25519MlKem768, NamedGroup::X25519],
        ],
        |c| &mut c.knobs,
        &[
            ("mutate_client_hello", "fragment:5"),
            ("mutate_client_hello", "add_extension_first:0x0a0a:-"),
        ],
    );
    clients
        .into_iter()
        .map(|c| transcript(c, base_server()).1)
        .collect()
}

/// If `FUZZ_WRITE_SEEDS` names a directory, writes `seeds` there (each with chunk sizes
/// 255 and 7; file name = FNV-1a of the content, so rewriting is idempotent) and exits.
pub fn write_seeds_if_asked(seeds: impl FnOnce() -> Vec<Vec<u8>>) {
    let Some(dir) = std::env::var_os("FUZZ_WRITE_SEEDS") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("seed directory");
    let mut n = 0;
    for bytes in seeds() {
        for split in [255u8, 7] {
            let mut input = vec![split];
            input.extend_from_slice(&bytes);
            let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
            });
            std::fs::write(dir.join(format!("seed-{hash:016x}")), &input).expect("seed file");
            n += 1;
        }
    }
    eprintln!("wrote {n} seeds to {}", dir.display());
    std::process::exit(0);
}
