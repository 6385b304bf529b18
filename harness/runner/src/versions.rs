//! Versions of the linked implementations.

/// The rustls version linked in (from Cargo.lock at build time).
pub const RUSTLS: &str = env!("HARNESS_RUSTLS_VERSION");
