//! Times as people read them: in the local time zone, or in UTC after `z`
//! (one choice for every view that shows times: histories, recent changes,
//! a role's pipeline, the Auditions tab). One place reads the local time
//! zone; `casting/zone.rs` takes its offsets and the choice from here.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Local, Offset, TimeZone};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Whether times are shown in UTC rather than in the local time zone.
static UTC: AtomicBool = AtomicBool::new(false);

/// `z`: UTC, or the local time zone again; whether UTC is now shown.
pub fn toggle_utc() -> bool {
    !UTC.fetch_xor(true, Ordering::Relaxed)
}

/// Whether times are shown in UTC (chosen with `z`).
pub fn shows_utc() -> bool {
    UTC.load(Ordering::Relaxed)
}

/// The local time zone's offset from UTC at `at` (the `TZ` variable, else
/// the system's; UTC where it is unknown), looked up for each moment so that
/// a daylight-saving change falls on the right side.
pub fn offset_at(at: OffsetDateTime) -> UtcOffset {
    Local
        .timestamp_opt(at.unix_timestamp(), 0)
        .single()
        .and_then(|local| {
            UtcOffset::from_whole_seconds(local.offset().fix().local_minus_utc()).ok()
        })
        .unwrap_or(UtcOffset::UTC)
}

/// The zone times are shown in now: `UTC`, or `UTC+02:00`.
pub fn zone_shown() -> String {
    zone(shows_utc())
}

/// The zone times are shown in: `UTC`, or `UTC+02:00`.
pub fn zone(utc: bool) -> String {
    let offset = if utc {
        UtcOffset::UTC
    } else {
        offset_at(OffsetDateTime::now_utc())
    };
    if offset == UtcOffset::UTC {
        return "UTC".to_owned();
    }
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", hours.abs(), minutes.abs())
}

/// An RFC 3339 time as `2026-12-07 11:21` in the zone shown now.
pub fn when_shown(at: &str) -> String {
    when(at, shows_utc())
}

/// An RFC 3339 time as `2026-12-07 11:21`, in local time or UTC; text that
/// is not a time is shown as it is.
pub fn when(at: &str, utc: bool) -> String {
    let Ok(time) = OffsetDateTime::parse(at, &Rfc3339) else {
        return at.to_owned();
    };
    let time = time.to_offset(if utc { UtcOffset::UTC } else { offset_at(time) });
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
