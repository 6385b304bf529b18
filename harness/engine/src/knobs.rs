//! Misbehaviour knobs of our engine, in the spirit of BoringSSL's `ProtocolBugs`: one
//! definition per knob (its field, doc, parser and accepted values, in the [`knobs!`] table
//! below), from which [`Knobs`], [`KNOB_NAMES`], [`KNOBS`] and [`Knobs::set`] all come.

use tls_wire::mutate::Mutation;
use tls_wire::{CipherSuite, ProtocolVersion};

use crate::error::Misbehaviour;

/// One knob as documented: its name, the values [`Knobs::set`] accepts, and its doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnobInfo {
    /// The knob's name (the field, and the key in a scenario's `client_knobs`).
    pub name: &'static str,
    /// The text forms [`Knobs::set`] accepts.
    pub accepts: &'static str,
    /// The field's documentation.
    pub doc: &'static str,
}

/// What the boolean, count and mutation knobs accept.
const BOOL: &str = "`true` or `false`";
const U32: &str = "a u32";
const MUTATIONS: &str =
    "a mutation spec: operations separated by `;` (see `tls_wire::mutate`); empty = none";

macro_rules! knobs {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty = $parse:ident, $accepts:expr; )*) => {
        /// Misbehaviour knobs in the spirit of BoringSSL's `ProtocolBugs`. The default of every
        /// knob is correct behaviour; each knob does exactly one thing, read where it happens.
        /// `bug_*` knobs make our engine wrong as the side under test (negative controls); they
        /// are set only from scenario files, never from `serve` or `connect`.
        #[derive(Debug, Clone, Default)]
        pub struct Knobs {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        /// The knob names [`Knobs::set`] accepts.
        pub const KNOB_NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Every knob with its accepted values and doc.
        pub const KNOBS: &[KnobInfo] = &[$(KnobInfo {
            name: stringify!($name),
            accepts: $accepts,
            doc: concat!($($doc, "\n"),*),
        }),*];

        impl Knobs {
            /// Set one knob by name from its text form; the harness uses this for scenario
            /// files (`client_knobs = { downgrade_sentinel = "tls12" }`). The accepted values
            /// of each knob are in [`KNOBS`]. Errors name the knob and the accepted values.
            pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
                let v = value.trim();
                match name {
                    $( stringify!($name) => self.$name = $parse(name, v)?, )*
                    other => {
                        return Err(format!(
                            "unknown knob `{other}` (known: {})",
                            KNOB_NAMES.join(", ")
                        ));
                    }
                }
                Ok(())
            }
        }
    };
}

