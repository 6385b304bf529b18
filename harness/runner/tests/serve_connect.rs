//! `harness serve` answers `openssl s_client` and a rustls client; `harness connect` reaches
//! `openssl s_server`; bad flags and unreadable PEM files get clear errors.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{ServeGuard, fixtures, harness};

/// Starts `harness serve` for `connections` connections on a kernel-chosen port; returns
/// the guard and the port.
fn serve(peer: &str, profile: &str, connections: usize, extra: &[&str]) -> (ServeGuard, u16) {
    let connections = connections.to_string();
    let args = [&["--connections", connections.as_str()][..], extra].concat();
    common::harness_serve(peer, profile, &args)
}

/// `harness connect --peer PEER --servername NAME --port PORT` and `extra`, trusting the root
/// of the fixture `profile`.
fn connect(peer: &str, servername: &str, port: u16, profile: &str, extra: &[&str]) -> Output {
    harness()
        .args([
            "connect",
            "--peer",
            peer,
            "--servername",
            servername,
            "--port",
        ])
        .arg(port.to_string())
        .arg("--ca")
        .arg(fixtures(profile).join("root.pem"))
        .args(extra)
        .output()
        .expect("harness connect")
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
    let out = connect("rustls", "localhost", port, "ecdsa_p384", &["--resume"]);
    let text = common::succeeded(&out);
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
    let _guard = ServeGuard(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    for args in [&["--tls13"][..], &[][..]] {
        let out = connect("own", "localhost", port, "ecdsa_p256", args);
        let text = common::succeeded(&out);
        assert!(text.contains("connected: version=TLS1.3"), "{text}");
        assert!(text.contains("HTTP/1.0 200 ok"), "{text}");
    }
}

#[test]
fn connect_reports_a_wrong_name() {
    let (_guard, port) = serve("rustls", "ecdsa_p256", 1, &[]);
    let out = connect("own", "wrong.example", port, "ecdsa_p256", &[]);
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
