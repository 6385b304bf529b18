//! A scenario's grading (`level`, `binds`, `alert_from`), checked against its quote and
//! its expectation.

use super::*;

/// The words of RFC 2119 that make a sentence a requirement of each level.
fn keywords(level: Level) -> &'static [&'static str] {
    match level {
        Level::Must => &["MUST", "SHALL", "REQUIRED"],
        Level::Should => &["SHOULD", "RECOMMENDED"],
        Level::May => &["MAY", "OPTIONAL"],
        Level::Hardening | Level::Policy => &[],
    }
}

/// Reads and checks `level`, `binds` and `alert_from`: each is required; a MUST, SHOULD or
/// MAY scenario quotes a sentence with that keyword; a rejection whose sentence binds only
/// the sender is hardening or policy; `alert_from` is `none` exactly when no alert is
/// expected.
pub(super) fn grading(
    r: &RawScenario,
    expect: &Expect,
) -> Result<(Level, Binds, AlertFrom), (&'static str, String)> {
    fn required<T: std::str::FromStr<Err = String>>(
        field: &'static str,
        v: &Option<String>,
        accepted: &str,
    ) -> Result<T, (&'static str, String)> {
        let v = v
            .as_deref()
            .ok_or_else(|| (field, format!("missing: say {accepted}")))?;
        v.parse().map_err(|m| (field, m))
    }
    let level: Level = required(
        "level",
        &r.level,
        "how strong the quoted rule is (MUST, SHOULD, MAY, hardening or policy)",
    )?;
    let binds: Binds = required(
        "binds",
        &r.binds,
        "whom the quoted sentence obliges (receiver or sender)",
    )?;
    let alert_from: AlertFrom = required(
        "alert_from",
        &r.alert_from,
        "whether the quoted section names the alert (section), the alert is chosen by its RFC 8446 6.2 meaning (meaning), or no alert is expected (none)",
    )?;
    let words = keywords(level);
    if !words.is_empty() && !words.iter().any(|w| r.requirement.contains(w)) {
        return Err((
            "level",
            format!(
                "{level}, but the requirement quotes no {}: quote the sentence that says it, or grade it by what it says",
                words.join("/")
            ),
        ));
    }
    let rejects = !matches!(expect, Expect::Connected);
    if rejects && binds == Binds::Sender && !matches!(level, Level::Hardening | Level::Policy) {
        return Err((
            "binds",
            format!(
                "the quoted sentence binds the sender, which does not oblige the receiver to reject: quote the receiver's rule, or grade it hardening or policy (not {level})"
            ),
        ));
    }
    let names_alert = matches!(expect, Expect::Rejected { .. });
    match (names_alert, alert_from) {
        (true, AlertFrom::None) => {
            return Err((
                "alert_from",
                "none, but the scenario expects an alert: section or meaning".into(),
            ));
        }
        (false, AlertFrom::Section | AlertFrom::Meaning) => {
            return Err((
                "alert_from",
                format!(
                    "{}, but the scenario expects no alert: none",
                    alert_from.as_str()
                ),
            ));
        }
        _ => {}
    }
    Ok((level, binds, alert_from))
}
