//! The peers the harness links in, and lookup by name.

pub mod noverify;
mod openssl_peer;
pub(crate) mod own_peer;
mod rustls_peer;

pub use openssl_peer::OpensslPeer;
pub use own_peer::OwnPeer;
pub use rustls_peer::{alert_for_error as rustls_alert_for_error, RustlsPeer};

use std::sync::Arc;

use crate::peer::PeerRef;

/// Every peer name `--peers` accepts.
pub const NAMES: &[&str] = &["own", "rustls", "openssl"];

/// The peer of a name.
pub fn by_name(name: &str) -> Result<PeerRef, String> {
    match name {
        "own" => Ok(Arc::new(OwnPeer)),
        "rustls" => Ok(Arc::new(RustlsPeer)),
        "openssl" => Ok(Arc::new(OpensslPeer)),
        other => Err(format!(
            "unknown peer `{other}`; known peers: {}",
            NAMES.join(", ")
        )),
    }
}

/// Parses a comma-separated peer list (`rustls,openssl`), rejecting duplicates.
pub fn parse_list(list: &str) -> Result<Vec<PeerRef>, String> {
    let mut peers: Vec<PeerRef> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if peers.iter().any(|p| p.name() == name) {
            return Err(format!("peer `{name}` listed twice in --peers"));
        }
        peers.push(by_name(name)?);
    }
    if peers.is_empty() {
        return Err("--peers is empty; name at least one peer".into());
    }
    Ok(peers)
}
