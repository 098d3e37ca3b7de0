//! Reading the message: order numbers, tracking numbers and e-mail addresses the customer
//! wrote, and whether they say part of a parcel's contents is missing.
//!
//! A tracking number is taken from a word when [`carrier::is_tracking_number`] recognises it on
//! its own (letters and a check digit such as `1Z…`, a lettered prefix such as `TBA…`, or a
//! USPS/FedEx barcode's distinctive leading digits), or, for any other digit run that verifies,
//! when the message introduces it ("tracking number 1234567890", "FedEx: 123456789012"):
//! otherwise a digit run is as likely a phone, card or order number, and a reply would quote it
//! back. Numbers are also read from tracking links, and from the groups USPS and UPS print
//! (`9400 1112 0108 …`, `1Z 999 AA1 …`).

use std::collections::HashSet;

use crate::carrier;
use crate::classify::text::mask::{is_email, is_url, trim_wrapping};

/// What the message itself tells us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// Order numbers, without `#`, in order of appearance.
    pub order_numbers: Vec<String>,
    /// Tracking numbers, normalised, in order of appearance: see the module documentation and
    /// [`carrier::is_tracking_number`].
    pub tracking_numbers: Vec<String>,
    /// E-mail addresses, lowercased.
    pub emails: Vec<String>,
    /// The customer says something is missing *from* a parcel rather than the parcel itself.
    pub part_missing: bool,
    /// The message speaks of a subscription, membership or other recurring plan or payment,
    /// which no order platform adapter shows: "cancel my subscription" is not about the latest
    /// order.
    pub subscription: bool,
}

/// Words after which a number is an order number ("order 1234", "order no. 1234").
const ORDER_CUES: &[&str] = &["order", "orders", "ord", "no", "nr", "number", "num", "#"];

/// Order cues that say only "a number": "phone number 5551234" and "tracking no. 123456789"
/// are not order numbers, so the word before them must not name [`OTHER_NUMBERS`].
const GENERIC_CUES: &[&str] = &["no", "nr", "number", "num", "#"];

/// Words naming a number that is not an order number: a number right after one, or after one
/// and a [`GENERIC_CUES`] word ("phone #5551234", "card no. 4242"), is not read as an order.
const OTHER_NUMBERS: &[&str] = &[
    "phone",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "fax",
    "whatsapp",
    "card",
    "account",
    "customer",
    "invoice",
    "item",
    "sku",
    "model",
    "serial",
    "zip",
    "postcode",
    "house",
    "apartment",
    "apt",
    "flat",
    "room",
    "suite",
    "unit",
    "vat",
    "tax",
    "iban",
    "ticket",
    "case",
    "rma",
    "tracking",
    "track",
    "waybill",
    "airwaybill",
    "awb",
];

/// Words that introduce a tracking number: right after one (give or take [`FILLER_WORDS`]), a
/// digit run that verifies for any carrier is taken ("FedEx 123456789012", "DHL tracking no. is
/// 1234567890"). In a link, a path or query part containing `track` does the same.
const TRACKING_CUES: &[&str] = &[
    "tracking",
    "track",
    "tracked",
    "fedex",
    "dhl",
    "ups",
    "usps",
    "dpd",
    "ontrac",
    "purolator",
    "canpar",
    "waybill",
    "airwaybill",
    "awb",
    "parcel",
    "package",
    "shipment",
    "consignment",
];

/// Words that may stand between a tracking cue and its number: "tracking number is 123…".
const FILLER_WORDS: &[&str] = &[
    "number",
    "no",
    "nr",
    "num",
    "#",
    "is",
    "was",
    "id",
    "code",
    "ref",
    "reference",
];

/// The most whitespace-separated groups joined back into one number: a 34-digit USPS number
/// printed in fours has nine.
const MAX_GROUPS: usize = 10;

/// The longest group that is joined to its neighbours; a longer word is a number of its own.
const MAX_GROUP_LEN: usize = 8;