knobs! {
    /// Send a Finished whose verify_data has its first byte flipped.
    send_wrong_finished: bool = parse_bool, BOOL;
    /// Do not send CertificateVerify after Certificate (server, or client with a cert).
    skip_certificate_verify: bool = parse_bool, BOOL;
    /// Middlebox-compatibility ChangeCipherSpec: `None` = RFC 8446 D.4 default (client:
    /// non-empty legacy_session_id + one CCS; server: CCS iff the client sent a session id),
    /// `Some(true)` = always send, `Some(false)` = never send (and client: empty session id).
    send_ccs: Option<bool> = parse_ccs, "`default`, `true` or `false`";
    /// Zero bytes of padding added to every protected record (RFC 8446 5.4).
    record_padding: usize = parse_byte_count, "a byte count";
    /// record_size_limit (RFC 8449) value we advertise; `None` = 16385, `Some(0)` = do not send.
    record_size_limit: Option<u16> = parse_record_size_limit, "`default` or a u16";
    /// Maximum consecutive KeyUpdate messages accepted without application data in between.
    /// `0` = default (32).
    max_key_updates: u32 = parse_u32, U32;
    /// Server: force a HelloRetryRequest even if the client's key share is acceptable.
    force_hrr: bool = parse_bool, BOOL;
    /// Corrupt the CertificateVerify signature (flip a byte); in TLS 1.2 every signature we
    /// make, so a server's ServerKeyExchange signature too.
    bad_certificate_verify: bool = parse_bool, BOOL;
    /// Client: corrupt the PSK binder when resuming.
    bad_psk_binder: bool = parse_bool, BOOL;
    /// Server negotiating TLS 1.2: what to write into the last 8 bytes of ServerHello.random
    /// (RFC 8446 4.1.3). `None` = correct: DOWNGRADE_TLS12 iff TLS 1.3 is enabled too.
    downgrade_sentinel: Option<DowngradeSentinel> = parse_downgrade_sentinel, "`default`, `omit`, `tls12`, `tls11` or `wrong_bytes`";
    /// Client: the exact supported_versions values to offer (raw code points, e.g. 0x0300
    /// SSLv3, 0x0301 TLS 1.0, 0x0302 TLS 1.1), for malformed-hello scenarios. An empty list
    /// sends no supported_versions extension. The handshake itself still only completes in
    /// TLS 1.2 or 1.3.
    offer_versions_raw: Option<Vec<u16>> = parse_offer_versions, "`default`, or a list of versions, comma separated, optionally in brackets: names (`SSLv3`, `TLS1.0`, ...), hex (`0x0301`) or decimal (`769`); empty = no supported_versions extension";
    /// TLS 1.2: do not offer (client) / acknowledge (server) extended_master_secret and use the
    /// RFC 5246 master secret (RFC 7627 is required by default).
    skip_extended_master_secret: bool = parse_bool, BOOL;
    /// TLS 1.2: accept a peer without extended_master_secret instead of aborting with
    /// handshake_failure (RFC 7627 5.2 SHOULD).
    allow_no_extended_master_secret: bool = parse_bool, BOOL;
    /// TLS 1.2: do not send renegotiation_info (RFC 5746): no extension in the ClientHello,
    /// no extension in the ServerHello.
    skip_renegotiation_info: bool = parse_bool, BOOL;
    /// TLS 1.2 without RFC 5077 tickets: a client does not offer session_ticket, a server
    /// issues none; sessions then resume by session id only.
    skip_session_ticket: bool = parse_bool, BOOL;
    /// Server, TLS 1.2: send a HelloRequest right after the handshake (asks the client to
    /// renegotiate; a client that does gets a no_renegotiation warning from us).
    send_hello_request: bool = parse_bool, BOOL;
    /// Client: the ClientHello.legacy_version to send instead of 0x0303 (TLS 1.2), e.g.
    /// 0x0301 (a server must ignore it when supported_versions is present, RFC 8446 4.2.1) or
    /// 0x0304 without supported_versions (a server must then negotiate TLS 1.2).
    client_hello_legacy_version: Option<u16> = parse_legacy_version, "`default` or one version (name, hex or decimal)";
    /// Wire mutations ([`tls_wire::mutate`]) applied to the first ClientHello we send, after
    /// it is built and before it is written; the transcript hashes the bytes as sent. Record
    /// operations (`fragment`, `record_version`, `record_before`, `record_after`) frame it;
    /// extra records are written with the keys in use for the message itself (so a record
    /// after a Finished still uses the handshake keys: use `mutate_key_update` to inject
    /// records under application keys).
    mutate_client_hello: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the second ClientHello (the answer to a HelloRetryRequest).
    mutate_second_client_hello: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the ServerHello we send (not a HelloRetryRequest).
    mutate_server_hello: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the HelloRetryRequest we send.
    mutate_hello_retry_request: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the EncryptedExtensions we send.
    mutate_encrypted_extensions: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the Certificate we send (handshake, not post-handshake).
    mutate_certificate: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the CertificateVerify we send.
    mutate_certificate_verify: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Wire mutations for the Finished we send.
    mutate_finished: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Server: answer the second ClientHello (after a HelloRetryRequest) with another
    /// HelloRetryRequest for the same group (RFC 8446 4.1.4 forbids it).
    send_second_hrr: bool = parse_bool, BOOL;
    /// Client: send an empty key_share client_shares list (RFC 8446 4.2.8 allows it, to let
    /// the server pick the group with a HelloRetryRequest).
    send_empty_key_share: bool = parse_bool, BOOL;
    /// Client: answer a CertificateRequest with an empty Certificate (and no
    /// CertificateVerify), even with a certificate of its own.
    send_empty_certificate: bool = parse_bool, BOOL;
    /// Client, TLS 1.3: a ClientHello that offers a PSK (a resumption) lists
    /// psk_key_exchange_modes [psk_ke] (PSK-only key establishment, RFC 8446 4.2.9) instead
    /// of [psk_dhe_ke]. A resumption in that mode has no key_share; a server that resumes
    /// with a key_share chose a mode not offered (illegal_parameter).
    offer_psk_ke: bool = parse_bool, BOOL;
    /// Server, TLS 1.3: resume in psk_ke (no (EC)DHE, no key_share; RFC 8446 4.2.9) when the
    /// client offers that mode and not psk_dhe_ke. Without it (the default) such a PSK is
    /// ignored and a full handshake follows.
    accept_psk_ke: bool = parse_bool, BOOL;
    /// Server, TLS 1.3: send this many KeyUpdate(update_not_requested) messages right after
    /// the handshake (after the NewSessionTickets): a KeyUpdate flood.
    send_key_updates: u32 = parse_u32, U32;
    /// Send this many empty ApplicationData records right after the handshake (either side,
    /// either version): zero-length application data is legal (RFC 8446 5.1); a flood of it
    /// tests the peer's limit.
    send_empty_records: u32 = parse_u32, U32;
    /// After our close_notify, one more application data record (`data after close_notify`,
    /// protected like any other): RFC 8446 6.1 has the receiver ignore it.
    send_data_after_close_notify: bool = parse_bool, BOOL;
    /// After our close_notify, the harness's driver closes our write side of the TCP
    /// connection (a FIN) and goes on reading: a half-closed connection (RFC 8446 6.1:
    /// closing the write side "does not have any effect on its read side"). The engine is
    /// sans-IO: the runner's driver reads this knob.
    half_close_after_close_notify: bool = parse_bool, BOOL;
    /// Send this many warning-level user_canceled alerts right after the handshake (either
    /// side, either version), then go on: tests the peer's limit on ignored warnings.
    send_warning_alerts: u32 = parse_u32, U32;
    /// Server, TLS 1.3: send a KeyUpdate before our Finished (RFC 8446 4.6.3 forbids it;
    /// our keys do not change).
    send_key_update_before_finished: bool = parse_bool, BOOL;
    /// Wire mutations for the KeyUpdate messages we send.
    mutate_key_update: Vec<Mutation> = parse_mutations, MUTATIONS;
    /// Server: negotiate this cipher suite (an implemented TLS 1.3 or TLS 1.2 one) whatever
    /// the client offered, and derive every key for it; a client that did not offer it must
    /// abort (RFC 8446 4.1.3, RFC 5246 7.4.1.3). `None`: the usual choice.
    select_cipher_suite: Option<u16> = parse_select_cipher_suite, "`default`, a hex code (`0x1302`) or an IANA name of a suite our engine implements";
    // Negative controls (`bug_*`): under test only, set from scenario files, never from
    // `serve` or `connect`; each makes our engine wrong in exactly one way.
    /// A client accepts a ServerHello cipher suite it did not offer, as long as our engine
    /// implements it, and refuses one it does not implement as unsupported (handshake_failure):
    /// it checks "implemented", not "offered" (it must abort with illegal_parameter).
    bug_accept_unoffered_suite: bool = parse_bool, BOOL;
    /// After a fatal alert, sent or received, the driver keeps the connection open and reads
    /// on for two seconds (RFC 8446 6.2: "both parties MUST immediately close the
    /// connection"). The engine is sans-IO: the runner's driver reads this knob.
    bug_keep_open_after_alert: bool = parse_bool, BOOL;
    /// Closing the connection sends no close_notify (RFC 8446 6.1: "Each party MUST send a
    /// "close_notify" alert before closing its write side of the connection").
    bug_skip_close_notify: bool = parse_bool, BOOL;
    /// A server resumes in psk_dhe_ke whatever PSK modes the client lists (RFC 8446 4.2.9:
    /// "Servers MUST NOT select a key exchange mode that is not listed by the client.").
    bug_ignore_psk_modes: bool = parse_bool, BOOL;
    /// Records after the peer's close_notify are still read and their data delivered (RFC
    /// 8446 6.1: "Any data received after a closure alert has been received MUST be ignored.").
    bug_deliver_after_close_notify: bool = parse_bool, BOOL;
    /// A server that requires client authentication goes on after an empty client
    /// Certificate, unauthenticated (it must abort: certificate_required in TLS 1.3,
    /// handshake_failure in TLS 1.2, by its own configuration).
    bug_accept_empty_client_certificate: bool = parse_bool, BOOL;
    /// TLS 1.2: a ChangeCipherSpec before the keys exist (before the ClientKeyExchange, the
    /// CCS-injection shape of CVE-2014-0224) is dropped and the handshake goes on (it must
    /// be refused with unexpected_message).
    bug_accept_early_ccs: bool = parse_bool, BOOL;
    /// The peer's Finished is not verified (RFC 8446 4.4.4 and RFC 5246 7.4.9 make the
    /// recipient verify it; TLS 1.3 still checks its length).
    bug_skip_finished_check: bool = parse_bool, BOOL;
    /// A server takes a PSK whose binder does not verify (RFC 8446 4.2.11: "If this value
    /// is not present or does not validate, the server MUST abort the handshake.").
    bug_skip_binder_check: bool = parse_bool, BOOL;
    /// TLS 1.3: the peer's CertificateVerify signature is not verified (the "goto fail"
    /// shape; RFC 8446 4.4.3 makes the recipient verify it).
    bug_skip_certificate_verify_check: bool = parse_bool, BOOL;
    /// TLS 1.3: a client takes the server's Finished where its CertificateVerify must come
    /// (the SKIP-TLS state-machine shape: the server never proves it holds the certificate's
    /// key; RFC 8446 4.4.3 and 4.4.1, and 4's "Protocol messages MUST be sent in the order
    /// defined ... A peer which receives a handshake message in an unexpected order MUST
    /// abort the handshake with an "unexpected_message" alert.").
    bug_allow_missing_certificate_verify: bool = parse_bool, BOOL;
    /// A client does not check that the server's certificate is for the name it asked for
    /// (the chain is still verified; RFC 6125 6, RFC 9525 6).
    bug_skip_hostname_check: bool = parse_bool, BOOL;
    /// Chain verification (client of the server's chain, server of a client's) does not check
    /// the validity periods (notBefore, notAfter) of the leaf and the intermediates; every
    /// other check of the path is made (RFC 5280 6.1.3 (a)(2): "The certificate validity
    /// period includes the current time."). A chain whose validity periods have no instant in
    /// common is still rejected.
    bug_ignore_validity_dates: bool = parse_bool, BOOL;
    /// Chain verification takes a certificate that is not a CA (basicConstraints cA FALSE, or
    /// a v3 certificate without basicConstraints) as the issuer of the next one, the
    /// basicConstraints bug of old Internet Explorer; every other check of the path is made,
    /// keyUsage too (RFC 5280 4.2.1.9: "If the basic constraints extension is not present in
    /// a version 3 certificate, or the extension is present but the cA boolean is not
    /// asserted, then the certified public key MUST NOT be used to verify certificate
    /// signatures.").
    bug_accept_non_ca_intermediate: bool = parse_bool, BOOL;
    /// The peer's certificate chain is not verified at all, names included (the "verify
    /// none" / InsecureSkipVerify shape): any non-empty chain is taken, and its first
    /// certificate's key still checks the CertificateVerify / ServerKeyExchange signature
    /// (RFC 5280 6.1: "A conforming implementation MUST include an X.509 path processing
    /// procedure that is functionally equivalent to the external behavior of this
    /// algorithm."; RFC 9525 6).
    bug_skip_chain_check: bool = parse_bool, BOOL;
    /// A TLS 1.2 client does not verify the ServerKeyExchange signature over the randoms and
    /// the ECDHE parameters (its scheme is still checked; RFC 5246 7.4.3 signs them, RFC 8422
    /// 5.4: "The client verifies the signature (when present) and retrieves the server's
    /// elliptic curve domain parameters and ephemeral ECDH public key from the
    /// ServerKeyExchange message.", RFC 5246 7.2.2 decrypt_error).
    bug_skip_server_key_exchange_check: bool = parse_bool, BOOL;
    /// Chain verification skips the strict policy layer around webpki (`verify::policy`:
    /// serial number, version, time encoding, duplicate or malformed extensions, keyUsage,
    /// subjectAltName presence, CA as leaf, weak hashes, signature algorithm parameters, key
    /// sizes); webpki's own path validation is unchanged (RFC 5280 4.1.2.2, 4.2, 4.2.1.3,
    /// 6.1.4 (k), (n); RFC 8446 4.4.2.2, 4.4.2.4; RFC 4055 3.1).
    bug_ignore_certificate_policy: bool = parse_bool, BOOL;
    /// Skip one protocol check, named by its [`Misbehaviour`] in snake_case (e.g.
    /// `duplicate_extension`), wherever our engine raises it, and go on as a lenient
    /// implementation would: a duplicate extension is read as its first occurrence, an
    /// unsolicited or misplaced extension is ignored, a surplus CCS, empty record, warning
    /// or KeyUpdate is dropped, a wrong legacy field or sentinel is not looked at. Only the
    /// checks in [`IGNORABLE`] can be named: those after which our engine can go on.
    bug_ignore: Option<Misbehaviour> = parse_ignore, IGNORABLE_NAMES;
    /// When the one check named (a [`Misbehaviour`] in snake_case, of [`STALLABLE`]) fails,
    /// the connection neither aborts nor goes on: it sends nothing (no alert) and reads
    /// nothing more, as an implementation stuck in its error path. The weakest control: it
    /// shows that a scenario notices a side that never rejects, where no lenient reading of
    /// the fault lets the side go on (a key share for a group it has no key for, a message
    /// missing from the flight).
    bug_stall_on: Option<Misbehaviour> = parse_stall, STALLABLE_NAMES;
    /// A record or handshake message that does not decode (a decode_error, RFC 8446 6: the
    /// receiver "MUST terminate the connection") is dropped: a handshake message is left out
    /// of the transcript and the engine waits for the next; undecodable record framing
    /// stops reading, so the connection hangs instead of failing.
    bug_drop_undecodable: bool = parse_bool, BOOL;
    /// A server with TLS 1.3 and TLS 1.2 enabled negotiates TLS 1.2 whenever the client
    /// offers it, even when TLS 1.3 is offered too, and writes no downgrade sentinel into
    /// ServerHello.random (RFC 8446 4.1.3: a silent downgrade the client cannot detect).
    bug_negotiate_tls12: bool = parse_bool, BOOL;
    /// Send every handshake message written with the same keys in one run of records
    /// (coalesced: EncryptedExtensions..Finished share records) instead of one message per
    /// record. Valid behaviour (RFC 8446 5.1); a receiver must reassemble.
    coalesce_handshake: bool = parse_bool, BOOL;
}

