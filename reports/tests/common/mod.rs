//! Results files made up for the tests: every verdict and level, several families and peers,
//! a proxy, several connections, and peer strings that try to inject markup.
#![allow(dead_code, clippy::unwrap_used)]

pub mod xsd;

use std::collections::BTreeMap;

use reports::{
    AlertFrom, Binds, CaseResult, Direction, Expected, ExpectedResult, Level, Observed,
    ObservedResult, Results, RunInfo, SCHEMA_VERSION, UnderTest, Verdict,
};

pub const EVIL: &str = "<script>alert('pwned')</script>";

pub fn run_info() -> RunInfo {
    let mut peers = BTreeMap::new();
    peers.insert(
        "openssl".to_string(),
        "OpenSSL 3.0.19 27 Jan 2026".to_string(),
    );
    peers.insert(
        "rustls".to_string(),
        "rustls 0.23.46 (aws-lc-rs)".to_string(),
    );
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

/// What a client sends and the server echoes in the interop cases.
pub const APP_DATA: &str = "GET / HTTP/1.0\r\n\r\n";

fn connected(version: &str, suite: &str, group: &str) -> Observed {
    Observed {
        app_data_len: Some(APP_DATA.len()),
        app_data: Some(APP_DATA.into()),
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
    let id = format!("interop::tls13/{client}->{server}/{variant}");
    CaseResult {
        rfc: Some("RFC 8446 4.1.1".into()),
        requirement: Some("the server independently selects a cipher suite, an (EC)DHE group and key share for key establishment".into()),
        alert_from: Some(AlertFrom::None),
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
        ..case(&id, client, server, UnderTest::Both, verdict)
    }
    .graded()
}

/// A case of MUST level binding the receiver, with the parts every made-up case shares; the
/// scenario is the id's part before `/`, the family its part before `::`.
fn case(
    id: &str,
    client: &str,
    server: &str,
    under_test: UnderTest,
    verdict: Verdict,
) -> CaseResult {
    let scenario = id.split('/').next().unwrap();
    let family = scenario.split("::").next().unwrap();
    CaseResult {
        level: Some(Level::Must),
        binds: Some(Binds::Receiver),
        ..CaseResult::new(id, scenario, family, (client, server), under_test, verdict)
    }
}

/// Sets `verdict_level` as the runner does.
pub trait Graded {
    fn graded(self) -> Self;
}

impl Graded for CaseResult {
    fn graded(mut self) -> Self {
        self.grade();
        self
    }
}

/// The same case as a schema version 1 writer wrote it: no levels, no application data.
pub fn as_v1(mut c: CaseResult) -> CaseResult {
    c.level = None;
    c.binds = None;
    c.alert_from = None;
    c.note = None;
    c.verdict_level = None;
    for o in [&mut c.observed, &mut c.server_observed]
        .into_iter()
        .flatten()
    {
        o.app_data = None;
        o.app_data_len = None;
    }
    c
}

pub fn rejection(
    scenario: &str,
    client: &str,
    server: &str,
    want: &str,
    got: &str,
    verdict: Verdict,
) -> CaseResult {
    let id = format!("{scenario}/{client}->{server}");
    CaseResult {
        rfc: Some("RFC 8446 4.2".into()),
        requirement: Some("There MUST NOT be more than one extension of the same type in a given extension block.".into()),
        alert_from: Some(AlertFrom::Section),
        reason: match verdict {
            Verdict::Pass => None,
            Verdict::AlertMismatch => Some(format!("rejected with {got}, the RFC names {want}")),
            Verdict::NoAlert => Some(format!("closed without an alert, the RFC names {want}")),
            Verdict::Fail => Some("accepted what must be rejected".into()),
            Verdict::Crash => Some(format!("{server} (server) exited with signal 11 (SIGSEGV)")),
            Verdict::Timeout => Some(format!("{server} (server) neither answered nor gave up within 5000 ms")),
            Verdict::Error => Some("server timed out after 5000 ms".into()),
            Verdict::Inconclusive => Some("the fault was never sent: the handshake ended before it".into()),
            Verdict::Skip => Some("peer lacks the knob".into()),
        },
        expected: Some(Expected { result: ExpectedResult::Rejected, alert: Some(want.into()), checks: BTreeMap::new() }),
        observed: Some(match verdict {
            Verdict::Fail => connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
            Verdict::Error | Verdict::Crash | Verdict::Timeout => Observed { result: Some(ObservedResult::Error), step: Some("ClientHello".into()), error: Some("timeout".into()), ..Observed::default() },
            Verdict::NoAlert => Observed { result: Some(ObservedResult::Rejected), step: Some("ClientHello".into()), error: Some("connection closed".into()), ..Observed::default() },
            _ => rejected(got, Direction::Received, "ClientHello"),
        }),
        server_observed: Some(match verdict {
            Verdict::Fail => connected("TLS1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
            Verdict::Error | Verdict::Crash | Verdict::Timeout => Observed { result: Some(ObservedResult::Error), step: Some("ClientHello".into()), ..Observed::default() },
            Verdict::NoAlert => Observed { result: Some(ObservedResult::Rejected), step: Some("ClientHello".into()), ..Observed::default() },
            _ => rejected(got, Direction::Sent, "ClientHello"),
        }),
        duration_ms: Some(0.75),
        transcript: vec![
            "C->S ClientHello versions=[TLS1.3] extensions=[supported_groups,supported_groups]".into(),
            format!("S->C Alert fatal {got}"),
        ],
        ..case(&id, client, server, UnderTest::Server, verdict)
    }
    .graded()
}

/// A case of `scenario` graded at `level` (re-grading its verdict).
fn at_level(mut c: CaseResult, level: Level, alert_from: AlertFrom, note: &str) -> CaseResult {
    c.level = Some(level);
    c.alert_from = Some(alert_from);
    if level == Level::Hardening || level == Level::Policy {
        c.binds = Some(Binds::Sender);
    }
    c.note = Some(note.into());
    c.graded()
}

/// A fixed run covering every verdict, level and class (schema version 2).
pub fn fixture() -> Results {
    let mut cases = Vec::new();
    for (c, s) in [
        ("rustls", "rustls"),
        ("rustls", "openssl"),
        ("openssl", "rustls"),
        ("openssl", "openssl"),
    ] {
        cases.push(interop(c, s, "aes128gcm-x25519-ecdsa_p256", Verdict::Pass));
        let mlkem = if s == "openssl" {
            Verdict::Skip
        } else {
            Verdict::Pass
        };
        cases.push(interop(c, s, "aes128gcm-x25519mlkem768-ecdsa_p256", mlkem));
    }
    let dup = "client_hello::duplicate_extension";
    cases.push(rejection(
        dup,
        "own",
        "rustls",
        "illegal_parameter",
        "illegal_parameter",
        Verdict::Pass,
    ));
    // A known deviation: OpenSSL answers decode_error.
    cases.push(rejection(
        dup,
        "own",
        "openssl",
        "illegal_parameter",
        "decode_error",
        Verdict::AlertMismatch,
    ));
    let trunc = "client_hello::truncated_extension";
    cases.push(rejection(
        trunc,
        "own",
        "rustls",
        "decode_error",
        "decode_error",
        Verdict::Pass,
    ));
    // Stale: listed as a deviation, passes now.
    cases.push(rejection(
        trunc,
        "own",
        "openssl",
        "decode_error",
        "decode_error",
        Verdict::Pass,
    ));
    let ver = "certificate::expired_leaf";
    // New failure.
    cases.push(rejection(
        ver,
        "rustls",
        "own",
        "certificate_expired",
        "",
        Verdict::Fail,
    ));
    cases.push(rejection(
        ver,
        "openssl",
        "own",
        "certificate_expired",
        "",
        Verdict::Error,
    ));
    // A case with several connections and a MITM proxy, and peer strings with markup.
    let mut mitm = rejection(
        "mitm::swap_key_share",
        "rustls",
        "openssl",
        "handshake_failure",
        "decrypt_error",
        Verdict::AlertMismatch,
    );
    mitm.id = format!("mitm::swap_key_share/rustls->openssl/{EVIL}");
    mitm.reason = Some(format!(
        "rejected with decrypt_error, the RFC names handshake_failure; peer said {EVIL}"
    ));
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
    // Schema version 2: the new verdicts, levels below MUST (reported, not gated), and a
    // case judging both sides with two implementations.
    // Reported: a hardening bound, not a rule of the RFC.
    let mut empty = at_level(
        rejection(
            "record::empty_records",
            "own",
            "rustls",
            "unexpected_message",
            "",
            Verdict::Fail,
        ),
        Level::Hardening,
        AlertFrom::Meaning,
        "No RFC bounds empty records; BoringSSL, OpenSSL and rustls stop after 32 (CVE-2013-0169 style floods).",
    );
    empty.reason = Some("rustls (server) accepted 10 000 empty records".into());
    cases.push(empty);
    // Reported: the alert is chosen by meaning, so no_alert breaks a SHOULD at most.
    let mut no_alert = at_level(
        rejection(
            "alert::bad_padding",
            "rustls",
            "own",
            "bad_record_mac",
            "",
            Verdict::NoAlert,
        ),
        Level::Must,
        AlertFrom::Meaning,
        "RFC 8446 5.2 makes the rejection a MUST; the alert comes from RFC 8446 6.2's meaning of bad_record_mac.",
    );
    no_alert.under_test = UnderTest::Client;
    // What the side read before it closed: peer bytes, shown as text only.
    if let Some(o) = no_alert.observed.as_mut() {
        o.app_data_len = Some(4096);
        o.app_data = Some(format!("{EVIL} & more"));
    }
    cases.push(no_alert);
    // Gated: a MUST-level no_alert (the section names the alert).
    cases.push(rejection(
        "alert::record_overflow",
        "own",
        "openssl",
        "record_overflow",
        "",
        Verdict::NoAlert,
    ));
    // Gated at every level: a crash.
    cases.push(at_level(
        rejection("state::ccs_after_finished", "own", "openssl", "unexpected_message", "", Verdict::Crash),
        Level::Should,
        AlertFrom::Section,
        "The RFC says SHOULD for the alert, MUST for the rejection; a crash is gated at every level.",
    ));
    // Reported: a SHOULD-level timeout.
    let mut waits = at_level(
        rejection(
            "record::incomplete_record",
            "own",
            "openssl",
            "",
            "",
            Verdict::Timeout,
        ),
        Level::Should,
        AlertFrom::None,
        "Waiting for the rest of a record is what a receiver SHOULD do; giving up is allowed.",
    );
    waits.expected = Some(Expected {
        result: ExpectedResult::Waits,
        alert: None,
        checks: BTreeMap::new(),
    });
    cases.push(waits);
    // Reported: a policy difference (listed alert_mismatch elsewhere does not matter here).
    cases.push(at_level(
        rejection("certificate::serial_too_long", "openssl", "rustls", "bad_certificate", "decode_error", Verdict::AlertMismatch),
        Level::Policy,
        AlertFrom::Meaning,
        "RFC 5280 4.1.2.2 obliges the CA, not the verifier: rejecting a 21-octet serial is each library's choice.",
    ));
    // Gated: inconclusive at MUST, both sides under test, two implementations: counts for both.
    let mut inc = rejection(
        "mitm::strip_sni",
        "openssl",
        "rustls",
        "handshake_failure",
        "",
        Verdict::Inconclusive,
    );
    inc.under_test = UnderTest::Both;
    cases.push(inc);
    let mut run = run_info();
    // A peer reports its own version: peer input too.
    run.peers
        .insert("own".into(), format!("tls-engine 0.1.0 {EVIL}"));
    Results {
        schema_version: SCHEMA_VERSION,
        run,
        cases,
    }
}

/// The cases of [`fixture`] a schema version 1 run had (its verdicts, without levels), in a
/// version 1 file.
pub fn fixture_v1() -> Results {
    let mut r = fixture();
    r.schema_version = 1;
    r.cases.retain(|c| {
        matches!(
            c.verdict,
            Verdict::Pass | Verdict::AlertMismatch | Verdict::Fail | Verdict::Error | Verdict::Skip
        ) && c.note.is_none()
    });
    r.cases = r.cases.into_iter().map(as_v1).collect();
    r
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
        if c.id == "certificate::expired_leaf/rustls->own"
            || c.id == "client_hello::truncated_extension/own->openssl"
        {
            c.verdict = if c.verdict == Verdict::Pass {
                Verdict::AlertMismatch
            } else {
                Verdict::Pass
            };
        }
    }
    r
}

/// A large run: `n` cases over several families, scenarios and four peers.
pub fn synthetic(n: usize) -> Results {
    let peers = ["own", "rustls", "openssl"];
    let mut cases = Vec::with_capacity(n);
    let mut i = 0usize;
    'outer: for fam in [
        "interop",
        "client_hello",
        "server_hello",
        "certificate",
        "key_exchange",
        "record",
    ] {
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
                            10 => Verdict::NoAlert,
                            11 => Verdict::Crash,
                            12 => Verdict::Timeout,
                            13 => Verdict::Inconclusive,
                            _ => Verdict::Pass,
                        };
                        let mut case = if fam == "interop" {
                            interop(c, s, &format!("v{v}"), verdict)
                        } else {
                            rejection(
                                &format!("{fam}::scenario_{sc}"),
                                c,
                                s,
                                "illegal_parameter",
                                "decode_error",
                                verdict,
                            )
                        };
                        case.scenario = format!("{fam}::scenario_{sc:02}");
                        case.family = fam.to_string();
                        case.id = format!("{}/{c}->{s}/v{v}", case.scenario);
                        // Every third scenario is graded below MUST: reported, not gated.
                        if sc % 3 == 2 {
                            case.level = Some(Level::Should);
                            case.grade();
                        }
                        case.transcript.extend((0..12).map(|k| {
                            format!(
                                "[{}] S->C application_data record, {} bytes (encrypted)",
                                1 + k / 6,
                                100 + k
                            )
                        }));
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
    Results {
        schema_version: SCHEMA_VERSION,
        run: run_info(),
        cases,
    }
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
        let mut floor = vec![
            serde_json::json!({ "kind": FULL, "median_us": 360.5, "ratio_to_rustls": 0.75, "instructions": 3_252_211 }),
        ];
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

/// The eight implementations of [`eight_peers`], in the order their pairings appear.
pub const EIGHT: [&str; 8] = [
    "own", "rustls", "openssl", "gnutls", "nss", "go", "botan", "java",
];

/// A run over every ordered pair of the eight implementations of [`EIGHT`] (64 pairings per
/// family): three families, a few scenarios each, two interop variants per cell, and a mix of
/// verdicts (passes mostly, skips, alert mismatches, fails, errors, a crash, a timeout).
pub fn eight_peers() -> Results {
    let mut cases = Vec::new();
    let mut n = 0usize;
    let mut verdict = || {
        n += 1;
        match (n * 37) % 101 {
            0..=5 => Verdict::Skip,
            6..=9 => Verdict::AlertMismatch,
            10 => Verdict::Fail,
            11 => Verdict::Error,
            12 => Verdict::NoAlert,
            13 if n.is_multiple_of(2) => Verdict::Crash,
            13 => Verdict::Timeout,
            _ => Verdict::Pass,
        }
    };
    for c in EIGHT {
        for s in EIGHT {
            for variant in ["aes128gcm-x25519-ecdsa_p256", "chacha20-secp256r1-rsa_pss"] {
                cases.push(interop(c, s, variant, verdict()));
            }
        }
    }
    for (scenario, want) in [
        ("client_hello::duplicate_extension", "illegal_parameter"),
        ("client_hello::truncated_extension", "decode_error"),
        ("client_hello::unknown_version_only", "protocol_version"),
        ("certificate::expired_leaf", "certificate_expired"),
        ("certificate::wrong_host", "bad_certificate"),
    ] {
        for c in EIGHT {
            for s in EIGHT {
                let v = verdict();
                let got = if v == Verdict::AlertMismatch {
                    "decode_error"
                } else {
                    want
                };
                cases.push(rejection(scenario, c, s, want, got, v));
            }
        }
    }
    let mut run = run_info();
    for p in EIGHT {
        run.peers
            .entry(p.to_string())
            .or_insert_with(|| format!("{p} 1.0"));
    }
    Results {
        schema_version: SCHEMA_VERSION,
        run,
        cases,
    }
}

/// A deviations file for [`eight_peers`]: one of its alert mismatches is known.
pub const EIGHT_DEVIATIONS: &str = r#"
[[deviation]]
case = "client_hello::duplicate_extension/own->go"
verdict = "alert_mismatch"
reason = "Go checks extension lengths before duplicates"
"#;
