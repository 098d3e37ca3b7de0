//! Varied support messages for latency benches: 5–40 words (mean about 23), in the five intents'
//! phrasings, with order numbers, e-mail addresses, customer names, product names, some typos
//! and some non-ASCII text (accented names, curly quotes, euro amounts, emoji, and now and then
//! full-width digits or a ligature, which need NFKC).
//!
//! Built from its own phrase lists, not from the training data, so the bench does not classify
//! messages the model was fitted on. Deterministic: a seeded SplitMix64, no randomness crate, so
//! every run and every machine times the same messages.

/// The seed the latency benches use.
pub const SEED: u64 = 0x0DE5_CB07_2026;

/// SplitMix64: tiny, well mixed, and reproducible everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GREETINGS: &[&str] = &[
    "Hi,",
    "Hello,",
    "Hey",
    "Hi there,",
    "Good morning,",
    "Dear support team,",
    "Hallo,",
    "hi",
];

/// The core request of each intent; `{order}`, `{product}`, `{email}`, `{date}`, `{money}` and
/// `{tracking}` are filled in.
const CORES: &[&[&str]] = &[
    // tracking
    &[
        "where is my order {order}?",
        "has my package shipped yet? it's order {order}",
        "can you send me the tracking number for {order}",
        "the tracking link hasn't updated since {date}",
        "when will my {product} arrive?",
        "it says out for delivery but nothing came today",
        "was it delivered yet? tracking {tracking}",
        "I'm still waiting for the {product} I ordered on {date}",
    ],
    // return
    &[
        "I want to return the {product} from order {order}",
        "how do I send back the {product}? it doesn't fit",
        "the {product} is too small, can I get a refund",
        "I need a return label for {order}",
        "received the wrong size, can I exchange the {product}",
        "the {product} arrived damaged and I'd like my {money} back",
    ],
    // missing item
    &[
        "my parcel arrived but the {product} was missing",
        "only got 2 of the 3 items in {order}",
        "the box came empty, no {product} inside",
        "one item is missing from my order {order}",
        "the delivery for {order} didn't include the {product}",
    ],
    // cancel
    &[
        "please cancel order {order}",
        "I ordered the wrong {product} by mistake, cancel it please",
        "can I still cancel my order before it ships? {order}",
        "cancel my order and refund the {money} to my card",
        "I changed my mind about the {product}, please cancel {order}",
    ],
    // other
    &[
        "do you have the {product} in green?",
        "what are your opening hours on {date}",
        "can I change the delivery address for {order}",
        "is there a student discount on the {product}",
        "my password reset email never arrives at {email}",
        "do you ship to Canada and how much is it",
        "can I pay with PayPal or only by card",
    ],
];

/// Extra clauses that lengthen a message without changing its intent.
const DETAILS: &[&str] = &[
    "I paid {money} on {date}.",
    "My email is {email}.",
    "I ordered it as a birthday present for my daughter.",
    "This is the second time I'm writing about this.",
    "Please reply as soon as possible.",
    "The order number is {order}.",
    "I live in a flat so the courier needs to ring.",
    "Tracking says {tracking} but the page shows nothing.",
    "It was supposed to come on {date}.",
    "Honestly I'm very disappointed.",
    "I have been a customer for years and never had this problem.",
    "I need it before the weekend.",
    "The {product} looked great on the website.",
    "Could you check with the warehouse?",
    "My neighbour didn't get anything either.",
    "I already checked my spam folder.",
    "Let me know what you need from me.",
    "It's quite urgent — thank you!",
];

const SIGN_OFFS: &[&str] = &[
    "Thanks,",
    "Thank you,",
    "Regards,",
    "Best,",
    "Cheers,",
    "Many thanks,",
];

const NAMES: &[&str] = &[
    "Maria Gonzalez",
    "John Smith",
    "Aisha Khan",
    "Tom Becker",
    "José Álvarez",
    "Zoë Martin",
    "Łukasz Nowak",
    "Chloé Dubois",
    "Priya Patel",
    "Kenji Tanaka",
    "Søren Jensen",
    "Liam O’Brien",
    "Emma Müller",
    "Nguyễn Văn An",
    "Olivia Brown",
    "Ahmed Hassan",
];

const PRODUCTS: &[&str] = &[
    "blue linen dress",
    "AirFlow running shoes",
    "ceramic coffee mug",
    "wireless earbuds",
    "kids rain jacket",
    "Nordic wool blanket",
    "iPhone 15 case",
    "yoga mat",
    "steel water bottle",
    "leather wallet",
    "LED desk lamp",
    "gaming headset",
    "face serum",
    "espresso beans",
    "size 38 sneakers",
    "Crème brûlée set",
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.co.uk",
    "web.de",
    "icloud.com",
];

/// Non-ASCII that NFKC changes: full-width digits, a ligature, a compatibility character.
const NEEDS_NFKC: &[&str] = &["（＃１２３４５）", "ﬁne", "№ 7", "½ price"];

