//! Negative controls as data: a scenario names the `bug_*` knobs that make our engine, as
//! the side under test, break exactly the rule the scenario checks, and the verdict each must
//! then produce. `harness selftest` runs them.
//!
//! ```toml
//! controls = ["bug_skip_hostname_check"]                       # must score `fail`
//! controls = ["bug_ignore=duplicate_extension"]                # a knob with a value
//! controls = [{ bug = "bug_drop_undecodable", verdict = "non_pass" }]
//! controls = [{ bug = "bug_negotiate_tls12", side = "server" }]   # under_test = "both": one side
//! ```

use reports::{Required, UnderTest};
use serde::Deserialize;

use super::{Expect, Scenario, Variant};
use crate::model::Role;

/// A negative control of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Control {
    /// The `bug_*` knob.
    pub knob: String,
    /// Its value (`true` for a switch).
    pub value: String,
    /// The verdict the scenario must produce with the knob set.
    pub required: Required,
    /// With both sides under test, the one side the knob breaks (`None`: each in turn).
    pub side: Option<Role>,
}

impl Control {
    /// `bug_x` for a switch, `bug_x=value` otherwise.
    pub fn label(&self) -> String {
        if self.value == "true" {
            self.knob.clone()
        } else {
            format!("{}={}", self.knob, self.value)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawControl {
    Knob(String),
    Table(RawControlTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawControlTable {
    bug: String,
    verdict: Option<String>,
    side: Option<String>,
}

/// Validates the controls of a scenario: `(field, message)` for the first bad one.
pub(super) fn parse(
    raw: &[RawControl],
    under_test: UnderTest,
    setup: &toml::Table,
) -> Result<Vec<Control>, (String, String)> {
    let mut out: Vec<Control> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let field = format!("controls[{i}]");
        let fail = |m: String| (field.clone(), m);
        let (spec, verdict, side) = match r {
            RawControl::Knob(s) => (s.as_str(), None, None),
            RawControl::Table(t) => (t.bug.as_str(), t.verdict.as_deref(), t.side.as_deref()),
        };
        let side = match (side, under_test) {
            (None, _) => None,
            (Some("client"), UnderTest::Both) => Some(Role::Client),
            (Some("server"), UnderTest::Both) => Some(Role::Server),
            (Some(s), UnderTest::Both) => {
                return Err(fail(format!("side `{s}`: expected client or server")));
            }
            (Some(_), _) => {
                return Err(fail(
                    "side: only with under_test = \"both\" (otherwise the side under test is the one)"
                        .into(),
                ));
            }
        };
        let required = match verdict {
            None | Some("fail") => Required::Fail,
            Some("non_pass") => Required::NonPass,
            Some(other) => {
                return Err(fail(format!(
                    "verdict `{other}`: expected fail (the default) or non_pass"
                )));
            }
        };
        let (knob, value) = spec.split_once('=').unwrap_or((spec, "true"));
        let (knob, value) = (knob.trim(), value.trim());
        if !knob.starts_with("bug_") {
            return Err(fail(format!(
                "`{knob}`: a control is a `bug_*` knob of our engine (tls_engine::Knobs)"
            )));
        }
        tls_engine::Knobs::default()
            .set(knob, value)
            .map_err(|e| fail(format!("`{spec}`: {e}")))?;
        let sides: &[&str] = match (under_test, side) {
            (UnderTest::Client, _) | (UnderTest::Both, Some(Role::Client)) => &["client_knobs"],
            (UnderTest::Server, _) | (UnderTest::Both, Some(Role::Server)) => &["server_knobs"],
            (UnderTest::Both, None) => &["client_knobs", "server_knobs"],
        };
        for side in sides {
            let already = setup
                .get(*side)
                .and_then(|t| t.as_table())
                .is_some_and(|t| t.contains_key(knob));
            if already {
                return Err(fail(format!(
                    "`{knob}` is already set in setup.{side}: the scenario itself would be the control"
                )));
            }
        }
        let c = Control {
            knob: knob.to_string(),
            value: value.to_string(),
            required,
            side,
        };
        if out.iter().any(|o| o.knob == c.knob && o.value == c.value) {
            return Err(fail(format!("`{}` is named twice", c.label())));
        }
        out.push(c);
    }
    Ok(out)
}

impl Scenario {
    /// Whether the scenario expects the side under test to reject.
    pub fn expects_rejection(&self) -> bool {
        matches!(self.expect, Expect::Rejected { .. })
    }

    /// The scenario's variants with `control`'s knob set on the side under test (which is
    /// then always our engine), with that side; a scenario with both sides under test gives
    /// each variant twice, the knob on the client, then on the server (once, when the
    /// control names its side).
    pub fn control_variants(
        self: &std::sync::Arc<Self>,
        control: &Control,
    ) -> Vec<(Role, Variant)> {
        let roles: &[Role] = match (self.under_test, control.side) {
            (UnderTest::Client, _) | (UnderTest::Both, Some(Role::Client)) => &[Role::Client],
            (UnderTest::Server, _) | (UnderTest::Both, Some(Role::Server)) => &[Role::Server],
            (UnderTest::Both, None) => &[Role::Client, Role::Server],
        };
        let mut out = Vec::new();
        for v in self.variants() {
            for role in roles {
                let mut v = v.clone();
                let knobs = match role {
                    Role::Client => &mut v.setup.client_knobs,
                    Role::Server => &mut v.setup.server_knobs,
                };
                knobs.insert(control.knob.clone(), control.value.clone());
                out.push((*role, v));
            }
        }
        out
    }
}
