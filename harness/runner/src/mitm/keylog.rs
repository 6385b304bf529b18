//! The key log of a case, in the SSLKEYLOGFILE format
//! (`<label> <client_random hex> <secret hex>`), fed by every endpoint: rustls through
//! [`rustls::KeyLog`], OpenSSL through its keylog callback, our engine through its hook.

use std::sync::Mutex;

/// Collects key log lines from both peers (and the proxy when it terminates TLS).
#[derive(Debug, Default)]
pub struct KeyLogSink {
    lines: Mutex<Vec<String>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl KeyLogSink {
    /// Adds one secret.
    pub fn add(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.add_line(&format!("{label} {} {}", hex(client_random), hex(secret)));
    }

    /// Adds a line already in the SSLKEYLOGFILE format (OpenSSL's callback gives those).
    pub fn add_line(&self, line: &str) {
        let line = line.trim();
        if line.is_empty() || line.contains('\n') {
            return;
        }
        if let Ok(mut l) = self.lines.lock()
            && !l.iter().any(|x| x == line)
        {
            l.push(line.to_string());
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The whole file, one line each, newline-terminated.
    pub fn text(&self) -> String {
        self.lines().iter().map(|l| format!("{l}\n")).collect()
    }
}

impl rustls::KeyLog for KeyLogSink {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.add(label, client_random, secret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_sslkeylogfile() {
        let k = KeyLogSink::default();
        k.add("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &[1, 2], &[0xab]);
        k.add_line("CLIENT_RANDOM 00 11\n");
        k.add_line("CLIENT_RANDOM 00 11");
        assert_eq!(
            k.text(),
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET 0102 ab\nCLIENT_RANDOM 00 11\n"
        );
    }
}
