//! The state of a taxpayer's API access at an instant, derived from what is stored
//! and a clock, so that no background job is needed to end a period.

use crate::domain::time::ist_datetime;
use chrono::{DateTime, TimeDelta, Utc};

use super::duration::AccessDuration;

/// What the database holds about a taxpayer's API access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccess {
    pub enabled: bool,
    pub duration: Option<AccessDuration>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When this choice was confirmed.
    pub changed_at: DateTime<Utc>,
}

/// Less time left than this, and the page shows the period as ending soon.
pub const ENDING_SOON: TimeDelta = TimeDelta::hours(6);

/// The state shown on the page and honoured by the API gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessState {
    /// Never switched on.
    NeverEnabled,
    /// Switched on and the period still runs.
    Enabled {
        duration: AccessDuration,
        until: DateTime<Utc>,
    },
    /// Switched on, but the period ended at `at`.
    Expired { at: DateTime<Utc> },
    /// Switched off by the taxpayer at `since`.
    Disabled { since: DateTime<Utc> },
}

impl AccessState {
    /// The state of `stored` at the instant `now`.
    pub fn at(stored: Option<&StoredAccess>, now: DateTime<Utc>) -> Self {
        let Some(stored) = stored else {
            return AccessState::NeverEnabled;
        };
        match (stored.enabled, stored.duration, stored.expires_at) {
            (true, Some(duration), Some(until)) if now < until => {
                AccessState::Enabled { duration, until }
            }
            (true, _, Some(at)) => AccessState::Expired { at },
            _ => AccessState::Disabled {
                since: stored.changed_at,
            },
        }
    }

    pub fn is_enabled(&self) -> bool {
        matches!(self, AccessState::Enabled { .. })
    }

    /// The state's kind, as the pages' CSS modifier names it.
    pub fn kind(&self) -> &'static str {
        match self {
            AccessState::Enabled { .. } => "enabled",
            AccessState::Expired { .. } => "expired",
            AccessState::Disabled { .. } => "disabled",
            AccessState::NeverEnabled => "never",
        }
    }

    /// The state in the words every page shows, times in IST.
    pub fn describe(&self) -> String {
        match self {
            AccessState::Enabled { until, .. } => {
                format!("API access is enabled until {}", ist_datetime(*until))
            }
            AccessState::Expired { at } => format!(
                "API access is disabled: the period ended on {}",
                ist_datetime(*at)
            ),
            AccessState::Disabled { since } => {
                format!("API access is disabled since {}", ist_datetime(*since))
            }
            AccessState::NeverEnabled => {
                "API access is disabled (it has never been enabled)".to_string()
            }
        }
    }
}

/// How long is left until `until`, as people say it: "28 minutes", "5 hours 10
/// minutes", "1 day 4 hours", "29 days". Minutes are rounded to the nearest, and
/// from two days on whole days are (a 7-day period just confirmed has 7 days left,
/// not 6 days and 23 hours).
pub fn time_left(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = ((until - now).num_seconds().max(0) + 30) / 60;
    if minutes >= 2 * 1440 {
        return format!("{} days", (minutes + 720) / 1440);
    }
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    match (days, hours, mins) {
        (0, 0, 0) => "less than a minute".to_string(),
        (0, 0, m) => unit(m, "minute"),
        (0, h, 0) => unit(h, "hour"),
        (0, h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
        (1, 0, _) => unit(1, "day"),
        (1, h, _) => format!("{} {}", unit(1, "day"), unit(h, "hour")),
        (d, _, _) => unit(d, "day"),
    }
}

/// A taxpayer's choice on the Manage API Access form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChoice {
    Enable(AccessDuration),
    Disable,
}

/// Messages for the fields of the Manage API Access form that were not acceptable.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChoiceErrors {
    pub enable: Option<&'static str>,
    pub duration: Option<&'static str>,
}

/// The form's value for "Yes".
pub const YES: &str = "Y";
/// The form's value for "No".
pub const NO: &str = "N";

