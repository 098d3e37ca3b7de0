//! Message cleaning on the shapes real mail clients send (tests/fixtures/mail, see its
//! README.md), its effect on the bundled model, and robustness on arbitrary input.

use deskbot::classify::clean::{clean_message, CleanedMessage};
use deskbot::{Intent, IntentModel};
use proptest::prelude::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn clean(name: &str) -> CleanedMessage {
    clean_message(&fixture(name))
}

/// Asserts the cleaned text and the flags (was_html, removed_quote, removed_signature,
/// kept_whole).
fn check(name: &str, text: &str, flags: (bool, bool, bool, bool)) {
    let cleaned = clean(name);
    assert_eq!(cleaned.text, text, "{name}");
    assert_eq!(
        (
            cleaned.was_html,
            cleaned.removed_quote,
            cleaned.removed_signature,
            cleaned.kept_whole
        ),
        flags,
        "{name}: (was_html, removed_quote, removed_signature, kept_whole)"
    );
}

const PLAIN_QUOTE: (bool, bool, bool, bool) = (false, true, false, false);
const HTML_QUOTE: (bool, bool, bool, bool) = (true, true, false, false);

#[test]
fn gmail_plain_reply() {
    check(
        "gmail-plain-reply.txt",
        "I'd like to cancel please.",
        PLAIN_QUOTE,
    );
}

#[test]
fn gmail_html_reply() {
    check(
        "gmail-html-reply.html",
        "I'd like to cancel please.\n\nMaria",
        HTML_QUOTE,
    );
}

#[test]
fn outlook_html_reply_with_div_rply_fwd_msg() {
    check(
        "outlook-html-reply.html",
        "Where is my parcel? The tracking has not changed for a week.\n\nTom",
        HTML_QUOTE,
    );
}

#[test]
fn outlook_desktop_word_html_in_german_is_cut_at_its_header_block() {
    check(
        "outlook-desktop-word-de.html",
        // Word gives every line its own <p>; without its CSS they render as paragraphs.
        "Hallo,\n\nwo bleibt meine Bestellung? Sie sollte letzte Woche ankommen.\n\nGruß\n\nJonas",
        HTML_QUOTE,
    );
}

#[test]
fn outlook_plain_original_message() {
    check(
        "outlook-plain-original-message.txt",
        "Please cancel order 10442, I ordered the wrong size.\n\nThanks\nMaria",
        PLAIN_QUOTE,
    );
}

#[test]
fn apple_mail_html_blockquote_cite() {
    check(
        "apple-mail-html-reply.html",
        "I never got the parcel, but the tracking says it was delivered yesterday.\n\nEmma",
        HTML_QUOTE,
    );
}

#[test]
fn thunderbird_moz_cite_prefix_and_signature() {
    check(
        "thunderbird-html-reply.html",
        "I want to return the shoes, they are too small.\n\nLucas",
        (true, true, true, false),
    );
}

#[test]
fn html_only_newsletter_like_body_loses_all_markup() {
    let cleaned = clean("newsletter-html-only.html");
    assert!(cleaned.was_html && !cleaned.removed_quote && !cleaned.kept_whole);
    for kept in [
        "Hello Ana,",
        "My order #10442 arrived with a broken mug & a missing saucer. Can you send a replacement?",
        "Blue mug",
        "View my account",
    ] {
        assert!(
            cleaned.text.contains(kept),
            "{kept:?} in {:?}",
            cleaned.text
        );
    }
    for gone in [
        "<",
        ">",
        "&amp;",
        "font-family",
        "@media",
        "tracking",
        "mso",
        "Your order",
    ] {
        assert!(
            !cleaned.text.contains(gone),
            "{gone:?} in {:?}",
            cleaned.text
        );
    }
}

#[test]
fn non_english_quote_headers() {
    check(
        "german-apple-mail.txt",
        "Bitte stornieren Sie meine Bestellung.\n\nViele Grüße\nLena",
        PLAIN_QUOTE,
    );
    check(
        "german-gmail.txt",
        "Bitte stornieren Sie meine Bestellung.",
        PLAIN_QUOTE,
    );
    check("french-gmail.txt", "Où est mon colis ?", PLAIN_QUOTE);
    check("spanish-gmail.txt", "¿Dónde está mi pedido?", PLAIN_QUOTE);
    check("dutch-gmail.txt", "Waar is mijn pakket?", PLAIN_QUOTE);
}