/// Tracking numbers are at least this long (LaserShip's `LX17635036`); shorter words are not
/// looked up.
const MIN_TRACKING_LEN: usize = 10;

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

/// Word beginnings that name a recurring plan rather than an order: subscription, subscribe,
/// unsubscribe, membership, renewal and auto-renew, recurring, autoship.
const SUBSCRIPTION_STARTS: &[&str] = &[
    "subscri",
    "unsubscri",
    "membership",
    "renew",
    "autorenew",
    "recurring",
    "autoship",
];

/// Phrases that name one in several words, with a bank's recurring payments, whose "order" is
/// not a shop's.
const SUBSCRIPTION_PHRASES: &[&str] = &[
    "auto-ship",
    "auto ship",
    "auto-renew",
    "auto renew",
    "standing order",
    "direct debit",
];

/// Whether `lowered` speaks of a recurring plan (see [`MessageFacts::subscription`]).
fn names_a_subscription(lowered: &str) -> bool {
    SUBSCRIPTION_PHRASES.iter().any(|p| lowered.contains(p))
        || lowered
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| SUBSCRIPTION_STARTS.iter().any(|s| word.starts_with(s)))
}

/// Order numbers are 3 to 9 digits: longer digit runs are tracking or phone numbers.
fn is_order_digits(text: &str) -> bool {
    (3..=9).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Extracts what the message says.
pub fn read_message(text: &str) -> MessageFacts {
    let chunks: Vec<&str> = text.split_whitespace().collect();
    let mut reader = Reader::default();
    let mut at = 0;
    while at < chunks.len() {
        if let Some((number, used)) = grouped_number(&chunks[at..]) {
            reader.tracking_numbers.push(number);
            reader.after_word("");
            at += used;
        } else {
            reader.read_chunk(chunks[at]);
            at += 1;
        }
    }
    let lowered = text.to_lowercase();
    MessageFacts {
        order_numbers: reader.order_numbers.values,
        tracking_numbers: reader.tracking_numbers.values,
        emails: reader.emails.values,
        part_missing: PART_MISSING_CUES.iter().any(|cue| lowered.contains(cue)),
        subscription: names_a_subscription(&lowered),
    }
}

/// The state of a left-to-right read of a message.
#[derive(Default)]
struct Reader {
    order_numbers: UniqueList,
    tracking_numbers: UniqueList,
    emails: UniqueList,
    /// The word before, lowercased, without a trailing `.` or `:`.
    previous: String,
    /// The word before [`previous`](Self::previous), the same way.
    before_previous: String,
    /// Whether the words since the last [`TRACKING_CUES`] word are all [`FILLER_WORDS`].
    introduced: bool,
}

impl Reader {
    /// One whitespace-separated chunk: an e-mail address, a link, or words joined by `:`
    /// (`tracking:1Z…`).
    fn read_chunk(&mut self, raw: &str) {
        let lower = trim_candidate(raw).to_lowercase();
        if is_email(&lower) {
            self.emails.push(lower.clone());
            self.after_word(&lower);
        } else if is_url(&lower) {
            self.read_url(&lower);
            self.after_word("");
        } else if lower.contains(':') {
            for word in lower
                .split(':')
                .map(trim_candidate)
                .filter(|w| !w.is_empty())
            {
                self.read_word(word);
            }
        } else {
            self.read_word(&lower);
        }
    }

    /// One lowercased word.
    fn read_word(&mut self, word: &str) {
        if let Some((before, after)) = word.split_once('#') {
            // "#1001", "order#1001", "tracking #1Z…": what comes before the hash is a word of
            // its own, and what follows is an order number or else maybe a tracking number.
            if !before.is_empty() {
                self.after_word(before);
            }
            if is_order_digits(after) && !self.names_other_number() {
                self.order_numbers.push(after.to_owned());
            } else if self.is_tracking_number(after) {
                self.tracking_numbers.push(carrier::normalize(after));
            }
            self.after_word(if after.is_empty() { "#" } else { after });
            return;
        }
        if is_order_digits(word)
            && ORDER_CUES.contains(&self.previous.as_str())
            && !self.names_other_number()
        {
            self.order_numbers.push(word.to_owned());
        } else if self.is_tracking_number(word) {
            self.tracking_numbers.push(carrier::normalize(word));
        }
        self.after_word(word);
    }

    /// The numbers in a link's path and query (`…/track?tracknum=1Z…`). A link that mentions
    /// tracking or a carrier introduces every number in it.
    fn read_url(&mut self, url: &str) {
        let parts = || {
            url.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|part| !part.is_empty())
        };
        self.introduced =
            parts().any(|part| TRACKING_CUES.contains(&part) || part.contains("track"));
        for part in parts() {
            if self.is_tracking_number(part) {
                self.tracking_numbers.push(carrier::normalize(part));
            }
        }
    }

    /// Whether the words just read name a number other than an order's: "phone", or "phone
    /// number", "tracking no." ([`OTHER_NUMBERS`], [`GENERIC_CUES`]). "Package #1001" stays an
    /// order: customers call their order that.
    fn names_other_number(&self) -> bool {
        OTHER_NUMBERS.contains(&self.previous.as_str())
            || (GENERIC_CUES.contains(&self.previous.as_str())
                && OTHER_NUMBERS.contains(&self.before_previous.as_str()))
    }

    fn is_tracking_number(&self, word: &str) -> bool {
        word.len() >= MIN_TRACKING_LEN
            && if self.introduced {
                carrier::is_introduced_tracking_number(word)
            } else {
                carrier::is_tracking_number(word)
            }
    }

    /// Moves past `word`: it becomes the word before the next, and a tracking cue introduces
    /// what follows it (through filler words).
    fn after_word(&mut self, word: &str) {
        let word = word.trim_end_matches(['.', ':']);
        self.introduced =
            TRACKING_CUES.contains(&word) || (self.introduced && FILLER_WORDS.contains(&word));
        std::mem::swap(&mut self.previous, &mut self.before_previous);
        self.previous.clear();
        self.previous.push_str(word);
    }
}