/// Non-ASCII that is already NFKC.
const ALREADY_NFKC: &[&str] = &["🙏", "😡", "merci", "danke schön", "—", "…", "€"];

fn fill(rng: &mut SplitMix, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("templates close their slots");
        out.push_str(&slot(rng, &rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn slot(rng: &mut SplitMix, name: &str) -> String {
    match name {
        "order" => match rng.below(4) {
            0 => format!("#{}", 10_000 + rng.below(90_000)),
            1 => format!("{}", 100_000 + rng.below(900_000)),
            2 => format!("no. {}", 1_000 + rng.below(9_000)),
            _ => format!("#{}", 1_000 + rng.below(9_000)),
        },
        "product" => rng.pick(PRODUCTS).to_owned(),
        "email" => {
            // Addresses are ASCII even when the name is not.
            let name: String = rng
                .pick(NAMES)
                .to_lowercase()
                .chars()
                .map(|c| if c == ' ' { '.' } else { c })
                .filter(|c| c.is_ascii_alphabetic() || *c == '.')
                .collect();
            format!("{name}{}@{}", rng.below(100), rng.pick(DOMAINS))
        }
        "date" => match rng.below(3) {
            0 => format!("{}/{:02}", 1 + rng.below(28), 1 + rng.below(12)),
            1 => rng
                .pick(&["Monday", "Tuesday", "Friday", "the weekend"])
                .to_owned(),
            _ => format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
        },
        "money" => match rng.below(3) {
            0 => format!("${}.{:02}", 5 + rng.below(300), rng.below(100)),
            1 => format!("€{},{:02}", 5 + rng.below(300), rng.below(100)),
            _ => format!("£{}", 5 + rng.below(300)),
        },
        "tracking" => match rng.below(2) {
            0 => format!("1Z999AA1{:010}", rng.next() % 10_000_000_000),
            _ => format!("94001{:017}", rng.next() % 100_000_000_000_000_000),
        },
        other => unreachable!("unknown slot {other}"),
    }
}

/// One typo of the kinds people make: two letters swapped, one dropped, or one doubled.
fn with_typo(rng: &mut SplitMix, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return word.to_owned();
    }
    let at = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(at, at + 1),
        1 => {
            chars.remove(at);
        }
        _ => chars.insert(at, chars[at]),
    }
    chars.into_iter().collect()
}

/// One message of about `target` words (always 5–40).
fn message(rng: &mut SplitMix, target: usize) -> String {
    let mut words: Vec<String> = Vec::new();
    let push = |words: &mut Vec<String>, text: &str| {
        words.extend(text.split_whitespace().map(str::to_owned))
    };
    if rng.chance(60) {
        push(&mut words, rng.pick(GREETINGS));
    }
    let intent = CORES[rng.below(CORES.len())];
    let core = rng.pick(intent);
    let core = fill(rng, core);
    push(&mut words, &core);
    // Leave room for a sign-off; lengthen with details until the target is reached.
    let sign_off = rng.chance(35);
    let room = if sign_off { 3 } else { 0 };
    while words.len() + room < target {
        let detail = rng.pick(DETAILS);
        let detail = fill(rng, detail);
        push(&mut words, &detail);
    }
    words.truncate(target.saturating_sub(room).max(5));
    if rng.chance(10) {
        let at = rng.below(words.len() + 1);
        let extra = if rng.chance(25) {
            rng.pick(NEEDS_NFKC)
        } else {
            rng.pick(ALREADY_NFKC)
        };
        words.insert(at, extra.to_owned());
        words.truncate(40);
    }
    // A few careless writers make most of the typos.
    let typo_percent = if rng.chance(20) { 15 } else { 2 };
    for word in words.iter_mut() {
        if rng.chance(typo_percent) {
            *word = with_typo(rng, word);
        }
    }
    if sign_off && words.len() + 3 <= 40 {
        push(&mut words, rng.pick(SIGN_OFFS));
        push(&mut words, rng.pick(NAMES));
        words.truncate(40);
    }
    words.join(" ")
}

/// `count` varied messages; the same `seed` always gives the same messages.
pub fn generate(count: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix(seed);
    (0..count)
        .map(|_| {
            // Sum of two uniforms: a hump around the middle, 5–40 words, mean 22.5.
            let target = 5 + (rng.below(18) + rng.below(19));
            message(&mut rng, target)
        })
        .collect()
}

/// Length and character statistics of a message set, printed by the benches so each figure
/// comes with the shape of the data it was measured on.
pub fn describe(messages: &[String]) -> String {
    let lengths: Vec<usize> = messages
        .iter()
        .map(|m| m.split_whitespace().count())
        .collect();
    let mean = lengths.iter().sum::<usize>() as f64 / lengths.len().max(1) as f64;
    let non_ascii = messages.iter().filter(|m| !m.is_ascii()).count();
    format!(
        "{} messages, {}–{} words (mean {mean:.1}), {} with non-ASCII text",
        messages.len(),
        lengths.iter().min().unwrap_or(&0),
        lengths.iter().max().unwrap_or(&0),
        non_ascii
    )
}
