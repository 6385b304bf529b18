//! Alert names, as the IANA registry spells them.

/// The IANA name of an alert description code (`illegal_parameter`), or `unknown(N)`.
pub fn alert_name(code: u8) -> String {
    let d = tls_wire::AlertDescription::from_value(code);
    if d.is_known() {
        d.name().to_string()
    } else {
        format!("unknown({code})")
    }
}
