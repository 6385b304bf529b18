//! Helpers shared by the runner's integration tests.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use harness::peer::PeerRef;
use harness::run::{self, Case, RunOptions};
use harness::scenario::{self, Scenario, Variant};
use reports::{CaseResult, UnderTest, Verdict};

/// The scenario variants of a TOML text.
pub fn variants(toml: &str) -> Vec<Variant> {
    scenario::parse(Path::new("test.toml"), toml)
        .expect("scenario parses")
        .iter()
        .flat_map(|s| s.variants())
        .collect()
}

/// One `[[scenario]]` whose quoted rule is that the handshake completes (level MUST, binds
/// the receiver, no alert, both sides under test) and which expects a connection; `setup`
/// holds its `setup` line and any `matrix` lines. Starts and ends with a newline, so
/// scenarios concatenate into one file.
pub fn handshake_completes(id: &str, title: &str, rfc: &str, setup: &[&str]) -> String {
    let setup = setup.join("\n");
    format!(
        r#"
[[scenario]]
id = "{id}"
title = "{title}"
rfc = "{rfc}"
requirement = "The handshake MUST complete."
level = "MUST"
binds = "receiver"
alert_from = "none"
under_test = "both"
{setup}
expect = {{ result = "connected" }}
"#
    )
}

/// Runs every variant with every ordered pair of `peers`.
pub fn run(toml: &str, peers: &[PeerRef], opts: &RunOptions) -> Vec<CaseResult> {
    run_cases(run::expand(&variants(toml), peers), opts)
}

/// Runs `cases` without progress output.
pub fn run_cases(cases: Vec<Case>, opts: &RunOptions) -> Vec<CaseResult> {
    run::run_cases(cases, opts, &mut |_: usize, _: usize, _: &CaseResult| {}).expect("run")
}

/// The cases of the catalogue's scenarios that `keep` selects, with every ordered pair of the
/// peers named.
pub fn catalogue_cases(keep: impl Fn(&Scenario) -> bool, peers: &[&str]) -> Vec<Case> {
    let all = scenario::load_dir(&scenarios_dir()).expect("catalogue loads");
    let variants: Vec<Variant> = all
        .iter()
        .filter(|s| keep(s))
        .flat_map(|s| s.variants())
        .collect();
    let peers: Vec<PeerRef> = peers.iter().map(|n| peer(n)).collect();
    run::expand(&variants, &peers)
}

/// A result with only its id, pairing and verdict set (family `f`, both sides under test).
pub fn case_result(
    id: &str,
    scenario: &str,
    client: &str,
    server: &str,
    verdict: Verdict,
) -> CaseResult {
    CaseResult::new(
        id,
        scenario,
        "f",
        (client, server),
        UnderTest::Both,
        verdict,
    )
}

/// Short timeouts, so tests of broken peers end quickly.
pub fn quick() -> RunOptions {
    RunOptions {
        jobs: 4,
        idle_timeout: Duration::from_millis(700),
        deadline: Duration::from_secs(2),
        grace: Duration::from_millis(300),
        partial: None,
    }
}

pub fn peer(name: &str) -> PeerRef {
    harness::peers::by_name(name, &scenarios_dir().join("peers")).expect("known peer")
}

pub fn arc<P: harness::peer::Peer + 'static>(p: P) -> PeerRef {
    Arc::new(p)
}

/// The workspace's scenario directory.
pub fn scenarios_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// A child process (`harness serve`, `openssl s_server`), killed when the guard drops.
pub struct ServeGuard(pub std::process::Child);

impl Drop for ServeGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The fixture certificates and keys of `profile` (`certs/fixtures/PROFILE`).
pub fn fixtures(profile: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../certs/fixtures")
        .join(profile)
}

/// The `harness` binary of this build.
pub fn harness() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_harness"))
}

/// The standard output of a command that must have succeeded (the assertion shows both
/// streams).
pub fn succeeded(out: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}: {text}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Starts `harness serve --peer PEER` with the fixture certificate of `profile` on a
/// kernel-chosen port (and `extra` arguments); returns the guard and the port.
pub fn harness_serve(peer: &str, profile: &str, extra: &[&str]) -> (ServeGuard, u16) {
    use std::io::BufRead;
    use std::process::Stdio;
    let f = fixtures(profile);
    let mut child = harness()
        .args(["serve", "--port", "0", "--peer", peer, "--cert"])
        .arg(f.join("server-chain.pem"))
        .arg("--key")
        .arg(f.join("server.key.pem"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start harness serve");
    let stdout = child.stdout.take().expect("stdout");
    let guard = ServeGuard(child);
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).expect("listening line");
    // Keep draining what the server prints, so it never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in `{line}`"));
    (guard, port)
}