#[test]
fn forwarded_message_with_a_note_keeps_the_note() {
    check(
        "gmail-forward-with-note.txt",
        "This is the order I asked about, please cancel it.",
        PLAIN_QUOTE,
    );
}

#[test]
fn a_bare_forward_is_kept_whole_rather_than_emptied() {
    let raw = fixture("gmail-forward-only.txt");
    let cleaned = clean_message(&raw);
    assert!(cleaned.kept_whole);
    assert!(!cleaned.removed_quote && !cleaned.removed_signature);
    assert!(cleaned
        .text
        .starts_with("---------- Forwarded message ---------\nFrom: Shop Support"));
    assert!(cleaned.text.ends_with("Thanks for your order #10442."));
}

#[test]
fn iphone_footer_and_quote_are_dropped() {
    check(
        "iphone-footer.txt",
        "Hi, my parcel still hasn't arrived. Order 10442.",
        (false, true, true, false),
    );
}

#[test]
fn bottom_posted_answers_below_the_quotes_are_kept() {
    check(
        "bottom-posted-inline.txt",
        "The grey hoodie, it is too big.\n\nA refund please.",
        (false, true, true, false),
    );
}

/// The two cases from the bug report: a quoted thread and markup both cost the model
/// confidence; cleaned, both clear the model's own automate threshold.
#[test]
fn cleaning_lifts_the_bundled_model_above_its_automate_threshold() {
    let model = IntentModel::load(format!(
        "{}/models/intent-model.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("bundled model loads");
    for (raw, intent) in [
        (fixture("gmail-plain-reply.txt"), Intent::Cancel),
        (
            "<p>Where is my <b>dress</b>?</p>".to_owned(),
            Intent::Tracking,
        ),
    ] {
        let before = model.classify(&raw);
        let cleaned = clean_message(&raw);
        let after = model.classify(&cleaned.text);
        let threshold = model.thresholds().for_intent(intent);
        assert_eq!(after.intent, intent, "{raw:?} → {:?}", cleaned.text);
        assert!(
            after.confidence >= threshold && after.decision.is_automate(),
            "{intent}: {:.3} after cleaning, threshold {threshold:.3}",
            after.confidence
        );
        let before_intent = before
            .scores
            .iter()
            .find(|s| s.label == intent)
            .expect("every intent is scored")
            .probability;
        assert!(
            after.confidence > before_intent,
            "{intent}: {:.3} raw, {:.3} cleaned",
            before_intent,
            after.confidence
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Arbitrary text never panics and never comes back empty when it had letters or digits.
    #[test]
    fn cleaning_arbitrary_text_never_panics_or_empties(raw in "\\PC{0,300}") {
        let cleaned = clean_message(&raw);
        if raw.chars().any(char::is_alphanumeric) {
            prop_assert!(cleaned.text.chars().any(char::is_alphanumeric), "{:?} → {:?}", raw, cleaned);
        }
    }

    /// Mail-shaped noise: tags, quote markers, header words, entities and line breaks mixed.
    #[test]
    fn cleaning_mail_shaped_noise_never_panics_or_empties(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<div>"), Just("</div>"), Just("<blockquote type=\"cite\">"), Just("</blockquote>"),
                Just("<div class=\"gmail_quote\">"), Just("<div id=\"appendonsend\"></div>"), Just("<br>"),
                Just("<p>"), Just("<script>"), Just("&amp;"), Just("&nbsp;"), Just("\n"), Just("\r\n"),
                Just("> "), Just("-- \n"), Just("On 3 Jun 2024 at 10:12, Jane <j@x.com> wrote:\n"),
                Just("From: a\nSent: b\nTo: c\nSubject: d\n"), Just("-----Original Message-----\n"),
                Just("Sent from my iPhone\n"), Just("where is my order"), Just("x"), Just("<"), Just(">"),
            ],
            0..40,
        )
    ) {
        let raw: String = parts.concat();
        let cleaned = clean_message(&raw);
        if raw.chars().any(char::is_alphanumeric) {
            prop_assert!(cleaned.text.chars().any(char::is_alphanumeric), "{:?} → {:?}", raw, cleaned);
        }
    }
}
