//! The one-line text form of each handshake message, as transcripts show it.

use super::*;

fn join<T: fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn size(n: usize) -> String {
    format!("{n}B")
}

impl fmt::Display for ClientHello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientHello")?;
        match self.supported_versions() {
            Some(v) => write!(f, " versions=[{}]", join(v))?,
            None => write!(f, " version={}", self.legacy_version)?,
        }
        write!(f, " suites=[{}]", join(&self.cipher_suites))?;
        if let Some(g) = self.supported_groups() {
            write!(f, " groups=[{}]", join(g))?;
        }
        if let Some(k) = self.key_shares() {
            let groups: Vec<_> = k.iter().map(|k| k.group).collect();
            write!(f, " key_shares=[{}]", join(&groups))?;
        }
        if let Some(s) = self.signature_algorithms() {
            write!(f, " sig_algs={}", s.len())?;
        }
        if let Some(n) = self.server_name() {
            write!(f, " sni={}", printable(n))?;
        }
        if let Some(a) = self.alpn() {
            let names: Vec<_> = a.iter().map(|p| printable(p)).collect();
            write!(f, " alpn=[{}]", names.join(","))?;
        }
        if let Some(p) = self.psk() {
            write!(f, " psk={}", p.identities.len())?;
        }
        if self.early_data() {
            f.write_str(" early_data")?;
        }
        if let Some(c) = self.cookie() {
            write!(f, " cookie={}", size(c.len()))?;
        }
        Ok(())
    }
}

impl fmt::Display for ServerHello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_hrr() {
            f.write_str("HelloRetryRequest")?;
            if let Some(v) = self
                .supported_version()
                .filter(|v| *v != ProtocolVersion::TLSv1_3)
            {
                write!(f, " version={v}")?;
            }
            if let Some(g) = self.hrr_group() {
                write!(f, " group={g}")?;
            }
            if let Some(c) = self.cookie() {
                write!(f, " cookie={}", size(c.len()))?;
            }
            return Ok(());
        }
        write!(
            f,
            "ServerHello {} suite={}",
            self.selected_version(),
            self.cipher_suite
        )?;
        if let Some(k) = self.key_share() {
            write!(f, " key_share={}", k.group)?;
        }
        if let Some(i) = self.psk_index() {
            write!(f, " psk={i}")?;
        }
        if let Some(a) = self.alpn() {
            write!(f, " alpn={}", printable(a))?;
        }
        Ok(())
    }
}

/// One line with the key fields, e.g.
/// `ClientHello versions=[TLS1.3] suites=[TLS_AES_128_GCM_SHA256] groups=[x25519] key_shares=[x25519] sni=localhost`.
impl fmt::Display for HandshakeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HandshakePayload as P;
        if self.typ != self.payload.typ() {
            write!(f, "[type {}] ", self.typ)?;
        }
        match &self.payload {
            P::HelloRequest => f.write_str("HelloRequest"),
            P::ClientHello(ch) => ch.fmt(f),
            P::ServerHello(sh) => sh.fmt(f),
            P::NewSessionTicket(t) => {
                write!(
                    f,
                    "NewSessionTicket lifetime={} ticket={}",
                    t.lifetime,
                    size(t.ticket.len())
                )?;
                if let Some(m) = t.max_early_data() {
                    write!(f, " early_data={m}")?;
                }
                Ok(())
            }
            P::NewSessionTicketTls12(t) => write!(
                f,
                "NewSessionTicket lifetime_hint={} ticket={}",
                t.lifetime_hint,
                size(t.ticket.len())
            ),
            P::EndOfEarlyData => f.write_str("EndOfEarlyData"),
            P::EncryptedExtensions(e) => {
                f.write_str("EncryptedExtensions")?;
                if !e.is_empty() {
                    let d: Vec<_> = e.iter().map(Extension::describe).collect();
                    write!(f, " {}", d.join(" "))?;
                }
                Ok(())
            }
            P::Certificate(c) => write!(f, "Certificate {}", entries(c.entries.len())),
            P::CertificateTls12(c) => write!(f, "Certificate {}", entries(c.len())),
            P::ServerKeyExchange(s) => write!(
                f,
                "ServerKeyExchange group={} scheme={} sig={}",
                s.named_group,
                s.scheme,
                size(s.signature.len())
            ),
            P::CertificateRequest(c) => {
                f.write_str("CertificateRequest")?;
                for e in &c.extensions {
                    write!(f, " {}", e.describe())?;
                }
                Ok(())
            }
            P::CertificateRequestTls12(c) => write!(
                f,
                "CertificateRequest types=[{}] sig_algs=[{}] cas={}",
                join(&c.certificate_types),
                join(&c.signature_schemes),
                c.ca_names.len()
            ),
            P::ServerHelloDone => f.write_str("ServerHelloDone"),
            P::CertificateVerify(cv) => write!(
                f,
                "CertificateVerify {} sig={}",
                cv.scheme,
                size(cv.signature.len())
            ),
            P::ClientKeyExchange(p) => write!(f, "ClientKeyExchange {}", size(p.len())),
            P::Finished(d) => write!(f, "Finished {}", size(d.len())),
            P::KeyUpdate(k) => write!(f, "KeyUpdate {k}"),
            P::MessageHash(d) => write!(f, "MessageHash {}", size(d.len())),
            P::Unknown(t, d) => write!(f, "{} {}", t, size(d.len())),
        }
    }
}

fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}
