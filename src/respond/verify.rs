//! Who may see an order: only the channel's sender address (or, where the shop allows it, the
//! order's shipping postcode) proves that a message comes from the order's customer. Text in the
//! message never does: order numbers are sequential and e-mail addresses are easy to type.

use serde::Deserialize;

use crate::respond::facts::Order;

/// How an order is tied to the person asking (`[orders] verify` in the policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// The order's e-mail must be the sender's (trimmed, case folded). With no sender address,
    /// the reply asks the customer to write from the address on the order. The default.
    #[default]
    SenderEmail,
    /// As `sender_email`, or the order's shipping postcode written in the message.
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

/// E-mail addresses compared as platforms store them: surrounding whitespace ignored, case
/// folded. An empty address matches nothing.
pub fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && (a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase())
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

/// Whether the message states the order's shipping postcode as a word or two adjacent words
/// ("SW1A 1AA"). A US ZIP+4 on the order also matches its five-digit ZIP. The order number
/// itself never counts, even when it happens to equal the postcode.
pub fn postcode_in_message(order: &Order, message: &str) -> bool {
    let Some(postcode) = order
        .destination
        .as_ref()
        .and_then(|d| d.postcode.as_deref())
        .map(compact_postcode)
        .filter(|p| p.len() >= MIN_POSTCODE_LEN)
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
    let single = words.iter().cloned();
    let pairs = words
        .windows(2)
        .map(|pair| format!("{}{}", pair[0], pair[1]));
    single
        .chain(pairs)
        .filter(|candidate| *candidate != order_number)
        .any(|candidate| accepted.contains(&candidate))
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
        assert!(same_email("ÉLODIE@example.fr", "élodie@example.fr"));
        assert!(!same_email("chen@example.com", "jane@example.com"));
        assert!(!same_email("", ""));
        assert!(!same_email("  ", "  "));
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
