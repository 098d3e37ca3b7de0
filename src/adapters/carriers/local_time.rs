//! Carrier times as instants: exact when the carrier writes an offset, and placed in the zone
//! of the scan's country when it writes only a local wall-clock time (DHL Express does; FedEx's
//! documented examples mix both). Never UTC by silent assumption: a local time whose zone
//! cannot be told is read as UTC with a warning in the log, and the module doc of each tracker
//! says so.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// How a carrier time was turned into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// The carrier wrote the offset (`…-07:00`, `…Z`).
    Offset,
    /// A local time, placed in this IANA zone of the scan's country.
    CountryZone(&'static str),
    /// A local time in a country with several zones, or none named: read as UTC, and logged.
    AssumedUtc,
}

/// Where a scan happened, as far as the carrier says: what picks the zone of a local time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ScanPlace<'a> {
    /// ISO 3166-1 alpha-2 code, if given.
    pub country_code: Option<&'a str>,
    /// Free text; DHL Express ends it with the country's name (`"LEIPZIG - GERMANY"`).
    pub locality: Option<&'a str>,
}

/// Countries whose whole territory keeps one clock, with the English name DHL Express writes at
/// the end of a locality and the IANA zone. Source: the IANA time zone database, `zone1970.tab`
/// (https://data.iana.org/time-zones/tzdb/zone1970.tab): each country here has one zone, or
/// several that keep the same offsets today (AR, MY, VN), or one official time (CN: the
/// database's Asia/Urumqi is Xinjiang's unofficial time). Countries spanning several offsets
/// (US, CA, MX, BR, RU, AU, ID, ES with the Canaries, PT with the Azores, CL, …) are left out
/// on purpose.
const SINGLE_ZONE_COUNTRIES: &[(&str, &str, &str)] = &[
    ("AE", "UNITED ARAB EMIRATES", "Asia/Dubai"),
    ("AR", "ARGENTINA", "America/Argentina/Buenos_Aires"),
    ("AT", "AUSTRIA", "Europe/Vienna"),
    ("BE", "BELGIUM", "Europe/Brussels"),
    ("BG", "BULGARIA", "Europe/Sofia"),
    ("CH", "SWITZERLAND", "Europe/Zurich"),
    ("CN", "CHINA", "Asia/Shanghai"),
    ("CO", "COLOMBIA", "America/Bogota"),
    ("CZ", "CZECH REPUBLIC", "Europe/Prague"),
    ("DE", "GERMANY", "Europe/Berlin"),
    ("DK", "DENMARK", "Europe/Copenhagen"),
    ("EE", "ESTONIA", "Europe/Tallinn"),
    ("EG", "EGYPT", "Africa/Cairo"),
    ("FI", "FINLAND", "Europe/Helsinki"),
    ("FR", "FRANCE", "Europe/Paris"),
    ("GB", "UNITED KINGDOM", "Europe/London"),
    ("GR", "GREECE", "Europe/Athens"),
    ("HK", "HONG KONG", "Asia/Hong_Kong"),
    ("HR", "CROATIA", "Europe/Zagreb"),
    ("HU", "HUNGARY", "Europe/Budapest"),
    ("IE", "IRELAND", "Europe/Dublin"),
    ("IL", "ISRAEL", "Asia/Jerusalem"),
    ("IN", "INDIA", "Asia/Kolkata"),
    ("IT", "ITALY", "Europe/Rome"),
    ("JP", "JAPAN", "Asia/Tokyo"),
    ("KE", "KENYA", "Africa/Nairobi"),
    ("KR", "KOREA, REPUBLIC OF", "Asia/Seoul"),
    ("LT", "LITHUANIA", "Europe/Vilnius"),
    ("LU", "LUXEMBOURG", "Europe/Luxembourg"),
    ("LV", "LATVIA", "Europe/Riga"),
    ("MY", "MALAYSIA", "Asia/Kuala_Lumpur"),
    ("NG", "NIGERIA", "Africa/Lagos"),
    ("NL", "NETHERLANDS", "Europe/Amsterdam"),
    ("NO", "NORWAY", "Europe/Oslo"),
    ("PE", "PERU", "America/Lima"),
    ("PH", "PHILIPPINES", "Asia/Manila"),
    ("PK", "PAKISTAN", "Asia/Karachi"),
    ("PL", "POLAND", "Europe/Warsaw"),
    ("RO", "ROMANIA", "Europe/Bucharest"),
    ("SA", "SAUDI ARABIA", "Asia/Riyadh"),
    ("SE", "SWEDEN", "Europe/Stockholm"),
    ("SG", "SINGAPORE", "Asia/Singapore"),
    ("SI", "SLOVENIA", "Europe/Ljubljana"),
    ("SK", "SLOVAKIA", "Europe/Bratislava"),
    ("TH", "THAILAND", "Asia/Bangkok"),
    ("TR", "TURKEY", "Europe/Istanbul"),
    ("TW", "TAIWAN", "Asia/Taipei"),
    ("VN", "VIETNAM", "Asia/Ho_Chi_Minh"),
    ("ZA", "SOUTH AFRICA", "Africa/Johannesburg"),
];

