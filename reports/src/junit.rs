//! `junit.xml`: one `<testsuite>` per family, one `<testcase>` per case. Follows the rules
//! of the JUnit schema used by Jenkins (xunit-plugin `junit-10.xsd`) and read by GitLab,
//! GitHub actions and Azure: `testsuites > testsuite > (properties, testcase*, system-out)`,
//! `testcase > (failure | error | skipped | system-out)*`.
//!
//! Only gated verdicts fail: an unexpected verdict is a `failure` (an `error` for the
//! verdicts `crash` and `error`), its message naming the level of the rule it breaks; a stale
//! deviation is a `failure` telling to update the deviations file. A known deviation is a
//! passing test case that says so in `system-out`, and so is a reported one (a non-pass
//! verdict below the gate: SHOULD, MAY, hardening or policy without `--strict`).

use std::fmt::Write as _;

use crate::context::Context;
use crate::describe;
use crate::deviations::Class;
pub use crate::escape::xml_escape;
use crate::results::{CaseResult, Level, Verdict};

/// Seconds with millisecond precision, in the `SUREFIRE_TIME` form (`1.234`).
fn secs(ms: f64) -> String {
    if ms.is_finite() && ms >= 0.0 {
        format!("{:.3}", ms / 1000.0)
    } else {
        "0.000".into()
    }
}

/// `2026-11-26T21:40:00Z` -> `2026-11-26T21:40:00` (Ant's schema wants no zone).
fn timestamp(started: &str) -> String {
    let t = started.trim_end_matches('Z');
    let t = t.split('.').next().unwrap_or(t);
    let ok = t.len() == 19
        && t.chars().enumerate().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == 'T',
            13 | 16 => c == ':',
            _ => c.is_ascii_digit(),
        });
    if ok {
        t.to_string()
    } else {
        "1970-01-01T00:00:00".into()
    }
}

fn case_xml(out: &mut String, ctx: &Context<'_>, i: usize, c: &CaseResult, class: Class) {
    let classname = c.scenario.replace("::", ".");
    let _ = writeln!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">",
        xml_escape(&c.id),
        xml_escape(&classname),
        secs(c.duration_ms.unwrap_or(0.0))
    );
    let evo = describe::expected_vs_observed(c);
    let reason = c.reason.as_deref().unwrap_or("");
    let mut body = String::new();
    let _ = writeln!(body, "{evo}");
    if !reason.is_empty() {
        let _ = writeln!(body, "reason: {reason}");
    }
    if let Some(rfc) = &c.rfc {
        let _ = writeln!(body, "{rfc}: {}", c.requirement.as_deref().unwrap_or(""));
    }
    if let Some(level) = c.level {
        let mut line = format!("level: {level}");
        if let Some(b) = c.binds {
            let _ = write!(line, ", binds the {}", b.as_str());
        }
        if let Some(a) = c.alert_from {
            let _ = write!(line, ", alert from: {}", a.as_str());
        }
        let _ = writeln!(body, "{line}");
    }
    if let Some(note) = c.note.as_deref().filter(|n| !n.trim().is_empty()) {
        let _ = writeln!(body, "note: {note}");
    }
    match class {
        Class::Unexpected { .. } => {
            let note = ctx.eval.note(i).unwrap_or("");
            let level = c
                .breaks()
                .map(|l| format!(" at {l} level"))
                .unwrap_or_default();
            let message = format!(
                "{}{level}: {evo}{}",
                c.verdict,
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({reason})")
                }
            );
            let tag = if matches!(c.verdict, Verdict::Error | Verdict::Crash) {
                "error"
            } else {
                "failure"
            };
            let _ = writeln!(
                out,
                "      <{tag} message=\"{}\" type=\"{}\">{}{}</{tag}>",
                xml_escape(&message),
                c.verdict,
                xml_escape(note),
                xml_escape(&format!("\n{body}"))
            );
        }
        Class::Stale { .. } => {
            let note = ctx.eval.note(i).unwrap_or("");
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"stale_deviation\">{}</failure>",
                xml_escape(note),
                xml_escape(&format!("update {}\n{body}", ctx.eval.file))
            );
        }
        Class::ExpectedSkip => {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml_escape(reason));
        }
        Class::KnownDeviation { .. } | Class::Reported { .. } | Class::ExpectedPass => {}
    }
    let mut sysout = String::new();
    if let Class::KnownDeviation { .. } = class {
        let why = ctx.eval.entry(i).map(|d| d.reason.as_str()).unwrap_or("");
        let _ = writeln!(sysout, "known deviation ({}): {why}\n{body}", c.verdict);
    }
    if let Class::Reported { .. } = class {
        let level = c.breaks().map_or("unknown", Level::as_str);
        let _ = writeln!(
            sysout,
            "reported: {} at {level} level (not gated; --strict gates it)",
            c.verdict
        );
        // A listed deviation with another verdict says so.
        if let (Some(_), Some(note)) = (ctx.eval.entry(i), ctx.eval.note(i)) {
            let _ = writeln!(sysout, "{note}");
        }
        let _ = writeln!(sysout, "{body}");
    }
    if let Some(p) = ctx.changed_from(&c.id, c.verdict) {
        let _ = writeln!(
            sysout,
            "verdict changed since the previous run: {p} -> {}",
            c.verdict
        );
    }
    if !c.transcript.is_empty() {
        sysout.push_str("transcript:\n");
        for l in &c.transcript {
            let _ = writeln!(sysout, "  {l}");
        }
    }
    if !sysout.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            xml_escape(&sysout)
        );
    }
    out.push_str("    </testcase>\n");
}

