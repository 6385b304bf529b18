//! The man-in-the-middle proxy: the scenario catalogue, a client that verifies nothing is
//! flagged `fail`, and the pcapng + key log of a case open in tshark (decrypting).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use harness::mitm::pcap;
use harness::run::{self, Case, RunOptions};
use harness::scenario;
use reports::{CaseResult, Verdict};

fn mitm_toml() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mitm.toml");
    std::fs::read_to_string(&path).expect("scenarios/mitm.toml")
}

fn opts(out: Option<&Path>) -> RunOptions {
    RunOptions {
        jobs: 4,
        idle_timeout: Duration::from_secs(3),
        deadline: Duration::from_secs(10),
        grace: Duration::from_millis(500),
        partial: out.map(|d| d.join("results.partial.jsonl")),
    }
}

/// Runs the variant of `scenario_id` labelled `label` (or the only one) with one pairing.
fn run_one(
    scenario_id: &str,
    label: &str,
    client: &str,
    server: &str,
    out: Option<&Path>,
) -> CaseResult {
    let text = mitm_toml();
    let scenarios = scenario::parse(Path::new("mitm.toml"), &text).expect("mitm.toml parses");
    let sc = scenarios
        .iter()
        .find(|s| s.id == scenario_id)
        .expect("scenario exists");
    let variant = sc
        .variants()
        .into_iter()
        .find(|v| v.label.is_empty() || v.label == label)
        .expect("variant exists");
    let case = Case {
        id: format!("{scenario_id}/{client}->{server}/{label}"),
        variant,
        client: common::peer(client),
        server: common::peer(server),
    };
    run::run_case(&case, &opts(out))
}

#[test]
fn catalogue_has_at_least_25_mitm_scenarios_with_rfc_quotes() {
    let text = mitm_toml();
    let scenarios = scenario::parse(Path::new("mitm.toml"), &text).expect("mitm.toml parses");
    assert!(scenarios.len() >= 25, "{} scenarios", scenarios.len());
    for s in &scenarios {
        assert_eq!(s.family, "mitm", "{}", s.id);
        assert!(!s.requirement.is_empty(), "{}", s.id);
        for v in s.variants() {
            assert!(v.setup.mitm.is_some(), "{} has no mitm action", s.id);
        }
    }
}

#[test]
fn control_case_passes_through() {
    let r = run_one("mitm::pass_through", "tls13", "rustls", "openssl", None);
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "{:?}\n{}",
        r.reason,
        r.transcript.join("\n")
    );
    assert!(
        r.transcript.iter().any(|l| l.starts_with("mitm +")),
        "timed proxy log folded in"
    );
}

#[test]
fn verifying_client_rejects_the_attacker() {
    let r = run_one("mitm::cert_self_signed", "tls13", "rustls", "rustls", None);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
    let observed = r.observed.expect("client observed");
    assert_eq!(observed.alert.as_deref(), Some("unknown_ca"));
    assert_eq!(
        observed.step.as_deref(),
        Some("Certificate"),
        "detection step"
    );
}

#[test]
fn non_verifying_client_is_flagged_fail() {
    for (scenario, label) in [
        ("mitm::cert_self_signed", "tls13"),
        ("mitm::cert_unknown_ca", "tls12"),
        ("mitm::cert_other_host", "tls13"),
        ("mitm::cert_attacker_key_tls13", ""),
    ] {
        let r = run_one(scenario, label, "rustls-noverify", "openssl", None);
        assert_eq!(r.verdict, Verdict::Fail, "{scenario}: {:?}", r.reason);
        let reason = r.reason.unwrap_or_default();
        assert!(reason.contains("undetected"), "{scenario}: {reason}");
    }
}

fn tshark() -> Option<&'static str> {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some("tshark")
    } else if std::env::var_os("CI").is_some() {
        panic!("tshark is not installed (apt-get install tshark)");
    } else {
        eprintln!("tshark not installed: only the built-in pcapng check runs");
        None
    }
}

#[test]
fn case_pcapng_and_keylog_are_well_formed_and_decrypt() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The client's bad_record_mac is encrypted: tshark shows it only if the embedded key log
    // decrypts the capture.
    let r = run_one(
        "mitm::flip_s2c",
        "tls13",
        "openssl",
        "rustls",
        Some(dir.path()),
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
    let stem = harness::mitm::file_stem(&r.id);
    let pcap_path = dir.path().join("cases").join(format!("{stem}.pcapng"));
    let key_path = dir.path().join("cases").join(format!("{stem}.keylog"));
    assert!(
        r.transcript
            .iter()
            .any(|l| l == &format!("mitm: pcapng cases/{stem}.pcapng"))
    );
    assert_eq!(
        r.pcap,
        Some(format!("cases/{stem}.pcapng")),
        "linked from results.json"
    );
    assert_eq!(r.keylog, Some(format!("cases/{stem}.keylog")));
    let bytes = std::fs::read(&pcap_path).expect("pcapng written");
    let keylog = std::fs::read_to_string(&key_path).expect("keylog written");
    assert!(
        keylog
            .lines()
            .any(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")),
        "{keylog}"
    );
    let summary = pcap::check(&bytes).expect("well-formed pcapng");
    assert!(summary.packets > 10, "{summary:?}");
    assert_eq!(
        summary.keylog.as_deref(),
        Some(keylog.as_str()),
        "key log embedded (DSB)"
    );

    let Some(tshark) = tshark() else { return };
    let out = Command::new(tshark)
        .args(["-r"])
        .arg(&pcap_path)
        .args([
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "_ws.col.Info",
            "-o",
            "tcp.check_checksum:TRUE",
        ])
        .output()
        .expect("run tshark");
    let text = common::succeeded(&out);
    assert!(!text.contains("Malformed"), "{text}");
    assert!(!text.to_lowercase().contains("bad checksum"), "{text}");
    assert!(text.contains("Client Hello"), "{text}");
    // Decrypted with the embedded key log: the server's Certificate and the client's alert.
    assert!(text.contains("Certificate"), "not decrypted: {text}");
    assert!(
        text.contains("Bad Record MAC"),
        "alert not decrypted or missing: {text}"
    );
}

#[test]
fn the_proxy_relays_each_connection_of_a_resumption() {
    // The first connection goes through unchanged (the client gets its ticket); only the
    // second, resuming ClientHello carries a binder to flip.
    let r = run_one("mitm::ch_flip_binder", "", "rustls", "openssl", None);
    assert_ne!(r.verdict, Verdict::Error, "{:?}", r.reason);
    assert!(
        r.transcript
            .iter()
            .any(|l| l.contains("proxy: connection 2")),
        "{}",
        r.transcript.join("\n")
    );
    let r = run_one("mitm::ch_flip_binder", "", "own", "rustls", None);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.reason);
}
