//! The `harness` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use reports::{CaseResult, Results, RunInfo, SCHEMA_VERSION, Verdict};

use crate::peers;
use crate::run::{self, RunOptions, Shard};
use crate::scenario;

/// TLS conformance and interoperability harness.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios against peers and write results.json.
    Run(RunArgs),
    /// Write the reports (index.html, junit.xml, summary.md) from results; with several
    /// results files or directories (shards), merge them first.
    Report(ReportArgs),
    /// Serve HTTP/1.0 over TLS on 127.0.0.1 (like `openssl s_server -www`).
    Serve(crate::tools::ServeArgs),
    /// Connect, send a GET, print the negotiated parameters and the answer.
    Connect(crate::tools::ConnectArgs),
    /// Run every negative control (our engine as the side under test with the `bug_*` knob a
    /// scenario names) against every counterpart; fails when a scenario cannot fail.
    Selftest(crate::selftest::SelfTestArgs),
    /// Command peers: `peer check FILE` tries a new peer file against our engine in a few
    /// connections and explains each failure with the contract rule it broke.
    #[command(subcommand)]
    Peer(PeerCommand),
}

/// Which scenarios, against which peers (`run` and `selftest`).
#[derive(Debug, Args)]
pub struct Catalogue {
    /// Directory of scenario files (default: `scenarios/` of the workspace).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Comma-separated peers; every ordered pair of them is run, each peer with itself too
    /// (`selftest`: the counterparts of our engine under test).
    #[arg(long, default_value = "own,rustls,openssl")]
    pub peers: String,
    /// Only scenarios of these families (repeatable).
    #[arg(long = "family")]
    pub families: Vec<String>,
    /// Only scenarios whose id starts with this (repeatable).
    #[arg(long = "scenario")]
    pub scenario_filter: Vec<String>,
}

impl Catalogue {
    /// The scenario directory.
    pub fn dir(&self) -> PathBuf {
        self.scenarios.clone().unwrap_or_else(default_scenarios)
    }

    /// The scenarios `--family` and `--scenario` select; an unknown family is an error
    /// naming the known ones.
    pub fn select<'a>(
        &self,
        scenarios: &'a [std::sync::Arc<scenario::Scenario>],
    ) -> anyhow::Result<Vec<&'a std::sync::Arc<scenario::Scenario>>> {
        for f in &self.families {
            if !scenarios.iter().any(|s| &s.family == f) {
                let mut known: Vec<&str> = scenarios.iter().map(|s| s.family.as_str()).collect();
                known.dedup();
                anyhow::bail!(
                    "--family {f}: no such family in {}; known: {}",
                    self.dir().display(),
                    known.join(", ")
                );
            }
        }
        Ok(scenarios
            .iter()
            .filter(|s| self.families.is_empty() || self.families.contains(&s.family))
            .filter(|s| {
                self.scenario_filter.is_empty()
                    || self
                        .scenario_filter
                        .iter()
                        .any(|p| s.id.starts_with(p.as_str()))
            })
            .collect())
    }
}

#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// Load, build and start the peer's tools, then run TLS 1.3, TLS 1.2, client
    /// authentication, resumption and ALPN against our engine, in each role the file has.
    Check(crate::peercheck::PeerCheckArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub catalogue: Catalogue,
    /// Run the K-th of N deterministic slices of the case list (e.g. 2/4).
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Output directory.
    #[arg(long, default_value = "reports/out")]
    pub out: PathBuf,
    /// Cases in flight at once (default: twice the CPU count).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Seed of the run, recorded in the results. Each case gets a seed derived from it and
    /// the case id; `own` and `rustls` draw from it their randoms, session ids, EC key shares
    /// and tickets, and read a fixed clock, so such a case sends the same bytes again with
    /// the same seed. Not seeded: `openssl` and command peers, and what aws-lc draws itself
    /// (ML-KEM, ECDSA nonces, RSA-PSS salts); each case's `replayable` says which applies.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Longest wait for one read or write, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub idle_timeout_ms: u64,
    /// Longest time one case may take, in milliseconds.
    #[arg(long, default_value_t = 15000)]
    pub deadline_ms: u64,
    /// Print the case ids and exit.
    #[arg(long)]
    pub list: bool,
    /// Run every case N times; a case whose verdict changes between runs is a flake and
    /// becomes `error`, with the verdicts seen.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub repeat: u32,
    #[command(flatten)]
    pub gate: Gate,
    /// Go on when a peer named in --peers cannot run (a tool not installed, a command line
    /// it rejects): its cases become `skip` instead of failing the run.
    #[arg(long)]
    pub allow_missing_peers: bool,
    /// Target mode: run the server-side scenarios against a server already running at
    /// HOST:PORT, with the --peers as clients (default: own).
    #[arg(long, requires = "ca")]
    pub target: Option<String>,
    /// Target mode: the name the clients send (SNI) and verify (default: the target's host).
    #[arg(long, requires = "target")]
    pub servername: Option<String>,
    /// Target mode: trust anchors (PEM) the clients verify the target's certificate with.
    #[arg(long, requires = "target")]
    pub ca: Option<PathBuf>,
}

