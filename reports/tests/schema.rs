#![allow(clippy::unwrap_used)]
//! The schema file and the Rust types agree: what the types write validates, and the
//! schema rejects what it must.

use reports::{RESULTS_SCHEMA, Results};

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(RESULTS_SCHEMA).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

const SAMPLE: &str = r#"{ "schema_version": 1,
  "run": { "started": "2026-11-26T21:40:00Z", "git": "abc1234", "seed": 7,
           "peers": { "openssl": "OpenSSL 3.0.19 27 Jan 2026", "rustls": "0.23.46" } },
  "cases": [
    { "id": "interop::tls13/rustls->own/aes128gcm-x25519-ecdsa_p256",
      "scenario": "interop::tls13", "family": "interop",
      "client": "rustls", "server": "own", "under_test": "both",
      "rfc": "RFC 8446 2", "verdict": "pass",
      "expected": { "result": "connected" },
      "observed": { "result": "connected", "step": "AppData", "version": "TLS1.3",
                    "suite": "TLS_AES_128_GCM_SHA256", "group": "x25519",
                    "sigalg": "ecdsa_secp256r1_sha256", "resumed": false, "hrr": false },
      "duration_ms": 1.2, "transcript": [ "..." ] },
    { "id": "client_hello::duplicate_extension/own->openssl",
      "scenario": "client_hello::duplicate_extension", "family": "client_hello",
      "client": "own", "server": "openssl", "under_test": "server",
      "rfc": "RFC 8446 4.2", "verdict": "pass",
      "expected": { "result": "rejected", "alert": "illegal_parameter" },
      "observed": { "result": "rejected", "alert": "illegal_parameter",
                    "direction": "received", "step": "ClientHello" },
      "duration_ms": 0.7, "transcript": [ "..." ] },
    { "id": "interop::tls13/openssl->rustls/x25519mlkem768",
      "scenario": "interop::tls13", "family": "interop",
      "client": "openssl", "server": "rustls", "under_test": "both",
      "verdict": "skip", "reason": "openssl 3.0 has no X25519MLKEM768" } ] }"#;

#[test]
fn design_sample_validates_and_round_trips() {
    let value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results: Results = serde_json::from_value(value).unwrap();
    assert_eq!(results.cases.len(), 3);
    let again = serde_json::to_value(&results).unwrap();
    assert!(validator().is_valid(&again));
}

#[test]
fn schema_rejects_bad_results() {
    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    value["cases"][0]["verdict"] = "passed".into();
    assert!(
        !validator().is_valid(&value),
        "unknown verdict must not validate"
    );

    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    value["cases"][2].as_object_mut().unwrap().remove("reason");
    assert!(
        !validator().is_valid(&value),
        "a skip without a reason must not validate"
    );

    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    value["schema_version"] = 3.into();
    assert!(
        !validator().is_valid(&value),
        "another schema version must not validate"
    );
}

#[test]
fn replay_fields_validate_and_must_agree() {
    let mut value: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    value["cases"][0]["replayable"] = false.into();
    value["cases"][0]["unseeded"] = serde_json::json!([
        "ECDSA signatures of the server: aws-lc draws the nonce from its own RNG"
    ]);
    value["cases"][1]["replayable"] = true.into();
    let errors: Vec<String> = validator()
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results: Results = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(results.cases[0].replayable, Some(false));
    assert_eq!(results.cases[0].unseeded.len(), 1);
    assert_eq!(
        (results.cases[1].replayable, results.cases[1].unseeded.len()),
        (Some(true), 0)
    );
    assert_eq!(
        results.cases[2].replayable, None,
        "absent for a case that did not run"
    );
    assert_eq!(serde_json::to_value(&results).unwrap(), value, "round trip");

    let mut bad = value.clone();
    bad["cases"][0].as_object_mut().unwrap().remove("unseeded");
    assert!(
        !validator().is_valid(&bad),
        "not replayable without saying why must not validate"
    );
    let mut bad = value.clone();
    bad["cases"][1]["unseeded"] = serde_json::json!(["openssl (server): no seed"]);
    assert!(
        !validator().is_valid(&bad),
        "replayable with unseeded sources must not validate"
    );
    let mut bad = value;
    bad["cases"][0]["unseeded"] = serde_json::json!([]);
    assert!(
        !validator().is_valid(&bad),
        "an empty unseeded list must not validate"
    );
}
