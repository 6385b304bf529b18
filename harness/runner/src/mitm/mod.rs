//! The man-in-the-middle proxy (family `mitm::*`).
//!
//! When a setup carries a [`MitmSpec`], the runner puts a proxy between the client and the
//! server: it listens on 127.0.0.1:0, connects to the server, forwards both directions,
//! decodes records (and, while they are plaintext, handshake messages) and applies one
//! [`Action`] at a chosen point. With several connections (resumption) it relays each in
//! turn, the in-flight action starting afresh on each. It keeps the two-sided transcript
//! with timing ([`ProxyReport`]), which the runner writes as a pcapng file ([`pcap`])
//! together with the endpoints' key log ([`KeyLogSink`]), so Wireshark decrypts the
//! protected part.
//!
//! Two kinds of actions:
//! - **in flight**: the proxy forwards records, changing one handshake message or one record
//!   (flip, replay, reorder, drop, inject), or the timing (truncate, delay);
//! - **terminating** ([`Action::terminates`]): the proxy is itself a TLS server to the client
//!   (rustls, with an attacker's certificate or key) and a TLS client to the real server, and
//!   relays the plaintext: a client that does not authenticate the server completes.
//!
//! Each scenario of `scenarios/mitm.toml` names the RFC text that makes the endpoint detect
//! the action.
//!
//! [`replay`] runs the in-flight proxy on given bytes, without sockets or threads; [`fuzz`]
//! drives it from the fuzz target `mitm` and seeds the fuzz corpora from real handshakes.

pub mod fuzz;
mod inflight;
pub mod judge;
pub mod keylog;
pub mod pcap;
mod proxy;
mod terminate;

use std::fmt;

use serde::Serialize;

pub use keylog::KeyLogSink;
pub use proxy::{ProxyHandle, ProxyReport, replay, start};

macro_rules! actions {
    ($($variant:ident = $text:literal : $doc:literal),+ $(,)?) => {
        /// What the proxy does to the connection.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(#[doc = $doc] $variant),+
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $text),+ }
            }

            /// One line saying what the action does.
            pub fn describe(self) -> &'static str {
                match self { $(Action::$variant => $doc),+ }
            }
        }
    };
}

