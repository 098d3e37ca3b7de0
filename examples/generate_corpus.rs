//! Writes N labelled messages for training benchmarks, in one of two styles:
//!
//! - **pairs** (default): each is a bundled training message followed by the first third of
//!   another message of the same intent. Its vocabulary stops growing once the bundled data is
//!   used up, so it flatters the trainer.
//! - **long tail** (`--long-tail`): bundled-style messages with what real shop mail carries mixed
//!   in — customer names, product names and model codes, order numbers, e-mail addresses, typos
//!   and rare words. These are drawn from pools far larger than any set, with a heavy-tailed
//!   (log-uniform) choice, so the vocabulary keeps growing with the number of messages as it does
//!   in a real inbox.
//!
//! ```text
//! cargo run --release --example generate_corpus -- 50000 /tmp/corpus-50k.csv
//! cargo run --release --example generate_corpus -- --long-tail 50000 /tmp/long-tail-50k.csv
//! ```
//!
//! Both are deterministic (a seeded LCG, no randomness crate). This is load-test data, not
//! training data. Benches include this file with `#[path]` and call [`generate`] or
//! [`generate_long_tail`].

use std::path::Path;

use deskbot::classify::dataset::{Dataset, LabelledMessage};

/// The seed `--long-tail` uses, so the CLI and the benches build the same set.
#[allow(dead_code)]
pub const LONG_TAIL_SEED: u64 = 0x5EED_0010;

/// A 64-bit LCG (Knuth's MMIX constants): reproducible without a dependency.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        // One step first, so that nearby seeds do not start on nearby states.
        let mut lcg = Lcg(seed ^ 0x2545_F491_4F6C_DD1D);
        lcg.next();
        lcg
    }

    /// 31 well-mixed bits (the high ones; an LCG's low bits are weak).
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A heavy-tailed index in `0..pool`: log-uniform, so index 0 is common and each further
    /// decade is as likely as the one before. Most draws repeat earlier ones, and new ones keep
    /// coming however many are made — the shape of names and rare words in real mail.
    fn long_tail(&mut self, pool: usize) -> usize {
        let unit = self.next() as f64 / f64::from(1u32 << 31);
        ((pool as f64).powf(unit) - 1.0) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// `count` messages from pairs of `source` messages of the same intent.
pub fn generate(source: &Dataset, count: usize) -> Vec<LabelledMessage> {
    let messages = &source.messages;
    let mut rng = Lcg(0x2545_F491_4F6C_DD1D);
    (0..count)
        .map(|_| {
            let first = &messages[rng.below(messages.len())];
            let second = same_intent(&mut rng, messages, first);
            let words: Vec<&str> = second.text.split_whitespace().collect();
            let fragment = words[..words.len().div_ceil(3)].join(" ");
            LabelledMessage {
                text: format!("{} {fragment}", first.text),
                label: first.label,
            }
        })
        .collect()
}

fn same_intent<'a>(
    rng: &mut Lcg,
    messages: &'a [LabelledMessage],
    like: &LabelledMessage,
) -> &'a LabelledMessage {
    loop {
        let candidate = &messages[rng.below(messages.len())];
        if candidate.label == like.label {
            return candidate;
        }
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "James", "Maria", "Tom", "Priya", "Lukas", "Sofia", "Ahmed", "Chloe", "Daniel", "Mei",
    "Olivia", "Jonas", "Fatima", "Liam", "Emma", "Noah", "Aisha", "Mateo", "Hannah", "Kenji",
    "Zoe", "Ivan", "Grace", "Omar", "Lea", "Carlos", "Nina", "Ethan", "Yuki",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "sto", "val", "dor", "bri", "an", "tel", "quin", "mar", "zu", "fen",
    "ol", "gri", "sa", "ber", "tho", "wy", "nix", "par", "del", "ros", "ven", "li", "cor", "hal",
    "ub", "es", "tra", "mon",
];
const PRODUCTS: &[&str] = &[
    "dress",
    "jacket",
    "sneakers",
    "headphones",
    "lamp",
    "backpack",
    "kettle",
    "phone case",
    "hoodie",
    "watch strap",
    "blender",
    "jeans",
    "scarf",
    "charger",
    "yoga mat",
    "sunglasses",
    "duvet cover",
    "mug set",
    "keyboard",
    "boots",
];
const COLOURS: &[&str] = &[
    "blue", "black", "red", "olive", "navy", "cream", "grey", "pink", "white", "mustard",
];
const FILLERS: &[&str] = &[
    "btw",
    "honestly",
    "lol",
    "pls",
    "asap",
    "fyi",
    "again",
    "seriously",
    "tbh",
    "thx",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "web.de",
    "icloud.com",
];

