//! The mutation engine: one input is a seed from the target's corpus, changed by a stack of
//! random edits — bit and byte flips, inserted, deleted, duplicated or copied ranges, a splice
//! with another seed, dictionary tokens, a number swapped for an extreme one, an odd character.
//! Every choice comes from the caller's seeded RNG, so an input is a pure function of it.

use rand::seq::IndexedRandom;
use rand::Rng;

/// Tokens that have broken parsers and templates before, inserted whole.
pub const COMMON_TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{ shop.name }}",
    "{% raw %}",
    "\"",
    "'",
    ",",
    "\r\n",
    "\n",
    "\r",
    "\t",
    "\u{FEFF}",
    "\0",
    "\\",
    "\\u0000",
    "1e308",
    "-1e308",
    "1e309",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-0",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
    "None",
    "null",
    "undefined",
    "#1006",
    "#1001",
    "order #1011",
    "#9999",
    "#0",
    "chen@example.com",
    "jane@example.com",
    " CHEN@Example.COM ",
    "nobody@example.com",
    "1ZE7V2180355089359",
    "9400111798643261622439",
    "9400111104639405802109",
    "7465097080",
    "714015965560",
    "RR123456785ZZ",
    "RB123456785US",
    "\u{202E}",
    "\u{202B}",
    "\u{200F}",
    "\u{200B}",
    "\u{200D}",
    "\u{2060}",
    "\u{00A0}",
    "\u{3000}",
    "\u{FF11}\u{FF3A}",
    "e\u{301}",
    "\u{1F9E3}",
    "ﷺ",
    "İ",
    "ß",
    "\u{10FFFF}",
];

/// Numbers that stress range checks, swapped in for a number already in the input.
pub const EXTREME_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "4.9e-324",
    "1e-320",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-0",
    "-0.0",
    "0",
    "-1",
    "2",
    "0.5",
    "255",
    "65536",
    "2147483648",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "100000000000",
    "99999999999999999999999999999999999999",
    "null",
    "true",
    "\"1e308\"",
    "[]",
    "{}",
];

/// Characters from ranges text handling gets wrong: right-to-left and invisible marks,
/// full-width forms, combining marks, surrogates' neighbours, emoji.
const ODD_CHAR_RANGES: &[(u32, u32)] = &[
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0xA0, 0xFF),
    (0x0300, 0x036F),
    (0x0590, 0x06FF),
    (0x2000, 0x206F),
    (0xD7FF, 0xD7FF),
    (0xE000, 0xE000),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFF01, 0xFF5E),
    (0xFFF9, 0xFFFD),
    (0x1F300, 0x1F9FF),
    (0xE0001, 0xE007F),
];

/// Builds inputs for one target.
#[derive(Debug, Clone)]
pub struct Mutator {
    seeds: Vec<Vec<u8>>,
    tokens: Vec<Vec<u8>>,
    max_len: usize,
}

impl Mutator {
    /// A mutator over `seeds` (at least one) using `tokens` and [`COMMON_TOKENS`], producing
    /// inputs of at most `max_len` bytes.
    pub fn new(seeds: Vec<Vec<u8>>, tokens: &[&str], max_len: usize) -> Self {
        assert!(!seeds.is_empty(), "a target needs at least one seed");
        let tokens = COMMON_TOKENS
            .iter()
            .chain(tokens)
            .map(|t| t.as_bytes().to_vec())
            .chain([
                b"9".repeat(40),
                b"1".repeat(400),
                vec![0xFF, 0xFE],
                vec![0xC3],
            ])
            .collect();
        Mutator {
            seeds,
            tokens,
            max_len,
        }
    }

    /// The seed corpus.
    pub fn seeds(&self) -> &[Vec<u8>] {
        &self.seeds
    }

    /// One input: a seed as it is (one time in 16) or after 1 to 16 random edits.
    pub fn input(&self, rng: &mut impl Rng) -> Vec<u8> {
        let mut data = self.seeds.choose(rng).expect("seeds").clone();
        if rng.random_ratio(1, 16) {
            return data;
        }
        let edits = 1 << rng.random_range(0..5);
        for _ in 0..rng.random_range(1..=edits) {
            self.edit(rng, &mut data);
            data.truncate(self.max_len);
        }
        data
    }