/// The checks `bug_ignore` can skip, by their snake_case names: those after which our
/// engine can go on as a lenient implementation would (see each site). A check not listed
/// here cannot be named, so no scenario names a control that does nothing.
pub const IGNORABLE: &[(&str, Misbehaviour)] = &[
    (
        "unexpected_change_cipher_spec",
        Misbehaviour::UnexpectedChangeCipherSpec,
    ),
    ("unprotected_record", Misbehaviour::UnprotectedRecord),
    ("unexpected_record_type", Misbehaviour::UnexpectedRecordType),
    ("bad_change_cipher_spec", Misbehaviour::BadChangeCipherSpec),
    ("zero_length_record", Misbehaviour::ZeroLengthRecord),
    ("too_many_empty_records", Misbehaviour::TooManyEmptyRecords),
    (
        "too_many_warning_alerts",
        Misbehaviour::TooManyWarningAlerts,
    ),
    ("too_many_key_updates", Misbehaviour::TooManyKeyUpdates),
    ("bad_key_update_request", Misbehaviour::BadKeyUpdateRequest),
    (
        "application_data_before_handshake",
        Misbehaviour::ApplicationDataBeforeHandshake,
    ),
    ("obsolete_version", Misbehaviour::ObsoleteVersion),
    ("bad_legacy_version", Misbehaviour::BadLegacyVersion),
    ("downgrade_sentinel", Misbehaviour::DowngradeSentinel),
    (
        "inappropriate_fallback",
        Misbehaviour::InappropriateFallback,
    ),
    ("session_id_too_long", Misbehaviour::SessionIdTooLong),
    ("session_id_mismatch", Misbehaviour::SessionIdMismatch),
    ("bad_compression", Misbehaviour::BadCompression),
    (
        "second_client_hello_mismatch",
        Misbehaviour::SecondClientHelloMismatch,
    ),
    (
        "useless_hello_retry_request",
        Misbehaviour::UselessHelloRetryRequest,
    ),
    ("duplicate_extension", Misbehaviour::DuplicateExtension),
    ("unsolicited_extension", Misbehaviour::UnsolicitedExtension),
    ("extension_not_allowed", Misbehaviour::ExtensionNotAllowed),
    ("psk_not_last", Misbehaviour::PskNotLast),
    ("empty_server_name", Misbehaviour::EmptyServerName),
    ("bad_record_size_limit", Misbehaviour::BadRecordSizeLimit),
    ("bad_alpn", Misbehaviour::BadAlpn),
    ("bad_renegotiation_info", Misbehaviour::BadRenegotiationInfo),
    (
        "bad_session_ticket_extension",
        Misbehaviour::BadSessionTicketExtension,
    ),
    (
        "no_uncompressed_point_format",
        Misbehaviour::NoUncompressedPointFormat,
    ),
    (
        "no_extended_master_secret",
        Misbehaviour::NoExtendedMasterSecret,
    ),
    (
        "inconsistent_key_shares",
        Misbehaviour::InconsistentKeyShares,
    ),
    ("psk_binder_count", Misbehaviour::PskBinderCount),
    (
        "ticket_lifetime_too_long",
        Misbehaviour::TicketLifetimeTooLong,
    ),
    (
        "bad_certificate_request_context",
        Misbehaviour::BadCertificateRequestContext,
    ),
    (
        "signature_scheme_not_offered",
        Misbehaviour::SignatureSchemeNotOffered,
    ),
    ("no_common_alpn", Misbehaviour::NoCommonAlpn),
    ("missing_extension", Misbehaviour::MissingExtension),
    ("record_overflow", Misbehaviour::RecordOverflow),
    ("bad_record_mac", Misbehaviour::BadRecordMac),
    ("bad_finished_length", Misbehaviour::BadFinishedLength),
    ("bad_key_share", Misbehaviour::BadKeyShare),
    ("no_common_version", Misbehaviour::NoCommonVersion),
    ("no_common_suite", Misbehaviour::NoCommonSuite),
    ("no_common_group", Misbehaviour::NoCommonGroup),
    (
        "no_common_signature_scheme",
        Misbehaviour::NoCommonSignatureScheme,
    ),
    ("version_not_offered", Misbehaviour::VersionNotOffered),
    (
        "second_hello_retry_request",
        Misbehaviour::SecondHelloRetryRequest,
    ),
    (
        "suite_changed_after_hello_retry",
        Misbehaviour::SuiteChangedAfterHelloRetry,
    ),
];

