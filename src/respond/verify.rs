//! Who may see an order: only the channel's sender address (or, where the shop allows it, the
//! order's shipping postcode) proves that a message comes from the order's customer. Text in the
//! message never does: order numbers are sequential and e-mail addresses are easy to type.

use serde::Deserialize;

use crate::respond::facts::Order;

/// How an order is tied to the person asking (`[orders] verify` in the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The order's e-mail must be the sender's (trimmed, ASCII case folded; see [`same_email`]). With no sender address,
    /// the reply asks the customer to write from the address on the order. The default.
    #[default]
    SenderEmail,
    /// As `sender_email`, or the order's shipping postcode written in the message as the only
    /// thing in it that looks like a postcode (see [`postcode_in_message`]).
    SenderEmailOrPostcode,
    /// Trust any order number: only for channels that authenticate the customer themselves
    /// (a logged-in account page, say).
    None,
}

/// How an order was tied to the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The order's e-mail is the sender's.
    SenderEmail,
    /// The message names the order's shipping postcode.
    Postcode,
    /// The policy trusts the channel (`verify = "none"`).
    TrustedChannel,
}

/// An order shown to belong to the person asking. Scripts, replies and platform actions only
/// ever see orders of this type, so an unverified order cannot reach a customer by mistake.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedOrder {
    order: Order,
    proof: Proof,
}

impl VerifiedOrder {
    /// The order.
    pub fn order(&self) -> &Order {
        &self.order
    }

    /// How it was verified.
    pub fn proof(&self) -> Proof {
        self.proof
    }
}

/// Ties `order` to the person asking under `rule`, or gives it back (boxed) unverified.
///
/// `sender` is the channel's sender address, never an address read from the message.
pub fn verify(
    rule: Verification,
    order: Order,
    sender: Option<&str>,
    message: &str,
) -> Result<VerifiedOrder, Box<Order>> {
    let proof = if rule == Verification::None {
        Some(Proof::TrustedChannel)
    } else if sender.is_some_and(|sender| same_email(&order.email, sender)) {
        Some(Proof::SenderEmail)
    } else if rule == Verification::SenderEmailOrPostcode && postcode_in_message(&order, message) {
        Some(Proof::Postcode)
    } else {
        None
    };
    match proof {
        Some(proof) => Ok(VerifiedOrder { order, proof }),
        None => Err(Box::new(order)),
    }
}

/// E-mail addresses compared as platforms store them: surrounding whitespace ignored, ASCII
/// letters in either case. Every other character must be the same: Unicode case folding would
/// let look-alikes through (the Kelvin sign "\u{212A}" folds to "k", the angstrom sign to "å"),
/// and the part before the "@" is the receiving server's to interpret, so nothing more is
/// folded there. An empty address matches nothing.
pub fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

/// A postcode reduced to its letters and digits, upper case: "sw1a 1aa" → "SW1A1AA".
fn compact_postcode(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Shortest postcode accepted as proof: shorter ones are too easy to guess.
const MIN_POSTCODE_LEN: usize = 4;

/// Longest postcode, letters and digits only (a US ZIP+4 has 9).
const MAX_POSTCODE_LEN: usize = 10;

/// Whether a word (compacted) could be a postcode written as one word: 4 to 10 letters and
/// digits, at least one a digit ("97205", "97205-1234", "2000", "SW1A1AA", "K1A0B6", "1234AB").
fn postcode_like(word: &str) -> bool {
    (MIN_POSTCODE_LEN..=MAX_POSTCODE_LEN).contains(&word.len())
        && word.bytes().any(|b| b.is_ascii_digit())
}

/// Whether `text` (compacted) matches `shape`, where `A` is a letter, `9` a digit and `*`
/// either.
fn shaped(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'A' => c.is_ascii_alphabetic(),
            b'9' => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric(),
        })
}

