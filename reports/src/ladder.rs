//! Transcript lines -> ladder diagram steps.
//!
//! A line reads `C->S ClientHello ...`, optionally prefixed by a connection index
//! (`[2] S->C Alert fatal ...`). The endpoints are `C` (client), `S` (server) and `P` (a MITM
//! proxy between them). Anything else is kept as a note.

use serde::Serialize;

/// One participant of a ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lane {
    C,
    P,
    S,
}

impl Lane {
    fn parse(c: &str) -> Option<Lane> {
        match c {
            "C" => Some(Lane::C),
            "P" => Some(Lane::P),
            "S" => Some(Lane::S),
            _ => None,
        }
    }
}

/// One transcript line, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Connection index: the `[n]` prefix; a line without one belongs to the connection of
    /// the line before it (1 at the start).
    pub conn: u32,
    /// Sender and receiver; `None` for a line that is not a message (a note).
    pub from: Option<Lane>,
    pub to: Option<Lane>,
    /// The message text after the arrow (or the whole line for a note).
    pub text: String,
}

/// Parses one line on its own (no prefix: connection 1); never fails.
pub fn parse_line(line: &str) -> Step {
    let (conn, step) = parse_prefixed(line);
    Step {
        conn: conn.unwrap_or(1),
        ..step
    }
}

fn parse_prefixed(line: &str) -> (Option<u32>, Step) {
    let mut rest = line.trim_start();
    let mut conn = None;
    if let Some(after) = rest.strip_prefix('[')
        && let Some((n, tail)) = after.split_once(']')
        && let Ok(n) = n.trim().parse::<u32>()
    {
        conn = Some(n);
        rest = tail.trim_start();
    }
    let (head, text) = match rest.split_once(char::is_whitespace) {
        Some((h, t)) => (h, t.trim()),
        None => (rest, ""),
    };
    if let Some((a, b)) = head.split_once("->")
        && let (Some(from), Some(to)) = (Lane::parse(a), Lane::parse(b))
        && from != to
    {
        return (
            conn,
            Step {
                conn: 0,
                from: Some(from),
                to: Some(to),
                text: text.to_string(),
            },
        );
    }
    (
        conn,
        Step {
            conn: 0,
            from: None,
            to: None,
            text: rest.to_string(),
        },
    )
}

/// Parses a whole transcript.
pub fn parse(lines: &[String]) -> Vec<Step> {
    let mut current = 1;
    lines
        .iter()
        .map(|l| {
            let (conn, step) = parse_prefixed(l);
            current = conn.unwrap_or(current);
            Step {
                conn: current,
                ..step
            }
        })
        .collect()
}

/// The close after a fatal alert, as the lifecycle watch saw each side, as notes after the
/// last connection's messages: "client closed its end 0.2 ms after the fatal alert", "server
/// still open when the watch ended".
pub fn close_notes(steps: &[Step], case: &crate::CaseResult) -> Vec<Step> {
    let conn = steps.last().map_or(1, |s| s.conn);
    [
        ("client", &case.observed),
        ("server", &case.server_observed),
    ]
    .into_iter()
    .filter_map(|(side, o)| {
        let o = o.as_ref()?;
        let mut text = match (o.closed_after_alert?, o.closed_after_alert_ms) {
            (_, Some(ms)) => format!("{side} closed its end {ms} ms after the fatal alert"),
            (_, None) => format!("{side} still open when the watch after the fatal alert ended"),
        };
        if let Some(n) = o.bytes_after_alert.filter(|n| *n > 0) {
            text.push_str(&format!(", after writing {n} bytes past its alert"));
        }
        Some(Step {
            conn,
            from: None,
            to: None,
            text,
        })
    })
    .collect()
}

/// Whether any step involves the proxy (then the ladder has three lanes).
pub fn has_proxy(steps: &[Step]) -> bool {
    steps
        .iter()
        .any(|s| s.from == Some(Lane::P) || s.to == Some(Lane::P))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_close_after_a_fatal_alert_is_a_note_of_the_last_connection() {
        let steps = parse(&["[2] S->C Alert fatal decode_error".to_string()]);
        let mut case = crate::CaseResult::new(
            "f::c/own->own",
            "f::c",
            "f",
            ("own", "own"),
            crate::UnderTest::Both,
            crate::Verdict::Pass,
        );
        case.server_observed = Some(crate::Observed {
            closed_after_alert: Some(true),
            closed_after_alert_ms: Some(0.4),
            ..Default::default()
        });
        case.observed = Some(crate::Observed {
            closed_after_alert: Some(false),
            bytes_after_alert: Some(7),
            ..Default::default()
        });
        let notes = close_notes(&steps, &case);
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "client still open when the watch after the fatal alert ended, after writing 7 bytes past its alert",
                "server closed its end 0.4 ms after the fatal alert",
            ]
        );
        assert!(notes.iter().all(|n| n.conn == 2 && n.from.is_none()));
    }

    #[test]
    fn lines() {
        let s = parse_line("C->S ClientHello versions=[TLS1.3]");
        assert_eq!(
            (s.conn, s.from, s.to, s.text.as_str()),
            (
                1,
                Some(Lane::C),
                Some(Lane::S),
                "ClientHello versions=[TLS1.3]"
            )
        );
        let s = parse_line("[2] S->C Alert fatal decode_error");
        assert_eq!(
            (s.conn, s.from, s.to, s.text.as_str()),
            (2, Some(Lane::S), Some(Lane::C), "Alert fatal decode_error")
        );
        let s = parse_line("P->S ClientHello (mutated)");
        assert_eq!((s.from, s.to), (Some(Lane::P), Some(Lane::S)));
        assert!(has_proxy(&[s]));
        let s = parse_line("tcp connect 127.0.0.1:4433");
        assert_eq!(
            (s.from, s.to, s.text.as_str()),
            (None, None, "tcp connect 127.0.0.1:4433")
        );
        let s = parse_line("[x] C->S y");
        assert_eq!(s.from, None);
        let s = parse_line("");
        assert_eq!(s.text, "");
        assert!(!has_proxy(&parse(&["C->S a".into(), "S->C b".into()])));
        let steps = parse(&["[2] C->S a".into(), "closed".into(), "[3] S->C b".into()]);
        assert_eq!(
            steps.iter().map(|s| s.conn).collect::<Vec<_>>(),
            vec![2, 2, 3]
        );
    }
}
