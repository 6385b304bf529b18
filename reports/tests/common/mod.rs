//! Results files made up for the tests: every verdict, several families and peers, a proxy,
//! several connections, and peer strings that try to inject markup.
#![allow(dead_code, clippy::unwrap_used)]

pub mod xsd;

use std::collections::BTreeMap;

use reports::{
    CaseResult, Direction, Expected, ExpectedResult, Observed, ObservedResult, Results, RunInfo,
    UnderTest, Verdict, SCHEMA_VERSION,
};

pub const EVIL: &str = "<script>alert('pwned')</script>";

pub fn run_info() -> RunInfo {
    let mut peers = BTreeMap::new();
    peers.insert("openssl".to_string(), "OpenSSL 3.0.19 27 Jan 2026".to_string());
    peers.insert("rustls".to_string(), "rustls 0.23.46 (aws-lc-rs)".to_string());
    peers.insert("own".to_string(), "tls-engine 0.1.0".to_string());
    RunInfo {
        started: "2026-11-26T21:40:00Z".into(),
        git: "abc1234".into(),
        seed: 7,
        peers,
        shard: None,
        duration_ms: Some(1234.5),
    }
}

fn connected(version: &str, suite: &str, group: &str) -> Observed {
    Observed {
        result: Some(ObservedResult::Connected),
        step: Some("AppData".into()),
        version: Some(version.into()),
        suite: Some(suite.into()),
        group: Some(group.into()),
        sigalg: Some("ecdsa_secp256r1_sha256".into()),
        resumed: Some(false),
        hrr: Some(false),
        ..Observed::default()
    }
}

fn rejected(alert: &str, direction: Direction, step: &str) -> Observed {
    Observed {
        result: Some(ObservedResult::Rejected),
        step: Some(step.into()),
        alert: Some(alert.into()),
        direction: Some(direction),
        ..Observed::default()
    }
}