/// The checks `bug_stall_on` can name: those of the catalogue's scenarios after which no
/// lenient implementation can go on.
pub const STALLABLE: &[(&str, Misbehaviour)] = &[
    ("unexpected_message", Misbehaviour::UnexpectedMessage),
    ("group_not_offered", Misbehaviour::GroupNotOffered),
    ("missing_extension", Misbehaviour::MissingExtension),
    ("empty_certificate", Misbehaviour::EmptyCertificate),
    (
        "signature_scheme_not_offered",
        Misbehaviour::SignatureSchemeNotOffered,
    ),
    ("no_common_version", Misbehaviour::NoCommonVersion),
];

/// What `bug_stall_on` accepts (a test keeps it equal to [`STALLABLE`]).
const STALLABLE_NAMES: &str = "one check of: unexpected_message, group_not_offered, missing_extension, empty_certificate, signature_scheme_not_offered, no_common_version; or `none`";

/// What `bug_ignore` accepts: the names of [`IGNORABLE`] (a test keeps the two equal).
const IGNORABLE_NAMES: &str = "one check of: unexpected_change_cipher_spec, unprotected_record, unexpected_record_type, bad_change_cipher_spec, zero_length_record, too_many_empty_records, too_many_warning_alerts, too_many_key_updates, bad_key_update_request, application_data_before_handshake, obsolete_version, bad_legacy_version, downgrade_sentinel, inappropriate_fallback, session_id_too_long, session_id_mismatch, bad_compression, second_client_hello_mismatch, useless_hello_retry_request, duplicate_extension, unsolicited_extension, extension_not_allowed, psk_not_last, empty_server_name, bad_record_size_limit, bad_alpn, bad_renegotiation_info, bad_session_ticket_extension, no_uncompressed_point_format, no_extended_master_secret, inconsistent_key_shares, psk_binder_count, ticket_lifetime_too_long, bad_certificate_request_context, signature_scheme_not_offered, no_common_alpn, missing_extension, record_overflow, bad_record_mac, bad_finished_length, bad_key_share, no_common_version, no_common_suite, no_common_group, no_common_signature_scheme, version_not_offered, second_hello_retry_request, suite_changed_after_hello_retry; or `none`";

