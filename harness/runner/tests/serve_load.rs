//! `harness serve` under load: 5,100 connections (1,700 for each of own, rustls and openssl
//! behind it), half of them a malformed ClientHello. Every connection must end with the
//! server closing its end: after its fatal alert (RFC 8446 6.2: "both parties MUST
//! immediately close the connection"), or after its answer. The server process's open file
//! descriptors and resident memory must not grow.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

const PER_PEER: usize = 1700;
const THREADS: usize = 4;
/// How long the server may take to close after its alert or its answer.
const CLOSE_BOUND: Duration = Duration::from_secs(1);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../certs/fixtures/ecdsa_p256")
}

/// Open file descriptors and resident memory (KiB) of a process.
fn usage(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (fds, rss)
}

/// Reads until the server closes; `Err` when it does not within the bound.
fn read_to_close(s: &mut impl Read, started: Instant) -> Result<Vec<u8>, String> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Ok(all),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            // A reset also closes the connection.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(all),
            Err(e) => {
                return Err(format!(
                    "not closed {:?} after the request ({e}); read {} bytes",
                    started.elapsed(),
                    all.len()
                ));
            }
        }
    }
}

/// A ClientHello whose body is one byte: the server must answer decode_error and close.
fn malformed(port: u16) -> Result<(), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(CLOSE_BOUND))
        .map_err(|e| e.to_string())?;
    s.write_all(&[0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0])
        .map_err(|e| e.to_string())?;
    let got = read_to_close(&mut s, Instant::now())?;
    // One alert record: 0x15, version, length 2, level, description.
    if got.len() != 7 || got[0] != 0x15 || got[5] != 2 {
        return Err(format!(
            "expected one fatal alert record, got {}",
            hex(&got)
        ));
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A full handshake and an HTTP request; the server answers and closes.
fn good(port: u16, config: &Arc<rustls::ClientConfig>) -> Result<(), String> {
    let name = ServerName::try_from("localhost").map_err(|e| e.to_string())?;
    let conn = rustls::ClientConnection::new(config.clone(), name).map_err(|e| e.to_string())?;
    let sock = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(CLOSE_BOUND * 5))
        .map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n")
        .map_err(|e| format!("request: {e}"))?;
    let answer = read_to_close(&mut tls, Instant::now())?;
    if !answer.starts_with(b"HTTP/1.0 200") {
        return Err(format!(
            "unexpected answer: {:?}",
            String::from_utf8_lossy(&answer)
        ));
    }
    Ok(())
}

fn client_config() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(fixtures().join("root.pem")).expect("root.pem") {
        roots.add(c.expect("root certificate")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn serve_closes_every_connection_and_keeps_no_socket() {
    for peer in ["own", "rustls", "openssl"] {
        // A client of its own per server: its session cache then resumes with that server.
        let config = client_config();
        let (guard, port) = common::harness_serve(peer, "ecdsa_p256", &[]);
        let pid = guard.0.id();
        // Warm up (allocator arenas, thread stacks), then measure.
        for i in 0..40 {
            let r = if i % 2 == 0 {
                malformed(port)
            } else {
                good(port, &config)
            };
            r.unwrap_or_else(|e| panic!("{peer}, warm-up {i}: {e}"));
        }
        std::thread::sleep(Duration::from_millis(200));
        let (fds0, rss0) = usage(pid);
        let started = Instant::now();
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let config = config.clone();
                std::thread::spawn(move || -> Result<(), String> {
                    for i in (t..PER_PEER).step_by(THREADS) {
                        let r = if i % 2 == 0 {
                            malformed(port)
                        } else {
                            good(port, &config)
                        };
                        r.map_err(|e| format!("connection {i}: {e}"))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join()
                .expect("worker")
                .unwrap_or_else(|e| panic!("{peer}: {e}"));
        }
        let took = started.elapsed();
        std::thread::sleep(Duration::from_millis(200));
        let (fds1, rss1) = usage(pid);
        eprintln!(
            "serve --peer {peer}: {PER_PEER} connections ({} malformed) in {took:.1?}; open fds {fds0} -> {fds1}; RSS {rss0} KiB -> {rss1} KiB",
            PER_PEER.div_ceil(2)
        );
        assert!(
            fds1 <= fds0 + 2,
            "{peer}: open fds grew from {fds0} to {fds1}"
        );
        assert!(
            rss1 <= rss0 + 16 * 1024,
            "{peer}: resident memory grew from {rss0} KiB to {rss1} KiB"
        );
    }
}