pub fn interop(client: &str, server: &str, variant: &str, verdict: Verdict) -> CaseResult {
    CaseResult {
        id: format!("interop::tls13/{client}->{server}/{variant}"),
        scenario: "interop::tls13".into(),
        family: "interop".into(),
        client: client.into(),
        server: server.into(),
        under_test: UnderTest::Both,
        rfc: Some("RFC 8446 4.1.1".into()),
        requirement: Some("the server independently selects a cipher suite, an (EC)DHE group and key share for key establishment".into()),
        verdict,
        reason: match verdict {
            Verdict::Skip => Some(format!("{server} as server: has no X25519MLKEM768")),
            Verdict::Pass => None,
            v => Some(format!("{v}: handshake did not complete")),
        },
        expected: Some(Expected {
            result: ExpectedResult::Connected,
            alert: None,
            checks: [("version".to_string(), "TLS1.3".to_string()), ("group".to_string(), "x25519".to_string())].into_iter().collect(),
        }),
        observed: (verdict != Verdict::Skip).then(|| connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519")),
        server_observed: (verdict != Verdict::Skip).then(|| connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519")),
        duration_ms: Some(1.25),
        pcap: None,
        keylog: None,
        replayable: None,
        unseeded: Vec::new(),
        transcript: if verdict == Verdict::Skip {
            vec![]
        } else {
            vec![
                "C->S ClientHello versions=[TLS1.3] suites=[TLS_AES_128_GCM_SHA256] groups=[x25519] key_shares=[x25519] sni=localhost".into(),
                "S->C ServerHello TLS1.3 suite=TLS_AES_128_GCM_SHA256 key_share=x25519".into(),
                "S->C ChangeCipherSpec".into(),
                "S->C application_data record, 1086 bytes (encrypted)".into(),
                "C->S application_data record, 53 bytes (encrypted)".into(),
                "C->S application_data record, 19 bytes (encrypted)".into(),
                "S->C application_data record, 19 bytes (encrypted)".into(),
            ]
        },
    }
}

pub fn rejection(scenario: &str, client: &str, server: &str, want: &str, got: &str, verdict: Verdict) -> CaseResult {
    let family = scenario.split("::").next().unwrap().to_string();
    CaseResult {
        id: format!("{scenario}/{client}->{server}"),
        scenario: scenario.into(),
        family,
        client: client.into(),
        server: server.into(),
        under_test: UnderTest::Server,
        rfc: Some("RFC 8446 4.2".into()),
        requirement: Some("There MUST NOT be more than one extension of the same type in a given extension block.".into()),
        verdict,
        reason: match verdict {
            Verdict::Pass => None,
            Verdict::AlertMismatch => Some(format!("rejected with {got}, the RFC names {want}")),
            Verdict::Fail => Some("accepted what must be rejected".into()),
            Verdict::Error => Some("server timed out after 5000 ms".into()),
            Verdict::Skip => Some("peer lacks the knob".into()),
        },
        expected: Some(Expected { result: ExpectedResult::Rejected, alert: Some(want.into()), checks: BTreeMap::new() }),
        observed: Some(match verdict {
            Verdict::Fail => connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
            Verdict::Error => Observed { result: Some(ObservedResult::Error), step: Some("ClientHello".into()), error: Some("timeout".into()), ..Observed::default() },
            _ => rejected(got, Direction::Received, "ClientHello"),
        }),
        server_observed: Some(match verdict {
            Verdict::Fail => connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
            Verdict::Error => Observed { result: Some(ObservedResult::Error), step: Some("ClientHello".into()), ..Observed::default() },
            _ => rejected(got, Direction::Sent, "ClientHello"),
        }),
        duration_ms: Some(0.75),
        pcap: None,
        keylog: None,
        replayable: None,
        unseeded: Vec::new(),
        transcript: vec![
            "C->S ClientHello versions=[TLS1.3] extensions=[supported_groups,supported_groups]".into(),
            format!("S->C Alert fatal {got}"),
        ],
    }
}

/// A fixed run covering every verdict and class.
pub fn fixture() -> Results {
    let mut cases = Vec::new();
    for (c, s) in [("rustls", "rustls"), ("rustls", "openssl"), ("openssl", "rustls"), ("openssl", "openssl")] {
        cases.push(interop(c, s, "aes128gcm-x25519-ecdsa_p256", Verdict::Pass));
        let mlkem = if s == "openssl" { Verdict::Skip } else { Verdict::Pass };
        cases.push(interop(c, s, "aes128gcm-x25519mlkem768-ecdsa_p256", mlkem));
    }
    let dup = "client_hello::duplicate_extension";
    cases.push(rejection(dup, "own", "rustls", "illegal_parameter", "illegal_parameter", Verdict::Pass));
    // A known deviation: OpenSSL answers decode_error.
    cases.push(rejection(dup, "own", "openssl", "illegal_parameter", "decode_error", Verdict::AlertMismatch));
    let trunc = "client_hello::truncated_extension";
    cases.push(rejection(trunc, "own", "rustls", "decode_error", "decode_error", Verdict::Pass));
    // Stale: listed as a deviation, passes now.
    cases.push(rejection(trunc, "own", "openssl", "decode_error", "decode_error", Verdict::Pass));
    let ver = "certificate::expired_leaf";
    // New failure.
    cases.push(rejection(ver, "rustls", "own", "certificate_expired", "", Verdict::Fail));
    cases.push(rejection(ver, "openssl", "own", "certificate_expired", "", Verdict::Error));
    // A case with several connections and a MITM proxy, and peer strings with markup.
    let mut mitm = rejection("mitm::swap_key_share", "rustls", "openssl", "handshake_failure", "decrypt_error", Verdict::AlertMismatch);
    mitm.id = format!("mitm::swap_key_share/rustls->openssl/{EVIL}");
    mitm.reason = Some(format!("rejected with decrypt_error, the RFC names handshake_failure; peer said {EVIL}"));
    mitm.transcript = vec![
        "[1] C->P ClientHello versions=[TLS1.3]".into(),
        "[1] P->S ClientHello versions=[TLS1.3] (key_share swapped)".into(),
        "[1] S->P ServerHello TLS1.3".into(),
        "[1] P->C ServerHello TLS1.3".into(),
        format!("[2] C->S ClientHello sni={EVIL}"),
        "[2] S->C Alert fatal decrypt_error".into(),
        "proxy closed both connections".into(),
    ];
    cases.push(mitm);
    let mut run = run_info();
    // A peer reports its own version: peer input too.
    run.peers.insert("own".into(), format!("tls-engine 0.1.0 {EVIL}"));
    Results { schema_version: SCHEMA_VERSION, run, cases }
}

/// The deviations file that goes with [`fixture`].
pub const DEVIATIONS: &str = r#"
[[deviation]]
case = "client_hello::duplicate_extension/*->openssl"
verdict = "alert_mismatch"
alert = "decode_error"
reason = "OpenSSL checks extension lengths before duplicates and answers decode_error"

[[deviation]]
case = "client_hello::truncated_extension/*->openssl"
verdict = "alert_mismatch"
reason = "OpenSSL 1.1 answered illegal_parameter"

[[deviation]]
case = "mitm::*"
verdict = "alert_mismatch"
reason = "the proxy's key share swap is seen as a bad Finished"
"#;

/// The previous run of [`fixture`]: a few verdicts differ.
pub fn previous() -> Results {
    let mut r = fixture();
    for c in &mut r.cases {
        if c.id == "certificate::expired_leaf/rustls->own" || c.id == "client_hello::truncated_extension/own->openssl" {
            c.verdict = if c.verdict == Verdict::Pass { Verdict::AlertMismatch } else { Verdict::Pass };
        }
    }
    r
}

/// A large run: `n` cases over several families, scenarios and four peers.
pub fn synthetic(n: usize) -> Results {
    let peers = ["own", "rustls", "openssl"];
    let mut cases = Vec::with_capacity(n);
    let mut i = 0usize;
    'outer: for fam in ["interop", "client_hello", "server_hello", "certificate", "key_exchange", "record"] {
        for sc in 0..20 {
            for c in peers {
                for s in peers {
                    for v in 0..5 {
                        if i >= n {
                            break 'outer;
                        }
                        let verdict = match i % 97 {
                            0 => Verdict::Fail,
                            1 | 2 => Verdict::AlertMismatch,
                            3 => Verdict::Error,
                            4..=9 => Verdict::Skip,
                            _ => Verdict::Pass,
                        };
                        let mut case = if fam == "interop" {
                            interop(c, s, &format!("v{v}"), verdict)
                        } else {
                            rejection(&format!("{fam}::scenario_{sc}"), c, s, "illegal_parameter", "decode_error", verdict)
                        };
                        case.scenario = format!("{fam}::scenario_{sc:02}");
                        case.family = fam.to_string();
                        case.id = format!("{}/{c}->{s}/v{v}", case.scenario);
                        case.transcript.extend((0..12).map(|k| format!("[{}] S->C application_data record, {} bytes (encrypted)", 1 + k / 6, 100 + k)));
                        cases.push(case);
                        i += 1;
                    }
                }
            }
        }
    }
    // Past the grid: more scenarios in a last family.
    let mut k = 0;
    while cases.len() < n {
        let mut case = interop("rustls", "openssl", &format!("extra{k}"), Verdict::Pass);
        case.scenario = format!("extra::scenario_{:02}", k / 50);
        case.family = "extra".into();
        case.id = format!("{}/rustls->openssl/v{k}", case.scenario);
        cases.push(case);
        k += 1;
    }
    Results { schema_version: SCHEMA_VERSION, run: run_info(), cases }
}

pub const FULL: &str = "tls13_full_ecdsa_p256_x25519";
pub const RESUMED: &str = "tls13_resumed_ecdsa_p256_x25519";

/// `bench-history.jsonl` of three runs (the last a `--quick` one) over two kinds, as
/// `cargo xtask bench` writes it; `RESUMED` is in the first two runs only. In the last run,
/// own->rustls is 512.3 us, x1.07 rustls->rustls, x1.42 the floor, 4 629 000 instructions.
pub fn bench_history() -> String {
    let mut text = String::new();
    for i in 0..3usize {
        let f = i as f64;
        let own_rustls = ([500.0, 506.0, 512.3][i], [1.05, 1.06, 1.07][i]);
        let rustls_rustls = [480.0, 470.0, 478.8][i];
        let mut pairings = vec![
            serde_json::json!({ "client": "own", "server": "own", "kind": FULL, "median_us": 530.0 - 10.0 * f,
                "ratio_to_rustls": 1.10 - 0.02 * f, "ratio_to_floor": 1.45, "instructions": 4_500_000 }),
            serde_json::json!({ "client": "own", "server": "rustls", "kind": FULL, "median_us": own_rustls.0,
                "ratio_to_rustls": own_rustls.1, "ratio_to_floor": 1.42, "instructions": 4_629_000 }),
            serde_json::json!({ "client": "rustls", "server": "rustls", "kind": FULL, "median_us": rustls_rustls,
                "ratio_to_rustls": 1.0, "ratio_to_floor": 1.33, "instructions": null }),
        ];
        let mut floor = vec![serde_json::json!({ "kind": FULL, "median_us": 360.5, "ratio_to_rustls": 0.75, "instructions": 3_252_211 })];
        if i < 2 {
            pairings.push(serde_json::json!({ "client": "rustls", "server": "rustls", "kind": RESUMED,
                "median_us": 210.0 - 5.0 * f, "ratio_to_rustls": 1.0, "ratio_to_floor": 1.9, "instructions": 900_000 }));
            pairings.push(serde_json::json!({ "client": "own", "server": "rustls", "kind": RESUMED,
                "median_us": 250.0 - 5.0 * f, "ratio_to_rustls": 1.2 - 0.02 * f, "ratio_to_floor": 2.2, "instructions": 1_000_000 }));
            floor.push(serde_json::json!({ "kind": RESUMED, "median_us": 110.0, "ratio_to_rustls": 0.52, "instructions": 851_330 }));
        }
        let line = serde_json::json!({
            "run": { "started": format!("2026-11-2{}T10:00:00.5Z", 4 + i), "git": format!("aaa000{i}"),
                     "quick": i == 2, "slow_own": false, "callgrind_iters": 10 },
            "pairings": pairings,
            "floor": floor,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    text
}
