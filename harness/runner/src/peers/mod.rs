//! The peers the harness links in, and lookup by name.

pub mod command;
pub mod noverify;
pub(crate) mod openssl_peer;
pub(crate) mod own_peer;
pub(crate) mod rustls_peer;

pub use noverify::NoVerifyRustls;
pub use openssl_peer::OpensslPeer;
pub use own_peer::OwnPeer;
pub use rustls_peer::{RustlsPeer, alert_for_error as rustls_alert_for_error};

use std::path::Path;
use std::sync::Arc;

use crate::peer::PeerRef;

/// The peers linked in; `--peers` also accepts every command peer of the directory of peer
/// files, `scenarios/peers/` by default (see [`names`]). `rustls-noverify` is a rustls client that verifies nothing: it exists to
/// show that the harness tells a verifying client from one that is not.
pub const NAMES: &[&str] = &["own", "rustls", "openssl", "rustls-noverify"];

/// Every peer name `--peers` accepts: the linked ones, then the command peers of
/// `peers_dir`.
pub fn names(peers_dir: &Path) -> Vec<String> {
    let mut all: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
    for n in command::available(peers_dir) {
        if !all.contains(&n) {
            all.push(n);
        }
    }
    all
}

/// The peer of a name: a linked one, else the command peer `peers_dir/NAME.toml`.
pub fn by_name(name: &str, peers_dir: &Path) -> Result<PeerRef, String> {
    match name {
        "own" => Ok(Arc::new(OwnPeer)),
        "rustls" => Ok(Arc::new(RustlsPeer)),
        "openssl" => Ok(Arc::new(OpensslPeer)),
        "rustls-noverify" => Ok(Arc::new(NoVerifyRustls)),
        other => match command::find(peers_dir, other) {
            Some(p) => Ok(Arc::new(p?)),
            None => Err(format!(
                "unknown peer `{other}`; known peers: {}",
                names(peers_dir).join(", ")
            )),
        },
    }
}

/// Parses a comma-separated peer list (`rustls,openssl`), rejecting duplicates; command
/// peers come from `peers_dir`.
pub fn parse_list(list: &str, peers_dir: &Path) -> Result<Vec<PeerRef>, String> {
    let mut peers: Vec<PeerRef> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if peers.iter().any(|p| p.name() == name) {
            return Err(format!("peer `{name}` listed twice in --peers"));
        }
        peers.push(by_name(name, peers_dir)?);
    }
    if peers.is_empty() {
        return Err("--peers is empty; name at least one peer".into());
    }
    Ok(peers)
}
