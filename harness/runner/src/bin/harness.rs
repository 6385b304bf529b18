//! `harness`: run scenarios against TLS peers.

use clap::Parser;
use harness::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Run(args) => harness::cli::run(args),
        Command::Report(args) => harness::cli::report_command(args),
        Command::Serve(args) => harness::tools::serve(args),
        Command::Connect(args) => harness::tools::connect(args),
        Command::Selftest(args) => harness::selftest::selftest(args),
        Command::Peer(harness::cli::PeerCommand::Check(args)) => harness::peercheck::check(args),
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}
