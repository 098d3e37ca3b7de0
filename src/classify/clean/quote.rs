//! Cleaning stage: drops the quoted thread from plain text, line by line.
//!
//! Two shapes of reply exist. Top-posting (Gmail, Outlook, Apple Mail by default) puts the new
//! text first and the old thread under a header such as "On … wrote:" or an Outlook
//! "From: … Sent: …" block: everything from the header on is dropped. Bottom-posting and inline
//! replies put new text below (or between) `>`-quoted lines: only the quoted lines and the
//! header right above them are dropped, so the answer underneath survives.

use std::sync::LazyLock;

use regex::Regex;

/// What [`strip_quotes`] kept, and whether it dropped anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteStripped {
    /// The lines that are not part of a quote, joined with `\n`.
    pub text: String,
    /// Some line was dropped.
    pub removed: bool,
}

/// A reply header as mail clients write it, after a wrapped header has been joined onto one
/// line. Gmail, Apple Mail, Thunderbird and Outlook mobile in English, German, French, Spanish,
/// Dutch, Italian, Portuguese and the Scandinavian languages (whose header starts with "Den",
/// a weekday or the date: "Den mån 3 juni 2024 kl 10:12 skrev …", "man. 3. jun. 2024 kl. 10:12
/// skrev …", "3 juni 2024 kl. 10:12 skrev …"); Polish, Czech and Slovak, Finnish, Russian,
/// Turkish, Chinese and Korean by the verb that ends them; and, in any language, a header of
/// a date and time then a sender `<address>` with no verb at all (Gmail in Russian, Japanese,
/// Greek, Hebrew: "пн, 3 июн. 2024 г. в 10:12, Jane <j@x.com>:"). Chinese and Japanese
/// clients may end with a full-width colon.
static QUOTE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?:
            On\s.+?\swrote
          | Am\s.+?\sschrieb(?:\s.+)?
          | Le\s.+?\sa\s+écrit
          | El\s.+?\sescribió
          | Op\s.+?\sschreef(?:\s.+)?
          | Il\s.+?\sha\s+scritto
          | Em\s.+?\sescreveu
          | (?:Den\s.+?|(?:\p{L}{2,4}\.?\s)?\d.+?)\sskrev(?:\s.+)?
          | W\s+dniu\s.+?\snapisał(?:\(a\))?
          | Dnia\s.+?\spisze
          | (?:\p{L}{1,4}\.?,?\s+)?\d.+?\s(?:napsal|napísal)(?:\(a\))?
          | (?:\p{L}{1,4}\.?,?\s+)?\d.+?\skirjoitti
          | (?:\p{L}{1,4}\.?,?\s+)?\d.+?\s(?:пишет|написал(?:\(а\)|а)?)
          | .+?\starihinde\s+şunu\s+yazdı
          | .+?于.+?写道
          | \d.+?님이\s*작성
          | (?:\p{L}{1,4}\.?,?\s+)?\d.*\d{1,2}[:.]\d{2}.*<[^<>\s@]+@[^<>\s@]+>
        )\s*[:：]$",
    )
    .expect("quote header pattern compiles")
});

/// Every client puts a time, a year or the sender's address in its reply header; a customer's
/// own sentence ending in "wrote:" rarely has one, so this keeps "On Monday my sister wrote:"
/// in the message.
static HEADER_EVIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,2}[:.h]\d{2}|\b(?:19|20)\d{2}\b|@").expect("evidence pattern compiles")
});

/// A customer's own "On 3 June at 10:12 I wrote:" (or "you wrote", "we wrote", "my sister
/// wrote"): a client's header names the sender, never a pronoun or someone's relative, and
/// the new text that follows must stay.
static PRONOUN_WRITER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[\s,](?:i|you|we|he|she|they|(?:my|our|your|his|her|their)(?:\s+\p{L}+){1,2})\s+wrote\s*:$",
    )
    .expect("pronoun pattern compiles")
});