impl Knobs {
    /// Whether the knob `bug_ignore` skips the check `m` (a negative control).
    pub fn ignores(&self, m: Misbehaviour) -> bool {
        self.bug_ignore == Some(m)
    }
}

fn parse_ignore(name: &str, v: &str) -> Result<Option<Misbehaviour>, String> {
    parse_check(IGNORABLE, name, v)
}

fn parse_stall(name: &str, v: &str) -> Result<Option<Misbehaviour>, String> {
    parse_check(STALLABLE, name, v)
}

/// One check of `list` by name, or `none`.
fn parse_check(
    list: &[(&str, Misbehaviour)],
    name: &str,
    v: &str,
) -> Result<Option<Misbehaviour>, String> {
    if v == "none" {
        return Ok(None);
    }
    list.iter()
        .find(|(n, _)| *n == v)
        .map(|(_, m)| Some(*m))
        .ok_or_else(|| {
            let names: Vec<&str> = list.iter().map(|(n, _)| *n).collect();
            format!(
                "knob `{name}`: {v:?} is not a check this knob can name (accepted: {})",
                names.join(", ")
            )
        })
}

/// What a TLS 1.2-negotiating server writes as the downgrade sentinel (RFC 8446 4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DowngradeSentinel {
    /// Write no sentinel, even with TLS 1.3 enabled (a 1.3-capable server that omits it).
    Omit,
    /// Write DOWNGRADE_TLS12 (44 4F 57 4E 47 52 44 01) whenever TLS 1.2 is negotiated, even
    /// with TLS 1.3 disabled: what a client sees after an attacker's downgrade. A TLS
    /// 1.3-capable client must abort with illegal_parameter.
    Tls12,
    /// Write DOWNGRADE_TLS11 (44 4F 57 4E 47 52 44 00) when negotiating TLS 1.2.
    Tls11,
    /// Write a near miss (44 4F 57 4E 47 52 44 02): not a sentinel; the client must go on.
    WrongBytes,
}

