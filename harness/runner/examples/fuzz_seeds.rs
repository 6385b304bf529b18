//! Writes seeds for the fuzz targets `mitm` and `deframe` from real in-memory handshakes
//! between own, rustls and OpenSSL (TLS 1.3 and 1.2); `cargo xtask fuzz` runs it first:
//!
//! ```text
//! cargo run -p harness --example fuzz_seeds -- harness/fuzz/corpus
//! ```
//!
//! Seed files are named by the SHA-1 of their content. A target seeded once is left alone
//! (a marker `CORPUS_DIR/.seeded-TARGET` says so): handshakes with OpenSSL differ each time,
//! so seeding again would only add near-copies. Delete the marker to seed again.

use std::path::PathBuf;
use std::process::ExitCode;

use harness::mitm::fuzz;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [corpus] = args.as_slice() else {
        eprintln!("usage: fuzz_seeds CORPUS_DIR (e.g. harness/fuzz/corpus)");
        return ExitCode::from(2);
    };
    let corpus = PathBuf::from(corpus);
    let targets = fuzz::unseeded(&corpus);
    if targets.is_empty() {
        eprintln!(
            "fuzz_seeds: {} already seeded under {}",
            fuzz::SEEDED_TARGETS.join(", "),
            corpus.display()
        );
        return ExitCode::SUCCESS;
    }
    let written = fuzz::seed_transcripts()
        .and_then(|ts| Ok((ts.len(), fuzz::write_seeds(&corpus, &targets, &ts)?)));
    match written {
        Ok((n, files)) => {
            eprintln!(
                "fuzz_seeds: {n} handshakes -> {files} seed files for {} under {}",
                targets.join(", "),
                corpus.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fuzz_seeds: {e}");
            ExitCode::FAILURE
        }
    }
}
