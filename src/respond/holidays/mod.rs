//! Public holidays, so "ships by" and "arrives by" skip the days nothing moves. The data is
//! python-holidays' (MIT; see `generate.py`, which writes `holidays.txt`): national holidays on
//! weekdays for the years it covers. Days outside those years are never guessed at.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

const DATA: &str = include_str!("holidays.txt");

/// The days a shop does not count as business days, besides weekends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolidayCalendar {
    /// The country whose holidays these are, if any.
    country: Option<String>,
    /// Years the country data covers; `None` without a country (only the shop's own dates).
    years: Option<(i16, i16)>,
    days: BTreeSet<Date>,
}

/// Why a holiday setting cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayError {
    /// No data for the country.
    #[error("no holiday data for {country:?}; known: {}", known_countries().join(", "))]
    UnknownCountry {
        /// As given.
        country: String,
    },
    /// The embedded data is corrupt (a build problem, reported rather than trusted).
    #[error("holiday data for {country} is unreadable: {problem}")]
    Corrupt {
        /// The country.
        country: String,
        /// What is wrong.
        problem: String,
    },
}

/// Country codes with holiday data.
pub fn known_countries() -> Vec<&'static str> {
    DATA.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(' ').next())
        .collect()
}

impl HolidayCalendar {
    /// Weekends only: no holidays at all.
    pub fn none() -> Self {
        HolidayCalendar::default()
    }

    /// The national public holidays of `country` (ISO 3166-1 alpha-2, any case).
    pub fn for_country(country: &str) -> Result<Self, HolidayError> {
        let code = country.trim().to_ascii_uppercase();
        let line = DATA
            .lines()
            .find(|line| line.split(' ').next() == Some(code.as_str()))
            .ok_or_else(|| HolidayError::UnknownCountry {
                country: country.to_owned(),
            })?;
        let corrupt = |problem: String| HolidayError::Corrupt {
            country: code.clone(),
            problem,
        };
        let mut fields = line.split(' ').skip(1);
        let mut year = || -> Result<i16, HolidayError> {
            fields
                .next()
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| corrupt("missing the years covered".into()))
        };
        let years = (year()?, year()?);
        let days = line
            .split(' ')
            .skip(3)
            .map(|day| {
                day.parse::<Date>()
                    .map_err(|e| corrupt(format!("{day:?}: {e}")))
            })
            .collect::<Result<BTreeSet<Date>, _>>()?;
        Ok(HolidayCalendar {
            country: Some(code),
            years: Some(years),
            days,
        })
    }

    /// Adds the shop's own closing days.
    pub fn with_days(mut self, days: impl IntoIterator<Item = Date>) -> Self {
        self.days.extend(days);
        self
    }

    /// Removes days the shop works on although they are public holidays.
    pub fn without_days(mut self, days: impl IntoIterator<Item = Date>) -> Self {
        for day in days {
            self.days.remove(&day);
        }
        self
    }

    /// The country, if the calendar has one.
    pub fn country(&self) -> Option<&str> {
        self.country.as_deref()
    }

    /// Whether `date` is a business day (Monday to Friday, not a holiday); `None` when the
    /// calendar's country data does not cover its year.
    pub fn is_business_day(&self, date: Date) -> Option<bool> {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Some(false);
        }
        if let Some((first, last)) = self.years {
            if !(first..=last).contains(&date.year()) {
                return None;
            }
        }
        Some(!self.days.contains(&date))
    }

    /// `date` plus `days` business days. Zero days is the date itself. `None` past the end of
    /// the calendar or of the holiday data: a date nobody can vouch for.
    pub fn add_business_days(&self, date: Date, days: u32) -> Option<Date> {
        let mut current = date;
        let mut left = days;
        while left > 0 {
            current = current.tomorrow().ok()?;
            if self.is_business_day(current)? {
                left -= 1;
            }
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn christmas_and_thanksgiving_are_not_business_days_in_the_us() {
        let us = HolidayCalendar::for_country("us").unwrap();
        assert_eq!(us.is_business_day(date("2026-12-25")), Some(false));
        assert_eq!(us.is_business_day(date("2026-11-26")), Some(false));
        assert_eq!(us.is_business_day(date("2026-11-27")), Some(true));
        // Wednesday 23 December + 2 business days skips Christmas Day and the weekend.
        assert_eq!(
            us.add_business_days(date("2026-12-23"), 2),
            Some(date("2026-12-28"))
        );
        assert_eq!(
            HolidayCalendar::none().add_business_days(date("2026-12-23"), 2),
            Some(date("2026-12-25"))
        );
    }

    #[test]
    fn countries_differ_and_the_shop_can_add_or_remove_days() {
        let gb = HolidayCalendar::for_country("GB").unwrap();
        assert_eq!(gb.is_business_day(date("2026-12-28")), Some(false)); // Boxing Day observed
        assert_eq!(gb.is_business_day(date("2026-11-26")), Some(true)); // no Thanksgiving
        let shop = gb
            .with_days([date("2026-12-24")])
            .without_days([date("2026-12-28")]);
        assert_eq!(shop.is_business_day(date("2026-12-24")), Some(false));
        assert_eq!(shop.is_business_day(date("2026-12-28")), Some(true));
    }

    #[test]
    fn years_without_data_are_not_guessed() {
        let us = HolidayCalendar::for_country("US").unwrap();
        assert_eq!(us.is_business_day(date("2099-03-03")), None);
        assert_eq!(us.add_business_days(date("2040-12-28"), 10), None);
        assert_eq!(
            HolidayCalendar::none().is_business_day(date("2099-03-03")),
            Some(true)
        );
    }

    #[test]
    fn unknown_countries_are_errors_listing_the_known_ones() {
        let error = HolidayCalendar::for_country("XX").unwrap_err().to_string();
        assert!(error.contains("\"XX\"") && error.contains("US"), "{error}");
        assert!(known_countries().len() >= 40);
    }

    #[test]
    fn every_country_line_parses() {
        for country in known_countries() {
            HolidayCalendar::for_country(country).unwrap();
        }
    }
}