/// Separators that start a forwarded or original message: Gmail's and Thunderbird's dashed
/// lines, Outlook's "-----Original Message-----", each in the languages above.
static THREAD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^(?:
            -{2,}\s*(?:
                forwarded\ message | original\ message
              | weitergeleitete\ nachricht | ursprüngliche\ nachricht
              | message\ transféré | message\ d'origine
              | mensaje\ reenviado | mensaje\ original
              | doorgestuurd\ bericht | oorspronkelijk\ bericht
              | messaggio\ inoltrato | messaggio\ originale
              | mensagem\ encaminhada | mensagem\ original
              | vidarebefordrat\ meddelande | ursprungligt\ meddelande
              | videresendt\ meddelelse | oprindelig\ meddelelse
              | videresendt\ melding | opprinnelig\ melding
              | przekazana\ wiadomość | wiadomość\ oryginalna | oryginalna\ wiadomość
              | přeposlaná\ zpráva | původní\ zpráva
              | välitetty\ viesti | alkuperäinen\ viesti
              | пересылаемое\ сообщение | исходное\ сообщение
              | iletilen\ ileti | orijinal\ ileti
            )\s*-{2,}
          | (?:
                begin\ forwarded\ message | anfang\ der\ weitergeleiteten\ nachricht
              | début\ du\ message\ réexpédié | inicio\ del\ mensaje\ reenviado
              | begin\ doorgestuurd\ bericht | inizio\ messaggio\ inoltrato
              | início\ da\ mensagem\ reencaminhada
            )\s*:
        )$",
    )
    .expect("thread marker pattern compiles")
});

/// Outlook's plain-text separator above its header block.
static UNDERSCORE_RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^_{20,}$").expect("underscore rule pattern compiles"));

/// The labels of an Outlook (or Gmail forward, or Thunderbird) header block, by field, in the
/// languages above. Outlook bolds them in HTML, which some converters turn into `*From:*`.
static HEADER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^\*?(?:
            (?P<from>from|von|de|van|da|från|fra|expéditeur|remitente|mittente|od|lähettäjä|от|kimden)
          | (?P<date>sent|date|gesendet|datum|envoyé|enviado|fecha|verzonden|inviato|data|skickat|sendt
              |wysłano|wysłane|odesláno|lähetetty|отправлено|дата|gönderildi|tarih)
          | (?P<to>to|an|à|a|para|aan|till|til|destinataire|do|komu|vastaanottaja|кому|kime)
          | (?P<subject>subject|betreff|objet|asunto|onderwerp|oggetto|assunto|ämne|emne
              |temat|předmět|aihe|тема|konu)
          | (?P<cc>cc|kopie|cci)
        )\*?\s*:",
    )
    .expect("header label pattern compiles")
});

/// Where a header label's colon can be at the latest ("*Expéditeur* :" and a little slack).
const MAX_LABEL_BYTES: usize = 20;

/// Longest header a client wraps over several lines (Gmail wraps "On … <long address> wrote:").
const MAX_HEADER_LINES: usize = 3;

/// Drops `>`-quoted lines, reply headers with what they introduce, and forwarded or original
/// messages; see the [module documentation](self).
pub fn strip_quotes(text: &str) -> QuoteStripped {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::with_capacity(lines.len());
    let mut removed = false;
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if is_quoted(line) {
            removed = true;
            index += 1;
            continue;
        }
        if let Some(span) = quote_header_at(&lines, index) {
            removed = true;
            let next = index + span;
            let after_blanks = next
                + lines[next..]
                    .iter()
                    .take_while(|line| line.trim().is_empty())
                    .count();
            if lines.get(after_blanks).is_some_and(|line| is_quoted(line)) {
                // Bottom-posting: the quoted block goes line by line; text below it stays.
                index = after_blanks;
                continue;
            }
            break;
        }
        if starts_thread(&lines, index) {
            removed = true;
            break;
        }
        kept.push(line);
        index += 1;
    }
    QuoteStripped {
        text: kept.join("\n"),
        removed,
    }
}

/// A line quoted with `>` (at any depth). `>` must be followed by a space, another `>` or
/// nothing, so "<5 or >10 items" and ">50 orders" are not quotes.
pub fn is_quoted(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('>') else {
        return false;
    };
    rest.is_empty() || rest.starts_with([' ', '>', '\t'])
}