/// The zone of `place`'s country, when that country keeps one clock.
fn zone_of(place: ScanPlace<'_>) -> Option<&'static str> {
    if let Some(code) = place.country_code.map(str::trim) {
        if let Some((_, _, zone)) = SINGLE_ZONE_COUNTRIES
            .iter()
            .find(|(iso, _, _)| iso.eq_ignore_ascii_case(code))
        {
            return Some(zone);
        }
        if !code.is_empty() {
            // A country code we know has several zones (or do not list): the name cannot help.
            return None;
        }
    }
    let country = place.locality?.rsplit(" - ").next()?.trim();
    SINGLE_ZONE_COUNTRIES
        .iter()
        .find(|(_, name, _)| name.eq_ignore_ascii_case(country))
        .map(|(_, _, zone)| *zone)
}

/// `text` as an instant: RFC 3339 with an offset as written; a local date-time (or a bare date,
/// read as its midnight) in the zone of `place`'s country; UTC only when no zone can be told.
/// `Err` carries what was wrong, for a `BadResponse`.
pub(crate) fn instant(text: &str, place: ScanPlace<'_>) -> Result<(Timestamp, Reading), String> {
    let text = text.trim();
    if let Ok(exact) = text.parse::<Timestamp>() {
        return Ok((exact, Reading::Offset));
    }
    let local = if text.len() == 10 {
        text.parse::<Date>()
            .map(|date| date.to_datetime(jiff::civil::Time::midnight()))
    } else {
        text.parse::<DateTime>()
    }
    .map_err(|e| format!("{text:?} is not a date and time: {e}"))?;
    if let Some(zone) = zone_of(place) {
        if let Ok(tz) = TimeZone::get(zone) {
            if let Ok(zoned) = local.to_zoned(tz) {
                return Ok((zoned.timestamp(), Reading::CountryZone(zone)));
            }
        }
    }
    let utc = local
        .to_zoned(TimeZone::UTC)
        .map_err(|e| format!("{text:?} is out of range: {e}"))?;
    tracing::warn!(
        target: "deskbot::carriers",
        country = place.country_code.unwrap_or(""),
        "a carrier time without an offset, in a country of several zones or none named, is read as UTC"
    );
    Ok((utc.timestamp(), Reading::AssumedUtc))
}

/// The calendar date a carrier wrote at the start of `text` (`2026-11-21T00:00:00Z` is the 21st
/// wherever the reader is): estimates are days at the destination, so they are never shifted
/// into another zone.
pub(crate) fn date_as_written(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let head = text.get(..10).unwrap_or(text);
    let rest = text.get(10..).unwrap_or("");
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return Err(format!("{text:?} does not start with a date"));
    }
    head.parse::<Date>()
        .map_err(|e| format!("{text:?} does not start with a date: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn an_offset_is_taken_as_written() {
        let (time, reading) = instant("2018-02-02T12:01:00-07:00", ScanPlace::default()).unwrap();
        assert_eq!(
            (time, reading),
            (at("2018-02-02T19:01:00Z"), Reading::Offset)
        );
        let (time, _) = instant("2023-05-15T14:45:00.000+02:00", ScanPlace::default()).unwrap();
        assert_eq!(time, at("2023-05-15T12:45:00Z"));
    }

    #[test]
    fn a_local_time_takes_the_zone_of_its_country() {
        let by_code = ScanPlace {
            country_code: Some("DE"),
            locality: Some("Bonn"),
        };
        // Central European Summer Time in May.
        assert_eq!(
            instant("2021-05-05T15:42:00", by_code).unwrap(),
            (
                at("2021-05-05T13:42:00Z"),
                Reading::CountryZone("Europe/Berlin")
            )
        );
        let by_name = ScanPlace {
            country_code: None,
            locality: Some("KARACHI - PAKISTAN"),
        };
        assert_eq!(
            instant("2021-05-04T17:47:00", by_name).unwrap().0,
            at("2021-05-04T12:47:00Z")
        );
    }

    #[test]
    fn a_local_time_in_a_country_of_several_zones_is_read_as_utc_and_says_so() {
        for place in [
            ScanPlace {
                country_code: None,
                locality: Some("NEW YORK, NY - USA"),
            },
            ScanPlace {
                country_code: Some("US"),
                locality: Some("MEMPHIS"),
            },
            ScanPlace::default(),
        ] {
            let (time, reading) = instant("2021-04-26T10:10:00", place).unwrap();
            assert_eq!(
                (time, reading),
                (at("2021-04-26T10:10:00Z"), Reading::AssumedUtc)
            );
        }
    }

    #[test]
    fn every_listed_zone_exists() {
        for (iso, _, zone) in SINGLE_ZONE_COUNTRIES {
            assert!(TimeZone::get(zone).is_ok(), "{iso}: {zone}");
        }
    }

    #[test]
    fn dates_are_read_as_written_and_junk_is_refused() {
        for text in [
            "2026-11-21",
            "2026-11-21T00:00:00Z",
            "2026-11-21T23:00:00-08:00",
        ] {
            assert_eq!(
                date_as_written(text).unwrap(),
                "2026-11-21".parse::<Date>().unwrap()
            );
        }
        assert!(date_as_written("tomorrow").is_err());
        assert!(date_as_written("2026-11-219").is_err());
        assert!(instant("soon", ScanPlace::default()).is_err());
    }
}