fn parse_bool(name: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "knob `{name}`: {other:?} is not a bool (accepted: true, false)"
        )),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str, what: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("knob `{name}`: {v:?} is not {what}"))
}

fn parse_version_code(name: &str, tok: &str) -> Result<u16, String> {
    let t = tok.trim().trim_matches('"').trim_matches('\'');
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u16::from_str_radix(h, 16)
            .map_err(|_| format!("knob `{name}`: {t:?} is not a 16-bit hex value"));
    }
    if let Ok(v) = t.parse::<u16>() {
        return Ok(v);
    }
    ProtocolVersion::from_name(t).map(|v| v.get()).ok_or_else(|| {
        format!("knob `{name}`: {t:?} is not a version (accepted: SSLv3, TLS1.0, TLS1.1, TLS1.2, TLS1.3, 0x0301, 771, ...)")
    })
}

fn parse_u32(name: &str, v: &str) -> Result<u32, String> {
    parse_num(name, v, "a u32")
}

fn parse_byte_count(name: &str, v: &str) -> Result<usize, String> {
    parse_num(name, v, "a byte count")
}

fn parse_mutations(name: &str, v: &str) -> Result<Vec<Mutation>, String> {
    Mutation::parse_list(v).map_err(|e| format!("knob `{name}`: {e}"))
}

