//! Word → term id, tuned for the vectorizer's hot lookup: one per word of every message.
//!
//! A `HashMap<Box<str>, u32>` hashes a word byte by byte and compares it with a `memcmp` call,
//! which for a four-letter word costs more than the probe itself. Here a word of up to
//! [`MAX_SHORT_BYTES`] bytes (nearly every word) becomes a fixed 24-byte key: hashing it is
//! three multiplications and comparing it three word compares. Longer words keep the plain map.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHashMap;

/// Longest word stored as a fixed key; the key's last byte holds the length.
pub const MAX_SHORT_BYTES: usize = 23;

/// A word of at most [`MAX_SHORT_BYTES`] bytes as three little-endian words, zero-padded, its
/// length in the last byte so that no two words share a key whatever bytes they hold. Also the
/// key of the per-thread stem cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShortWord([u64; 3]);

impl ShortWord {
    /// The key of the empty word.
    pub(crate) const EMPTY: ShortWord = ShortWord([0; 3]);

    /// The key of `word`; `None` if it is longer than [`MAX_SHORT_BYTES`].
    #[inline(always)]
    pub(crate) fn new(word: &str) -> Option<Self> {
        let bytes = word.as_bytes();
        if bytes.len() > MAX_SHORT_BYTES {
            return None;
        }
        // Fixed-size, overlapping loads with shifts instead of a copy: a `memcpy` call or a
        // byte loop for a five-letter word would cost as much as the hash lookup.
        let len = bytes.len();
        let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let u32_at = |at: usize| {
            u64::from(u32::from_le_bytes(
                bytes[at..at + 4].try_into().expect("4 bytes"),
            ))
        };
        let mut key = match len {
            0 => [0; 3],
            1..=3 => {
                let byte = |at: usize| u64::from(bytes[at]) << (8 * at);
                [byte(0) | byte(len / 2) | byte(len - 1), 0, 0]
            }
            4..=8 => [u32_at(0) | u32_at(len - 4) << (8 * (len - 4)), 0, 0],
            9..=16 => [u64_at(0), u64_at(len - 8) >> (8 * (16 - len)), 0],
            _ => [u64_at(0), u64_at(8), u64_at(len - 8) >> (8 * (24 - len))],
        };
        key[2] |= (bytes.len() as u64) << 56;
        Some(ShortWord(key))
    }

    /// Calls `visit` with the word.
    fn with_str<R>(&self, visit: impl FnOnce(&str) -> R) -> R {
        let mut bytes = [0u8; 24];
        for (chunk, word) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        let len = usize::from(bytes[MAX_SHORT_BYTES]);
        visit(std::str::from_utf8(&bytes[..len]).expect("built from a str"))
    }
}

impl Hash for ShortWord {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let [a, b, c] = self.0;
        state.write_u64(a);
        state.write_u64(b);
        state.write_u64(c);
    }
}

/// A map from words to term ids; see the module comment.
#[derive(Debug, Clone, Default)]
pub struct WordTable {
    short: FxHashMap<ShortWord, u32>,
    long: FxHashMap<Box<str>, u32>,
}

impl WordTable {
    /// The term of `word`, if the table holds it.
    // Inlined into the vectorizer's per-word closure: a call's register saves and restores
    // cost a fifth of the lookup.
    #[inline(always)]
    pub fn get(&self, word: &str) -> Option<u32> {
        match ShortWord::new(word) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(word).copied(),
        }
    }

    /// Maps `word` to `term`, replacing any term it had.
    pub fn insert(&mut self, word: &str, term: u32) {
        match ShortWord::new(word) {
            Some(key) => self.short.insert(key, term),
            None => self.long.insert(word.into(), term),
        };
    }

    /// Number of words held.
    pub fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// Whether the table holds no word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `visit` with every word and its term, in no particular order.
    pub fn for_each(&self, mut visit: impl FnMut(&str, u32)) {
        for (key, &term) in &self.short {
            key.with_str(|word| visit(word, term));
        }
        for (word, &term) in &self.long {
            visit(word, term);
        }
    }
}

impl<'w> FromIterator<(&'w str, u32)> for WordTable {
    fn from_iter<I: IntoIterator<Item = (&'w str, u32)>>(entries: I) -> Self {
        let mut table = WordTable::default();
        for (word, term) in entries {
            table.insert(word, term);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_every_length_round_trip() {
        // Every byte distinct within a word, so a load from a wrong offset shows; and
        // multi-byte characters, so does a cut inside one.
        const DISTINCT: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ";
        let words: Vec<String> = (0..=40)
            .map(|n| DISTINCT[..n].to_owned())
            .chain((1..=20).map(|n| "é".repeat(n / 2) + &"x".repeat(n % 2) + "ü"))
            .collect();
        let table: WordTable = words
            .iter()
            .zip(0..)
            .map(|(w, t)| (w.as_str(), t))
            .collect();
        assert_eq!(table.len(), words.len());
        for (word, term) in words.iter().zip(0..) {
            assert_eq!(table.get(word), Some(term), "{word:?}");
        }
        let mut listed: Vec<(String, u32)> = Vec::new();
        table.for_each(|word, term| listed.push((word.to_owned(), term)));
        listed.sort_by_key(|&(_, t)| t);
        let expected: Vec<(String, u32)> = words.iter().cloned().zip(0..).collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn padding_and_prefixes_never_collide() {
        // A word and the same word with NUL bytes after it pad to the same bytes; the stored
        // length keeps them apart. So do prefixes, and words either side of the short limit.
        let at_limit = "a".repeat(MAX_SHORT_BYTES);
        let past_limit = "a".repeat(MAX_SHORT_BYTES + 1);
        let table: WordTable = [("ab", 1), ("ab\0", 2), (at_limit.as_str(), 3)]
            .into_iter()
            .collect();
        assert_eq!(table.get("ab"), Some(1));
        assert_eq!(table.get("ab\0"), Some(2));
        assert_eq!(table.get("ab\0\0"), None);
        assert_eq!(table.get("a"), None);
        assert_eq!(table.get(""), None);
        assert_eq!(table.get(&at_limit), Some(3));
        assert_eq!(table.get(&past_limit), None);
    }

    #[test]
    fn insert_replaces() {
        let mut table = WordTable::default();
        table.insert("order", 1);
        table.insert("order", 2);
        let long = "x".repeat(30);
        table.insert(&long, 3);
        table.insert(&long, 4);
        assert_eq!(
            (table.get("order"), table.get(&long), table.len()),
            (Some(2), Some(4), 2)
        );
    }
}