const DEFAULT_PEERS: &str = "own,rustls,openssl";

fn target_peer(
    target: &str,
    args: &RunArgs,
) -> anyhow::Result<std::sync::Arc<peers::command::TargetPeer>> {
    let addr = peers::command::target::resolve(target).map_err(anyhow::Error::msg)?;
    let host = target
        .rsplit_once(':')
        .map_or(target, |(h, _)| h)
        .trim_matches(['[', ']']);
    let name = args.servername.clone().unwrap_or_else(|| host.to_string());
    let ca = args
        .ca
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("--target needs --ca FILE"))?;
    let pem =
        std::fs::read_to_string(ca).map_err(|e| anyhow::anyhow!("--ca {}: {e}", ca.display()))?;
    let peer = peers::command::TargetPeer::probe(addr, &name, &pem).map_err(anyhow::Error::msg)?;
    Ok(std::sync::Arc::new(peer))
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results files or directories holding results.json (shards of one run are merged).
    /// None: read OUT/results.json.
    pub inputs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "reports/out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub gate: Gate,
}

/// What a run's verdicts are judged against, for `run` and `report`.
#[derive(Debug, Args)]
pub struct Gate {
    /// Known deviations (default: known-deviations.toml in the scenario directory).
    #[arg(long)]
    pub deviations: Option<PathBuf>,
    /// A previous results.json: the report marks cases whose verdict changed.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Gate every level: a SHOULD, MAY, hardening or policy difference fails the run too
    /// unless known-deviations.toml lists it (by default only MUST-level verdicts, crashes
    /// and harness errors are gated).
    #[arg(long)]
    pub strict: bool,
}

impl Gate {
    /// The known deviations: `--deviations`, or known-deviations.toml in `scenarios`.
    pub fn load(&self, scenarios: &Path) -> anyhow::Result<reports::KnownDeviations> {
        let path = self
            .deviations
            .clone()
            .unwrap_or_else(|| scenarios.join("known-deviations.toml"));
        Ok(reports::KnownDeviations::load_or_default(&path)?.with_strict(self.strict))
    }
}

/// Writes the reports of `results` into `out` and prints the evaluation against the known
/// deviations; returns the exit code (0 only when every verdict is as expected).
pub fn report(
    results: &Results,
    out: &Path,
    gate: &Gate,
    dev: &reports::KnownDeviations,
) -> anyhow::Result<i32> {
    let compare = gate.compare.as_deref();
    let strict = gate.strict;
    let previous = match compare {
        Some(p) => Some(Results::read(p)?),
        None => None,
    };
    let written = reports::write_all(results, dev, previous.as_ref(), out)?;
    println!(
        "reports: {}, {}, {}",
        written.index_html.display(),
        written.junit_xml.display(),
        written.summary_md.display()
    );
    if previous.is_some() {
        println!(
            "{} cases changed verdict since {}",
            written.changed,
            compare.map(|p| p.display().to_string()).unwrap_or_default()
        );
    }
    for line in written.evaluation.messages() {
        println!("{line}");
    }
    let reported = written.evaluation.reported_count();
    if reported > 0 {
        println!(
            "{reported} non-pass verdict(s) below the MUST level reported, not gated{}",
            if strict { "" } else { " (--strict gates them)" }
        );
    }
    Ok(if written.evaluation.ok() { 0 } else { 1 })
}

/// Runs `harness report`.
pub fn report_command(args: &ReportArgs) -> anyhow::Result<i32> {
    let results = if args.inputs.is_empty() {
        Results::read(&args.out.join("results.json"))?
    } else {
        let merged = reports::merge(&args.inputs)?;
        std::fs::create_dir_all(&args.out)
            .map_err(|e| anyhow::anyhow!("--out {}: {e}", args.out.display()))?;
        merged.write(&args.out.join("results.json"))?;
        merged
    };
    let dev = args.gate.load(&default_scenarios())?;
    report(&results, &args.out, &args.gate, &dev)
}