/// Renders `junit.xml`.
pub fn render(ctx: &Context<'_>) -> String {
    let r = ctx.results;
    let mut families: Vec<&str> = Vec::new();
    for c in &r.cases {
        if !families.contains(&c.family.as_str()) {
            families.push(&c.family);
        }
    }
    let count = |cs: &mut dyn Iterator<Item = (usize, &CaseResult, Class)>| {
        let (mut tests, mut failures, mut errors, mut skipped, mut ms) = (0, 0, 0, 0, 0.0f64);
        for (_, c, class) in cs {
            tests += 1;
            ms += c
                .duration_ms
                .filter(|d| d.is_finite() && *d >= 0.0)
                .unwrap_or(0.0);
            match class {
                Class::Unexpected { .. }
                    if matches!(c.verdict, Verdict::Error | Verdict::Crash) =>
                {
                    errors += 1
                }
                Class::Unexpected { .. } | Class::Stale { .. } => failures += 1,
                Class::ExpectedSkip => skipped += 1,
                _ => {}
            }
        }
        (tests, failures, errors, skipped, ms)
    };
    let (t, f, e, _, ms) = count(&mut ctx.cases());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tls-harness conformance\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" time=\"{}\">",
        secs(r.run.duration_ms.unwrap_or(ms))
    );
    let ts = timestamp(&r.run.started);
    for (n, fam) in families.iter().enumerate() {
        let (t, f, e, s, ms) = count(&mut ctx.cases().filter(|(_, c, _)| c.family == *fam));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{s}\" time=\"{}\" timestamp=\"{ts}\" hostname=\"localhost\" id=\"{n}\" package=\"{}\">",
            xml_escape(fam),
            secs(ms),
            xml_escape(fam)
        );
        out.push_str("    <properties>\n");
        let mut props: Vec<(String, String)> = vec![
            ("git".into(), r.run.git.clone()),
            ("seed".into(), r.run.seed.to_string()),
            ("started".into(), r.run.started.clone()),
        ];
        if let Some(s) = &r.run.shard {
            props.push(("shard".into(), s.clone()));
        }
        for (k, v) in &r.run.peers {
            props.push((format!("peer.{k}"), v.clone()));
        }
        for (k, v) in props {
            let _ = writeln!(
                out,
                "      <property name=\"{}\" value=\"{}\"/>",
                xml_escape(&k),
                xml_escape(&v)
            );
        }
        out.push_str("    </properties>\n");
        for (i, c, class) in ctx.cases().filter(|(_, c, _)| c.family == *fam) {
            case_xml(&mut out, ctx, i, c, class);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
