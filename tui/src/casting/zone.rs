//! Audition times as the user reads them: in the local time zone (the
//! `TZ` variable, else the system's), or in UTC after `z`. The zone's offset
//! is looked up for each moment, so a daylight-saving change falls on the
//! right audition; what is sent to the server carries its offset.

use crate::local_time::{offset_at as local_offset, shows_utc};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `at` as shown: in the local time zone, or in UTC.
pub fn shown(at: OffsetDateTime) -> OffsetDateTime {
    if shows_utc() {
        at.to_offset(UtcOffset::UTC)
    } else {
        at.to_offset(local_offset(at))
    }
}

/// Whether the zone shown is UTC (chosen, or the local zone is UTC now).
pub fn is_utc() -> bool {
    shows_utc() || local_offset(OffsetDateTime::now_utc()).is_utc()
}

/// The moment a day and a clock time name in the zone shown (the earlier
/// of two in a repeated hour; `None` for a time a clock change skips).
pub fn moment(date: Date, clock: Time) -> Option<OffsetDateTime> {
    moment_in(date, clock, shows_utc())
}

fn moment_in(date: Date, clock: Time, utc: bool) -> Option<OffsetDateTime> {
    let naive = PrimitiveDateTime::new(date, clock);
    if utc {
        return Some(naive.assume_utc());
    }
    // The offset of a moment near it, then checked: the local time must
    // read back as asked.
    let guess = naive.assume_utc();
    [
        local_offset(guess - time::Duration::hours(12)),
        local_offset(guess + time::Duration::hours(12)),
    ]
    .into_iter()
    .map(|offset| naive.assume_offset(offset))
    .find(|at| {
        let back = at.to_offset(local_offset(*at));
        back.date() == date && back.time() == clock
    })
}

/// RFC 3339 with the moment's offset: `2027-03-01T14:00:00+01:00`.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_moment_in_utc_reads_back_as_its_clock() {
        let at = datetime!(2027-03-01 14:00);
        let at = moment_in(at.date(), at.time(), true);
        assert_eq!(at, Some(datetime!(2027-03-01 14:00 UTC)));
        assert_eq!(rfc3339(at.unwrap()), "2027-03-01T14:00:00Z");
    }
}