/// Finds the workspace's `scenarios/` directory: next to the current directory or above it.
pub fn default_scenarios() -> PathBuf {
    let mut dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    loop {
        let candidate = dir.join("scenarios");
        if candidate.is_dir() {
            return candidate;
        }
        if !dir.pop() {
            return PathBuf::from("scenarios");
        }
    }
}

/// Where the command peers' files are, as a list of directories in the form of `PATH`
/// (`std::env::split_paths`): the directories of `$HARNESS_PEERS_DIR` (`:`-separated), then
/// `peers/` of the workspace's scenario directory. A name is taken from the first that has
/// `NAME.toml`.
pub fn peers_dir() -> PathBuf {
    let shipped = default_scenarios().join("peers");
    let Some(extra) = std::env::var_os("HARNESS_PEERS_DIR") else {
        return shipped;
    };
    // The user's directories first (their file of a shipped name wins), then ours.
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&extra).collect();
    dirs.push(shipped);
    std::env::join_paths(dirs).map_or_else(|_| PathBuf::from(extra), PathBuf::from)
}

pub(crate) fn git_head() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    now.format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Whether a verdict is acceptable for the exit status: `pass`, or `skip` with a reason.
pub fn acceptable(case: &CaseResult) -> bool {
    match case.verdict {
        Verdict::Pass => true,
        Verdict::Skip => case.reason.as_deref().is_some_and(|r| !r.is_empty()),
        _ => false,
    }
}

/// Runs `harness run`; returns the process exit code.
pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let dir = args.catalogue.dir();
    let target = match &args.target {
        Some(t) => Some(target_peer(t, args)?),
        None => None,
    };
    // Target mode: the peers are the clients; our engine unless --peers says otherwise.
    let peer_list = if target.is_some() && args.catalogue.peers == DEFAULT_PEERS {
        "own"
    } else {
        args.catalogue.peers.as_str()
    };
    let mut peers = peers::parse_list(peer_list, &peers_dir()).map_err(anyhow::Error::msg)?;
    let scenarios = scenario::load_dir(&dir)?;
    if !args.list {
        let broken = preflight(&peers);
        for (name, why) in &broken {
            eprintln!("peer `{name}` cannot run: {why}");
        }
        if !broken.is_empty() {
            if !args.allow_missing_peers {
                anyhow::bail!(
                    "{} of the peers named in --peers cannot run ({}): install what is missing, or pass --allow-missing-peers to run without them (their cases become skip)",
                    broken.len(),
                    broken
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            eprintln!("--allow-missing-peers: going on; the cases of these peers are skipped");
        }
    }
    let selected = args.catalogue.select(&scenarios)?;
    let variants: Vec<_> = selected.iter().flat_map(|s| s.variants()).collect();
    let mut cases = match &target {
        Some(t) => peers::command::target::expand(&variants, &peers, t),
        None => run::expand(&variants, &peers),
    };
    if let Some(t) = target {
        peers.push(t);
    }
    if let Some(shard) = args.shard {
        cases = shard.select(cases);
    }
    if args.list {
        for c in &cases {
            println!("{}", c.id);
        }
        return Ok(0);
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("--out {}: {e}", args.out.display()))?;
    let partial = args.out.join("results.partial.jsonl");
    let mut opts = RunOptions {
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        deadline: Duration::from_millis(args.deadline_ms),
        partial: Some(partial.clone()),
        ..RunOptions::default()
    };
    if let Some(j) = args.jobs {
        opts.jobs = j.max(1);
    }
    let deviations = args.gate.load(&dir)?;
    let listed = deviations.clone();
    // A verdict worth a line while running: not a pass, not a reasoned skip, gated (MUST, a
    // crash or an error; any level with --strict), not listed.
    let notable = move |r: &CaseResult| {
        !acceptable(r)
            && listed.gates(r)
            && listed
                .lookup(&r.id)
                .is_none_or(|(_, d)| d.verdict != r.verdict)
    };
    let started = now_rfc3339();
    let t0 = Instant::now();
    let total = cases.len();
    eprintln!(
        "running {total} cases ({} scenarios, peers {}){}",
        selected.len(),
        peers.iter().map(|p| p.name()).collect::<Vec<_>>().join(","),
        args.shard
            .map(|s| format!(", shard {s}"))
            .unwrap_or_default()
    );
    let again = (args.repeat > 1).then(|| cases.clone());
    let results = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let mut bad = 0usize;
        let mut progress = |_done: usize, _total: usize, r: &CaseResult| {
            bar.inc(1);
            if notable(r) {
                bad += 1;
                bar.println(format!(
                    "{:<14} {}  {}",
                    r.verdict,
                    r.id,
                    r.reason.as_deref().unwrap_or("")
                ));
                bar.set_message(format!("{bad} unexpected"));
            }
        };
        let r = run::run_cases_seeded(cases, &opts, args.seed, &mut progress)?;
        bar.finish_and_clear();
        r
    } else {
        let step = (total / 10).max(1);
        let mut progress = |done: usize, total: usize, r: &CaseResult| {
            if notable(r) {
                eprintln!(
                    "{:<14} {}  {}",
                    r.verdict,
                    r.id,
                    r.reason.as_deref().unwrap_or("")
                );
            }
            if done.is_multiple_of(step) || done == total {
                eprintln!("progress: {done}/{total} cases");
            }
        };
        run::run_cases_seeded(cases, &opts, args.seed, &mut progress)?
    };
    let mut results = results;
    if let Some(cases) = again {
        let quiet = RunOptions {
            partial: None,
            ..opts.clone()
        };
        for round in 2..=args.repeat {
            eprintln!("repeat {round}/{}", args.repeat);
            let other = run::run_cases_seeded(
                cases.clone(),
                &quiet,
                args.seed,
                &mut |_: usize, _: usize, _: &CaseResult| {},
            )?;
            run::mark_flakes(&mut results, &other, round);
        }
    }
    let results = Results {
        schema_version: SCHEMA_VERSION,
        run: RunInfo {
            started,
            git: git_head(),
            seed: args.seed,
            peers: peers
                .iter()
                .map(|p| (p.name().to_string(), p.version()))
                .collect(),
            shard: args.shard.map(|s| s.to_string()),
            duration_ms: Some(t0.elapsed().as_secs_f64() * 1000.0),
        },
        cases: results,
    };
    let path = run::write_results(&args.out, &results).map_err(anyhow::Error::msg)?;
    let _ = std::fs::remove_file(&partial);
    print!("{}", crate::matrix::render(&results.cases));
    println!(
        "results: {}  ({:.1}s)",
        display(&path),
        t0.elapsed().as_secs_f64()
    );
    let code = report(&results, &args.out, &args.gate, &deviations)?;
    // A peer with cases in this run (a run of knob-only scenarios has only own) that took
    // part in none of them.
    let idle: Vec<String> = peers
        .iter()
        .map(|p| p.name().to_string())
        .filter(|p| {
            results
                .cases
                .iter()
                .any(|c| &c.client == p || &c.server == p)
                && !ran(&results.cases, p)
        })
        .collect();
    if !idle.is_empty() && !args.allow_missing_peers {
        for name in &idle {
            eprintln!(
                "peer `{name}` never ran: {}",
                why_idle(&results.cases, name)
            );
        }
        eprintln!(
            "a peer named in --peers that never ran fails the run (--allow-missing-peers goes on)"
        );
        return Ok(code.max(1));
    }
    Ok(code)
}

