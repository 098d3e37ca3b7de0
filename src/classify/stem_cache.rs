//! A small per-thread cache of words the model was not trained on → their term (or none).
//!
//! The model's own stem table covers every word of its training data. Any other word used to
//! go through the Snowball stemmer on every message (thousands of instructions each), although
//! most such words — names, products, typos — come back again and again. This cache remembers
//! the answer for the last few thousand of them.
//!
//! It lives in each thread's scratch buffers, so there is no lock, and it has a fixed size:
//! [`SETS`] × [`WAYS`] entries of 32 bytes, about 64 KiB, allocated on first use.
//! Words longer than [`MAX_SHORT_BYTES`](crate::classify::word_table::MAX_SHORT_BYTES) bytes
//! are not cached. Entries hold term ids of one vectorizer; the cache empties
//! itself when a thread switches to another.

use std::fmt;
use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

use crate::classify::word_table::ShortWord;
#[cfg(test)]
use crate::classify::word_table::MAX_SHORT_BYTES as MAX_WORD_BYTES;

/// Number of sets; a word can live only in the set its hash picks.
pub const SETS: usize = 1024;
/// Entries per set. Two ways with least-recently-used replacement: a hot word is not evicted
/// by one cold word that hashes to the same set.
pub const WAYS: usize = 2;

/// An entry: a word's key (the empty word's marks an empty entry: it is never looked up) and
/// its term. 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    word: ShortWord,
    term: Option<u32>,
}

const EMPTY: Entry = Entry {
    word: ShortWord::EMPTY,
    term: None,
};

/// Word → `Option<term id>` for one vectorizer at a time; see the module comment.
#[derive(Clone)]
pub struct StemCache {
    /// Which vectorizer the entries belong to (0: none yet).
    owner: u64,
    /// `sets * WAYS` entries, most recently used first within a set; empty until first use.
    entries: Vec<Entry>,
    sets: usize,
}

impl fmt::Debug for StemCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StemCache")
            .field("owner", &self.owner)
            .field("sets", &self.sets)
            .field("words", &self.len())
            .finish()
    }
}

impl Default for StemCache {
    fn default() -> Self {
        StemCache::with_sets(SETS)
    }
}

impl StemCache {
    /// A cache of `sets` × [`WAYS`] entries; 0 sets disables it (every lookup computes).
    pub fn with_sets(sets: usize) -> Self {
        StemCache {
            owner: 0,
            entries: Vec::new(),
            sets,
        }
    }

    /// Makes the cache hold entries for the vectorizer `owner`, emptying it if it held another's.
    pub fn claim(&mut self, owner: u64) {
        if self.owner != owner {
            self.entries.clear();
            self.owner = owner;
        }
    }

    /// The cached term of `word`, or `compute(word)`, remembered for next time.
    ///
    /// `compute` must be a pure function of the word for the claimed owner: the cache returns
    /// what it returned before.
    pub fn get_or_insert_with(
        &mut self,
        word: &str,
        compute: impl FnOnce(&str) -> Option<u32>,
    ) -> Option<u32> {
        if self.sets == 0 || word.is_empty() {
            return compute(word);
        }
        let Some(key) = ShortWord::new(word) else {
            return compute(word);
        };
        let set = (FxBuildHasher.hash_one(key) as usize % self.sets) * WAYS;
        if self.entries.is_empty() {
            self.entries = vec![EMPTY; self.sets * WAYS];
        }
        let ways = &mut self.entries[set..set + WAYS];
        if let Some(way) = ways.iter().position(|entry| entry.word == key) {
            ways[..=way].rotate_right(1);
            return ways[0].term;
        }
        let term = compute(word);
        ways.rotate_right(1);
        ways[0] = Entry { word: key, term };
        term
    }

    /// Number of words held (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.word != ShortWord::EMPTY)
            .count()
    }

    /// Whether no word is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookups(cache: &mut StemCache, word: &str, answer: Option<u32>) -> (Option<u32>, usize) {
        let mut computed = 0;
        let term = cache.get_or_insert_with(word, |_| {
            computed += 1;
            answer
        });
        (term, computed)
    }

    #[test]
    fn a_word_is_computed_once_then_served_from_the_cache() {
        let mut cache = StemCache::default();
        cache.claim(1);
        assert_eq!(lookups(&mut cache, "parcle", Some(7)), (Some(7), 1));
        assert_eq!(lookups(&mut cache, "parcle", Some(99)), (Some(7), 0));
        // "none" is remembered too: an unknown word is not stemmed again.
        assert_eq!(lookups(&mut cache, "zorblax", None), (None, 1));
        assert_eq!(lookups(&mut cache, "zorblax", Some(3)), (None, 0));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn words_that_share_a_prefix_or_length_are_distinct() {
        let mut cache = StemCache::default();
        cache.claim(1);
        for (i, word) in ["ab", "abc", "abd", "ba", "a"].into_iter().enumerate() {
            assert_eq!(
                lookups(&mut cache, word, Some(i as u32)),
                (Some(i as u32), 1)
            );
        }
        for (i, word) in ["ab", "abc", "abd", "ba", "a"].into_iter().enumerate() {
            assert_eq!(
                lookups(&mut cache, word, None),
                (Some(i as u32), 0),
                "{word}"
            );
        }
    }

    #[test]
    fn memory_is_bounded_and_the_least_recent_word_of_a_set_is_evicted() {
        // One set of two ways: the third word evicts the least recently used one.
        let mut cache = StemCache::with_sets(1);
        cache.claim(1);
        lookups(&mut cache, "one", Some(1));
        lookups(&mut cache, "two", Some(2));
        assert_eq!(
            lookups(&mut cache, "one", None),
            (Some(1), 0),
            "now most recent"
        );
        lookups(&mut cache, "three", Some(3));
        assert_eq!(cache.len(), 2);
        assert_eq!(lookups(&mut cache, "one", None), (Some(1), 0));
        assert_eq!(
            lookups(&mut cache, "two", Some(2)),
            (Some(2), 1),
            "was evicted"
        );

        let mut full = StemCache::default();
        full.claim(1);
        for i in 0..10 * SETS * WAYS {
            lookups(&mut full, &format!("w{i}"), Some(i as u32));
        }
        assert!(full.len() <= SETS * WAYS);
    }

    #[test]
    fn long_words_and_a_disabled_cache_always_compute() {
        let mut cache = StemCache::default();
        cache.claim(1);
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        assert_eq!(lookups(&mut cache, &long, Some(1)), (Some(1), 1));
        assert_eq!(lookups(&mut cache, &long, Some(1)), (Some(1), 1));
        let fits = "x".repeat(MAX_WORD_BYTES);
        lookups(&mut cache, &fits, Some(2));
        assert_eq!(lookups(&mut cache, &fits, None), (Some(2), 0));

        let mut disabled = StemCache::with_sets(0);
        disabled.claim(1);
        lookups(&mut disabled, "word", Some(1));
        assert_eq!(lookups(&mut disabled, "word", Some(1)), (Some(1), 1));
        assert!(disabled.is_empty());
    }

    #[test]
    fn another_owner_starts_from_an_empty_cache() {
        let mut cache = StemCache::default();
        cache.claim(1);
        lookups(&mut cache, "word", Some(1));
        cache.claim(1);
        assert_eq!(lookups(&mut cache, "word", None), (Some(1), 0));
        cache.claim(2);
        assert!(cache.is_empty());
        assert_eq!(lookups(&mut cache, "word", Some(5)), (Some(5), 1));
    }
}
