//! Ages like `30d` for `confab sessions clean --older-than`, `sessions.retention` and
//! `retention.trash`.
//!
//! The units: `min` minutes, `h` hours, `d` days, `w` weeks, and `mo` months. `m` is months
//! too, as in `atmos ai sessions clean`, for compatibility; because `30m` reads as minutes to
//! many people, an age is always shown with `mo`, and `clean` prints the date it reaches back
//! to. Days, weeks and months are calendar units in the local time zone, so "1mo" on 31 March
//! reaches back to the end of February and a day across a daylight-saving change is still a
//! day.

use std::fmt;
use std::str::FromStr;

use jiff::{Span, Timestamp, ZonedDateTime};

/// A whole number of hours, days, weeks or months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Age {
    amount: i64,
    unit: AgeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgeUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

/// The units, as errors and `--help` texts list them.
pub(crate) const UNITS: &str =
    "min (minutes), h (hours), d (days), w (weeks) or mo (months; m also means months)";

/// The error for a string that is not an age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidAge {
    text: String,
}

impl fmt::Display for InvalidAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid age {}: write a whole number and a unit, {UNITS}, e.g. 30d",
            confab_core::Quoted(&self.text)
        )
    }
}

impl std::error::Error for InvalidAge {}

impl FromStr for Age {
    type Err = InvalidAge;

    fn from_str(text: &str) -> Result<Age, InvalidAge> {
        let invalid = || InvalidAge {
            text: text.to_owned(),
        };
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let (digits, unit) = text.split_at(split);
        let unit = match unit {
            "min" => AgeUnit::Minutes,
            "h" => AgeUnit::Hours,
            "d" => AgeUnit::Days,
            "w" => AgeUnit::Weeks,
            "mo" | "m" => AgeUnit::Months,
            _ => return Err(invalid()),
        };
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(invalid());
        }
        let amount = digits.parse().map_err(|_| invalid())?;
        Ok(Age { amount, unit })
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            AgeUnit::Minutes => "min",
            AgeUnit::Hours => "h",
            AgeUnit::Days => "d",
            AgeUnit::Weeks => "w",
            AgeUnit::Months => "mo",
        };
        write!(f, "{}{unit}", self.amount)
    }
}

impl Age {
    /// The default retention of `clean`.
    pub(crate) const DEFAULT: Age = Age {
        amount: 30,
        unit: AgeUnit::Days,
    };

    /// Whether this age is zero, which `clean` reads as "everything".
    pub(crate) fn is_zero(&self) -> bool {
        self.amount == 0
    }

    /// The instant this age before `now`; `None` if that is before the calendar begins.
    pub(crate) fn before(&self, now: &ZonedDateTime) -> Option<Timestamp> {
        let span = match self.unit {
            AgeUnit::Minutes => Span::new().try_minutes(self.amount),
            AgeUnit::Hours => Span::new().try_hours(self.amount),
            AgeUnit::Days => Span::new().try_days(self.amount),
            AgeUnit::Weeks => Span::new().try_weeks(self.amount),
            AgeUnit::Months => Span::new().try_months(self.amount),
        }
        .ok()?;
        now.checked_sub(span).ok().map(|then| then.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        for (text, amount, unit) in [
            ("45min", 45, AgeUnit::Minutes),
            ("12h", 12, AgeUnit::Hours),
            ("30d", 30, AgeUnit::Days),
            ("2w", 2, AgeUnit::Weeks),
            ("6mo", 6, AgeUnit::Months),
            ("0d", 0, AgeUnit::Days),
        ] {
            assert_eq!(text.parse(), Ok(Age { amount, unit }), "{text}");
            assert_eq!(Age { amount, unit }.to_string(), text);
        }
        // `m` is months, as in Atmos, and is shown as `mo` so nobody reads minutes.
        let months: Age = "30m".parse().expect("age");
        assert_eq!(months.to_string(), "30mo");
    }

    #[test]
    fn refuses_anything_else_and_lists_the_units() {
        for bad in [
            "30",
            "30x",
            "-1d",
            "1.5d",
            "d",
            "",
            "+1d",
            " 1d",
            "1D",
            "1é",
            "99999999999999999999d",
            "5mi",
            "5mins",
            "5M",
            "5mon",
            "5 min",
        ] {
            let error = bad.parse::<Age>().expect_err(bad);
            assert!(
                error.to_string().contains(
                    "min (minutes), h (hours), d (days), w (weeks) or mo (months; m also means months)"
                ),
                "{error}"
            );
        }
    }

    #[test]
    fn months_are_calendar_months() {
        let now: ZonedDateTime = "2025-03-31T12:00:00+00:00[UTC]".parse().expect("zoned");
        let cutoff = "1mo"
            .parse::<Age>()
            .expect("age")
            .before(&now)
            .expect("in range");
        assert_eq!(
            cutoff,
            "2025-02-28T12:00:00Z".parse::<Timestamp>().expect("ts")
        );
        assert_eq!("1m".parse::<Age>().expect("age").before(&now), Some(cutoff));
        let cutoff = "90min"
            .parse::<Age>()
            .expect("age")
            .before(&now)
            .expect("in range");
        assert_eq!(
            cutoff,
            "2025-03-31T10:30:00Z".parse::<Timestamp>().expect("ts")
        );
        let cutoff = "36h"
            .parse::<Age>()
            .expect("age")
            .before(&now)
            .expect("in range");
        assert_eq!(
            cutoff,
            "2025-03-30T00:00:00Z".parse::<Timestamp>().expect("ts")
        );
    }

    #[test]
    fn ages_beyond_the_calendar_are_none() {
        let now = ZonedDateTime::now();
        assert_eq!("999999999m".parse::<Age>().expect("age").before(&now), None);
    }
}
