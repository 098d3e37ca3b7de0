//! The shop's policy (`deskbot.toml`): shipping times, return window, cancellation rule, and
//! how dates are written. Read and checked once; scripts trust it afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

use crate::respond::holidays::HolidayCalendar;
use crate::respond::verify::Verification;

/// The policy file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    shop: ShopSection,
    shipping: ShippingSection,
    returns: ReturnsSection,
    cancellation: CancellationSection,
    #[serde(default)]
    missing_items: MissingItemsSection,
    #[serde(default)]
    orders: OrdersSection,
    #[serde(default)]
    holidays: HolidaysSection,
    // Tables of the same file that describe connections rather than policy: read by
    // `crate::config`, accepted here so one file holds both.
    #[serde(default, rename = "platform")]
    _platform: Option<toml::Value>,
    #[serde(default, rename = "carriers")]
    _carriers: Option<toml::Value>,
    #[serde(default, rename = "http")]
    _http: Option<toml::Value>,
    #[serde(default, rename = "serve")]
    _serve: Option<toml::Value>,
    #[serde(default, rename = "routing")]
    _routing: Option<toml::Value>,
    #[serde(default, rename = "store")]
    _store: Option<toml::Value>,
    #[serde(default, rename = "helpdesk")]
    _helpdesk: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShopSection {
    name: String,
    sign_off: String,
    timezone: String,
    #[serde(default = "default_locale")]
    locale: String,
    /// A frozen "now" (RFC 3339), for demos and tests. Production policies leave it out.
    #[serde(default)]
    clock: Option<String>,
}

