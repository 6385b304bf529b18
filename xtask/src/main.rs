//! `cargo xtask`: the project's entry points.
//!
//! - `cargo xtask conformance [ARGS]`: run the scenario catalogue (`harness run ARGS`).
//! - `cargo xtask test`: run every test of the workspace (nextest when installed), then the
//!   self-test.
//! - `cargo xtask peer-check FILE`: `harness peer check FILE`.
//! - `cargo xtask selftest [ARGS]`: run every scenario's negative controls (`harness selftest
//!   ARGS`).
//! - `cargo xtask report [merge DIR...] [--compare OLD/results.json]`: (re)write the reports
//!   in `reports/out/`, merging shard results first when given.
//! - `cargo xtask bench [--quick] [--check [BASELINE]] [--save [BASELINE]]`: handshake
//!   benchmarks in ratio mode (`harness/runner/benches/ratio.rs`, `harness::bench::ratio`).
//! - `cargo xtask certs [--new-keys]`: regenerate the certificate fixtures under
//!   `certs/fixtures/` (with `--new-keys`, new key pairs too).
//!
//! Everything runs through `$CARGO`, from the workspace root.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command> [args]

commands:
  conformance [ARGS]   run the scenario catalogue against the peers (see `--help`)
  test [ARGS]          run the workspace's tests (cargo nextest when installed), then the
                       self-test
  peer-check FILE      try a command peer's file against our engine (TLS 1.3, TLS 1.2,
                       client authentication, resumption, ALPN) and explain each failure
  selftest [ARGS]      run every scenario's negative controls (our engine under test with
                       its bug_* knobs) against every counterpart; fails when a scenario
                       cannot fail; writes reports/out/selftest.json
  report [merge DIR...] [--compare OLD/results.json]
                       write reports/out/{index.html,junit.xml,summary.md} (merging shards)
  certs [--new-keys]   regenerate the certificate fixtures in certs/fixtures/
  bench [--quick] [--check [BASELINE]] [--save [BASELINE]] [--kinds K,..] [--slow-own]
                       handshake latency of every pairing as ratios to rustls<->rustls and
                       to the crypto floor, instruction counts (callgrind); writes
                       reports/out/bench.json, appends reports/out/bench-history.jsonl;
                       --check fails on > 2% more instructions than BASELINE (default
                       reports/baselines/instructions.json); --slow-own: the gate's self-test
  fuzz [TARGET...] [--seconds N] [--dev]
                       run the libFuzzer targets of harness/fuzz (60 s each), seeding their
                       corpora first; --dev: unoptimized build, for smoke runs";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// `cargo ARGS...` run in `dir`.
fn cargo_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(dir).args(args);
    cmd
}

/// `harness SUBCOMMAND`, built and run through cargo (quietly: the build is warm by then).
fn harness(root: &Path, subcommand: &str) -> Command {
    cargo_in(
        root,
        &[
            "run",
            "--quiet",
            "--package",
            "harness",
            "--bin",
            "harness",
            "--",
            subcommand,
        ],
    )
}

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn status(mut cmd: Command) -> Result<ExitCode> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => {
            eprintln!("xtask: {shown} was killed by a signal");
            ExitCode::from(1)
        }
    })
}

/// Debian packages the commands need, each with a command (or `pkg-config` module) that
/// shows it is there.
const BUILD_PACKAGES: &[(&str, &str)] = &[
    ("pkg-config", "pkg-config"),
    ("pkg-config:openssl", "libssl-dev"),
    ("openssl", "openssl"),
    ("cc", "build-essential"),
];

/// What the tests drive besides the linked libraries: a browser for the HTML report,
/// tshark for captures, the tools (and compilers of the shims) of the command peers.
const TEST_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "chromium"),
    ("tshark", "tshark"),
    ("gnutls-cli", "gnutls-bin"),
    ("gnutls-serv", "gnutls-bin"),
    ("certutil", "libnss3-tools"),
    ("selfserv", "libnss3-tools"),
    ("tstclnt", "libnss3-tools"),
    ("javac", "default-jdk-headless"),
    ("go", "golang-go"),
];

fn present(probe: &str) -> bool {
    match probe.strip_prefix("pkg-config:") {
        Some(module) => Command::new("pkg-config")
            .args(["--exists", module])
            .status()
            .is_ok_and(|s| s.success()),
        None => Command::new("sh")
            .args(["-c", &format!("command -v {probe}")])
            .output()
            .is_ok_and(|o| o.status.success()),
    }
}

