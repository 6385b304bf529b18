//! Snapshots of every profile: the DER encoding choices and OpenSSL's text form of each
//! certificate, and webpki's verdict on each broken side.

use super::*;

fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, b) in oid.iter().enumerate() {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() && i < oid.len() {
                arcs.push(if v >= 80 { 2 } else { v / 40 });
                arcs.push(if v >= 80 { v - 80 } else { v % 40 });
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// What OpenSSL's text form hides: the DER encoding choices a profile may break.
fn der_fields(cert: &[u8]) -> String {
    let (_, outer, _, _) = tlv(cert);
    let top = elements(outer);
    let tbs = elements(top[0].1);
    let v1 = tbs[0].0 != 0xa0;
    let at = |i: usize| if v1 { i - 1 } else { i };
    let times: Vec<&str> = elements(tbs[at(4)].1)
        .iter()
        .map(|t| match t.0 {
            0x17 => "UTCTime",
            0x18 => "GeneralizedTime",
            _ => "other",
        })
        .collect();
    let mut out = format!(
        "  der: version field {}, serial content [{}], validity {}\n",
        if v1 { "absent (v1)" } else { "present" },
        tbs[at(1)]
            .1
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
        times.join(" / "),
    );
    if let Some(exts) = tbs.get(at(7)) {
        let (_, seq, _, _) = tlv(exts.1);
        for (_, ext, _) in elements(seq) {
            let parts = elements(ext);
            let critical = parts.len() == 3 && parts[1].1 == [0xff];
            out.push_str(&format!(
                "  ext {}{}\n",
                dotted(parts[0].1),
                if critical { " critical" } else { "" }
            ));
        }
    }
    out
}

/// OpenSSL's text form without the public key bytes; signature bytes redacted where the
/// algorithm is randomized (ECDSA, RSASSA-PSS).
fn openssl_fields(cert: &[u8]) -> String {
    let x = match openssl::x509::X509::from_der(cert) {
        Ok(x) => x,
        Err(e) => {
            let first = e
                .errors()
                .first()
                .map(|e| e.reason().unwrap_or("?").to_string());
            return format!("  OpenSSL cannot parse it: {}\n", first.unwrap_or_default());
        }
    };
    let text = String::from_utf8(x.to_text().unwrap()).unwrap();
    let is_hex = |l: &str| {
        let t = l.trim();
        !t.is_empty()
            && t.split(':')
                .all(|p| p.len() <= 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let mut out = String::new();
    let mut random_sig = false;
    let mut in_sig = false;
    let mut in_key = false;
    for line in text.lines() {
        let t = line.trim();
        if t == "pub:" || t.starts_with("Modulus:") || t == "priv:" {
            in_key = true;
            out.push_str(&format!("  {line} [public key bytes left out]\n"));
            continue;
        }
        if in_key && is_hex(line) {
            continue;
        }
        in_key = false;
        if t.starts_with("Signature Algorithm:") {
            random_sig = t.contains("ecdsa") || t.contains("Pss") || t.contains("PSS");
        }
        if t.starts_with("Signature Value:") {
            in_sig = true;
            out.push_str(&format!("  {line}\n"));
            if random_sig {
                out.push_str("          [redacted: randomized signature]\n");
            }
            continue;
        }
        if is_hex(line) && in_sig && random_sig {
            continue;
        }
        out.push_str(&format!("  {line}\n"));
    }
    out
}

#[test]
fn profile_snapshots() {
    let keys = embedded_keys().unwrap();
    for p in profiles() {
        let built = generate::build(p, keys).unwrap();
        let chain = &p.chain;
        let mut text = format!(
            "profile: {}\nkey type: {}\ndescription: {}\nbreaks: {}\nserver sends: {:?}\nclient sends: {:?}\ntrusted: {:?}\n",
            p.name,
            p.key_type,
            p.description,
            p.breaks.unwrap_or("nothing (good profile)"),
            chain.server_chain,
            chain.client_chain,
            chain.trusted,
        );
        for (id, der) in &built.certs {
            text.push_str(&format!("\n== {id}\n"));
            text.push_str(&der_fields(der));
            text.push_str(&openssl_fields(der));
        }
        insta::assert_snapshot!(format!("profile_{}", p.name), text);
    }
}

/// webpki's verdict on the broken side of every profile, at a fixed time, for the
/// reference name localhost: a record of which rules webpki enforces.
#[test]
fn webpki_verdicts_snapshot() {
    let mut text = String::new();
    for p in profiles() {
        let m = materials(p.name).unwrap();
        let client_side = p.name.starts_with("client_");
        let (chain, usage) = if client_side {
            (&m.client.chain, KeyUsage::client_auth())
        } else {
            (&m.server.chain, KeyUsage::server_auth())
        };
        let verdict = match EndEntityCert::try_from(&chain[0]) {
            Err(e) => format!("leaf unparsable: {e:?}"),
            Ok(ee) => {
                let path = check_path(&ee, &chain[1..], &m.roots, usage);
                let name = if client_side {
                    Ok(())
                } else {
                    ee.verify_is_valid_for_subject_name(&ServerName::try_from("localhost").unwrap())
                };
                match (path, name) {
                    (Ok(_), Ok(())) => "accepted".to_string(),
                    (Err(e), _) => format!("path: {}", short(&e)),
                    (Ok(_), Err(e)) => format!("name: {}", short(&e)),
                }
            }
        };
        text.push_str(&format!(
            "{:45} {}\n",
            format!("{}{}", p.name, if client_side { " (client)" } else { "" }),
            verdict
        ));
    }
    insta::assert_snapshot!(text);
}

/// The error's variant name only (contexts carry times and lists).
fn short(e: &webpki::Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}
