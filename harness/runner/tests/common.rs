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