/// Installs the missing Debian packages (as root, with apt-get), or says which are missing.
fn ensure_packages(wanted: &[(&str, &str)]) -> Result<()> {
    let mut missing: Vec<&str> = wanted
        .iter()
        .filter(|(probe, _)| !present(probe))
        .map(|(_, pkg)| *pkg)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root || !present("apt-get") {
        bail!(
            "missing Debian packages: {}; install them with: sudo apt-get install {}",
            missing.join(" "),
            missing.join(" ")
        );
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let update = Command::new("apt-get").args(["update", "-qq"]).status()?;
    if !update.success() {
        bail!("apt-get update failed");
    }
    let install = Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .status()?;
    if !install.success() {
        bail!("apt-get install {} failed", missing.join(" "));
    }
    Ok(())
}

/// The fuzz targets of `harness/fuzz`.
const FUZZ_TARGETS: &[&str] = &[
    "deframe",
    "handshake_roundtrip",
    "extensions_roundtrip",
    "client",
    "server",
    "mitm",
];

/// The targets whose corpora are seeded from real handshakes (own, rustls, OpenSSL) by the
/// harness's `fuzz_seeds` example before they run.
const HANDSHAKE_SEEDED: &[&str] = &["deframe", "mitm"];

/// Targets that write their own seed corpus (`FUZZ_WRITE_SEEDS=DIR target`).
const SELF_SEEDED: &[&str] = &["client", "server"];

/// Runs fuzz targets one after the other with cargo-fuzz (libFuzzer), installing cargo-fuzz
/// when missing. The toolchain is stable: cargo-fuzz's unstable flags are allowed with
/// RUSTC_BOOTSTRAP, and no sanitizer is used (the code under test has no `unsafe`).
fn fuzz(root: &Path, args: &[String]) -> Result<ExitCode> {
    let mut seconds = 60u64;
    let mut targets: Vec<String> = Vec::new();
    // `--dev`: unoptimized build (a cold build in about a quarter of the time; runs slower):
    // for smoke runs such as CI's. The long runs use the optimized build.
    let mut profile = "-O";
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dev" => profile = "--dev",
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .context("--seconds needs a number")?;
            }
            t if FUZZ_TARGETS.contains(&t) => targets.push(t.to_string()),
            other => bail!(
                "fuzz: unknown target or flag `{other}`; targets: {}",
                FUZZ_TARGETS.join(", ")
            ),
        }
    }
    if targets.is_empty() {
        targets = FUZZ_TARGETS.iter().map(|t| t.to_string()).collect();
    }
    if !Command::new(cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let mut install = Command::new(cargo());
        install.args(["install", "--locked", "cargo-fuzz"]);
        if status(install)? != ExitCode::SUCCESS {
            bail!("cannot install cargo-fuzz");
        }
    }
    if targets
        .iter()
        .any(|t| HANDSHAKE_SEEDED.contains(&t.as_str()))
    {
        // Idempotent: a target seeded once is left alone (see the example's doc).
        let seeds = cargo_in(
            root,
            &[
                "run",
                "--quiet",
                "-p",
                "harness",
                "--example",
                "fuzz_seeds",
                "--",
                "harness/fuzz/corpus",
            ],
        );
        if status(seeds)? != ExitCode::SUCCESS {
            bail!(
                "fuzz: cannot write the seeds from real handshakes (cargo run -p harness --example fuzz_seeds)"
            );
        }
    }
    // `cargo fuzz run` of one target with one libFuzzer flag.
    let fuzz_run = |target: &str, flag: &str| {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(root)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", root.join("target/fuzz"))
            .args([
                "fuzz",
                "run",
                "--fuzz-dir",
                "harness/fuzz",
                "--sanitizer",
                "none",
            ])
            .args([profile, target, "--", flag]);
        cmd
    };
    for t in targets.iter().filter(|t| SELF_SEEDED.contains(&t.as_str())) {
        // The target builds and writes its own seeds (transcripts of the engine's fuzzing
        // build, see harness/fuzz/fuzz_targets/common), then exits.
        let mut seeds = fuzz_run(t, "-runs=0");
        seeds.env("FUZZ_WRITE_SEEDS", root.join("harness/fuzz/corpus").join(t));
        if status(seeds)? != ExitCode::SUCCESS {
            bail!("fuzz: the {t} target could not write its seeds");
        }
    }
    for t in &targets {
        eprintln!("xtask: fuzzing {t} for {seconds} s");
        let cmd = fuzz_run(t, &format!("-max_total_time={seconds}"));
        let code = status(cmd)?;
        if code != ExitCode::SUCCESS {
            eprintln!("xtask: {t} found a crash; the input is under harness/fuzz/artifacts/{t}/");
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The peers a `--peers` argument names (`--peers a,b` or `--peers=a,b`); none when absent.
fn named_peers(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let list = match a.strip_prefix("--peers=") {
            Some(l) => Some(l.to_string()),
            None if a == "--peers" => it.next().cloned(),
            None => None,
        };
        if let Some(l) = list {
            out.extend(
                l.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            );
        }
    }
    out
}

/// For the command peers named in `--peers` (files in `scenarios/peers/`, or
/// `$HARNESS_PEERS_DIR`): each tool a file `requires`, with the Debian package(s) its
/// `packages` name. The linked peers (own, rustls, openssl) need nothing more.
fn peer_packages(root: &Path, args: &[String]) -> Result<Vec<(String, String)>> {
    let dir = std::env::var_os("HARNESS_PEERS_DIR")
        .map_or_else(|| root.join("scenarios/peers"), PathBuf::from);
    let mut out = Vec::new();
    for name in named_peers(args) {
        let path = dir.join(format!("{name}.toml"));
        if !path.is_file() {
            // A linked peer, or a name the harness will reject with the list of known ones.
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        let list = |key: &str| -> Vec<String> {
            table
                .get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let packages = list("packages");
        for tool in list("requires") {
            for p in &packages {
                out.push((tool.clone(), p.clone()));
            }
        }
    }
    Ok(out)
}

fn has_nextest() -> bool {
    Command::new(cargo())
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run() -> Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        bail!("{USAGE}");
    };
    let rest: Vec<String> = args.collect();
    let root = root();
    match command.as_str() {
        "conformance" => {
            ensure_packages(BUILD_PACKAGES)?;
            let wanted = peer_packages(&root, &rest)?;
            let wanted: Vec<(&str, &str)> = wanted
                .iter()
                .map(|(t, p)| (t.as_str(), p.as_str()))
                .collect();
            ensure_packages(&wanted)?;
            // Not quiet: a first build (aws-lc-sys) takes minutes, and cargo shows it.
            eprintln!(
                "xtask: building and running the harness (cargo run -p harness; a first build takes a few minutes)"
            );
            let mut cmd = cargo_in(
                &root,
                &[
                    "run",
                    "--package",
                    "harness",
                    "--bin",
                    "harness",
                    "--",
                    "run",
                ],
            );
            cmd.args(&rest);
            status(cmd)
        }
        "test" => {
            ensure_packages(BUILD_PACKAGES)?;
            ensure_packages(TEST_PACKAGES)?;
            let mut cmd = Command::new(cargo());
            cmd.current_dir(&root);
            if has_nextest() {
                cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
            } else {
                cmd.args(["test", "--workspace", "--no-fail-fast"]);
            }
            cmd.args(&rest);
            let code = status(cmd)?;
            if code != ExitCode::SUCCESS {
                return Ok(code);
            }
            // Doctests: nextest does not run them.
            let doc = cargo_in(&root, &["test", "--workspace", "--doc", "--quiet"]);
            let code = status(doc)?;
            if code != ExitCode::SUCCESS {
                return Ok(code);
            }
            // The engine's fuzzing build (what the client/server fuzz targets run).
            let fuzzing = cargo_in(
                &root,
                &[
                    "test",
                    "--quiet",
                    "-p",
                    "tls-engine",
                    "--features",
                    "fuzzing",
                    "--test",
                    "fuzzing_mode",
                ],
            );
            let code = status(fuzzing)?;
            if code != ExitCode::SUCCESS {
                return Ok(code);
            }
            // Every scenario proves it can fail, and every rejection scenario names a control.
            let mut selftest = harness(&root, "selftest");
            selftest.arg("--strict");
            status(selftest)
        }
        "peer-check" => {
            ensure_packages(BUILD_PACKAGES)?;
            let mut cmd = harness(&root, "peer");
            cmd.arg("check").args(&rest);
            status(cmd)
        }
        "selftest" => {
            ensure_packages(BUILD_PACKAGES)?;
            let mut cmd = harness(&root, "selftest");
            cmd.args(&rest);
            status(cmd)
        }
        "report" => {
            // `report merge DIR...` and `report DIR...` both merge; bare `report` re-renders.
            let rest: Vec<String> = match rest.first().map(String::as_str) {
                Some("merge") => rest.iter().skip(1).cloned().collect(),
                _ => rest,
            };
            let mut cmd = harness(&root, "report");
            cmd.args(&rest);
            status(cmd)
        }
        "fuzz" => fuzz(&root, &rest),
        "certs" => {
            for a in &rest {
                if a != "--new-keys" {
                    bail!("certs: unknown argument `{a}` (only --new-keys is accepted)");
                }
            }
            let mut cmd = cargo_in(
                &root,
                &[
                    "run",
                    "--quiet",
                    "--package",
                    "certs",
                    "--example",
                    "write_fixtures",
                    "--",
                ],
            );
            cmd.args(&rest);
            status(cmd)
        }
        "bench" => {
            ensure_packages(BUILD_PACKAGES)?;
            ensure_packages(&[("valgrind", "valgrind")])?;
            // `--slow-own` builds with the harness's `bench-slow-own` feature: the `own`
            // endpoint does extra work per handshake, to show the instruction gate trips.
            let slow = rest.iter().any(|a| a == "--slow-own");
            let args: Vec<&String> = rest.iter().filter(|a| *a != "--slow-own").collect();
            let mut cmd = cargo_in(
                &root,
                &[
                    "bench",
                    "--quiet",
                    "--package",
                    "harness",
                    "--bench",
                    "ratio",
                ],
            );
            if slow {
                cmd.args(["--features", "bench-slow-own"]);
            }
            cmd.arg("--").args(args);
            status(cmd)
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