/// A tracking number written in groups at the start of `chunks` (`9400 1112 0108 0805 4830 16`,
/// `1Z 999 AA1 01 2345 6784`), with the number of chunks it takes. Only a first group that can
/// begin a number recognisable on its own ([`carrier::starts_standalone_number`]) is joined to
/// the groups after it, and the longest join that is a tracking number wins, so that phone
/// numbers and other digit groups are never joined. Punctuation before a group or after one ends
/// the number.
fn grouped_number(chunks: &[&str]) -> Option<(String, usize)> {
    let (&first_raw, rest) = chunks.split_first()?;
    let first = trim_candidate(first_raw);
    if !is_group(first) || !first_raw.ends_with(first) || !carrier::starts_standalone_number(first)
    {
        return None;
    }
    let mut joined = first.to_owned();
    let mut found = None;
    for (count, &raw) in (2..).zip(rest.iter().take(MAX_GROUPS - 1)) {
        let group = trim_candidate(raw);
        if !is_group(group) || !raw.starts_with(group) {
            break;
        }
        joined.push_str(group);
        if carrier::is_tracking_number(&joined) {
            found = Some((carrier::normalize(&joined), count));
        }
        if !raw.ends_with(group) {
            break;
        }
    }
    found
}

/// A short run of ASCII letters and digits, as tracking numbers are printed in.
fn is_group(text: &str) -> bool {
    (1..=MAX_GROUP_LEN).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Strips what wraps a word in prose: the ASCII punctuation [`trim_wrapping`] drops, and on
/// either side any character outside ASCII that is neither a letter nor a digit (curly quotes,
/// `…`, `。`, `「」`, full-width brackets), in any nesting.
fn trim_candidate(chunk: &str) -> &str {
    let mut chunk = chunk;
    loop {
        let trimmed =
            trim_wrapping(chunk).trim_matches(|c: char| !c.is_ascii() && !c.is_alphanumeric());
        if trimmed.len() == chunk.len() {
            return trimmed;
        }
        chunk = trimmed;
    }
}

/// Values in order of first appearance, each once; a set beside the list keeps a long message
/// linear.
#[derive(Default)]
struct UniqueList {
    values: Vec<String>,
    seen: HashSet<String>,
}

impl UniqueList {
    fn push(&mut self, value: String) {
        if !self.seen.contains(&value) {
            self.seen.insert(value.clone());
            self.values.push(value);
        }
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
    fn numbers_named_as_something_else_are_not_order_numbers() {
        // A phone or tracking number read as an order number answers about someone else's
        // order (or hands a stranger's order to a person as this customer's).
        for text in [
            "my phone number 5551234",
            "call my mobile no. 5551234",
            "phone #5551234",
            "phone#5551234",
            "tracking number 123456789",
            "the tracking no. is 123456789",
            "card no 4242",
            "ticket #4711",
            "invoice number 20240",
        ] {
            assert_eq!(read_message(text).order_numbers, [] as [&str; 0], "{text}");
        }
        for text in [
            "order number 1001",
            "my order no. 1001",
            "number 1001",
            "phone me about #1001",
            "my phone died, order #1001",
            "where is my package #1001",
        ] {
            assert_eq!(read_message(text).order_numbers, ["1001"], "{text}");
        }
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
    fn phone_card_and_order_numbers_are_not_tracking_numbers() {
        // Each of these digit runs verifies for some courier's check digit (DHL Express, Canada
        // Post, DPD, FedEx Ground): see the carrier module's tests.
        for text in [
            "please call me on 650-555-0100",
            "call me on 6505550100",
            "my card 5200828282828210 was charged twice",
            "paid with 371449635398431",
            "card 3787 3449 3671 000",
            "ref 378734493671000",
            "order 1000000002 hasn't come",
            // Introduced as a tracking number, a card or phone number is still refused.
            "tracking number 5200828282828210",
            "DHL called from 650-555-0100",
            // The introduction must lead straight to the number.
            "my parcel is late, call 6505550100",
        ] {
            assert_eq!(
                read_message(text).tracking_numbers,
                [] as [&str; 0],
                "{text}"
            );
        }
    }

    #[test]
    fn digit_runs_count_when_introduced_as_tracking_numbers() {
        for (text, number) in [
            ("my FedEx tracking number is 714015965560", "714015965560"),
            ("DHL waybill: 3318810025", "3318810025"),
            ("tracking no. 986578788855 please", "986578788855"),
            ("parcel 3318810025 is late", "3318810025"),
            // Distinctive prefixes need no introduction.
            (
                "any news on 9400111201080805483016?",
                "9400111201080805483016",
            ),
            ("it is 9611020987654312345672", "9611020987654312345672"),
        ] {
            assert_eq!(read_message(text).tracking_numbers, [number], "{text}");
        }
        assert!(read_message("714015965560").tracking_numbers.is_empty());
        assert!(read_message("ref 3318810025").tracking_numbers.is_empty());
    }

    #[test]
    fn tracking_numbers_after_a_hash_or_a_colon() {
        for text in [
            "Tracking #1Z999AA10123456784",
            "tracking:1Z999AA10123456784",
            "Tracking: #1Z999AA10123456784.",
            "#1Z999AA10123456784",
        ] {
            let facts = read_message(text);
            assert_eq!(facts.tracking_numbers, ["1Z999AA10123456784"], "{text}");
            assert!(facts.order_numbers.is_empty(), "{text}");
        }
        let facts = read_message("FedEx tracking #714015965560, order#1001");
        assert_eq!(facts.tracking_numbers, ["714015965560"]);
        assert_eq!(facts.order_numbers, ["1001"]);
        assert_eq!(read_message("order:1001").order_numbers, ["1001"]);
    }

    #[test]
    fn tracking_numbers_in_links() {
        for (text, number) in [
            (
                "see https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111201080805483016",
                "9400111201080805483016",
            ),
            (
                "https://www.ups.com/track?tracknum=1Z999AA10123456784&loc=en_US",
                "1Z999AA10123456784",
            ),
            (
                "(https://www.fedex.com/fedextrack/?trknbr=714015965560)",
                "714015965560",
            ),
        ] {
            assert_eq!(read_message(text).tracking_numbers, [number], "{text}");
        }
        // A link that is not about tracking introduces nothing.
        let facts = read_message("https://shop.example.com/account/orders/3318810025");
        assert!(facts.tracking_numbers.is_empty());
        assert!(facts.order_numbers.is_empty());
    }

    #[test]
    fn numbers_written_in_groups_are_joined() {
        for (text, number) in [
            (
                "USPS says 9400 1112 0108 0805 4830 16 arrived",
                "9400111201080805483016",
            ),
            ("it's 1Z 999 AA1 01 2345 6784.", "1Z999AA10123456784"),
            ("(1Z999AA1 0123 4567 84)", "1Z999AA10123456784"),
        ] {
            assert_eq!(read_message(text).tracking_numbers, [number], "{text}");
        }
        for text in [
            // A wrong check digit, other digit groups, and punctuation between groups.
            "9400 1112 0108 0805 4830 17",
            "call 650 555 0100 or 0207 946 0000",
            "card 5200 8282 8282 8210",
            "9400 1112 0108, 0805 4830 16",
        ] {
            assert!(read_message(text).tracking_numbers.is_empty(), "{text}");
        }
    }

    #[test]
    fn unicode_punctuation_around_a_number_is_trimmed() {
        for text in [
            "“1Z999AA10123456784”",
            "it's 1Z999AA10123456784…",
            "追跡番号は1Z999AA10123456784。",
            "番号 1Z999AA10123456784。",
            "«1Z999AA10123456784»,",
            "(“1Z999AA10123456784”).",
        ] {
            let found = read_message(text).tracking_numbers;
            if text.starts_with('追') {
                // Not a word of its own: the number is glued to the text before it.
                assert!(found.is_empty(), "{text}");
            } else {
                assert_eq!(found, ["1Z999AA10123456784"], "{text}");
            }
        }
        assert_eq!(read_message("（#1001）。").order_numbers, ["1001"]);
    }

    #[test]
    fn repeated_numbers_are_listed_once_in_order_of_first_appearance() {
        let facts = read_message(
            "#1002 #1001 #1002 order 1003 #1001 1Z999AA10123456784 1z999aa10123456784 \
             9400111201080805483016 JANE@example.com jane@example.com",
        );
        assert_eq!(facts.order_numbers, ["1002", "1001", "1003"]);
        assert_eq!(
            facts.tracking_numbers,
            ["1Z999AA10123456784", "9400111201080805483016"]
        );
        assert_eq!(facts.emails, ["jane@example.com"]);
    }

    #[test]
    fn emails_are_found_and_lowercased() {
        let facts = read_message("It's under Jane.Doe@Example.com, thanks");
        assert_eq!(facts.emails, ["jane.doe@example.com"]);
    }

    #[test]
    fn a_subscription_or_membership_is_told_from_an_order() {
        for text in [
            "Please cancel my monthly coffee subscription",
            "I want to unsubscribe from the snack box",
            "cancel my Membership",
            "turn off auto-renew please",
            "stop the autoship",
            "cancel the recurring delivery",
            "don't renew my plan",
            "please cancel my standing order",
        ] {
            assert!(read_message(text).subscription, "{text}");
        }
        for text in [
            "cancel my order #1234",
            "please cancel the order I placed by mistake",
            "I want to cancel, I found it cheaper",
        ] {
            assert!(!read_message(text).subscription, "{text}");
        }
    }

    #[test]
    fn part_missing_is_told_from_whole_parcel_missing() {
        assert!(read_message("The charger wasn't in the box").part_missing);
        assert!(read_message("I only got 2 of the 3 candles").part_missing);
        assert!(!read_message("My parcel says delivered but it's not here").part_missing);
    }
}