/// A pronounceable made-up word for pool index `index`: distinct indices give distinct words.
fn made_up_word(mut index: usize, min_syllables: usize) -> String {
    let mut word = String::new();
    let mut syllables = 0;
    while syllables < min_syllables || index > 0 {
        word.push_str(SYLLABLES[index % SYLLABLES.len()]);
        index /= SYLLABLES.len();
        syllables += 1;
    }
    word
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One typo of the kinds people make: two letters swapped, one dropped, or one doubled.
fn with_typo(rng: &mut Lcg, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return word.to_string();
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

fn customer_name(rng: &mut Lcg) -> String {
    format!(
        "{} {}",
        rng.pick(FIRST_NAMES),
        capitalised(&made_up_word(rng.long_tail(200_000), 2))
    )
}

fn product(rng: &mut Lcg) -> String {
    let brand = capitalised(&made_up_word(rng.long_tail(50_000), 2));
    let mut product = format!("{brand} {} {}", rng.pick(COLOURS), rng.pick(PRODUCTS));
    if rng.chance(40) {
        let letters = made_up_word(rng.long_tail(2_000), 1).to_uppercase();
        product.push_str(&format!(" {letters}-{}", 100 + rng.long_tail(9_900)));
    }
    product
}

/// `count` long-tail messages built on `source` (see the module comment); the same `seed`
/// always gives the same messages.
pub fn generate_long_tail(source: &Dataset, count: usize, seed: u64) -> Vec<LabelledMessage> {
    let messages = &source.messages;
    let mut rng = Lcg::new(seed);
    (0..count)
        .map(|_| {
            let base = &messages[rng.below(messages.len())];
            let mut words: Vec<String> = base.text.split_whitespace().map(String::from).collect();
            if rng.chance(35) {
                let second = same_intent(&mut rng, messages, base);
                let extra: Vec<&str> = second.text.split_whitespace().collect();
                words.extend(
                    extra[..extra.len().div_ceil(2)]
                        .iter()
                        .map(|w| w.to_string()),
                );
            }
            if rng.chance(45) {
                let at = rng.below(words.len() + 1);
                let mention = format!("the {}", product(&mut rng));
                words.splice(at..at, mention.split(' ').map(String::from));
            }
            if rng.chance(30) {
                let number = format!("#{}", 10_000 + rng.below(990_000));
                words.insert(rng.below(words.len() + 1), number);
            }
            // Rare words: made-up words from a million-word pool, as surnames, street names,
            // slang and jargon are to a shop's vocabulary.
            for _ in 0..rng.below(3) {
                let rare = made_up_word(rng.long_tail(1_000_000), 2);
                words.insert(rng.below(words.len() + 1), rare);
            }
            if rng.chance(15) {
                words.insert(rng.below(words.len() + 1), rng.pick(FILLERS).to_string());
            }
            for word in words.iter_mut() {
                if rng.chance(4) {
                    *word = with_typo(&mut rng, word);
                }
            }
            let mut text = words.join(" ");
            if rng.chance(25) {
                text = format!("Hi, this is {}. {text}", customer_name(&mut rng));
            }
            if rng.chance(35) {
                let name = customer_name(&mut rng);
                let sign_off = ["Thanks,", "Best,", "Regards,", "Cheers,"][rng.below(4)];
                text.push_str(&format!(" {sign_off} {name}"));
                if rng.chance(30) {
                    let user = name.to_lowercase().replace(' ', ".");
                    text.push_str(&format!(" {user}@{}", rng.pick(DOMAINS)));
                }
            }
            LabelledMessage {
                text,
                label: base.label,
            }
        })
        .collect()
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (long_tail, rest) = match args.split_first() {
        Some((flag, rest)) if flag == "--long-tail" => (true, rest),
        _ => (false, &args[..]),
    };
    let [count, out] = rest else {
        return Err("usage: generate_corpus [--long-tail] COUNT OUT.csv".into());
    };
    let count: usize = count.parse().map_err(|e| format!("COUNT {count:?}: {e}"))?;
    let source = Dataset::load(Path::new("training-data"))?;
    let messages = if long_tail {
        generate_long_tail(&source, count, LONG_TAIL_SEED)
    } else {
        generate(&source, count)
    };
    let mut writer = csv::Writer::from_path(out)?;
    writer.write_record(["text", "intent"])?;
    for message in messages {
        writer.write_record([message.text.as_str(), message.label.as_str()])?;
    }
    writer.flush()?;
    Ok(())
}