/// Whether two adjacent words are the two halves of one postcode written with its space:
/// UK "SW1A 1AA", Canada "K1A 0B6", Netherlands "1234 AB", Ireland "D02 X285".
fn postcode_halves(first: &str, second: &str) -> bool {
    let uk = ["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]
        .iter()
        .any(|shape| shaped(first, shape))
        && shaped(second, "9AA");
    let canada = shaped(first, "A9A") && shaped(second, "9A9");
    let netherlands = shaped(first, "9999") && shaped(second, "AA");
    let ireland = (shaped(first, "A99") || first == "D6W") && shaped(second, "****");
    uk || canada || netherlands || ireland
}

/// Whether the message states the order's shipping postcode, and nothing else that could be
/// one, so that a message listing many postcodes proves nothing.
///
/// The message is read as words of ASCII letters, digits and dashes, compacted ("97205-1234"
/// → "972051234"). A postcode candidate is a word that could be a postcode
/// (`postcode_like`), or two adjacent words that are the halves of one (`postcode_halves`).
/// Candidates that share a word are one *place*: "SW1A 1AA" offers "SW1A" and "SW1A1AA" in one
/// place. The postcode proves the order only when the message offers exactly one place, of at
/// most two words, and one of its candidates is the order's postcode; two places (two ZIP codes,
/// a ZIP code and a phone number or a year) prove nothing, so each message gets at most one
/// guess. A US ZIP+4 on the order also matches its five-digit ZIP. The order number itself
/// never counts as a candidate, even when it happens to equal the postcode; neither does an
/// order postcode without a digit, or one shorter than 4 or longer than 10 characters.
pub fn postcode_in_message(order: &Order, message: &str) -> bool {
    let Some(postcode) = order
        .destination
        .as_ref()
        .and_then(|d| d.postcode.as_deref())
        .map(compact_postcode)
        .filter(|p| postcode_like(p))
    else {
        return false;
    };
    let mut accepted = vec![postcode.clone()];
    if postcode.len() == 9 && postcode.bytes().all(|b| b.is_ascii_digit()) {
        accepted.push(postcode[..5].to_owned());
    }
    let order_number = compact_postcode(&order.number);
    let words: Vec<String> = message
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .map(compact_postcode)
        .filter(|w| !w.is_empty())
        .collect();
    // Each candidate with the first and last word it covers.
    let mut candidates: Vec<(usize, usize, String)> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if *word == order_number {
            continue;
        }
        if postcode_like(word) {
            candidates.push((i, i, word.clone()));
        }
        if let Some(next) = words.get(i + 1) {
            if *next != order_number && postcode_halves(word, next) {
                candidates.push((i, i + 1, format!("{word}{next}")));
            }
        }
    }
    let Some(first) = candidates.iter().map(|c| c.0).min() else {
        return false;
    };
    let last = candidates.iter().map(|c| c.1).max().unwrap_or(first);
    // One place: every candidate within two adjacent words, and joined by a two-word
    // candidate when they span both.
    let one_place = last == first
        || (last == first + 1 && candidates.iter().any(|c| c.1 == last && c.0 == first));
    one_place && candidates.iter().any(|(_, _, c)| accepted.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::facts::{Destination, FinancialStatus, FulfillmentStatus};

    fn order(email: &str, postcode: Option<&str>) -> Order {
        Order {
            id: "1".into(),
            number: "1006".into(),
            email: email.into(),
            created_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            financial_status: FinancialStatus::Paid,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            cancelled_at: None,
            line_items: Vec::new(),
            shipping_method: None,
            destination: Some(Destination {
                city: "Portland".into(),
                country: "US".into(),
                postcode: postcode.map(str::to_owned),
            }),
            fulfillments: Vec::new(),
            return_status: None,
            total: None,
        }
    }

    #[test]
    fn emails_match_trimmed_and_case_folded() {
        assert!(same_email(" Chen@Example.COM ", "chen@example.com"));
        assert!(same_email("élodie@Example.FR", "élodie@example.fr"));
        assert!(!same_email("chen@example.com", "jane@example.com"));
        assert!(!same_email("", ""));
        assert!(!same_email("  ", "  "));
    }

    #[test]
    fn emails_fold_ascii_case_only() {
        // Characters whose Unicode lower case is an ASCII letter or another address's letter.
        assert!(!same_email("kate@example.com", "\u{212A}ate@example.com")); // Kelvin sign
        assert!(!same_email(
            "\u{e5}sa@example.com",
            "\u{212B}sa@example.com"
        )); // angstrom sign
        assert!(!same_email("ÉLODIE@example.fr", "élodie@example.fr"));
        let chen = order("kate@example.com", None);
        let rule = Verification::SenderEmail;
        assert!(verify(rule, chen, Some("\u{212A}ATE@example.com"), "").is_err());
    }

    #[test]
    fn only_the_sender_address_proves_identity_by_default() {
        let chen = order("chen@example.com", Some("97205"));
        let rule = Verification::SenderEmail;
        assert!(verify(rule, chen.clone(), Some("CHEN@example.com"), "").is_ok());
        // An address typed into the message proves nothing.
        assert!(verify(rule, chen.clone(), None, "Hi, I am chen@example.com").is_err());
        assert!(verify(rule, chen.clone(), Some("jane@example.com"), "").is_err());
        // Nor does the postcode, unless the shop allows it.
        assert!(verify(rule, chen, None, "order 1006, zip 97205").is_err());
    }

    #[test]
    fn postcode_proves_identity_only_where_allowed() {
        let rule = Verification::SenderEmailOrPostcode;
        let chen = order("chen@example.com", Some("97205"));
        let verified = verify(rule, chen.clone(), None, "order 1006, zip 97205").unwrap();
        assert_eq!(verified.proof(), Proof::Postcode);
        assert!(verify(rule, chen, None, "order 1006, zip 97206").is_err());
        let london = order("a@example.com", Some("SW1A 1AA"));
        assert!(verify(rule, london.clone(), None, "#1006 postcode sw1a 1aa").is_ok());
        assert!(verify(rule, london.clone(), None, "#1006 postcode SW1A1AA").is_ok());
        assert!(verify(rule, london, None, "#1006 postcode SW1A").is_err());
        let zip4 = order("a@example.com", Some("97205-1234"));
        assert!(verify(rule, zip4, None, "#1006, 97205").is_ok());
        // An order without a postcode cannot be proved by one.
        assert!(verify(rule, order("a@example.com", None), None, "#1006 97205").is_err());
    }

    #[test]
    fn a_message_listing_many_postcodes_proves_nothing() {
        let rule = Verification::SenderEmailOrPostcode;
        let chen = order("chen@example.com", Some("97205"));
        // Every ZIP code from 97200 to 97299 in one message: one of them is right.
        let zips: Vec<String> = (97200..97300).map(|z| z.to_string()).collect();
        let spray = format!("order #1006, my zip is one of {}", zips.join(" "));
        assert!(verify(rule, chen.clone(), None, &spray).is_err());
        // Two are already too many, whichever comes first, and however they are separated.
        for message in [
            "order 1006, zip 97205 or 97206",
            "order 1006, zip 97206 or 97205",
            "order 1006, zip 97205/97206",
            "order 1006, zip 97205 97205-1234",
        ] {
            assert!(
                verify(rule, chen.clone(), None, message).is_err(),
                "{message}"
            );
        }
        // Postcodes of other shapes count too: a 4-digit one, a UK or Canadian one.
        for other in [
            "2000", "SW1A 1AA", "K1A 0B6", "1234 AB", "D02 X285", "100-0001",
        ] {
            let message = format!("order 1006, zip 97205, or maybe {other}");
            assert!(
                verify(rule, chen.clone(), None, &message).is_err(),
                "{message}"
            );
        }
        // Every 4-digit postcode in one message.
        let sydney = order("a@example.com", Some("2000"));
        let all: Vec<String> = (0..10_000).map(|z| format!("{z:04}")).collect();
        let spray = format!("#1006 postcode {}", all.join(" "));
        assert!(verify(rule, sydney.clone(), None, &spray).is_err());
        // Nor can two-word postcodes be listed.
        let london = order("a@example.com", Some("SW1A 1AA"));
        assert!(verify(rule, london.clone(), None, "#1006 SW1A 1AB SW1A 1AA").is_err());
        assert!(verify(rule, london, None, "#1006 SW1A 1AA SW1A").is_err());
        // Short words that would only make the postcode side by side are not read together.
        assert!(verify(rule, sydney, None, "#1006 postcode 20 00").is_err());
    }

    #[test]
    fn one_postcode_of_any_common_shape_proves_the_order() {
        let rule = Verification::SenderEmailOrPostcode;
        for (postcode, message) in [
            ("97205", "order 1006 is late, zip 97205"),
            ("97205-1234", "order 1006, zip 97205-1234"),
            ("97205-1234", "order 1006, zip 97205"),
            ("2000", "#1006, my postcode is 2000 so where is it"),
            ("SW1A 1AA", "#1006 postcode SW1A 1AA"),
            ("SW1A 1AA", "#1006 postcode sw1a1aa"),
            ("M1 1AE", "#1006, M1 1AE"),
            ("K1A 0B6", "#1006 postal code K1A 0B6"),
            ("1234 AB", "#1006 postcode 1234 AB"),
            ("D02 X285", "#1006 eircode D02 X285"),
            ("100-0001", "#1006 〒100-0001"),
        ] {
            let o = order("a@example.com", Some(postcode));
            let verified = verify(rule, o, None, message);
            assert!(verified.is_ok(), "{postcode}: {message}");
        }
        // A postcode of no known shape, or with no digit, proves nothing.
        let odd = order("a@example.com", Some("ABCDE"));
        assert!(verify(rule, odd, None, "#1006 ABCDE").is_err());
    }

    #[test]
    fn the_order_number_is_not_its_own_postcode() {
        let rule = Verification::SenderEmailOrPostcode;
        let odd = order("a@example.com", Some("1006"));
        assert!(verify(rule, odd.clone(), None, "where is order 1006").is_err());
    }

    #[test]
    fn trusted_channels_need_no_proof() {
        let chen = order("chen@example.com", None);
        let verified = verify(Verification::None, chen, None, "").unwrap();
        assert_eq!(verified.proof(), Proof::TrustedChannel);
    }
}