fn default_locale() -> String {
    "en-US".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippingSection {
    processing_days: u32,
    methods: BTreeMap<String, u32>,
    default_method: String,
    delayed_after_no_scan_hours: u32,
    #[serde(default)]
    ships_awaiting_payment: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnsSection {
    window_days: u32,
    conditions: String,
    portal_url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancellationSection {
    allowed_while_unfulfilled: bool,
    mode: CancelMode,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MissingItemsSection {
    #[serde(default = "default_claim_after_days")]
    claim_after_days: u32,
}

impl Default for MissingItemsSection {
    fn default() -> Self {
        MissingItemsSection {
            claim_after_days: default_claim_after_days(),
        }
    }
}

fn default_claim_after_days() -> u32 {
    14
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrdersSection {
    #[serde(default)]
    several_open_orders: SeveralOrders,
    #[serde(default = "default_lookback")]
    lookback: usize,
    #[serde(default)]
    verify: Verification,
}

impl Default for OrdersSection {
    fn default() -> Self {
        OrdersSection {
            several_open_orders: SeveralOrders::default(),
            lookback: default_lookback(),
            verify: Verification::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidaysSection {
    /// ISO 3166-1 alpha-2 code whose national holidays are not business days.
    country: Option<String>,
    /// The shop's own closing days.
    #[serde(default)]
    closed: Vec<String>,
    /// Public holidays the shop and its carriers work on anyway.
    #[serde(default)]
    open: Vec<String>,
}

/// Most recent orders fetched per customer: enough to pick from, and a bound on what one
/// message may make deskbot read from the platform.
const MAX_LOOKBACK: usize = 50;

fn default_lookback() -> usize {
    5
}

/// What deskbot does with a cancellation request for an unfulfilled order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CancelMode {
    /// Tell the customer the request is passed on; a human cancels.
    Request,
    /// Cancel through the platform and confirm.
    Perform,
}

/// What to do when a customer has several open orders and names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeveralOrders {
    /// Reply listing them and ask which one.
    #[default]
    Ask,
    /// Hand to a human.
    Handoff,
}

/// How dates are written in replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// "Friday, November 21".
    EnUs,
    /// "Friday 21 November" (also en-AU, en-IE, en-NZ).
    EnGb,
}

impl Locale {
    fn parse(tag: &str) -> Option<Locale> {
        match tag {
            "en-US" | "en-CA" => Some(Locale::EnUs),
            "en-GB" | "en-AU" | "en-IE" | "en-NZ" => Some(Locale::EnGb),
            _ => None,
        }
    }
}

/// A policy problem, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML or not the expected fields (the message names line and field).
    #[error("policy {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, with line and column.
        message: String,
    },
    /// A value out of range.
    #[error("policy {}: field `{field}`: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The dotted field name.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

/// Tera delimiters, which policy texts may not contain.
const TEMPLATE_SYNTAX: &[&str] = &["{{", "}}", "{%", "%}", "{#", "#}"];

/// A checked shop policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Shop name.
    pub shop_name: String,
    /// Sign-off line of replies.
    pub sign_off: String,
    /// The shop's time zone; "today" and dates in replies are in it.
    pub timezone: TimeZone,
    /// How dates are written.
    pub locale: Locale,
    /// A frozen clock, if set (demo shop).
    pub clock: Option<Timestamp>,
    /// Business days between order and shipping.
    pub processing_days: u32,
    /// Whether an order still awaiting payment (cash on delivery, a bank transfer not yet
    /// received) ships like a paid one. Off, such an order gets no ships-by date: it ships
    /// once paid, and when that will be is not known.
    pub ships_awaiting_payment: bool,
    /// Business days in transit, per shipping method code.
    pub transit_days: BTreeMap<String, u32>,
    /// Method used when an order names none or an unknown one.
    pub default_method: String,
    /// A parcel without a scan for this long is delayed.
    pub delayed_after_no_scan_hours: u32,
    /// Days after delivery a return may start.
    pub return_window_days: u32,
    /// Conditions for returns, in customer words.
    pub return_conditions: String,
    /// Where returns start.
    pub return_portal_url: String,
    /// Whether unfulfilled orders may be cancelled.
    pub cancel_allowed_while_unfulfilled: bool,
    /// Whether deskbot cancels or only passes the request on.
    pub cancel_mode: CancelMode,
    /// A parcel delivered longer ago than this and reported missing goes to a human.
    pub claim_after_days: u32,
    /// Several open orders: ask or hand off.
    pub several_open_orders: SeveralOrders,
    /// How many recent orders to fetch by e-mail.
    pub order_lookback: usize,
    /// What proves that an order belongs to the person asking.
    pub verify: Verification,
    /// Days that are not business days besides weekends.
    pub holidays: HolidayCalendar,
}

impl Policy {
    /// Reads and checks a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Policy::from_toml(path, &text)
    }

    /// Parses and checks policy text; `path` is used in messages.
    pub fn from_toml(path: &Path, text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let invalid = |field, problem: String| PolicyError::Invalid {
            path: path.to_owned(),
            field,
            problem,
        };
        let timezone = TimeZone::get(&file.shop.timezone).map_err(|e| {
            invalid(
                "shop.timezone",
                format!("{:?} is not a known time zone ({e})", file.shop.timezone),
            )
        })?;
        let locale = Locale::parse(&file.shop.locale).ok_or_else(|| {
            invalid(
                "shop.locale",
                format!(
                    "{:?} is not supported; use en-US, en-CA, en-GB, en-AU, en-IE or en-NZ",
                    file.shop.locale
                ),
            )
        })?;
        let clock = file
            .shop
            .clock
            .as_deref()
            .map(|text| {
                text.parse::<Timestamp>().map_err(|e| {
                    invalid(
                        "shop.clock",
                        format!("{text:?} is not an RFC 3339 time ({e})"),
                    )
                })
            })
            .transpose()?;
        if file.shipping.methods.is_empty() {
            return Err(invalid(
                "shipping.methods",
                "name at least one shipping method".into(),
            ));
        }
        if !file
            .shipping
            .methods
            .contains_key(&file.shipping.default_method)
        {
            return Err(invalid(
                "shipping.default_method",
                format!(
                    "{:?} is not one of shipping.methods",
                    file.shipping.default_method
                ),
            ));
        }
        // Bounds keep date arithmetic far from the calendar's end (and loops short).
        let within = |field: &'static str, value: u32, max: u32| {
            if value > max {
                Err(invalid(field, format!("{value} is more than {max}")))
            } else {
                Ok(())
            }
        };
        within(
            "shipping.processing_days",
            file.shipping.processing_days,
            365,
        )?;
        for &days in file.shipping.methods.values() {
            within("shipping.methods", days, 365)?;
        }
        within(
            "shipping.delayed_after_no_scan_hours",
            file.shipping.delayed_after_no_scan_hours,
            24 * 365,
        )?;
        within("returns.window_days", file.returns.window_days, 3650)?;
        within(
            "missing_items.claim_after_days",
            file.missing_items.claim_after_days,
            3650,
        )?;
        if file.shipping.delayed_after_no_scan_hours == 0 {
            return Err(invalid(
                "shipping.delayed_after_no_scan_hours",
                "must be at least 1".into(),
            ));
        }
        if file.returns.window_days == 0 {
            return Err(invalid("returns.window_days", "must be at least 1".into()));
        }
        if !(file.returns.portal_url.starts_with("https://")
            || file.returns.portal_url.starts_with("http://"))
        {
            return Err(invalid(
                "returns.portal_url",
                "must be an http(s) URL".into(),
            ));
        }
        if !(1..=MAX_LOOKBACK).contains(&file.orders.lookback) {
            return Err(invalid(
                "orders.lookback",
                format!("{} is outside 1..={MAX_LOOKBACK}", file.orders.lookback),
            ));
        }
        // These go into every reply verbatim: a blank one or one holding template syntax would
        // turn replies into handoffs at run time, so refuse them now.
        for (field, value) in [
            ("shop.name", &file.shop.name),
            ("shop.sign_off", &file.shop.sign_off),
            ("returns.conditions", &file.returns.conditions),
            ("returns.portal_url", &file.returns.portal_url),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(field, "must not be empty".into()));
            }
            if let Some(syntax) = TEMPLATE_SYNTAX.iter().find(|s| value.contains(*s)) {
                return Err(invalid(
                    field,
                    format!("{value:?} contains template syntax {syntax:?}; write plain text"),
                ));
            }
            if value.chars().any(|c| c.is_control() && c != '\n') {
                return Err(invalid(field, "contains a control character".into()));
            }
        }
        let dates = |field: &'static str, texts: &[String]| {
            texts
                .iter()
                .map(|text| {
                    text.parse::<Date>().map_err(|e| {
                        invalid(
                            field,
                            format!("{text:?} is not a date like 2026-12-24 ({e})"),
                        )
                    })
                })
                .collect::<Result<Vec<Date>, PolicyError>>()
        };
        let holidays = match &file.holidays.country {
            Some(country) => HolidayCalendar::for_country(country)
                .map_err(|e| invalid("holidays.country", e.to_string()))?,
            None => HolidayCalendar::none(),
        }
        .with_days(dates("holidays.closed", &file.holidays.closed)?)
        .without_days(dates("holidays.open", &file.holidays.open)?);
        Ok(Policy {
            shop_name: file.shop.name,
            sign_off: file.shop.sign_off,
            timezone,
            locale,
            clock,
            processing_days: file.shipping.processing_days,
            ships_awaiting_payment: file.shipping.ships_awaiting_payment,
            transit_days: file.shipping.methods,
            default_method: file.shipping.default_method,
            delayed_after_no_scan_hours: file.shipping.delayed_after_no_scan_hours,
            return_window_days: file.returns.window_days,
            return_conditions: file.returns.conditions,
            return_portal_url: file.returns.portal_url,
            cancel_allowed_while_unfulfilled: file.cancellation.allowed_while_unfulfilled,
            cancel_mode: file.cancellation.mode,
            claim_after_days: file.missing_items.claim_after_days,
            several_open_orders: file.orders.several_open_orders,
            order_lookback: file.orders.lookback,
            verify: file.orders.verify,
            holidays,
        })
    }

    /// "Now": the frozen clock if the policy has one, else the system clock.
    pub fn now(&self) -> Timestamp {
        self.clock.unwrap_or_else(Timestamp::now)
    }

    /// The shop-local calendar date of `time`.
    pub fn local_date(&self, time: Timestamp) -> Date {
        time.to_zoned(self.timezone.clone()).date()
    }

    /// `date` plus `days` business days: Monday to Friday, not a holiday of the shop's
    /// calendar. `None` past the end of the calendar or of the holiday data (a date near year
    /// 9999 can only come from a broken feed).
    pub fn add_business_days(&self, date: Date, days: u32) -> Option<Date> {
        self.holidays.add_business_days(date, days)
    }

    /// Business days in transit for a shipping method (the default method's for unknown ones).
    pub fn transit_days_for(&self, method: Option<&str>) -> u32 {
        // Platforms write codes their own way ("Standard", " express"): match loosely.
        let named = method.map(str::trim).and_then(|m| {
            self.transit_days
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(m))
                .map(|(_, days)| days)
        });
        named
            .or_else(|| self.transit_days.get(&self.default_method))
            .copied()
            .unwrap_or(0)
    }

    /// Writes `date` for a customer; the year only when it differs from `today`'s.
    pub fn format_date(&self, date: Date, today: Date) -> String {
        let weekday = weekday_name(date.weekday());
        let month = MONTHS[usize::from(date.month().unsigned_abs()) - 1];
        let day = date.day();
        let year = if date.year() == today.year() {
            String::new()
        } else {
            date.year().to_string()
        };
        match (self.locale, year.is_empty()) {
            (Locale::EnUs, true) => format!("{weekday}, {month} {day}"),
            (Locale::EnUs, false) => format!("{weekday}, {month} {day}, {year}"),
            (Locale::EnGb, true) => format!("{weekday} {day} {month}"),
            (Locale::EnGb, false) => format!("{weekday} {day} {month} {year}"),
        }
    }
}

