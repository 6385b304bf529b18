//! A deliberately broken peer, for testing that the runner survives its peers.
//!
//! It is not offered by `--peers`; tests build it directly.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use crate::model::Step;
use crate::model::{Failure, Outcome, Role, Setup};
use crate::peer::{CaseCtx, Peer, Unsupported, io_failure};

/// How the broken peer misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakage {
    /// Panics as soon as it runs.
    Panic,
    /// Never returns and never touches the network: a peer stuck in a loop. The runner must
    /// give up at the case deadline.
    Hang,
    /// Takes the connection, then never answers (reads until the connection is cut).
    Stall,
    /// Takes the connection, reads the first bytes, then drops it: a peer that died
    /// mid-handshake.
    Drop,
}

/// A peer that breaks in one of the ways of [`Breakage`].
#[derive(Debug)]
pub struct BrokenPeer {
    pub breakage: Breakage,
}

impl BrokenPeer {
    fn act(&self, stream: Option<std::net::TcpStream>, ctx: &CaseCtx) -> Vec<Outcome> {
        match self.breakage {
            Breakage::Panic => panic!("broken peer: deliberate panic"),
            Breakage::Hang => loop {
                std::thread::sleep(Duration::from_millis(50));
            },
            Breakage::Stall => {
                let mut buf = [0u8; 1024];
                let Some(mut s) = stream else {
                    return vec![Outcome::internal(Step::Tcp, "no stream")];
                };
                // Ignore the idle timeout: keep waiting until the runner cuts us off.
                loop {
                    match s.read(&mut buf) {
                        Ok(0) => {
                            return vec![io_failure(
                                &std::io::ErrorKind::UnexpectedEof.into(),
                                Step::Tcp,
                                ctx,
                            )];
                        }
                        Ok(_) => {}
                        Err(e)
                            if e.kind() == std::io::ErrorKind::WouldBlock
                                || e.kind() == std::io::ErrorKind::TimedOut =>
                        {
                            if ctx.is_cancelled() {
                                return vec![io_failure(&e, Step::Tcp, ctx)];
                            }
                        }
                        Err(e) => return vec![io_failure(&e, Step::Tcp, ctx)],
                    }
                }
            }
            Breakage::Drop => {
                let mut buf = [0u8; 16];
                if let Some(mut s) = stream {
                    let _ = s.read(&mut buf);
                }
                vec![Outcome::failed(
                    Failure::Crash("broken peer: died mid-handshake".into()),
                    Step::ClientHello,
                    "broken peer: died mid-handshake",
                )]
            }
        }
    }
}

impl Peer for BrokenPeer {
    fn name(&self) -> &str {
        "broken"
    }

    fn version(&self) -> String {
        format!("broken ({:?})", self.breakage)
    }

    fn supports(&self, _role: Role, _setup: &Setup) -> Result<(), Unsupported> {
        Ok(())
    }

    fn run_server(&self, _setup: &Setup, listener: TcpListener, ctx: &CaseCtx) -> Vec<Outcome> {
        let stream = match self.breakage {
            Breakage::Panic | Breakage::Hang => None,
            _ => match ctx.accept(&listener) {
                Ok(s) => Some(s),
                Err(e) => return vec![io_failure(&e, Step::Tcp, ctx)],
            },
        };
        self.act(stream, ctx)
    }

    fn run_client(&self, _setup: &Setup, addr: SocketAddr, ctx: &CaseCtx) -> Vec<Outcome> {
        let stream = match self.breakage {
            Breakage::Panic | Breakage::Hang => None,
            _ => match ctx.connect(addr) {
                Ok(s) => s.tcp().try_clone().ok(),
                Err(e) => return vec![io_failure(&e, Step::Tcp, ctx)],
            },
        };
        self.act(stream, ctx)
    }
}
