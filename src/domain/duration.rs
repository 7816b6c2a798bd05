//! The durations a taxpayer may choose for API access: 6 hours to 30 days.

use chrono::TimeDelta;

/// One of the fixed choices of the Duration drop-down. Nothing else can be built,
/// so nothing under 6 hours or over 30 days can reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessDuration {
    hours: i32,
}

const CHOICES: [(i32, &str); 7] = [
    (6, "6 Hours"),
    (12, "12 Hours"),
    (24, "1 Day"),
    (48, "2 Days"),
    (168, "7 Days"),
    (360, "15 Days"),
    (720, "30 Days"),
];

/// Why a duration value was refused; the text is shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of the durations in the list (6 hours to 30 days).")]
pub struct InvalidDuration;

impl AccessDuration {
    /// Every choice, shortest first.
    pub fn all() -> impl Iterator<Item = AccessDuration> {
        CHOICES.iter().map(|&(hours, _)| AccessDuration { hours })
    }

    /// The shortest period the portal allows.
    pub const MIN: AccessDuration = AccessDuration { hours: 6 };
    /// The longest period the portal allows.
    pub const MAX: AccessDuration = AccessDuration { hours: 720 };

    /// Parses the drop-down's value: the number of hours as plain decimal digits.
    pub fn parse(value: &str) -> Result<Self, InvalidDuration> {
        if value.is_empty() || value.len() > 3 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidDuration);
        }
        let hours: i32 = value.parse().map_err(|_| InvalidDuration)?;
        // Only the canonical spelling: "06" is not a value the form ever sends.
        if hours.to_string() != value {
            return Err(InvalidDuration);
        }
        Self::from_hours(hours)
    }

    /// Accepts a stored number of hours only if it is one of the choices.
    pub fn from_hours(hours: i32) -> Result<Self, InvalidDuration> {
        CHOICES
            .iter()
            .find(|&&(h, _)| h == hours)
            .map(|&(hours, _)| AccessDuration { hours })
            .ok_or(InvalidDuration)
    }

    pub fn hours(self) -> i32 {
        self.hours
    }

    /// The value sent by the drop-down.
    pub fn value(self) -> String {
        self.hours.to_string()
    }

    /// The label shown in the drop-down, e.g. "7 Days".
    pub fn label(self) -> &'static str {
        CHOICES
            .iter()
            .find(|&&(h, _)| h == self.hours)
            .map_or("", |&(_, label)| label)
    }

    pub fn as_delta(self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.hours))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_seven_choices_from_six_hours_to_thirty_days() {
        let labels: Vec<_> = AccessDuration::all().map(|d| d.label()).collect();
        assert_eq!(
            labels,
            ["6 Hours", "12 Hours", "1 Day", "2 Days", "7 Days", "15 Days", "30 Days"]
        );
        assert_eq!(AccessDuration::all().next(), Some(AccessDuration::MIN));
        assert_eq!(AccessDuration::all().last(), Some(AccessDuration::MAX));
        assert_eq!(AccessDuration::MAX.as_delta(), TimeDelta::days(30));
    }

    #[test]
    fn parses_each_choice_from_its_value() {
        for d in AccessDuration::all() {
            assert_eq!(AccessDuration::parse(&d.value()), Ok(d));
        }
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            "0",
            "5",
            "7",
            "721",
            "744",
            "-1",
            "+6",
            "06",
            "6.0",
            "1e9",
            " 6",
            "6 ",
            "6h",
            "30 days; DROP TABLE",
            "99999999999999999999",
            "६",
        ] {
            assert_eq!(AccessDuration::parse(bad), Err(InvalidDuration), "{bad:?}");
        }
    }

    #[test]
    fn refuses_stored_hours_outside_the_list() {
        assert!(AccessDuration::from_hours(0).is_err());
        assert!(AccessDuration::from_hours(721).is_err());
        assert!(AccessDuration::from_hours(720).is_ok());
    }
}
