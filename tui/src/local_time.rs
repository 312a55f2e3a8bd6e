//! Times as people read them: in the local time zone, or in UTC on request
//! (`t` in a history). The zone's offset is read once at start, before the
//! runtime starts its threads: the `time` crate reads it only then.

use std::sync::OnceLock;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

static OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Reads the local offset (UTC when it cannot be read). Call before any
/// thread starts.
pub fn init() {
    let _ = OFFSET.set(UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC));
}

/// The local offset read at start (UTC when it was not read).
pub fn offset() -> UtcOffset {
    OFFSET.get().copied().unwrap_or(UtcOffset::UTC)
}

/// The zone times are shown in: `UTC`, or `UTC+02:00`.
pub fn zone(utc: bool) -> String {
    let offset = if utc { UtcOffset::UTC } else { offset() };
    if offset == UtcOffset::UTC {
        return "UTC".to_owned();
    }
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", hours.abs(), minutes.abs())
}

/// An RFC 3339 time as `2026-12-07 11:21`, in local time or UTC; text that
/// is not a time is shown as it is.
pub fn when(at: &str, utc: bool) -> String {
    let Ok(time) = OffsetDateTime::parse(at, &Rfc3339) else {
        return at.to_owned();
    };
    let time = time.to_offset(if utc { UtcOffset::UTC } else { offset() });
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_to_the_minute_in_the_zone_asked() {
        assert_eq!(when("2026-12-07T09:21:30.5Z", true), "2026-12-07 09:21");
        assert_eq!(when("2026-12-07T23:50:00+01:00", true), "2026-12-07 22:50");
        assert_eq!(when("yesterday", true), "yesterday");
        assert_eq!(zone(true), "UTC");
    }
}