    fn edit(&self, rng: &mut impl Rng, data: &mut Vec<u8>) {
        let len = data.len();
        match rng.random_range(0..13) {
            0 if len > 0 => {
                let at = rng.random_range(0..len);
                data[at] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let at = rng.random_range(0..len);
                data[at] = rng.random();
            }
            2 => {
                let at = rng.random_range(0..=len);
                let n = rng.random_range(1..=8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                data.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let (start, end) = range(rng, len);
                data.drain(start..end);
            }
            4 if len > 0 => {
                // Duplicate a range, now and then many times over (huge arrays, long lines).
                let (start, end) = range(rng, len);
                let times = if rng.random_ratio(1, 8) {
                    rng.random_range(2..2000)
                } else {
                    1
                };
                let chunk = data[start..end].repeat(times);
                let chunk = &chunk[..chunk.len().min(self.max_len.saturating_sub(len))];
                data.splice(end..end, chunk.iter().copied());
            }
            5 if len > 1 => {
                let (start, end) = range(rng, len);
                let chunk = data[start..end].to_vec();
                let at = rng.random_range(0..len);
                let end = (at + chunk.len()).min(len);
                data.splice(at..end, chunk);
            }
            6 => {
                // Splice: this input's head onto another seed's tail.
                let other = self.seeds.choose(rng).expect("seeds");
                let head = rng.random_range(0..=len);
                let tail = rng.random_range(0..=other.len());
                data.truncate(head);
                data.extend_from_slice(&other[tail..]);
            }
            7 | 8 => {
                let token = self.tokens.choose(rng).expect("tokens");
                let at = rng.random_range(0..=len);
                data.splice(at..at, token.iter().copied());
            }
            9 => replace_number(rng, data),
            10 => replace_numbers_on_line(rng, data),
            11 => {
                let at = rng.random_range(0..=len);
                let mut buf = [0; 4];
                let odd = odd_char(rng).encode_utf8(&mut buf);
                data.splice(at..at, odd.bytes());
            }
            _ if len > 0 => data.truncate(rng.random_range(0..len)),
            _ => data.extend_from_slice(self.tokens.choose(rng).expect("tokens")),
        }
    }
}

/// A non-empty range of `0..len` (`len` > 0), usually short.
fn range(rng: &mut impl Rng, len: usize) -> (usize, usize) {
    let start = rng.random_range(0..len);
    let longest = if rng.random_ratio(1, 4) { len } else { 16 };
    let end = rng.random_range(start + 1..=(start + longest).min(len));
    (start, end)
}

/// Swaps one run of number characters for an [`EXTREME_NUMBERS`] entry, or inserts one.
fn replace_number(rng: &mut impl Rng, data: &mut Vec<u8>) {
    let is_number = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E');
    let starts: Vec<usize> = (0..data.len())
        .filter(|&i| data[i].is_ascii_digit() && (i == 0 || !is_number(data[i - 1])))
        .collect();
    let replacement = EXTREME_NUMBERS.choose(rng).expect("numbers").as_bytes();
    match starts.choose(rng) {
        Some(&start) => {
            let end = (start..data.len())
                .find(|&i| !is_number(data[i]))
                .unwrap_or(data.len());
            data.splice(start..end, replacement.iter().copied());
        }
        None => {
            let at = rng.random_range(0..=data.len());
            data.splice(at..at, replacement.iter().copied());
        }
    }
}

/// Swaps every number on one line for the same [`EXTREME_NUMBERS`] entry: a whole weight
/// row of a model file (one row per line) at 1e308, say, where one number alone would be
/// harmless.
fn replace_numbers_on_line(rng: &mut impl Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let at = rng.random_range(0..data.len());
    let start = data[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = data[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| at + i);
    let replacement = EXTREME_NUMBERS.choose(rng).expect("numbers").as_bytes();
    let is_number = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E');
    let mut line = Vec::with_capacity(end - start);
    let mut i = start;
    while i < end {
        if data[i].is_ascii_digit()
            || (data[i] == b'-' && data.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < end && is_number(data[i]) {
                i += 1;
            }
            line.extend_from_slice(replacement);
        } else {
            line.push(data[i]);
            i += 1;
        }
    }
    data.splice(start..end, line);
}

/// A character from [`ODD_CHAR_RANGES`].
pub fn odd_char(rng: &mut impl Rng) -> char {
    let &(low, high) = ODD_CHAR_RANGES.choose(rng).expect("ranges");
    char::from_u32(rng.random_range(low..=high)).unwrap_or('\u{FFFD}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn inputs_are_a_function_of_the_rng_seed() {
        let mutator = Mutator::new(vec![b"where is order #1001?".to_vec()], &[], 256);
        let make = |seed| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            (0..50).map(|_| mutator.input(&mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
        assert!(make(9).iter().all(|input| input.len() <= 256));
    }
}
