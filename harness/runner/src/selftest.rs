//! `harness selftest`: every scenario proves it can fail. Each negative control a scenario
//! names (a `bug_*` knob, [`crate::scenario::Control`]) is run with our engine as the side
//! under test, against every counterpart that can play the scenario, in parallel like cases.
//! A control whose case still scores `pass` is missed: "`<scenario>` cannot fail: `<knob>`
//! left it `pass` against `<counterpart>`".

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use reports::selftest::{ControlCase, ControlRun, SELFTEST_SCHEMA, SelfTestSummary};
use reports::{CaseResult, RunInfo, SelfTest, UnderTest, Verdict};

use crate::cli::{Catalogue, git_head, now_rfc3339, peers_dir, preflight};
use crate::model::Role;
use crate::peer::PeerRef;
use crate::peers;
use crate::run::{self, Case, RunOptions};
use crate::scenario::{self, Control, Scenario};

#[derive(Debug, Args)]
pub struct SelfTestArgs {
    #[command(flatten)]
    pub catalogue: Catalogue,
    /// Output directory: `selftest.json` goes there (and the reports there are redrawn with
    /// the self-test's line when a `results.json` is present).
    #[arg(long, default_value = "reports/out")]
    pub out: PathBuf,
    /// Cases in flight at once (default: four times the CPU count).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Longest wait for one read or write, in milliseconds (a control that makes our engine
    /// wait instead of abort ends on it).
    #[arg(long, default_value_t = 1500)]
    pub idle_timeout_ms: u64,
    /// Longest time one case may take, in milliseconds.
    #[arg(long, default_value_t = 10000)]
    pub deadline_ms: u64,
    /// Also fail when a rejection scenario names no control.
    #[arg(long)]
    pub strict: bool,
}

/// What a control case runs: which control of which scenario, with the bug on which side.
pub struct Owner {
    pub scenario: Arc<Scenario>,
    pub control: Control,
    pub side: Role,
}

/// The counterpart of a control case: the peer opposite our side under test (with its role
/// when the scenario has both sides under test).
fn counterpart(o: &Owner, r: &CaseResult) -> String {
    let peer = match o.side {
        Role::Client => &r.server,
        Role::Server => &r.client,
    };
    match (o.scenario.under_test, o.side) {
        (UnderTest::Both, Role::Client) => format!("{peer} as server"),
        (UnderTest::Both, Role::Server) => format!("{peer} as client"),
        _ => peer.clone(),
    }
}

/// Groups the finished cases into control runs (scenario x control x counterpart, in case
/// order) and counts them.
pub fn tally(owners: &[Owner], results: &[CaseResult]) -> (Vec<ControlRun>, SelfTestSummary) {
    let mut runs: Vec<ControlRun> = Vec::new();
    let mut at: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (o, r) in owners.iter().zip(results) {
        let (s, c) = (&o.scenario, &o.control);
        let cp = counterpart(o, r);
        let key = (s.id.clone(), c.label(), cp.clone());
        let i = *at.entry(key).or_insert_with(|| {
            runs.push(ControlRun {
                scenario: s.id.clone(),
                bug: c.label(),
                required: c.required,
                counterpart: cp,
                caught: false,
                cases: Vec::new(),
            });
            runs.len() - 1
        });
        runs[i].cases.push(ControlCase {
            id: r.id.clone(),
            verdict: r.verdict,
            reason: r.reason.clone(),
        });
    }
    let mut summary = SelfTestSummary::default();
    for run in &mut runs {
        let ran: Vec<_> = run.cases.iter().filter(|c| played(c.verdict)).collect();
        run.caught = !ran.is_empty() && ran.iter().all(|c| run.required.met_by(c.verdict));
        if ran.is_empty() {
            summary.not_run += 1;
        } else {
            summary.controls_run += 1;
            if run.caught {
                summary.caught += 1;
            } else {
                summary.missed += 1;
            }
        }
    }
    (runs, summary)
}

/// Whether a control case played: not `skip` (the counterpart lacks a feature) and not
/// `inconclusive` (the counterpart aborted before the fault reached our side, so the bug
/// was never exercised).
fn played(v: Verdict) -> bool {
    !matches!(v, Verdict::Skip | Verdict::Inconclusive)
}

/// What a missed control run says, one line per case that did not meet the requirement.
pub fn misses(run: &ControlRun) -> Vec<String> {
    run.cases
        .iter()
        .filter(|c| played(c.verdict) && !run.required.met_by(c.verdict))
        .map(|c| {
            if c.verdict == Verdict::Pass {
                format!(
                    "`{}` cannot fail: `{}` left it `pass` against `{}` ({})",
                    run.scenario, run.bug, run.counterpart, c.id
                )
            } else {
                format!(
                    "`{}`: `{}` scored `{}` against `{}`, the control requires `{}` ({}: {})",
                    run.scenario,
                    run.bug,
                    c.verdict,
                    run.counterpart,
                    run.required.name(),
                    c.id,
                    c.reason.as_deref().unwrap_or("no reason given")
                )
            }
        })
        .collect()
}