/// The number of lines (1 to [`MAX_HEADER_LINES`]) of a reply header starting at `index`.
fn quote_header_at(lines: &[&str], index: usize) -> Option<usize> {
    let window = &lines[index..lines.len().min(index + MAX_HEADER_LINES)];
    // Cheap test first, without allocating: every header ends with a colon, and a header never
    // spans a blank or quoted line.
    let mut joined = String::new();
    for (offset, line) in window.iter().map(|line| line.trim()).enumerate() {
        if line.is_empty() || (offset > 0 && is_quoted(line)) {
            return None;
        }
        if !line.ends_with([':', '：']) {
            continue;
        }
        if is_header(&window[..=offset], &mut joined) {
            // A header that starts on a later line is that line's: the customer's own line
            // above it, joined on, would otherwise be dropped with it.
            let later = offset > 0 && is_header(&window[1..=offset], &mut joined);
            return (!later).then_some(offset + 1);
        }
    }
    None
}

/// Whether `lines`, joined onto one (in `joined`), are a reply header.
fn is_header(lines: &[&str], joined: &mut String) -> bool {
    joined.clear();
    for (part, piece) in lines.iter().enumerate() {
        if part > 0 {
            joined.push(' ');
        }
        joined.push_str(piece.trim());
    }
    QUOTE_HEADER.is_match(joined)
        && HEADER_EVIDENCE.is_match(joined)
        && !PRONOUN_WRITER.is_match(joined)
}

/// Whether the old thread starts at `index`: a forward or original-message marker, an Outlook
/// header block, or the underscore rule right above one.
fn starts_thread(lines: &[&str], index: usize) -> bool {
    let line = lines[index].trim();
    if line.is_empty() {
        return false;
    }
    // Markers start with dashes or end with a colon; header blocks start with a label.
    let marker_shaped = line.starts_with('-') || line.ends_with(':');
    if (marker_shaped && THREAD_MARKER.is_match(line)) || header_block_at(lines, index) {
        return true;
    }
    UNDERSCORE_RULE.is_match(line)
        && lines[index + 1..]
            .iter()
            .enumerate()
            .take(3)
            .find(|(_, line)| !line.trim().is_empty())
            .is_some_and(|(offset, _)| header_block_at(lines, index + 1 + offset))
}

