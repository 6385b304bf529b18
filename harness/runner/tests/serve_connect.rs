//! `harness serve` answers `openssl s_client` and a rustls client; `harness connect` reaches
//! `openssl s_server`; bad flags and unreadable PEM files get clear errors.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn fixtures(profile: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../certs/fixtures")
        .join(profile)
}

fn harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harness"))
}

/// A child process that is killed when the test ends, whatever happens.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `harness serve` on a kernel-chosen port; returns the guard and the port.
fn serve(peer: &str, profile: &str, connections: usize, extra: &[&str]) -> (Guard, u16) {
    let f = fixtures(profile);
    let mut child = harness()
        .args(["serve", "--port", "0", "--peer", peer, "--connections"])
        .arg(connections.to_string())
        .arg("--cert")
        .arg(f.join("server-chain.pem"))
        .arg("--key")
        .arg(f.join("server.key.pem"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start harness serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut guard = Guard(child);
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .expect("read the listening line");
    // Keep draining what the server prints, so it never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            let _ = guard.0.kill();
            panic!("no port in `{line}`")
        });
    (guard, port)
}

fn s_client(port: u16, profile: &str, extra: &[&str]) -> String {
    let f = fixtures(profile);
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
            "-quiet",
            "-verify_return_error",
            "-CAfile",
        ])
        .arg(f.join("root.pem"))
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .expect("write request");
    let out = child.wait_with_output().expect("s_client output");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn serve_answers_openssl_s_client_with_our_engine() {
    for profile in ["ecdsa_p256", "rsa2048", "ed25519"] {
        let (_guard, port) = serve("own", profile, 1, &[]);
        let out = s_client(port, profile, &[]);
        assert!(out.contains("HTTP/1.0 200 OK"), "{profile}: {out}");
        assert!(out.contains("version: TLS1.3"), "{profile}: {out}");
    }
}

#[test]
fn serve_answers_a_rustls_client_and_resumes() {
    let (_guard, port) = serve("own", "ecdsa_p384", 2, &[]);
    let out = harness()
        .args([
            "connect",
            "--peer",
            "rustls",
            "--resume",
            "--servername",
            "localhost",
            "--port",
        ])
        .arg(port.to_string())
        .arg("--ca")
        .arg(fixtures("ecdsa_p384").join("root.pem"))
        .output()
        .expect("harness connect");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("connected:"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("resumed=false"), "{text}");
    assert!(lines[1].contains("resumed=true"), "{text}");
    assert!(text.contains("HTTP/1.0 200 OK"), "{text}");
}

#[test]
fn serve_with_client_auth_and_library_peers() {
    let f = fixtures("ecdsa_p256");
    let ca = f.join("root.pem");
    for peer in ["own", "rustls", "openssl"] {
        let (_guard, port) = serve(peer, "ecdsa_p256", 1, &["--ca", ca.to_str().unwrap()]);
        let out = s_client(
            port,
            "ecdsa_p256",
            // s_client sends only the first certificate of -cert; the chain goes in -cert_chain.
            &[
                "-cert",
                f.join("client.pem").to_str().unwrap(),
                "-cert_chain",
                f.join("intermediate.pem").to_str().unwrap(),
                "-key",
                f.join("client.key.pem").to_str().unwrap(),
            ],
        );
        assert!(out.contains("HTTP/1.0 200 OK"), "{peer}: {out}");
    }
}

#[test]
fn connect_reaches_openssl_s_server() {
    let f = fixtures("ecdsa_p256");
    // Let the kernel choose a free port: bind, read it, release, hand it to s_server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args(["s_server", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(f.join("server.pem"))
        .arg("-cert_chain")
        .arg(f.join("intermediate.pem"))
        .arg("-key")
        .arg(f.join("server.key.pem"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let _guard = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    for args in [&["--tls13"][..], &[][..]] {
        let out = harness()
            .args([
                "connect",
                "--peer",
                "own",
                "--servername",
                "localhost",
                "--port",
            ])
            .arg(port.to_string())
            .arg("--ca")
            .arg(f.join("root.pem"))
            .args(args)
            .output()
            .expect("harness connect");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("connected: version=TLS1.3"), "{text}");
        assert!(text.contains("HTTP/1.0 200 ok"), "{text}");
    }
}

#[test]
fn connect_reports_a_wrong_name() {
    let (_guard, port) = serve("rustls", "ecdsa_p256", 1, &[]);
    let out = harness()
        .args([
            "connect",
            "--peer",
            "own",
            "--servername",
            "wrong.example",
            "--port",
        ])
        .arg(port.to_string())
        .arg("--ca")
        .arg(fixtures("ecdsa_p256").join("root.pem"))
        .output()
        .expect("harness connect");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("alert bad_certificate sent"), "{text}");
}

#[rstest::rstest]
#[case::missing_cert(&["serve", "--cert", "/nonexistent.pem", "--key", "/nonexistent.key"], "--cert /nonexistent.pem")]
#[case::bad_pem(&["serve", "--cert", "Cargo.toml", "--key", "Cargo.toml"], "--cert Cargo.toml: no CERTIFICATE block found")]
#[case::bad_peer(&["connect", "--port", "1", "--ca", "Cargo.toml", "--peer", "nosuchpeer"], "unknown peer `nosuchpeer`")]
#[case::bad_ca(&["connect", "--port", "1", "--ca", "Cargo.toml"], "--ca Cargo.toml: no CERTIFICATE block found")]
#[case::conflicting(&["connect", "--port", "1", "--ca", "x", "--tls12", "--tls13"], "cannot be used with")]
#[case::missing_port(&["connect", "--ca", "x"], "--port")]
fn bad_flags_get_clear_errors(#[case] args: &[&str], #[case] message: &str) {
    let out = harness()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run harness");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(message), "`{err}` lacks `{message}`");
}
