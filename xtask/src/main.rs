//! `cargo xtask`: the project's entry points.
//!
//! - `cargo xtask conformance [ARGS]`: run the scenario catalogue (`harness run ARGS`).
//! - `cargo xtask test`: run every test of the workspace (nextest when installed).
//! - `cargo xtask certs [--new-keys]`: regenerate the certificate fixtures under
//!   `certs/fixtures/` (with `--new-keys`, new key pairs too).
//!
//! Everything runs through `$CARGO`, from the workspace root.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask <command> [args]

commands:
  conformance [ARGS]   run the scenario catalogue against the peers (see `--help`)
  test [ARGS]          run the workspace's tests (cargo nextest when installed)
  certs [--new-keys]   regenerate the certificate fixtures in certs/fixtures/";

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

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn status(mut cmd: Command) -> Result<ExitCode> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {shown}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => {
            eprintln!("xtask: {shown} was killed by a signal");
            ExitCode::from(1)
        }
    })
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
            let mut cmd = Command::new(cargo());
            cmd.current_dir(&root)
                .args(["run", "--quiet", "--package", "harness", "--bin", "harness", "--", "run"])
                .args(&rest);
            status(cmd)
        }
        "test" => {
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
            let mut doc = Command::new(cargo());
            doc.current_dir(&root).args(["test", "--workspace", "--doc", "--quiet"]);
            status(doc)
        }
        "certs" => {
            for a in &rest {
                if a != "--new-keys" {
                    bail!("certs: unknown argument `{a}` (only --new-keys is accepted)");
                }
            }
            let mut cmd = Command::new(cargo());
            cmd.current_dir(&root)
                .args(["run", "--quiet", "--package", "certs", "--example", "write_fixtures", "--"])
                .args(&rest);
            status(cmd)
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
