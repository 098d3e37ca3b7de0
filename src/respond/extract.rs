//! Reading the message: order numbers, tracking numbers and e-mail addresses the customer
//! wrote, and whether they say part of a parcel's contents is missing.

use crate::carrier;
use crate::classify::text::mask::{is_email, trim_wrapping};

/// What the message itself tells us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// Order numbers, without `#`, in order of appearance.
    pub order_numbers: Vec<String>,
    /// Tracking numbers, normalised: valid for some carrier with a check digit, or for a format
    /// without one that has a letter prefix (see [`carrier::is_tracking_number`]).
    pub tracking_numbers: Vec<String>,
    /// E-mail addresses, lowercased.
    pub emails: Vec<String>,
    /// The customer says something is missing *from* a parcel rather than the parcel itself.
    pub part_missing: bool,
}

/// Words after which a number is an order number ("order 1234", "order no. 1234").
const ORDER_CUES: &[&str] = &["order", "orders", "ord", "no", "nr", "number", "num", "#"];

/// Phrases that place the problem inside a delivered parcel.
const PART_MISSING_CUES: &[&str] = &[
    "in the box",
    "in the package",
    "in the parcel",
    "inside",
    "from the box",
    "from my box",
    "from the package",
    "from my order",
    "only got",
    "only received",
    "only came",
    "one of the",
    "without the",
    "didn't include",
    "did not include",
    "not included",
    "wasn't included",
    "forgot",
    "box was empty",
    "package was empty",
    "parcel was empty",
];

/// Order numbers are 3 to 9 digits: longer digit runs are tracking or phone numbers.
fn is_order_digits(text: &str) -> bool {
    (3..=9).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Extracts what the message says.
pub fn read_message(text: &str) -> MessageFacts {
    let mut facts = MessageFacts::default();
    let mut previous = String::new();
    for raw in text.split_whitespace() {
        let chunk = trim_wrapping(raw);
        let lower = chunk.to_lowercase();
        if is_email(&lower) {
            push_unique(&mut facts.emails, lower.clone());
        } else if let Some(at) = lower.find('#') {
            // "#1001", "order#1001"
            let digits = &lower[at + 1..];
            if is_order_digits(digits) {
                push_unique(&mut facts.order_numbers, digits.to_owned());
            }
        } else if is_order_digits(&lower) && ORDER_CUES.contains(&previous.as_str()) {
            push_unique(&mut facts.order_numbers, lower.clone());
        } else if lower.len() >= 10 && carrier::is_tracking_number(chunk) {
            push_unique(&mut facts.tracking_numbers, carrier::normalize(chunk));
        }
        previous = lower.trim_end_matches(['.', ':']).to_owned();
    }
    let lowered = text.to_lowercase();
    facts.part_missing = PART_MISSING_CUES.iter().any(|cue| lowered.contains(cue));
    facts
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_in_the_ways_customers_write_them() {
        for text in [
            "where is order #1001?",
            "Order 1001 hasn't come",
            "order no. 1001",
            "my order: 1001",
            "ord#1001",
            "(#1001).",
        ] {
            assert_eq!(read_message(text).order_numbers, ["1001"], "{text}");
        }
        assert!(read_message("I ordered 3 shirts on 1001 street")
            .order_numbers
            .is_empty());
        assert!(read_message("call me on 5551234567")
            .order_numbers
            .is_empty());
    }

    #[test]
    fn tracking_numbers_need_a_valid_check_digit() {
        let facts = read_message("tracking 1Z999AA10123456784 says nothing");
        assert_eq!(facts.tracking_numbers, ["1Z999AA10123456784"]);
        assert!(read_message("tracking 1Z999AA10123456785")
            .tracking_numbers
            .is_empty());
    }

    #[test]
    fn tracking_numbers_without_a_check_digit_need_a_letter_prefix() {
        let facts =
            read_message("Amazon says TBA502887274000, LaserShip LX17635036, ref 60120172242323");
        assert_eq!(facts.tracking_numbers, ["TBA502887274000", "LX17635036"]);
        // Spaces inside a number split it into words, which are read one by one.
        assert!(read_message("call 0207 946 0000")
            .tracking_numbers
            .is_empty());
    }

    #[test]
    fn emails_are_found_and_lowercased() {
        let facts = read_message("It's under Jane.Doe@Example.com, thanks");
        assert_eq!(facts.emails, ["jane.doe@example.com"]);
    }

    #[test]
    fn part_missing_is_told_from_whole_parcel_missing() {
        assert!(read_message("The charger wasn't in the box").part_missing);
        assert!(read_message("I only got 2 of the 3 candles").part_missing);
        assert!(!read_message("My parcel says delivered but it's not here").part_missing);
    }
}
