//! The setup keys of a scenario file and how each sets a [`Setup`].

use super::*;
use crate::vocab::{self, Term};

const SETUP_KEYS: &[&str] = &[
    "versions",
    "client_versions",
    "server_versions",
    "suite",
    "suites",
    "group",
    "hrr_group",
    "share_group",
    "sigalg",
    "cert",
    "client_auth",
    "client_certificate",
    "resumption",
    "client_alpn",
    "server_alpn",
    "server_name",
    "app_data",
    "client_knobs",
    "server_knobs",
    "mitm",
];

fn parse_str<T: Term>(v: &toml::Value) -> Result<T, String> {
    match v {
        toml::Value::String(s) => vocab::parse(s),
        other => Err(format!("expected a string, found {}", other.type_str())),
    }
}

fn parse_list<T: Term>(v: &toml::Value) -> Result<Vec<T>, String> {
    match v {
        toml::Value::Array(items) => items.iter().map(parse_str).collect(),
        other => Err(format!(
            "expected a list of strings, found {}",
            other.type_str()
        )),
    }
}

fn string_list(v: &toml::Value) -> Result<Vec<String>, String> {
    match v {
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) if !s.is_empty() && s.len() < 256 => Ok(s.clone()),
                _ => Err("expected non-empty strings shorter than 256 bytes".to_string()),
            })
            .collect(),
        other => Err(format!(
            "expected a list of strings, found {}",
            other.type_str()
        )),
    }
}

/// Validates one setup key and value (in `setup` or as one value of a matrix axis).
pub(super) fn check_key(key: &str, v: &toml::Value) -> Result<(), String> {
    let mut s = Setup::default();
    apply(&mut s, key, v)
}

pub(super) fn apply(s: &mut Setup, key: &str, v: &toml::Value) -> Result<(), String> {
    match key {
        "versions" => {
            let vs: Vec<ProtocolVersion> = parse_list(v)?;
            s.client.versions = vs.clone();
            s.server.versions = vs;
        }
        "client_versions" => s.client.versions = parse_list(v)?,
        "server_versions" => s.server.versions = parse_list(v)?,
        "suite" => {
            let suite: CipherSuite = parse_str(v)?;
            s.client.suites = vec![suite];
            s.server.suites = vec![suite];
        }
        "suites" => {
            let suites: Vec<CipherSuite> = parse_list(v)?;
            s.client.suites = suites.clone();
            s.server.suites = suites;
        }
        "group" => {
            let g: NamedGroup = parse_str(v)?;
            s.client.groups = vec![g];
            s.server.groups = vec![g];
        }
        "hrr_group" => {
            let g: NamedGroup = parse_str(v)?;
            let first = another_group(g);
            s.client.groups = vec![first, g];
            s.server.groups = vec![g];
        }
        "share_group" => {
            let g: NamedGroup = parse_str(v)?;
            let favourite = another_group(g);
            s.client.groups = vec![g, favourite];
            s.server.groups = vec![favourite, g];
        }
        "sigalg" => {
            let sig: SignatureScheme = parse_str(v)?;
            s.client.sig_schemes = vec![sig];
            s.server.sig_schemes = vec![sig];
        }
        "cert" => {
            let name: String = match v {
                toml::Value::String(n) => n.clone(),
                other => return Err(format!("expected a string, found {}", other.type_str())),
            };
            certs::materials(&name).map_err(|e| e.to_string())?;
            s.cert = name;
        }
        "client_auth" => {
            s.client_auth = match v.as_str() {
                Some("none") => ClientAuth::None,
                Some("optional") => ClientAuth::Optional,
                Some("required") => ClientAuth::Required,
                _ => return Err("expected \"none\", \"optional\" or \"required\"".into()),
            }
        }
        "client_certificate" => {
            s.client_certificate = v.as_bool().ok_or("expected true or false")?;
        }
        "resumption" => {
            s.resumption = v.as_bool().ok_or("expected true or false")?;
        }
        "client_alpn" => s.client.alpn = string_list(v)?,
        "server_alpn" => s.server.alpn = string_list(v)?,
        "server_name" => {
            s.server_name = v
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or("expected a non-empty string")?
                .to_string();
        }
        "client_knobs" | "server_knobs" => {
            let toml::Value::Table(t) = v else {
                return Err("expected a table of knob = value".into());
            };
            let mut knobs = std::collections::BTreeMap::new();
            for (name, value) in t {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(_) | toml::Value::Boolean(_) | toml::Value::Float(_) => {
                        value.to_string()
                    }
                    toml::Value::Array(_) => value.to_string(),
                    other => {
                        return Err(format!(
                            "knob `{name}`: a {} is not a knob value",
                            other.type_str()
                        ));
                    }
                };
                knobs.insert(name.clone(), text);
            }
            // The engine checks names and values now, so a typo fails the load, not the run.
            let mut probe = tls_engine::Knobs::default();
            for (name, value) in &knobs {
                probe
                    .set(name, value)
                    .map_err(|e| format!("knob `{name}`: {e}"))?;
            }
            if key == "client_knobs" {
                s.client_knobs = knobs;
            } else {
                s.server_knobs = knobs;
            }
        }
        "mitm" => {
            let spec = crate::mitm::MitmSpec::from_toml(v)?;
            spec.adjust(s)?;
            s.mitm = Some(spec);
        }
        "app_data" => {
            s.app_data = v
                .as_str()
                .filter(|n| !n.is_empty())
                .ok_or("expected a non-empty string")?
                .as_bytes()
                .to_vec();
        }
        other => {
            return Err(format!(
                "unknown setup key `{other}`; known keys: {}",
                SETUP_KEYS.join(", ")
            ));
        }
    }
    Ok(())
}

pub(super) fn value_label(key: &str, v: &toml::Value) -> String {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Boolean(b) => return format!("{}{}", if *b { "" } else { "no_" }, key),
        other => other.to_string(),
    };
    if let Some(suite) = vocab::parse(&text).ok().and_then(vocab::suite_short) {
        return suite.to_string();
    }
    if let Some(g) = vocab::parse(&text).ok().and_then(vocab::group_short) {
        return match key {
            "hrr_group" => format!("hrr_{g}"),
            "share_group" => format!("share_{g}"),
            _ => g.to_string(),
        };
    }
    if let Some(sig) = vocab::parse(&text).ok().and_then(vocab::scheme_short) {
        return sig.to_string();
    }
    match key {
        "client_auth" => format!("clientauth_{text}"),
        "versions" | "client_versions" | "server_versions" => {
            let short = text
                .replace(['[', ']', '"', ' '], "")
                .replace("TLS1.", "tls1")
                .replace(',', "_");
            match key.strip_suffix("_versions") {
                Some(side) => format!("{side}_{short}"),
                None => short,
            }
        }
        // Other lists: their items' labels joined (suites, ALPN protocols, ...).
        _ => match v {
            toml::Value::Array(items) => items
                .iter()
                .map(|i| value_label(key, i))
                .collect::<Vec<_>>()
                .join("+"),
            _ => text
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
        },
    }
}

/// A group other than `g` that every peer implements: x25519, or secp256r1 when `g` is x25519.
fn another_group(g: NamedGroup) -> NamedGroup {
    if g == NamedGroup::X25519 {
        NamedGroup::Secp256r1
    } else {
        NamedGroup::X25519
    }
}