fn parse_ccs(name: &str, v: &str) -> Result<Option<bool>, String> {
    match v {
        "default" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        other => Err(format!(
            "knob `{name}`: {other:?} is not accepted (accepted: default, true, false)"
        )),
    }
}

fn parse_record_size_limit(name: &str, v: &str) -> Result<Option<u16>, String> {
    if v == "default" {
        Ok(None)
    } else {
        parse_num(name, v, "`default` or a u16").map(Some)
    }
}

fn parse_downgrade_sentinel(name: &str, v: &str) -> Result<Option<DowngradeSentinel>, String> {
    match v {
        "default" => Ok(None),
        "omit" => Ok(Some(DowngradeSentinel::Omit)),
        "tls12" => Ok(Some(DowngradeSentinel::Tls12)),
        "tls11" => Ok(Some(DowngradeSentinel::Tls11)),
        "wrong_bytes" => Ok(Some(DowngradeSentinel::WrongBytes)),
        other => Err(format!(
            "knob `{name}`: {other:?} is not accepted (accepted: default, omit, tls12, tls11, wrong_bytes)"
        )),
    }
}

fn parse_legacy_version(name: &str, v: &str) -> Result<Option<u16>, String> {
    if v == "default" {
        Ok(None)
    } else {
        parse_version_code(name, v).map(Some)
    }
}