actions! {
    PassThrough = "pass_through": "forward everything unchanged (control case)",
    CertSelfSigned = "cert_self_signed": "terminate TLS with a self-signed certificate for the server's name",
    CertUnknownCa = "cert_unknown_ca": "terminate TLS with a chain for the server's name from an unknown CA",
    CertOtherHost = "cert_other_host": "terminate TLS with a valid certificate from the trusted CA for another host",
    CertAttackerKey = "cert_attacker_key": "terminate TLS with the server's own chain but the attacker's private key",
    EeReplaced = "ee_replaced": "terminate TLS with the server's chain and the attacker's key, sending other EncryptedExtensions (ALPN)",
    ChDropSuite = "ch_drop_suite": "drop the first cipher suite of the ClientHello",
    ChRandom = "ch_random": "flip one bit of ClientHello.random",
    ChDropSupportedVersions = "ch_drop_supported_versions": "drop supported_versions from the ClientHello (forces TLS 1.2)",
    ChDropExtension = "ch_drop_extension": "drop the server_name extension from the ClientHello",
    ChDropSuiteNoEms = "ch_drop_suite_no_ems": "drop the first cipher suite and extended_master_secret from the ClientHello (TLS 1.2: the keys still agree, only the Finished exchange can detect it)",
    ChFlipBinder = "ch_flip_binder": "flip one bit of the first PSK binder of a resuming ClientHello (TLS 1.3; the first connection, without a PSK, goes through unchanged)",
    ChDuplicateExtension = "ch_duplicate_extension": "send the ClientHello's supported_groups extension twice, the copy right after it",
    ShRandom = "sh_random": "flip one bit of ServerHello.random",
    ShSuite = "sh_suite": "change ServerHello.cipher_suite to another suite the client offered",
    ShSuiteUnoffered = "sh_suite_unoffered": "change ServerHello.cipher_suite to a suite of the same kind the client did not offer (TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 first)",
    ShUnsolicitedExtension = "sh_unsolicited_extension": "add an extension of the unassigned type 0xfe01, which no client offers, to the ServerHello",
    ShKeyShare = "sh_key_share": "flip one bit of the server's key share in the ServerHello (TLS 1.3)",
    SkeKeyShare = "ske_key_share": "flip one bit of the server's public key in ServerKeyExchange (TLS 1.2)",
    FlipC2s = "flip_c2s": "flip one bit of an encrypted client->server record",
    FlipS2c = "flip_s2c": "flip one bit of an encrypted server->client record",
    ReplayC2s = "replay_c2s": "send an encrypted client->server record twice",
    ReorderC2s = "reorder_c2s": "swap two consecutive encrypted client->server records",
    ReorderServerFlight = "reorder_server_flight": "swap Certificate and ServerKeyExchange in the server's flight (TLS 1.2)",
    DropS2c = "drop_s2c": "drop an encrypted server->client record",
    DropC2s = "drop_c2s": "drop an encrypted client->server record",
    DropSke = "drop_ske": "drop ServerKeyExchange from the server's flight (TLS 1.2)",
    InjectAlertC2s = "inject_alert_c2s": "inject a plaintext close_notify alert after an encrypted client->server record",
    InjectCcsC2s = "inject_ccs_c2s": "inject a plaintext ChangeCipherSpec after an encrypted client->server record",
    InjectCcsBeforeCke = "inject_ccs_before_cke": "inject a plaintext ChangeCipherSpec record right before the client's ClientKeyExchange (TLS 1.2, the CVE-2014-0224 shape)",
    InjectCcsBeforeServerHelloDone = "inject_ccs_before_server_hello_done": "inject a plaintext ChangeCipherSpec record right before the server's ServerHelloDone (TLS 1.2), splitting the flight's records there",
    Truncate = "truncate": "after the client's application data, drop the server's answer and close both connections without close_notify",
    ResetS2c = "reset_s2c": "forward an encrypted server->client record of the handshake, then reset both connections (TCP RST: no close_notify, no FIN)",
    DelayS2c = "delay_s2c": "hold the server's first flight beyond the client's idle timeout",
}

impl Action {
    /// Whether the proxy terminates TLS itself (attacker certificate or key).
    pub fn terminates(self) -> bool {
        matches!(
            self,
            Action::CertSelfSigned
                | Action::CertUnknownCa
                | Action::CertOtherHost
                | Action::CertAttackerKey
                | Action::EeReplaced
        )
    }
}

