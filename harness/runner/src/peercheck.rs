//! `harness peer check FILE`: a new command peer, checked in seconds. The file is loaded
//! (every placeholder and condition checked), its tools built and started, then each role
//! it describes meets our engine in a few connections: TLS 1.3, TLS 1.2, client
//! authentication, resumption, ALPN. A step the file's `unsupported` rules out is skipped
//! with the reason; a failing step is explained with the tool's own output and the rule of
//! the contract (scenarios/peers/README.md) it most likely broke.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use reports::{CaseResult, Verdict};

use crate::model::Role;
use crate::peer::PeerRef;
use crate::peers::OwnPeer;
use crate::peers::command::CommandPeer;
use crate::run::{self, Case, RunOptions};
use crate::scenario;

#[derive(Debug, Args)]
pub struct PeerCheckArgs {
    /// The peer file (`scenarios/peers/NAME.toml` or your own).
    pub file: PathBuf,
}

/// One step: a name and the setup keys of its scenario.
struct Step {
    name: &'static str,
    setup: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        name: "TLS 1.3 handshake and application data",
        setup: r#"versions = ["TLS1.3"]"#,
    },
    Step {
        name: "TLS 1.2 handshake and application data",
        setup: r#"versions = ["TLS1.2"]"#,
    },
    Step {
        name: "client authentication (TLS 1.3)",
        setup: r#"versions = ["TLS1.3"], client_auth = "required""#,
    },
    Step {
        name: "resumption (TLS 1.3)",
        setup: r#"versions = ["TLS1.3"], resumption = true"#,
    },
    Step {
        name: "ALPN (TLS 1.3)",
        setup: r#"versions = ["TLS1.3"], client_alpn = ["h2", "http/1.1"], server_alpn = ["http/1.1"]"#,
    },
];

/// The scenario of a step.
fn scenario_text(step: &Step) -> String {
    format!(
        r#"
[[scenario]]
id = "peer_check::step"
title = "{}"
rfc = "RFC 8446 2"
requirement = "The handshake MUST complete."
level = "MUST"
binds = "receiver"
alert_from = "none"
under_test = "both"
setup = {{ {} }}
expect = {{ result = "connected" }}
"#,
        step.name, step.setup
    )
}

/// The rule of the contract a failed case most likely broke, from its reason.
pub fn hint(reason: &str) -> &'static str {
    let has = |s: &str| reason.contains(s);
    if has("application data did not come back") || has("application data differs") {
        "a client tool must print the application data it receives, and a server answers as its `echo` says (README: The contract)"
    } else if has("cannot reach the server tool")
        || has("does not start")
        || has("connection refused")
    {
        "the server must listen on {port}; with `ready`, print that line only once it listens (README: The contract, Starting a server)"
    } else if has("made 1 of 2 connections") || has("resumed") {
        "resumption: the client must keep its session between connections (`first`, `resuming`), or the file must declare it unsupported"
    } else if has("alpn") || has("ALPN") {
        "ALPN: the tools must take {alpn} / `each = \"alpn\"` and print the protocol chosen (`read.alpn`)"
    } else if has("timed out") || has("timeout") || has("hung") {
        "the tool neither finished nor printed what `connected` matches: check `read.connected`, and that a client exits (or `linger_ms`) once stdin closes"
    } else {
        "compare the tool's output with the file's `read` patterns (README: The file, The contract)"
    }
}

/// Runs `harness peer check`.
pub fn check(args: &PeerCheckArgs) -> anyhow::Result<i32> {
    let peer = CommandPeer::load(&args.file).map_err(anyhow::Error::msg)?;
    let peer: PeerRef = Arc::new(peer);
    println!("peer `{}`: {}", peer.name(), args.file.display());
    if let Err(e) = peer.preflight() {
        println!("FAIL  the tools start: {e}");
        println!("      rule: a peer that cannot run fails the run (README: The contract)");
        return Ok(1);
    }
    println!("ok    the tools start ({})", peer.version());
    let own: PeerRef = Arc::new(OwnPeer);
    // Local connections answer in milliseconds: a tool that has said nothing for two
    // seconds will not.
    let opts = RunOptions {
        jobs: 1,
        idle_timeout: std::time::Duration::from_secs(2),
        deadline: std::time::Duration::from_secs(10),
        ..RunOptions::default()
    };
    let (mut failed, mut passed) = (0usize, 0usize);
    for step in STEPS {
        let scenarios = scenario::parse(std::path::Path::new("peer-check"), &scenario_text(step))?;
        let variants: Vec<_> = scenarios.iter().flat_map(|s| s.variants()).collect();
        for role in [Role::Client, Role::Server] {
            let cases: Vec<Case> = run::expand(&variants, &[own.clone(), peer.clone()])
                .into_iter()
                .filter(|c| {
                    let (ours, theirs) = match role {
                        Role::Client => (&c.server, &c.client),
                        Role::Server => (&c.client, &c.server),
                    };
                    ours.name() == "own" && theirs.name() == peer.name()
                })
                .collect();
            for case in cases {
                let r = run::run_case(&case, &opts);
                match report(step.name, role, &r) {
                    Some(true) => passed += 1,
                    Some(false) => failed += 1,
                    None => {}
                }
            }
        }
    }
    println!("{passed} steps passed, {failed} failed");
    Ok(if failed == 0 && passed > 0 { 0 } else { 1 })
}

/// Prints one step's line; whether it passed (`None`: skipped).
fn report(step: &str, role: Role, r: &CaseResult) -> Option<bool> {
    let what = format!("{step}, the tool as {role}");
    let reason = r.reason.as_deref().unwrap_or_default();
    match r.verdict {
        Verdict::Pass => {
            println!("ok    {what}");
            Some(true)
        }
        Verdict::Skip => {
            println!("skip  {what}: {reason}");
            None
        }
        v => {
            println!("FAIL  {what}: {v}: {reason}");
            println!("      rule: {}", hint(reason));
            Some(false)
        }
    }
}
