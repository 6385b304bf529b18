//! The alert protocol message.

use std::fmt;

use crate::codec::{Codec, Context, DecodeError, Reader};
use crate::enums::{AlertDescription, AlertLevel};

/// An alert: level and description (two bytes on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// warning (1) or fatal (2), or anything else on purpose.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert.
    pub fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Fatal,
            description,
        }
    }

    /// A warning alert.
    pub fn warning(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Warning,
            description,
        }
    }

    /// `warning close_notify`.
    pub fn close_notify() -> Self {
        Self::warning(AlertDescription::CloseNotify)
    }
}

impl Codec for Alert {
    fn encode(&self, out: &mut Vec<u8>) {
        self.level.encode(out);
        self.description.encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let level = AlertLevel::read(r).context("Alert.level")?;
        let description = AlertDescription::read(r).context("Alert.description")?;
        Ok(Self { level, description })
    }
}

/// `Alert fatal illegal_parameter`.
impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Alert {} {}", self.level, self.description)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn alert_roundtrip_and_display() {
        let a = Alert::fatal(AlertDescription::IllegalParameter);
        assert_eq!(a.to_bytes(), [2, 47]);
        assert_eq!(Alert::decode(&[2, 47]), Ok(a));
        assert_eq!(a.to_string(), "Alert fatal illegal_parameter");
        assert!(Alert::decode(&[2]).is_err());
        assert!(Alert::decode(&[2, 47, 0]).is_err());
    }
}
