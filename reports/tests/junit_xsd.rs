//! `junit.xml` follows the JUnit schema Jenkins uses (the xunit-plugin's junit-10.xsd,
//! written out in `tests/fixtures/junit-10.xsd`). No Rust XSD validator handles that schema
//! (`xmlschema` 0.0.11 skips repeated `xs:choice` and `mixed`), so `common::xsd` checks every
//! element and attribute against the rules read from that XSD file, and is itself shown to
//! reject documents that break them.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::xsd::Schema;

const XSD: &str = include_str!("fixtures/junit-10.xsd");

fn violations(xml: &str) -> Vec<String> {
    Schema::parse(XSD).check(xml)
}

#[test]
fn the_checker_enforces_the_schema() {
    let ok = r#"<?xml version="1.0"?><testsuites tests="1" time="1,234.5"><testsuite name="a" tests="1" failures="0" errors="0" time="1.5"><properties><property name="k" value="v"/></properties><testcase name="t" time="0.1"><skipped message="m">why &amp; how</skipped><system-out>x</system-out></testcase><system-out/></testsuite></testsuites>"#;
    assert_eq!(violations(ok), Vec::<String>::new());
    for (bad, what) in [
        (
            r#"<testsuites><testsuite name="a" tests="1" errors="0"/></testsuites>"#,
            "required attribute `failures`",
        ),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t"><bogus/></testcase></testsuite></testsuites>"#,
            "<bogus> is not allowed",
        ),
        (
            r#"<testsuites skipped="1"/>"#,
            "attribute `skipped` is not allowed",
        ),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0" time="1.5s"/></testsuites>"#,
            "does not match SUREFIRE_TIME",
        ),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>"#,
            "required attribute `name`",
        ),
        (
            r#"<testsuites><testcase name="t"/></testsuites>"#,
            "<testcase> is not allowed in <testsuites>",
        ),
        (r#"<testsuites>text</testsuites>"#, "may not hold text"),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><system-out><b/></system-out></testsuite></testsuites>"#,
            "holds text only",
        ),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><properties><property name="k"/></properties></testsuite></testsuites>"#,
            "required attribute `value`",
        ),
        (
            r#"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase name="t"><rerunFailure type="x"><stackTrace/><stackTrace/></rerunFailure></testcase></testsuite></testsuites>"#,
            "<stackTrace> at most 1 times",
        ),
        (r#"<testsuites><unknown/></testsuites>"#, "not declared"),
        (r#"<testsuites><testsuite"#, "not well-formed"),
    ] {
        let v = violations(bad);
        assert!(
            v.iter().any(|m| m.contains(what)),
            "{bad}: expected `{what}`, got {v:#?}"
        );
    }
}

#[test]
fn junit_xml_validates() {
    let deviations =
        reports::KnownDeviations::parse(common::DEVIATIONS, Path::new("kd.toml")).unwrap();
    for (results, previous) in [
        (common::fixture(), Some(common::previous())),
        (common::synthetic(700), None),
    ] {
        let r = reports::render_all(&results, &deviations, previous.as_ref(), Default::default())
            .unwrap();
        let v = violations(&r.junit_xml);
        assert!(v.is_empty(), "{v:#?}");
        assert_eq!(
            r.junit_xml.matches("<testcase ").count(),
            results.cases.len()
        );
    }
}

#[test]
fn junit_failures_say_expected_and_observed() {
    let deviations =
        reports::KnownDeviations::parse(common::DEVIATIONS, Path::new("kd.toml")).unwrap();
    let r = reports::render_all(&common::fixture(), &deviations, None, Default::default()).unwrap();
    let x = &r.junit_xml;
    assert!(
        x.contains(r#"<testsuite name="certificate" tests="3" failures="1" errors="1""#),
        "{x}"
    );
    assert!(x.contains(r#"<failure message="fail at MUST level: expected rejected with certificate_expired; observed: client connected"#), "{x}");
    assert!(x.contains(r#"<error message="error at MUST level: expected rejected with certificate_expired; observed: client error"#), "{x}");
    assert!(x.contains(r#"type="stale_deviation""#));
    assert!(x.contains("known deviation (alert_mismatch): OpenSSL checks extension lengths"));
    assert!(x.contains(r#"<skipped message="openssl as server: has no X25519MLKEM768"/>"#));
}
