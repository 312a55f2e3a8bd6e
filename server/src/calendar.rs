//! iCalendar (RFC 5545) text of a schedule: one `VEVENT` per event, lines
//! ended by CRLF and folded at 75 octets, `TEXT` values escaped, times in
//! UTC. Knows nothing of auditions; `routes/auditions.rs` makes the events.

use time::OffsetDateTime;
use time::macros::format_description;

/// One event of a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Stable for the event, so that a subscribed calendar updates it in place.
    pub uid: String,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub summary: String,
    pub location: String,
    pub description: Option<String>,
}

/// A whole `VCALENDAR` named `name`, stamped `now`, holding `events`.
pub fn calendar(name: &str, now: OffsetDateTime, events: &[Event]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 320);
    let stamp = utc(now);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Casting Agency//Auditions//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    for event in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape_text(&event.uid)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART:{}", utc(event.starts_at)));
        line(&mut out, &format!("DTEND:{}", utc(event.ends_at)));
        line(
            &mut out,
            &format!("SUMMARY:{}", escape_text(&event.summary)),
        );
        line(
            &mut out,
            &format!("LOCATION:{}", escape_text(&event.location)),
        );
        if let Some(description) = event.description.as_deref().filter(|d| !d.is_empty()) {
            line(
                &mut out,
                &format!("DESCRIPTION:{}", escape_text(description)),
            );
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// A `DATE-TIME` in UTC: `YYYYMMDDTHHMMSSZ`.
pub fn utc(at: OffsetDateTime) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// A `TEXT` value: backslash, semicolon and comma escaped, every line
/// break written `\n`, other control characters (which `TEXT` may not
/// hold) left out.
pub fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push('\t'),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends a content line, folded so that no line is longer than 75
/// octets (a continuation starts with a space), never inside a character,
/// and ended by CRLF.
fn line(out: &mut String, content: &str) {
    const LIMIT: usize = 75;
    let mut room = LIMIT;
    let mut used = 0;
    for c in content.chars() {
        let size = c.len_utf8();
        if used + size > room {
            out.push_str("\r\n ");
            // The leading space takes one octet of the next line.
            room = LIMIT - 1;
            used = 0;
        }
        out.push(c);
        used += size;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn event() -> Event {
        Event {
            uid: "audition-7@casting-agency".into(),
            starts_at: datetime!(2027-03-01 15:30 +01:00),
            ends_at: datetime!(2027-03-01 16:00 +01:00),
            summary: "Audition: Ann Lee for Guard, Film".into(),
            location: "Studio 1; back door".into(),
            description: Some("Bring\r\nsides\\notes".into()),
        }
    }

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(
            utc(datetime!(2027-03-01 15:30:05 +01:00)),
            "20270301T143005Z"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ngh"
        );
    }

    #[test]
    fn a_calendar_has_crlf_lines_of_at_most_75_octets() {
        let mut long = event();
        long.summary = "é".repeat(100) + &"x".repeat(100);
        let text = calendar(
            "Auditions",
            datetime!(2027-01-01 0:00 UTC),
            &[event(), long],
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!(
            "SUMMARY:{}{}\r\n",
            "é".repeat(100),
            "x".repeat(100)
        )));
        assert!(unfolded.contains("DTSTART:20270301T143000Z\r\n"));
        assert!(unfolded.contains("DTEND:20270301T150000Z\r\n"));
        assert!(unfolded.contains("LOCATION:Studio 1\\; back door\r\n"));
        assert!(unfolded.contains("DESCRIPTION:Bring\\nsides\\\\notes\r\n"));
        assert!(unfolded.contains("SUMMARY:Audition: Ann Lee for Guard\\, Film\r\n"));
        assert_eq!(unfolded.matches("BEGIN:VEVENT").count(), 2);
    }
}
