//! `harness peer check FILE`: a good peer file passes each step in seconds; each peer-file
//! mistake fails with a message that names what is wrong and the rule of the contract.

mod common;

use std::path::{Path, PathBuf};

fn shipped(name: &str) -> PathBuf {
    common::scenarios_dir().join("peers").join(name)
}

fn installed(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("CI").is_some() {
        panic!("{tool} is missing under CI");
    }
    found
}

/// `harness peer check` on `file`: (exit status success, stdout and stderr).
fn check(file: &Path) -> (bool, String) {
    let out = common::harness()
        .args(["peer", "check"])
        .arg(file)
        .output()
        .expect("harness runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The shipped openssl-cli file with `find` replaced by `replace`, written to a temp dir.
fn broken(dir: &Path, find: &str, replace: &str) -> PathBuf {
    let text = std::fs::read_to_string(shipped("openssl-cli.toml")).expect("openssl-cli.toml");
    assert!(
        text.contains(find),
        "test bug: `{find}` not in openssl-cli.toml"
    );
    let path = dir.join("mine.toml");
    std::fs::write(&path, text.replacen(find, replace, 1)).expect("write");
    path
}

/// Every shipped peer file passes `peer check` (skips are the steps its file rules out).
#[test]
fn the_shipped_peer_files_pass() {
    for (file, tool) in [
        ("gnutls.toml", "gnutls-serv"),
        ("nss.toml", "selfserv"),
        ("openssl-cli.toml", "openssl"),
    ] {
        if !installed(tool) {
            continue;
        }
        let (ok, text) = check(&shipped(file));
        assert!(ok && text.contains(" 0 failed"), "{file}:\n{text}");
    }
}

#[test]
fn a_good_peer_file_passes_every_step_it_claims() {
    if !installed("openssl") {
        return;
    }
    let (ok, text) = check(&shipped("openssl-cli.toml"));
    assert!(ok, "{text}");
    for want in [
        "ok    the tools start",
        "ok    TLS 1.3 handshake and application data, the tool as client",
        "ok    TLS 1.2 handshake and application data, the tool as server",
        "ok    client authentication (TLS 1.3), the tool as server",
        "ok    ALPN (TLS 1.3), the tool as client",
        "0 failed",
    ] {
        assert!(text.contains(want), "`{want}` missing:\n{text}");
    }
}

#[test]
fn each_peer_file_mistake_is_named_with_its_rule() {
    if !installed("openssl") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // A client that does not print what it receives (-quiet keeps s_client's data, so the
    // data is dropped by a filter that prints nothing).
    let mute = broken(
        dir.path(),
        "[client]\ncommand = [\n  \"openssl\", \"s_client\",",
        "[client]\ncommand = [\n  \"sh\", \"-c\", \"openssl \\\"$@\\\" | grep -v GET\", \"sh\", \"s_client\",",
    );
    let (ok, text) = check(&mute);
    assert!(!ok, "{text}");
    assert!(
        text.contains("the tool as client: fail")
            && text.contains("a client tool must print the application data it receives"),
        "{text}"
    );
    // An unknown placeholder: refused when the file loads.
    let typo = broken(dir.path(), "{version_max}", "{versionmax}");
    let (ok, text) = check(&typo);
    assert!(
        !ok && text.contains("unknown placeholder `{versionmax}`"),
        "{text}"
    );
    // A tool that is not installed, with its package.
    let missing = broken(
        dir.path(),
        "requires = [\"openssl\"",
        "requires = [\"opensssl\"",
    );
    let (ok, text) = check(&missing);
    assert!(
        !ok && text.contains("`opensssl` is not installed"),
        "{text}"
    );
    // A server command line the tool refuses: its own message.
    let bad = broken(dir.path(), "\"-accept\",", "\"-acept\",");
    let (ok, text) = check(&bad);
    assert!(!ok, "{text}");
    assert!(
        text.contains("FAIL  the tools start") && text.contains("acept"),
        "{text}"
    );
}