impl Policy {
    /// Writes `money` for a customer: `$1,234.50`, `£12.00`, `€8.99`; a currency whose symbol
    /// would be ambiguous in this locale gets a prefix (`US$` in en-GB, `CA$` in en-US). `None`
    /// when the amount is not a decimal number, so a malformed fact is never shown.
    pub fn format_money(&self, money: &crate::respond::facts::Money) -> Option<String> {
        let amount = money.amount.trim();
        let (negative, digits) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 2
        {
            return None;
        }
        let mut grouped = String::new();
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let cents = format!("{fraction:0<2}");
        let symbol = match (money.currency.to_ascii_uppercase().as_str(), self.locale) {
            ("USD", Locale::EnUs) => "$".to_owned(),
            ("USD", Locale::EnGb) => "US$".to_owned(),
            ("GBP", _) => "£".to_owned(),
            ("EUR", _) => "€".to_owned(),
            ("CAD", _) => "CA$".to_owned(),
            ("AUD", _) => "A$".to_owned(),
            (code, _) => format!("{code} "),
        };
        let sign = if negative { "-" } else { "" };
        Some(format!("{sign}{symbol}{grouped}.{cents}"))
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../examples/demo-shop/deskbot.toml");

    fn demo() -> Policy {
        Policy::from_toml(Path::new("deskbot.toml"), DEMO).unwrap()
    }

    #[test]
    fn verification_defaults_to_the_sender_address() {
        assert_eq!(demo().verify, Verification::SenderEmail);
        let text = DEMO.replace(
            "verify = \"sender_email\"",
            "verify = \"sender_email_or_postcode\"",
        );
        let policy = Policy::from_toml(Path::new("p.toml"), &text).unwrap();
        assert_eq!(policy.verify, Verification::SenderEmailOrPostcode);
    }

    #[test]
    fn demo_policy_loads() {
        let policy = demo();
        assert_eq!(policy.return_window_days, 30);
        assert_eq!(policy.transit_days_for(Some("express")), 2);
        assert_eq!(policy.transit_days_for(Some("teleport")), 5);
        assert_eq!(policy.transit_days_for(Some(" Express")), 2);
        assert_eq!(policy.cancel_mode, CancelMode::Request);
        assert!(policy.clock.is_some());
    }

    #[test]
    fn money_follows_locale_and_rejects_malformed_amounts() {
        use crate::respond::facts::Money;
        let money = |amount: &str, currency: &str| Money {
            amount: amount.into(),
            currency: currency.into(),
        };
        let policy = demo();
        assert_eq!(
            policy.format_money(&money("1234.5", "USD")).as_deref(),
            Some("$1,234.50")
        );
        assert_eq!(
            policy.format_money(&money("49.99", "EUR")).as_deref(),
            Some("€49.99")
        );
        assert_eq!(
            policy.format_money(&money("1000000", "JPY")).as_deref(),
            Some("JPY 1,000,000.00")
        );
        assert_eq!(
            policy.format_money(&money("-5", "GBP")).as_deref(),
            Some("-£5.00")
        );
        for bad in ["", "abc", "1.2.3", "12.345", "1e3", ".5"] {
            assert_eq!(policy.format_money(&money(bad, "USD")), None, "{bad:?}");
        }
        let british = Policy {
            locale: Locale::EnGb,
            ..policy
        };
        assert_eq!(
            british.format_money(&money("20", "USD")).as_deref(),
            Some("US$20.00")
        );
    }

    #[test]
    fn business_days_skip_weekends_and_the_shops_holidays() {
        let policy = demo(); // US holidays
        let thursday: Date = "2026-11-19".parse().unwrap();
        assert_eq!(policy.add_business_days(thursday, 0), Some(thursday));
        assert_eq!(
            policy.add_business_days(thursday, 1).unwrap().to_string(),
            "2026-11-20"
        );
        assert_eq!(
            policy.add_business_days(thursday, 2).unwrap().to_string(),
            "2026-11-23"
        );
        let saturday: Date = "2026-11-21".parse().unwrap();
        assert_eq!(
            policy.add_business_days(saturday, 1).unwrap().to_string(),
            "2026-11-23"
        );
        // Thanksgiving week: Wednesday + 1 skips Thursday 26 November.
        let wednesday: Date = "2026-11-25".parse().unwrap();
        assert_eq!(
            policy.add_business_days(wednesday, 1).unwrap().to_string(),
            "2026-11-27"
        );
        assert_eq!(policy.add_business_days(Date::MAX, 1), None);
    }

    #[test]
    fn holiday_settings_are_checked() {
        for (table, field) in [
            ("[holidays]\ncountry = \"Atlantis\"\n", "holidays.country"),
            (
                "[holidays]\ncountry = \"US\"\nclosed = [\"24 Dec\"]\n",
                "holidays.closed",
            ),
            ("[holidays]\nopen = [\"2026-13-01\"]\n", "holidays.open"),
        ] {
            let start = DEMO.find("[holidays]").unwrap();
            let end = DEMO.find("[returns]").unwrap();
            let text = format!("{}{}{table}", &DEMO[..start], &DEMO[end..]);
            let err = Policy::from_toml(Path::new("p.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(field), "{err}");
        }
    }

    #[test]
    fn dates_follow_locale_and_show_other_years() {
        let policy = demo();
        let today: Date = "2026-11-20".parse().unwrap();
        let date: Date = "2026-11-21".parse().unwrap();
        assert_eq!(policy.format_date(date, today), "Saturday, November 21");
        let next_year: Date = "2027-01-04".parse().unwrap();
        assert_eq!(
            policy.format_date(next_year, today),
            "Monday, January 4, 2027"
        );
        let british = Policy {
            locale: Locale::EnGb,
            ..policy
        };
        assert_eq!(british.format_date(date, today), "Saturday 21 November");
    }

    #[test]
    fn local_date_uses_the_shop_time_zone() {
        let policy = demo(); // America/New_York
        let late_evening_utc: Timestamp = "2026-11-21T02:00:00Z".parse().unwrap();
        assert_eq!(
            policy.local_date(late_evening_utc).to_string(),
            "2026-11-20"
        );
    }

    #[test]
    fn bad_values_name_the_field() {
        let cases = [
            (
                "timezone = \"America/New_York\"",
                "timezone = \"Mars/Olympus\"",
                "shop.timezone",
            ),
            ("locale = \"en-US\"", "locale = \"xx-YY\"", "shop.locale"),
            (
                "default_method = \"standard\"",
                "default_method = \"pigeon\"",
                "shipping.default_method",
            ),
            ("window_days = 30", "window_days = 0", "returns.window_days"),
            (
                "window_days = 30",
                "window_days = 4000000000",
                "returns.window_days",
            ),
            (
                "processing_days = 2",
                "processing_days = 3000000000",
                "shipping.processing_days",
            ),
            ("express = 2", "express = 100000", "shipping.methods"),
            (
                "sign_off = \"Sam at Juniper & Oak\"",
                "sign_off = \"Sam {{ at }} Juniper\"",
                "shop.sign_off",
            ),
            (
                "name = \"Juniper & Oak\"",
                "name = \"Juniper {% raw %}\"",
                "shop.name",
            ),
            ("lookback = 5", "lookback = 100000000000", "orders.lookback"),
            ("lookback = 5", "lookback = 0", "orders.lookback"),
            (
                "verify = \"sender_email\"",
                "verify = \"trust_me\"",
                "verify",
            ),
        ];
        for (from, to, field) in cases {
            assert!(DEMO.contains(from), "{from}");
            let text = DEMO.replace(from, to);
            let err = Policy::from_toml(Path::new("p.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(field), "{err}");
        }
        let err = Policy::from_toml(Path::new("p.toml"), "[shop]\nname = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.toml") && err.contains("line"), "{err}");
        let text = DEMO.replace("[returns]", "[returns]\nsurprise = 1");
        let err = Policy::from_toml(Path::new("p.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("surprise"), "{err}");
    }
}