/// Whether a header block starts at `index`: consecutive `Label: value` lines naming at least
/// three of sender, date, recipient and subject, the sender among them. A customer's own
/// "From: … To: …" lines don't reach three.
fn header_block_at(lines: &[&str], index: usize) -> bool {
    const FROM: u8 = 1;
    const DATE: u8 = 2;
    const TO: u8 = 4;
    const SUBJECT: u8 = 8;
    let mut fields = 0u8;
    let mut unlabelled_run = 0;
    for line in lines[index..].iter().take(10) {
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        // Labels are short: a line without a colon near its start is not one.
        let labelled = line
            .char_indices()
            .take_while(|&(at, _)| at <= MAX_LABEL_BYTES)
            .any(|(_, c)| c == ':');
        let Some(captures) = labelled.then(|| HEADER_LABEL.captures(line)).flatten() else {
            // A long recipient list wraps onto a second line; more than that ends the block.
            if fields == 0 {
                return false;
            }
            unlabelled_run += 1;
            if unlabelled_run > 1 {
                break;
            }
            continue;
        };
        unlabelled_run = 0;
        fields |= [
            ("from", FROM),
            ("date", DATE),
            ("to", TO),
            ("subject", SUBJECT),
        ]
        .into_iter()
        .filter(|(name, _)| captures.name(name).is_some())
        .fold(0, |bits, (_, bit)| bits | bit);
    }
    fields & FROM != 0 && fields.count_ones() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> (String, bool) {
        let stripped = strip_quotes(text);
        (stripped.text, stripped.removed)
    }

    #[test]
    fn top_posted_reply_loses_header_and_thread() {
        let (text, removed) = strip(
            "I'd like to cancel please.\n\nOn Mon, 3 Jun 2024 at 10:12, Jane <j@x.com> wrote:\n\
             > Your order has shipped.\n> Thanks",
        );
        assert_eq!(text.trim(), "I'd like to cancel please.");
        assert!(removed);
    }

    #[test]
    fn bottom_posted_answer_below_the_quote_is_kept() {
        let (text, _) = strip(
            "On 3 Jun 2024, at 10:12, Shop <help@shop.com> wrote:\n\n> Can you confirm the size?\n\n\
             Size M please.\n\n> And the colour?\n\nBlue.",
        );
        assert_eq!(text.trim(), "Size M please.\n\n\nBlue.");
    }

    #[test]
    fn gmail_wrapped_header_is_recognised() {
        let (text, removed) = strip(
            "Cancel it.\n\nOn Mon, 3 Jun 2024 at 10:12, Jane Doe-Somebody <\n\
             jane.doe-somebody@example.com> wrote:\n\nOld text without quote marks",
        );
        assert_eq!(text.trim(), "Cancel it.");
        assert!(removed);
    }

    #[test]
    fn non_english_headers_are_recognised() {
        for header in [
            "Am 03.06.2024 um 10:12 schrieb Jane Doe <j@x.com>:",
            "Le lun. 3 juin 2024 à 10:12, Jane Doe <j@x.com> a écrit :",
            "El lun, 3 jun 2024 a las 10:12, Jane Doe (<j@x.com>) escribió:",
            "Op ma 3 jun 2024 om 10:12 schreef Jane Doe <j@x.com>:",
            "Il giorno lun 3 giu 2024 alle ore 10:12 Jane Doe <j@x.com> ha scritto:",
            "Em seg., 3 de jun. de 2024 às 10:12, Jane Doe <j@x.com> escreveu:",
            "Den mån 3 juni 2024 kl 10:12 skrev Jane Doe <j@x.com>:",
            "man. 3. jun. 2024 kl. 10.12 skrev Jane Doe <j@x.com>:",
            "3 juni 2024 kl. 10:12 skrev Jane Doe <j@x.com>:",
            "W dniu pon., 3 cze 2024 o 10:12 Jane Doe <j@x.com> napisał(a):",
            "Dnia 3.06.2024 o 10:12, Jane Doe pisze:",
            "po 3. 6. 2024 v 10:12 odesílatel Jane Doe <j@x.com> napsal:",
            "ma 3. kesäk. 2024 klo 10.12 Jane Doe <j@x.com> kirjoitti:",
            "03.06.2024 10:12, Jane Doe пишет:",
            "пн, 3 июн. 2024 г. в 10:12, Jane Doe <j@x.com>:",
            "Jane Doe <j@x.com>, 3 Haz 2024 Pzt, 10:12 tarihinde şunu yazdı:",
            "Jane Doe <j@x.com> 于2024年6月3日周一 10:12写道：",
            "2024年6月3日(月) 10:12 Jane Doe <j@x.com>:",
            "2024년 6월 3일 (월) 오전 10:12, Jane Doe <j@x.com>님이 작성:",
        ] {
            let (text, removed) = strip(&format!("New text\n{header}\nold text"));
            assert_eq!(text, "New text", "{header}");
            assert!(removed, "{header}");
        }
    }

    #[test]
    fn the_customers_line_above_a_header_that_starts_with_a_name_is_kept() {
        for header in [
            "Jane Doe <j@x.com>, 3 Haz 2024 Pzt, 10:12 tarihinde şunu yazdı:",
            "Jane Doe <j@x.com> 于2024年6月3日周一 10:12写道：",
        ] {
            let (text, removed) = strip(&format!(
                "Order 1234 please
{header}
old text"
            ));
            assert_eq!(
                (text.as_str(), removed),
                ("Order 1234 please", true),
                "{header}"
            );
        }
        // A header Gmail wrapped is still one header.
        let (text, removed) = strip(
            "Cancel it.
W dniu pon., 3 cze 2024 o 10:12 Jane Doe-Somebody <
             jane.doe-somebody@example.com> napisał(a):
old text",
        );
        assert_eq!((text.as_str(), removed), ("Cancel it.", true));
    }

    #[test]
    fn a_customer_line_with_a_time_and_an_address_is_not_a_header() {
        for text in [
            "I wrote to <help@shop.com> on 3 June at 10:30:
where is my order?",
            "3 parcels, sent 10:30 to <me@x.com>, arrived
but one is missing",
        ] {
            assert_eq!(strip(text), (text.to_owned(), false), "{text}");
        }
    }

    #[test]
    fn a_customer_sentence_ending_in_wrote_is_not_a_header() {
        let text = "On Monday my sister wrote:\nplease cancel her order too";
        assert_eq!(strip(text), (text.to_owned(), false));
    }

    #[test]
    fn a_customer_sentence_with_a_date_and_a_pronoun_before_wrote_is_not_a_header() {
        for text in [
            "Hello,\n\nOn 12/03/2024 at 10:12 you wrote:\nSorry, I meant order #1001, cancel it.",
            "Hi\nOn 3 June 2024 at 10:12 I wrote:\nwhere is my order #1001?",
            "On Monday, 3 June 2024, we wrote:\nthe parcel never came",
            "On Monday at 10:30 my sister wrote:\nplease cancel her order #1001 too",
            "On 3 June 2024 our office manager wrote:\nwhere is the order?",
        ] {
            assert_eq!(strip(text), (text.to_owned(), false), "{text}");
        }
        // A sender whose name ends in a pronoun-like word still has a name before it.
        let (text, removed) = strip("New\nOn 3 Jun 2024 at 10:12, Jane I. <j@x.com> wrote:\n> old");
        assert_eq!((text.as_str(), removed), ("New", true));
    }

    #[test]
    fn outlook_header_blocks_cut_the_thread_in_several_languages() {
        for block in [
            "From: Shop <help@shop.com>\nSent: Monday, June 3, 2024 10:12 AM\nTo: Jane <j@x.com>\nSubject: RE: Order",
            "Von: Shop <help@shop.com>\nGesendet: Montag, 3. Juni 2024 10:12\nAn: Jane <j@x.com>\nBetreff: AW: Bestellung",
            "De : Shop <help@shop.com>\nEnvoyé : lundi 3 juin 2024 10:12\nÀ : Jane <j@x.com>\nObjet : RE: Commande",
            "De: Shop <help@shop.com>\nEnviado: lunes, 3 de junio de 2024 10:12\nPara: Jane <j@x.com>\nAsunto: RE: Pedido",
            "Van: Shop <help@shop.com>\nVerzonden: maandag 3 juni 2024 10:12\nAan: Jane <j@x.com>\nOnderwerp: RE: Bestelling",
            "Od: Shop <help@shop.com>\nWysłane: poniedziałek, 3 czerwca 2024 10:12\nDo: Jane <j@x.com>\nTemat: RE: Zamówienie",
            "От: Shop <help@shop.com>\nОтправлено: 3 июня 2024 г. 10:12\nКому: Jane <j@x.com>\nТема: RE: Заказ",
            "Kimden: Shop <help@shop.com>\nGönderildi: 3 Haziran 2024 Pazartesi 10:12\nKime: Jane <j@x.com>\nKonu: RE: Sipariş",
        ] {
            let (text, removed) = strip(&format!("New text\n\n________________________________\n{block}\n\nold"));
            assert_eq!(text.trim(), "New text", "{block}");
            assert!(removed);
        }
    }

    #[test]
    fn two_header_lines_of_a_customer_are_not_a_block() {
        let text = "From: my office\nTo: your warehouse\nthe parcel never left";
        assert_eq!(strip(text), (text.to_owned(), false));
    }

    #[test]
    fn forward_and_original_message_markers_cut() {
        for marker in [
            "---------- Forwarded message ---------",
            "-----Original Message-----",
            "-------- Original Message --------",
            "-----Ursprüngliche Nachricht-----",
            "---------- Message transféré ---------",
            "Begin forwarded message:",
            "---------- Przekazana wiadomość ---------",
            "-------- Исходное сообщение --------",
            "---------- Пересылаемое сообщение ---------",
        ] {
            let (text, removed) = strip(&format!("FYI\n\n{marker}\nFrom: a\nold"));
            assert_eq!(text.trim(), "FYI", "{marker}");
            assert!(removed);
        }
    }

    #[test]
    fn greater_than_needs_a_space_to_be_a_quote() {
        assert!(is_quoted("> hi") && is_quoted(">> hi") && is_quoted(">") && is_quoted("  > x"));
        assert!(!is_quoted(">50 orders") && !is_quoted("a > b"));
    }
}
