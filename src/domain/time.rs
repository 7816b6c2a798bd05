//! Times are stored in UTC and shown in Indian Standard Time (UTC+05:30, no daylight
//! saving) as DD/MM/YYYY.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Timelike, Utc};

fn ist() -> FixedOffset {
    // 5 h 30 min east of UTC is always in range, so this cannot fail.
    FixedOffset::east_opt(5 * 3600 + 30 * 60).expect("IST offset is valid")
}

/// How every time shown to a person is written, as a pattern for documents.
pub const IST_PATTERN: &str = "DD/MM/YYYY hh:mm AM/PM IST";

/// "26/11/2026 01:09 AM IST". Written field by field rather than with a `format`
/// pattern, which chrono parses anew at every call; pages show many times each.
pub fn ist_datetime(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&ist());
    let (pm, hour) = t.hour12();
    format!(
        "{} {:02}:{:02} {} IST",
        ist_date(at),
        hour,
        t.minute(),
        if pm { "PM" } else { "AM" }
    )
}

/// "26/11/2026"
pub fn ist_date(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&ist());
    format!("{:02}/{:02}/{:04}", t.day(), t.month(), t.year())
}

/// Reads a stored UTC timestamp.
pub fn from_db(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_utc_times_in_ist_with_day_first() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 19, 39, 5).unwrap();
        assert_eq!(ist_datetime(at), "26/11/2026 01:09 AM IST");
        assert_eq!(ist_date(at), "26/11/2026");
    }

    #[test]
    fn shows_afternoons_with_pm() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 8, 0, 0).unwrap();
        assert_eq!(ist_datetime(at), "02/01/2026 01:30 PM IST");
    }

    #[test]
    fn noon_is_12_pm() {
        let at = Utc.with_ymd_and_hms(2026, 3, 4, 6, 30, 0).unwrap();
        assert_eq!(ist_datetime(at), "04/03/2026 12:00 PM IST");
    }

    #[test]
    fn crosses_the_year_boundary() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap();
        assert_eq!(ist_datetime(at), "01/01/2027 12:00 AM IST");
    }
}