/// The control cases of `scenarios` against `peers` (each case id ends in `+<control>`, and
/// `@client` / `@server` for a scenario with both sides under test), with what each runs.
pub fn plan(scenarios: &[&Arc<Scenario>], peers: &[PeerRef]) -> (Vec<Case>, Vec<Owner>) {
    let mut cases: Vec<Case> = Vec::new();
    let mut owners: Vec<Owner> = Vec::new();
    for s in scenarios {
        for c in &s.controls {
            for (side, variant) in s.control_variants(c) {
                for mut case in run::expand(std::slice::from_ref(&variant), peers) {
                    let on = match (s.under_test, side) {
                        (UnderTest::Both, Role::Client) => "@client",
                        (UnderTest::Both, Role::Server) => "@server",
                        _ => "",
                    };
                    case.id = format!("{}+{}{on}", case.id, c.label());
                    cases.push(case);
                    owners.push(Owner {
                        scenario: (*s).clone(),
                        control: c.clone(),
                        side,
                    });
                }
            }
        }
    }
    (cases, owners)
}

/// Runs `harness selftest`.
pub fn selftest(args: &SelfTestArgs) -> anyhow::Result<i32> {
    let dir = args.catalogue.dir();
    let peers =
        peers::parse_list(&args.catalogue.peers, &peers_dir()).map_err(anyhow::Error::msg)?;
    let scenarios = scenario::load_dir(&dir)?;
    let broken = preflight(&peers);
    if !broken.is_empty() {
        for (name, why) in &broken {
            eprintln!("peer `{name}` cannot run: {why}");
        }
        anyhow::bail!(
            "{} of the counterparts named in --peers cannot run: install what is missing, or name fewer with --peers",
            broken.len()
        );
    }
    let selected = args.catalogue.select(&scenarios)?;
    let (cases, owners) = plan(&selected, &peers);
    let uncontrolled: Vec<String> = selected
        .iter()
        .filter(|s| s.expects_rejection() && s.controls.is_empty())
        .map(|s| s.id.clone())
        .collect();
    let rejection = selected.iter().filter(|s| s.expects_rejection()).count();
    let mut opts = RunOptions {
        idle_timeout: Duration::from_millis(args.idle_timeout_ms),
        deadline: Duration::from_millis(args.deadline_ms),
        ..RunOptions::default()
    };
    // Many control cases wait out the idle timeout (a bug that stalls instead of aborting):
    // more of them in flight than `run` keeps.
    opts.jobs = args.jobs.unwrap_or(opts.jobs * 2).max(1);
    let started = now_rfc3339();
    let t0 = Instant::now();
    let total = cases.len();
    eprintln!(
        "selftest: {total} control cases ({} controls of {} scenarios, counterparts {})",
        selected.iter().map(|s| s.controls.len()).sum::<usize>(),
        selected.iter().filter(|s| !s.controls.is_empty()).count(),
        peers.iter().map(|p| p.name()).collect::<Vec<_>>().join(",")
    );
    let step = (total / 10).max(1);
    let mut progress = |done: usize, total: usize, _: &CaseResult| {
        if done.is_multiple_of(step) || done == total {
            eprintln!("progress: {done}/{total} control cases");
        }
    };
    let results = run::run_cases(cases, &opts, &mut progress)?;
    let (controls, mut summary) = tally(&owners, &results);
    summary.rejection_scenarios = rejection;
    summary.uncontrolled = uncontrolled.len();
    for run in controls.iter().filter(|r| !r.caught) {
        for line in misses(run) {
            println!("{line}");
        }
    }
    let report = SelfTest {
        schema_version: SELFTEST_SCHEMA,
        run: RunInfo {
            started,
            git: git_head(),
            seed: 0,
            peers: peers
                .iter()
                .map(|p| (p.name().to_string(), p.version()))
                .collect(),
            shard: None,
            duration_ms: Some(t0.elapsed().as_secs_f64() * 1000.0),
        },
        summary,
        knobs: reports::selftest::by_knob(&controls),
        controls,
        uncontrolled,
    };
    let mut by_family: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &report.uncontrolled {
        *by_family
            .entry(id.split("::").next().unwrap_or(id))
            .or_default() += 1;
    }
    if !by_family.is_empty() {
        println!(
            "uncontrolled rejection scenarios by family: {}",
            by_family
                .iter()
                .map(|(f, n)| format!("{f} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("caught per knob (scenarios, cases, counterparts):");
    for k in &report.knobs {
        println!(
            "  {:<48} {:>4} {:>5}  {}",
            k.bug,
            k.scenarios,
            k.cases,
            k.counterparts.join(",")
        );
    }
    println!("{}", report.line());
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("--out {}: {e}", args.out.display()))?;
    let path = args.out.join("selftest.json");
    let tmp = args.out.join(".selftest.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&report)?)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    println!(
        "selftest: {} ({:.1}s)",
        path.display(),
        t0.elapsed().as_secs_f64()
    );
    // Redraw the reports of a run already in --out, so index.html shows the line.
    let results_path = args.out.join("results.json");
    if results_path.is_file() {
        let results = reports::Results::read(&results_path)?;
        let deviations =
            reports::KnownDeviations::load_or_default(&dir.join("known-deviations.toml"))?;
        let written = reports::write_all(&results, &deviations, None, &args.out)?;
        println!("reports redrawn: {}", written.index_html.display());
    }
    let ok = report.ok() && (!args.strict || report.uncontrolled.is_empty());
    Ok(if ok { 0 } else { 1 })
}
