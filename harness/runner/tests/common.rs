//! Helpers shared by the runner's integration tests.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use harness::peer::PeerRef;
use harness::run::{self, Case, RunOptions};
use harness::scenario::{self, Variant};
use reports::CaseResult;

/// The scenario variants of a TOML text.
pub fn variants(toml: &str) -> Vec<Variant> {
    scenario::parse(Path::new("test.toml"), toml)
        .expect("scenario parses")
        .iter()
        .flat_map(|s| s.variants())
        .collect()
}

/// Runs every variant with every ordered pair of `peers`.
pub fn run(toml: &str, peers: &[PeerRef], opts: &RunOptions) -> Vec<CaseResult> {
    let cases: Vec<Case> = run::expand(&variants(toml), peers);
    run::run_cases(cases, opts, &mut |_: usize, _: usize, _: &CaseResult| {}).expect("run")
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
    harness::peers::by_name(name).expect("known peer")
}

pub fn arc<P: harness::peer::Peer + 'static>(p: P) -> PeerRef {
    Arc::new(p)
}

/// The workspace's scenario directory.
pub fn scenarios_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// A `harness serve` process, killed when the guard drops.
pub struct ServeGuard(pub std::process::Child);

impl Drop for ServeGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `harness serve --peer PEER` with the fixture certificate of `profile` on a
/// kernel-chosen port (and `extra` arguments); returns the guard and the port.
pub fn harness_serve(peer: &str, profile: &str, extra: &[&str]) -> (ServeGuard, u16) {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../certs/fixtures")
        .join(profile);
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
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
