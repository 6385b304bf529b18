//! Records the versions of the linked TLS libraries, read from the workspace's Cargo.lock.

fn main() {
    let lock = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock).unwrap_or_default();
    let mut version = "unknown".to_string();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"rustls\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            version = v.trim_matches('"').to_string();
            if version.starts_with("0.23") {
                break;
            }
        }
    }
    println!("cargo:rustc-env=HARNESS_RUSTLS_VERSION={version}");
}