impl Action {
    /// The message of `from` after which the other side, under test, must have rejected the
    /// action: if it sent its next flight, its Finished or application data after that
    /// message, it went on past the action (`fail`, whoever aborted afterwards; see
    /// [`crate::fault::after_fault`]). `None`: only completing counts as going on.
    pub fn fault_in(self, from: crate::model::Role) -> Option<crate::fault::Msg> {
        use crate::fault::Msg;
        use crate::model::Role::{Client, Server};
        Some(match (self, from) {
            // The keys agree: the client's Finished is where the change shows.
            (Action::ChDropSuiteNoEms, Client) => Msg::Finished,
            (Action::ChDuplicateExtension | Action::ChFlipBinder, Client) => Msg::ClientHello,
            (Action::ShSuiteUnoffered | Action::ShUnsolicitedExtension, Server) => Msg::ServerHello,
            // The injected record comes right before that message.
            (Action::InjectCcsBeforeCke, Client) => Msg::ClientKeyExchange,
            (Action::InjectCcsBeforeServerHelloDone, Server) => Msg::ServerHelloDone,
            // TLS 1.2: the ServerKeyExchange signature covers both randoms and the server's
            // key share; a client that sends its ClientKeyExchange took a signature that does
            // not verify. (In TLS 1.3 there is no ServerKeyExchange: completion counts.)
            (Action::SkeKeyShare | Action::ChRandom | Action::ShRandom, Server) => {
                Msg::ServerKeyExchange
            }
            _ => return None,
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown mitm action `{s}`; expected one of: {}",
                    Action::ALL
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The `mitm` setup key: the action and where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MitmSpec {
    pub action: Action,
    /// For record actions: which encrypted record of the direction (1-based).
    pub record: usize,
    /// For `delay_s2c`: how long to hold; default the idle timeout plus one second.
    pub delay_ms: Option<u64>,
}

impl MitmSpec {
    pub fn new(action: Action) -> Self {
        MitmSpec {
            action,
            record: 1,
            delay_ms: None,
        }
    }

    /// `mitm = "flip_s2c"` or `mitm = { action = "flip_s2c", record = 2, delay_ms = 7000 }`.
    pub fn from_toml(v: &toml::Value) -> Result<Self, String> {
        match v {
            toml::Value::String(s) => Ok(MitmSpec::new(s.parse()?)),
            toml::Value::Table(t) => {
                let action: Action = match t.get("action") {
                    Some(toml::Value::String(s)) => s.parse()?,
                    Some(other) => {
                        return Err(format!(
                            "`action`: expected a string, found {}",
                            other.type_str()
                        ));
                    }
                    None => return Err("missing `action`".into()),
                };
                let mut spec = MitmSpec::new(action);
                for (k, val) in t {
                    match k.as_str() {
                        "action" => {}
                        "record" => {
                            spec.record = val
                                .as_integer()
                                .filter(|n| (1..=64).contains(n))
                                .and_then(|n| usize::try_from(n).ok())
                                .ok_or("`record`: expected an integer from 1 to 64")?;
                        }
                        "delay_ms" => {
                            spec.delay_ms = Some(
                                val.as_integer()
                                    .filter(|n| (0..=60_000).contains(n))
                                    .and_then(|n| u64::try_from(n).ok())
                                    .ok_or("`delay_ms`: expected an integer from 0 to 60000")?,
                            );
                        }
                        other => {
                            return Err(format!(
                                "unknown key `{other}`; expected action, record, delay_ms"
                            ));
                        }
                    }
                }
                Ok(spec)
            }
            other => Err(format!(
                "expected an action name or a table {{ action = ... }}, found {}",
                other.type_str()
            )),
        }
    }
}

/// Folds the proxy's report into a case result: the timed two-sided transcript, where each
/// endpoint detected the attack, and (with `out_dir`) the pcapng file and key log written
/// under `<out_dir>/cases/`.
pub fn fold(
    result: &mut reports::CaseResult,
    report: &ProxyReport,
    keylog: &str,
    out_dir: Option<&std::path::Path>,
) {
    let t = &mut result.transcript;
    if let Some(a) = report.action {
        t.push(format!("mitm: action {a}: {}", a.describe()));
    }
    for a in &report.applied {
        t.push(format!("mitm: applied: {a}"));
    }
    t.extend(report.log.iter().map(|l| format!("mitm {l}")));
    let server_leg = crate::transcript::decode(&report.server_leg);
    t.extend(
        server_leg
            .lines
            .iter()
            .map(|l| format!("mitm server leg (proxy as C): {l}")),
    );
    for (role, name, o) in [
        ("client", &result.client, &result.observed),
        ("server", &result.server, &result.server_observed),
    ] {
        let Some(o) = o else { continue };
        let step = o.step.as_deref().unwrap_or("?");
        let line = match (&o.result, &o.alert, o.direction) {
            (Some(reports::ObservedResult::Connected), _, _) => {
                format!("mitm: {role} {name} did not detect the attack (completed)")
            }
            (_, Some(a), Some(reports::Direction::Sent)) => {
                format!("mitm: {role} {name} detected at step {step}: sent {a}")
            }
            (_, Some(a), _) => format!("mitm: {role} {name} stopped at step {step}: received {a}"),
            _ => format!(
                "mitm: {role} {name} stopped at step {step}: {}",
                o.error.as_deref().unwrap_or("no alert")
            ),
        };
        t.push(line);
    }
    let Some(dir) = out_dir else { return };
    let cases = dir.join("cases");
    let stem = file_stem(&result.id);
    let pcap_name = format!("cases/{stem}.pcapng");
    let key_name = format!("cases/{stem}.keylog");
    let bytes = pcap::write(&report.convs, &report.segments, keylog);
    let written = std::fs::create_dir_all(&cases)
        .and_then(|_| std::fs::write(cases.join(format!("{stem}.pcapng")), &bytes))
        .and_then(|_| std::fs::write(cases.join(format!("{stem}.keylog")), keylog));
    match written {
        Ok(()) => {
            result.transcript.push(format!("mitm: pcapng {pcap_name}"));
            result.transcript.push(format!("mitm: keylog {key_name}"));
            result.pcap = Some(pcap_name.clone());
            result.keylog = Some(key_name.clone());
            if result.verdict != reports::Verdict::Pass
                && let Some(r) = &mut result.reason
            {
                r.push_str(&format!(" [capture: {pcap_name}, keys: {key_name}]"));
            }
        }
        Err(e) => result
            .transcript
            .push(format!("mitm: cannot write {}: {e}", cases.display())),
    }
}

impl MitmSpec {
    /// Setup changes the action needs: for `cert_other_host` the client trusts the attacker's
    /// CA as well (the genuine server keeps the `ecdsa_p256` chain), so the attacker's
    /// certificate is valid, only for another host; for `ch_drop_suite_no_ems` both sides go
    /// on without extended_master_secret (`Setup::allow_no_ems`), so the keys agree and only
    /// the Finished exchange detects the change.
    pub fn adjust(&self, setup: &mut crate::model::Setup) -> Result<(), String> {
        match self.action {
            Action::CertOtherHost => {
                setup.credentials = Some(crate::model::Credentials(trust_both()?));
            }
            Action::ChDropSuiteNoEms => setup.allow_no_ems = true,
            _ => {}
        }
        Ok(())
    }
}

/// The `ecdsa_p256` materials with the `impersonation` profile's root trusted too.
fn trust_both() -> Result<std::sync::Arc<certs::Materials>, String> {
    static BOTH: std::sync::OnceLock<std::sync::Arc<certs::Materials>> = std::sync::OnceLock::new();
    if let Some(m) = BOTH.get() {
        return Ok(m.clone());
    }
    let genuine = certs::materials("ecdsa_p256").map_err(|e| e.to_string())?;
    let other = certs::materials("impersonation").map_err(|e| e.to_string())?;
    let m = certs::Materials {
        profile: "ecdsa_p256+impersonation_root".into(),
        server: genuine.server.clone(),
        client: genuine.client.clone(),
        roots: genuine.roots.iter().chain(&other.roots).cloned().collect(),
        roots_pem: format!("{}{}", genuine.roots_pem, other.roots_pem),
        server_name: genuine.server_name.clone(),
    };
    Ok(BOTH.get_or_init(|| std::sync::Arc::new(m)).clone())
}

/// A case id as a file name: letters, digits, `.`, `-`, `_`; everything else becomes `_`.
pub fn file_stem(case_id: &str) -> String {
    case_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_from_toml() {
        let v: toml::Value =
            toml::from_str("m = { action = \"flip_c2s\", record = 2 }").expect("toml");
        let spec = MitmSpec::from_toml(v.get("m").expect("m")).expect("spec");
        assert_eq!(spec.action, Action::FlipC2s);
        assert_eq!(spec.record, 2);
        let v = toml::Value::String("replay_c2s".into());
        assert_eq!(MitmSpec::from_toml(&v).expect("spec").record, 1);
        let bad = toml::Value::String("nope".into());
        assert!(
            MitmSpec::from_toml(&bad)
                .unwrap_err()
                .contains("unknown mitm action")
        );
    }

    #[test]
    fn stems_are_file_names() {
        assert_eq!(
            file_stem("mitm::flip_s2c/own->rustls/tls13"),
            "mitm__flip_s2c_own-_rustls_tls13"
        );
    }
}