/// Runs every peer's preflight (in parallel: a command peer starts its tools); the peers
/// that cannot run, with why.
pub(crate) fn preflight(peers: &[crate::peer::PeerRef]) -> Vec<(String, String)> {
    std::thread::scope(|s| {
        let checks: Vec<_> = peers
            .iter()
            .map(|p| (p.name().to_string(), s.spawn(|| p.preflight())))
            .collect();
        checks
            .into_iter()
            .filter_map(|(name, h)| match h.join() {
                Ok(Ok(())) => None,
                Ok(Err(why)) => Some((name, why)),
                Err(_) => Some((name, "its preflight panicked".to_string())),
            })
            .collect()
    })
}

/// Whether `peer` took part in at least one case beyond the TCP connect: its side of some
/// case reports an outcome past `Tcp` (or a connection).
fn ran(cases: &[CaseResult], peer: &str) -> bool {
    cases.iter().any(|c| {
        [(&c.client, &c.observed), (&c.server, &c.server_observed)]
            .into_iter()
            .any(|(name, o)| {
                name == peer
                    && o.as_ref().is_some_and(|o| {
                        o.step.as_deref().is_some_and(|s| s != "Tcp")
                            || o.result == Some(reports::ObservedResult::Connected)
                    })
            })
    })
}

/// The most common reason among the cases of a peer that never ran.
fn why_idle(cases: &[CaseResult], peer: &str) -> String {
    let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for c in cases
        .iter()
        .filter(|c| c.client == peer || c.server == peer)
    {
        *counts
            .entry(c.reason.clone().unwrap_or_else(|| c.verdict.to_string()))
            .or_default() += 1;
    }
    match counts.into_iter().max_by_key(|(_, n)| *n) {
        Some((reason, n)) => format!("{n} case(s): {reason}"),
        None => "no case of the run involves it".into(),
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