fn parse_offer_versions(name: &str, v: &str) -> Result<Option<Vec<u16>>, String> {
    if v == "default" {
        return Ok(None);
    }
    let inner = v.trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    for tok in inner.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        out.push(parse_version_code(name, tok)?);
    }
    Ok(Some(out))
}

fn parse_select_cipher_suite(name: &str, v: &str) -> Result<Option<u16>, String> {
    if v == "default" {
        return Ok(None);
    }
    let code = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u16::from_str_radix(h, 16).ok(),
        None => CipherSuite::from_name(v).map(|c| c.get()),
    };
    let code = code.ok_or_else(|| {
        format!("knob `{name}`: {v:?} is not a cipher suite (a hex code such as 0x1302, or an IANA name)")
    })?;
    if crate::crypto::Suite::from_u16(code).is_none()
        && crate::crypto::Suite12::from_u16(code).is_none()
    {
        return Err(format!(
            "knob `{name}`: {v} is not a suite our engine implements"
        ));
    }
    Ok(Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_is_documented_and_named_once() {
        assert_eq!(KNOBS.len(), KNOB_NAMES.len());
        for (k, name) in KNOBS.iter().zip(KNOB_NAMES) {
            assert_eq!(k.name, *name);
            assert!(!k.doc.trim().is_empty(), "{name} has no doc");
            assert!(!k.accepts.is_empty(), "{name} says nothing of its values");
            assert_eq!(
                KNOB_NAMES.iter().filter(|n| *n == name).count(),
                1,
                "{name} twice"
            );
        }
    }

    /// `bug_ignore` takes exactly the names of [`IGNORABLE`], each the snake_case of its
    /// variant, and refuses any other check, naming the accepted ones.
    #[test]
    fn bug_ignore_accepts_only_the_skippable_checks() {
        let snake = |m: Misbehaviour| {
            let mut out = String::new();
            for (i, ch) in format!("{m:?}").chars().enumerate() {
                if ch.is_ascii_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(ch.to_ascii_lowercase());
            }
            out
        };
        let names: Vec<&str> = IGNORABLE.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            IGNORABLE_NAMES,
            format!("one check of: {}; or `none`", names.join(", "))
        );
        let stall: Vec<&str> = STALLABLE.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            STALLABLE_NAMES,
            format!("one check of: {}; or `none`", stall.join(", "))
        );
        for (n, m) in STALLABLE {
            assert_eq!(*n, snake(*m));
        }
        let mut k = Knobs::default();
        for (n, m) in IGNORABLE {
            assert_eq!(*n, snake(*m));
            k.set("bug_ignore", n).unwrap();
            assert!(k.ignores(*m) && k.bug_ignore == Some(*m), "{n}");
        }
        k.set("bug_ignore", "none").unwrap();
        assert_eq!(k.bug_ignore, None);
        let e = k.set("bug_ignore", "group_not_offered").unwrap_err();
        assert!(
            e.contains("group_not_offered") && e.contains("duplicate_extension"),
            "{e}"
        );
        assert!(k.set("bug_ignore", "DuplicateExtension").is_err());
    }

    #[test]
    fn set_reaches_each_field_and_names_the_bad_value() {
        let mut k = Knobs::default();
        k.set("send_ccs", "false").unwrap();
        k.set("record_size_limit", "512").unwrap();
        k.set("offer_versions_raw", "[SSLv3, 0x0302]").unwrap();
        k.set("select_cipher_suite", "TLS_AES_256_GCM_SHA384")
            .unwrap();
        k.set("bug_accept_unoffered_suite", "true").unwrap();
        assert_eq!(k.send_ccs, Some(false));
        assert_eq!(k.record_size_limit, Some(512));
        assert_eq!(k.offer_versions_raw, Some(vec![0x0300, 0x0302]));
        assert_eq!(k.select_cipher_suite, Some(0x1302));
        assert!(k.bug_accept_unoffered_suite);
        let e = k.set("record_padding", "lots").unwrap_err();
        assert!(
            e.contains("record_padding") && e.contains("\"lots\""),
            "{e}"
        );
        let e = k.set("no_such_knob", "1").unwrap_err();
        assert!(
            e.contains("no_such_knob") && e.contains("send_wrong_finished"),
            "{e}"
        );
    }
}
