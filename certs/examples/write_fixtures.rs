//! Writes the fixtures into `certs/fixtures/` (what `cargo xtask certs` does).
//!
//! `cargo run -p certs --example write_fixtures [-- --new-keys]`
//! After `--new-keys`, rebuild: the crate embeds the key files at compile time.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let new_keys = std::env::args().any(|a| a == "--new-keys");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    match certs::write_fixtures(&dir, new_keys) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