impl AccessChoice {
    /// Reads the form's two fields. "No" needs no duration (a drop-down left visible
    /// without JavaScript may still send one, and it is then ignored), but a duration
    /// that is not one of the choices is refused whatever the answer.
    pub fn from_form(enable: Option<&str>, duration: Option<&str>) -> Result<Self, ChoiceErrors> {
        let mut errors = ChoiceErrors::default();
        let duration = match duration.filter(|d| !d.is_empty()) {
            None => None,
            Some(raw) => match AccessDuration::parse(raw) {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.duration =
                        Some("Choose one of the durations in the list (6 hours to 30 days).");
                    None
                }
            },
        };
        let choice = match enable {
            Some(YES) => match duration {
                Some(d) => Some(AccessChoice::Enable(d)),
                None => {
                    errors
                        .duration
                        .get_or_insert("Choose how long API access should stay enabled.");
                    None
                }
            },
            Some(NO) => Some(AccessChoice::Disable),
            _ => {
                errors.enable = Some("Choose Yes or No for Enable API Request.");
                None
            }
        };
        match choice {
            Some(choice) if errors == ChoiceErrors::default() => Ok(choice),
            _ => Err(errors),
        }
    }

    /// What is stored when the choice is confirmed at `now`.
    pub fn apply(self, now: DateTime<Utc>) -> StoredAccess {
        match self {
            AccessChoice::Enable(duration) => StoredAccess {
                enabled: true,
                duration: Some(duration),
                expires_at: Some(now + duration.as_delta()),
                changed_at: now,
            },
            AccessChoice::Disable => StoredAccess {
                enabled: false,
                duration: None,
                expires_at: None,
                changed_at: now,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 19, 39, 0).unwrap()
    }

    #[test]
    fn nothing_stored_means_never_enabled() {
        assert_eq!(AccessState::at(None, t0()), AccessState::NeverEnabled);
    }

    #[test]
    fn enabling_runs_for_the_chosen_period_and_then_expires() {
        let stored = AccessChoice::Enable(AccessDuration::MIN).apply(t0());
        let until = t0() + TimeDelta::hours(6);
        assert_eq!(
            AccessState::at(Some(&stored), t0()),
            AccessState::Enabled {
                duration: AccessDuration::MIN,
                until
            }
        );
        assert!(AccessState::at(Some(&stored), until - TimeDelta::seconds(1)).is_enabled());
        assert_eq!(
            AccessState::at(Some(&stored), until),
            AccessState::Expired { at: until }
        );
    }

    #[test]
    fn reads_yes_with_a_duration_and_no_without_one() {
        assert_eq!(
            AccessChoice::from_form(Some("Y"), Some("168")),
            Ok(AccessChoice::Enable(AccessDuration::parse("168").unwrap()))
        );
        assert_eq!(
            AccessChoice::from_form(Some("N"), None),
            Ok(AccessChoice::Disable)
        );
        assert_eq!(
            AccessChoice::from_form(Some("N"), Some("")),
            Ok(AccessChoice::Disable)
        );
        assert_eq!(
            AccessChoice::from_form(Some("N"), Some("720")),
            Ok(AccessChoice::Disable)
        );
    }

    #[test]
    fn names_each_field_that_is_wrong() {
        let e = AccessChoice::from_form(Some("Y"), None).unwrap_err();
        assert!(e.enable.is_none() && e.duration.is_some());
        let e = AccessChoice::from_form(None, Some("6")).unwrap_err();
        assert!(e.enable.is_some() && e.duration.is_none());
        let e = AccessChoice::from_form(Some("maybe"), Some("5")).unwrap_err();
        assert!(e.enable.is_some() && e.duration.is_some());
        let e = AccessChoice::from_form(Some("N"), Some("31 days")).unwrap_err();
        assert!(e.enable.is_none() && e.duration.is_some());
        let e = AccessChoice::from_form(Some("y"), Some("6")).unwrap_err();
        assert!(e.enable.is_some());
    }

    #[test]
    fn disabling_ends_access_at_once() {
        let stored = AccessChoice::Disable.apply(t0());
        assert_eq!(
            AccessState::at(Some(&stored), t0()),
            AccessState::Disabled { since: t0() }
        );
    }

    #[test]
    fn time_left_reads_as_people_say_it() {
        let left = |minutes: i64| time_left(t0() + TimeDelta::minutes(minutes), t0());
        assert_eq!(left(28), "28 minutes");
        assert_eq!(left(1), "1 minute");
        assert_eq!(left(0), "less than a minute");
        assert_eq!(left(310), "5 hours 10 minutes");
        assert_eq!(left(120), "2 hours");
        assert_eq!(left(1440 + 240), "1 day 4 hours");
        assert_eq!(left(29 * 1440 + 500), "29 days");
        assert_eq!(left(7 * 1440 - 1), "7 days");
    }
}
