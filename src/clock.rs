//! The portal's clock. Everything that asks "what time is it" asks this, so tests can
//! move time without sleeping and a trainer can show what happens days later.
//!
//! Two readings: `now()` is the portal's business time (API access periods, OTPs, GSP
//! tokens, every time shown), which a trainer's time machine moves; `security_now()`
//! drives session timeouts and login locks, which the time machine leaves alone so that
//! moving a day ahead does not log everyone out. Tests move both with `advance`.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// The system clock plus adjustable offsets.
#[derive(Debug, Default)]
pub struct Clock {
    skew_ms: AtomicI64,
    demo_ms: AtomicI64,
}

impl Clock {
    /// A clock that reads real time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Business time: real time, moved by `advance` and by the time machine.
    pub fn now(&self) -> DateTime<Utc> {
        self.security_now() + self.demo_offset()
    }

    /// Time for session timeouts and login locks: moved by `advance` only. Whole
    /// microseconds, the finest time both databases keep, so a time read back from
    /// either equals the one written.
    pub fn security_now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6) + TimeDelta::milliseconds(self.skew_ms.load(Ordering::SeqCst))
    }

    /// Moves both readings forward (or back, with a negative delta). For tests.
    pub fn advance(&self, by: TimeDelta) {
        self.skew_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// How far the time machine has moved business time.
    pub fn demo_offset(&self) -> TimeDelta {
        TimeDelta::milliseconds(self.demo_ms.load(Ordering::SeqCst))
    }

    /// Sets the time machine's offset (zero: back to real time).
    pub fn set_demo_offset(&self, offset: TimeDelta) {
        self.demo_ms
            .store(offset.num_milliseconds(), Ordering::SeqCst);
    }
}

/// An offset as the demo banner shows it: "+1 day 6 hours", or "real time".
pub fn describe_offset(offset: TimeDelta) -> String {
    if offset.is_zero() {
        return "real time".to_string();
    }
    let sign = if offset < TimeDelta::zero() { "-" } else { "+" };
    let total = offset.num_minutes().abs();
    let (days, hours, minutes) = (total / 1440, total / 60 % 24, total % 60);
    let unit = |n: i64, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let parts: Vec<String> = [
        unit(days, "day", "days"),
        unit(hours, "hour", "hours"),
        unit(minutes, "minute", "minutes"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        return "real time".to_string();
    }
    format!("{sign}{}", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_both_readings() {
        let clock = Clock::system();
        let before = clock.now();
        clock.advance(TimeDelta::days(30));
        assert!(clock.now() - before >= TimeDelta::days(30));
        assert!(clock.security_now() - before >= TimeDelta::days(30));
    }

    #[test]
    fn the_time_machine_moves_business_time_only() {
        let clock = Clock::system();
        clock.set_demo_offset(TimeDelta::days(1));
        let security = clock.security_now();
        let gap = clock.now() - security;
        assert!(gap >= TimeDelta::days(1) && gap < TimeDelta::days(1) + TimeDelta::seconds(1));
        clock.set_demo_offset(TimeDelta::zero());
        assert!(clock.now() - clock.security_now() < TimeDelta::seconds(1));
    }

    #[test]
    fn readings_are_whole_microseconds() {
        let clock = Clock::system();
        assert_eq!(clock.now().timestamp_subsec_nanos() % 1000, 0);
        assert_eq!(clock.security_now().timestamp_subsec_nanos() % 1000, 0);
    }

    #[test]
    fn offsets_read_as_people_say_them() {
        assert_eq!(describe_offset(TimeDelta::zero()), "real time");
        assert_eq!(describe_offset(TimeDelta::hours(1)), "+1 hour");
        assert_eq!(describe_offset(TimeDelta::days(1)), "+1 day");
        assert_eq!(
            describe_offset(TimeDelta::days(7) + TimeDelta::hours(6)),
            "+7 days 6 hours"
        );
        assert_eq!(describe_offset(TimeDelta::days(38)), "+38 days");
    }
}
