//! TF-IDF over word n-grams: fit a vocabulary on analysed training text, then turn any text into
//! an L2-normalised sparse vector.
//!
//! Training analyses every message once into a [`Corpus`] of term ids, so cross-validation folds
//! can each fit their own vocabulary without re-tokenising. Both the training path and the
//! runtime path ([`TfidfVectorizer::vectorize`]) build features with the same function, so a
//! message gets the same vector whichever way it arrives.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::classify::sparse::SparseRows;
use crate::classify::stem_cache::StemCache;
use crate::classify::text::{Analyzer, AnalyzerConfig, Placeholder, Token};
use crate::classify::word_table::WordTable;

mod keyed;
pub use keyed::{SubsetVectorizer, Subsets};

/// Marks "no term" in the low half of a feature key, making the key a unigram.
const NO_TERM: u32 = u32::MAX;
/// Marks "this term has no unigram feature".
const NO_FEATURE: u32 = u32::MAX;

/// Marks word boundaries in character n-grams: "▁wh", "ge▁".
const WORD_BOUNDARY: char = '\u{2581}';
/// Prefix of character n-gram feature names; words never contain it (segmentation drops `#`).
const CHAR_PREFIX: char = '#';
/// Name of the feature that counts words outside the vocabulary; no word contains `<`.
const UNKNOWN_WORDS_FEATURE: &str = "<unknown>";

/// Character n-gram lengths taken from each word, boundaries included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharNgrams {
    /// Shortest n-gram.
    pub min: usize,
    /// Longest n-gram.
    pub max: usize,
}

/// Calls `emit` with every character n-gram of `word` padded with boundary marks.
fn for_each_char_gram(
    word: &str,
    range: CharNgrams,
    padded: &mut String,
    bounds: &mut Vec<usize>,
    mut emit: impl FnMut(&str),
) {
    padded.clear();
    padded.push(WORD_BOUNDARY);
    padded.push_str(word);
    padded.push(WORD_BOUNDARY);
    bounds.clear();
    bounds.extend(padded.char_indices().map(|(at, _)| at));
    bounds.push(padded.len());
    let chars = bounds.len() - 1;
    for n in range.min..=range.max.min(chars) {
        for start in 0..=chars - n {
            emit(&padded[bounds[start]..bounds[start + n]]);
        }
    }
}

/// Settings of the TF-IDF stage, stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VectorizerConfig {
    /// Longest word n-gram: 1 (unigrams) or 2 (unigrams + bigrams). Default: 2.
    pub max_ngram: usize,
    /// A feature must occur in at least this many training messages. Default: 2.
    pub min_df: usize,
    /// Keep at most this many features, the most frequent first. Default: 50 000.
    pub max_features: usize,
    /// Use `1 + ln(tf)` instead of raw counts. Default: true.
    pub sublinear_tf: bool,
    /// Character n-grams of each word, for typo robustness. Default: none (they cost several
    /// times the classification time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_ngrams: Option<CharNgrams>,
    /// Add one feature that counts the message's words outside the vocabulary. A message made
    /// mostly of words the shop's data never used ("cancel my dentist appointment") is then
    /// told apart from one whose every word is known ("cancel my order"), where otherwise only
    /// the known word would speak. It comes on top of `max_features`. Default: true. Files
    /// without the field predate it: false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_words: bool,
}

impl Default for VectorizerConfig {
    fn default() -> Self {
        VectorizerConfig {
            max_ngram: 2,
            min_df: 2,
            max_features: 50_000,
            sublinear_tf: true,
            char_ngrams: None,
            unknown_words: true,
        }
    }
}

/// Training messages analysed into term ids, with the stem cache built along the way.
#[derive(Debug, Default)]
pub struct Corpus {
    terms: Vec<Box<str>>,
    term_ids: FxHashMap<Box<str>, u32>,
    /// Surface word → term id of its stem.
    surface_terms: WordTable,
    tokens: Vec<u32>,
    doc_starts: Vec<usize>,
    /// Character n-gram terms (named `#gram`) per message, when asked for.
    char_tokens: Vec<u32>,
    char_doc_starts: Vec<usize>,
    /// Each term's place in the byte order of the terms' text (see [`Corpus::term_order`]).
    term_order: std::sync::OnceLock<Option<Vec<u32>>>,
}

impl Corpus {
    /// Analyses every text once; with `char_ngrams`, also collects each word's character
    /// n-grams.
    pub fn analyze<'t>(
        analyzer: &Analyzer,
        texts: impl IntoIterator<Item = &'t str>,
        char_ngrams: Option<CharNgrams>,
    ) -> Self {
        let mut corpus = Corpus {
            doc_starts: vec![0],
            char_doc_starts: vec![0],
            ..Corpus::default()
        };
        let mut buffer = String::new();
        let (mut padded, mut bounds, mut name) = (String::new(), Vec::new(), String::new());
        for text in texts {
            let mut doc = std::mem::take(&mut corpus.tokens);
            let mut grams = std::mem::take(&mut corpus.char_tokens);
            analyzer.tokens(text, &mut buffer, |token| {
                let id = match token {
                    Token::Word(word) => {
                        if let Some(range) = char_ngrams {
                            for_each_char_gram(word, range, &mut padded, &mut bounds, |gram| {
                                name.clear();
                                name.push(CHAR_PREFIX);
                                name.push_str(gram);
                                grams.push(corpus.intern(&name));
                            });
                        }
                        match corpus.surface_terms.get(word) {
                            Some(id) => id,
                            None => {
                                let id = corpus.intern(&analyzer.stem(word));
                                corpus.surface_terms.insert(word, id);
                                id
                            }
                        }
                    }
                    Token::Masked(placeholder) => corpus.intern(placeholder.token()),
                };
                doc.push(id);
            });
            corpus.tokens = doc;
            corpus.char_tokens = grams;
            corpus.doc_starts.push(corpus.tokens.len());
            corpus.char_doc_starts.push(corpus.char_tokens.len());
        }
        corpus
    }

    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.term_ids.get(term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).expect("fewer than 4 billion distinct terms");
        self.terms.push(term.into());
        self.term_ids.insert(term.into(), id);
        id
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.doc_starts.len() - 1
    }

    /// Whether the corpus holds no message.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each term's place in the byte order of the terms' text, computed once: feature names
    /// sort as the pairs (order of the first term, order of the second), so vocabularies sort
    /// by integers instead of by strings. That holds when every character of a term sorts after
    /// the space joining a bigram's terms; `None` if one does not (the analyzer never makes such
    /// a term, so the string sort is only a fallback).
    fn term_order(&self) -> Option<&[u32]> {
        self.term_order
            .get_or_init(|| {
                if self
                    .terms
                    .iter()
                    .any(|term| term.bytes().any(|b| b <= b' '))
                {
                    return None;
                }
                let mut by_text: Vec<u32> = (0..self.terms.len() as u32).collect();
                by_text
                    .sort_unstable_by(|&a, &b| self.terms[a as usize].cmp(&self.terms[b as usize]));
                let mut order = vec![0; self.terms.len()];
                for (place, term) in (0u32..).zip(by_text) {
                    order[term as usize] = place;
                }
                Some(order)
            })
            .as_deref()
    }

    /// Where the feature `key` sorts among feature names, given [`Self::term_order`].
    fn name_order(order: &[u32], key: u64) -> u64 {
        let first = u64::from(order[(key >> 32) as usize]);
        let second = match (key & u64::from(u32::MAX)) as u32 {
            NO_TERM => 0,
            second => 1 + u64::from(order[second as usize]),
        };
        (first << 32) | second
    }

    fn doc(&self, index: usize) -> &[u32] {
        &self.tokens[self.doc_starts[index]..self.doc_starts[index + 1]]
    }

    fn char_doc(&self, index: usize) -> &[u32] {
        &self.char_tokens[self.char_doc_starts[index]..self.char_doc_starts[index + 1]]
    }

    /// At most how many entries the matrix rows of `rows` can have: every word gives a unigram
    /// (or counts as unknown) and starts at most one bigram, and every character n-gram is one.
    fn max_entries(&self, rows: &[usize]) -> usize {
        rows.iter()
            .map(|&row| 2 * self.doc(row).len() + self.char_doc(row).len())
            .sum()
    }
}

fn unigram_key(term: u32) -> u64 {
    (u64::from(term) << 32) | u64::from(NO_TERM)
}

fn bigram_key(first: u32, second: u32) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

impl VectorizerConfig {
    /// Fits the vocabulary and idf on the messages `rows` of `corpus`.
    ///
    /// Fails only if the analysed text yields a term that cannot be stored as a feature name,
    /// which the analyzer is built never to produce.
    pub fn fit(
        &self,
        analyzer: AnalyzerConfig,
        corpus: &Corpus,
        rows: &[usize],
    ) -> Result<TfidfVectorizer, InvalidVectorizerParts> {
        let mut vectorizer = self.fit_for_transform(analyzer, corpus, rows)?;
        vectorizer.learn_surface_forms(corpus);
        Ok(vectorizer)
    }

    /// [`Self::fit`] without the surface forms (the stem cache over the training vocabulary):
    /// a vectorizer that will only [`TfidfVectorizer::transform`] `corpus`, as cross-validation's
    /// do, never needs them, and on a large corpus they are a third of a fit's time and much of
    /// its memory. [`TfidfVectorizer::learn_surface_forms`] adds them later.
    pub fn fit_for_transform(
        &self,
        analyzer: AnalyzerConfig,
        corpus: &Corpus,
        rows: &[usize],
    ) -> Result<TfidfVectorizer, InvalidVectorizerParts> {
        let mut document_frequency: FxHashMap<u64, u32> = FxHashMap::default();
        let mut keys = Vec::new();
        for &row in rows {
            let doc = corpus.doc(row);
            keys.clear();
            keys.extend(doc.iter().map(|&term| unigram_key(term)));
            if self.max_ngram >= 2 {
                keys.extend(doc.windows(2).map(|pair| bigram_key(pair[0], pair[1])));
            }
            keys.extend(corpus.char_doc(row).iter().map(|&term| unigram_key(term)));
            keys.sort_unstable();
            keys.dedup();
            for &key in &keys {
                *document_frequency.entry(key).or_insert(0) += 1;
            }
        }

        let min_df = self.min_df.max(1) as u32;
        let frequent = document_frequency
            .into_iter()
            .filter(|&(_, df)| df >= min_df);
        let mut kept: Vec<(String, u32)> = match corpus.term_order() {
            Some(order) => {
                let frequent = frequent.map(|(key, df)| (key, df, ()));
                select_features(order, frequent, self.max_features)
                    .into_iter()
                    .map(|(key, df, ())| (corpus_feature_name(corpus, key), df))
                    .collect()
            }
            None => {
                let mut kept: Vec<(String, u32)> = frequent
                    .map(|(key, df)| (corpus_feature_name(corpus, key), df))
                    .collect();
                if kept.len() > self.max_features {
                    kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    kept.truncate(self.max_features);
                }
                kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                kept
            }
        };
        if self.unknown_words {
            if let Some(unknown) = unknown_words_frequency(corpus, rows, &kept) {
                let at = kept.partition_point(|(name, _)| name.as_str() < UNKNOWN_WORDS_FEATURE);
                kept.insert(at, (UNKNOWN_WORDS_FEATURE.to_owned(), unknown));
            }
        }
        self.vectorizer_from_frequencies(analyzer, kept, rows.len())
    }

    /// The vectorizer of the features `kept` (name and document frequency, sorted by name)
    /// among `n_docs` messages.
    fn vectorizer_from_frequencies(
        &self,
        analyzer: AnalyzerConfig,
        kept: Vec<(String, u32)>,
        n_docs: usize,
    ) -> Result<TfidfVectorizer, InvalidVectorizerParts> {
        debug_assert!(kept.is_sorted_by(|a, b| a.0 < b.0));
        let idf = kept
            .iter()
            .map(|&(_, df)| smoothed_idf(n_docs, df))
            .collect();
        let features: Vec<String> = kept.into_iter().map(|(name, _)| name).collect();
        TfidfVectorizer::from_parts(*self, analyzer, features, idf, BTreeMap::new())
    }
}

/// The idf of a feature in `df` of `n_docs` messages: `ln((1 + n) / (1 + df)) + 1`, as
/// scikit-learn's `smooth_idf` computes it.
fn smoothed_idf(n_docs: usize, df: u32) -> f64 {
    ((1.0 + n_docs as f64) / (1.0 + f64::from(df))).ln() + 1.0
}

/// The features kept of the `frequent` n-grams `(key, df, payload)`: the `max_features` most
/// frequent, ties by name so the cut never depends on hash order, sorted by name. Names sort
/// as integers (see [`Corpus::term_order`]); only the features kept get their name built.
fn select_features<T>(
    order: &[u32],
    frequent: impl Iterator<Item = (u64, u32, T)>,
    max_features: usize,
) -> Vec<(u64, u32, T)> {
    let mut keys: Vec<(u64, (u64, u32, T))> = frequent
        .map(|feature| (Corpus::name_order(order, feature.0), feature))
        .collect();
    if keys.len() > max_features {
        // Names are distinct, so this order is total and the cut is the same as a full sort's;
        // only the kept ones need sorting, by name, below.
        keys.select_nth_unstable_by(max_features, |a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(&b.0)));
        keys.truncate(max_features);
    }
    keys.sort_unstable_by_key(|&(name_order, _)| name_order);
    keys.into_iter().map(|(_, feature)| feature).collect()
}

/// In how many of the messages `rows` a word or placeholder has no unigram in `kept` (the
/// vocabulary); `None` when none has, as a feature no message shows carries nothing.
fn unknown_words_frequency(corpus: &Corpus, rows: &[usize], kept: &[(String, u32)]) -> Option<u32> {
    let known: rustc_hash::FxHashSet<&str> = kept
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| !name.contains(' ') && !name.starts_with(CHAR_PREFIX))
        .collect();
    let term_known: Vec<bool> = corpus
        .terms
        .iter()
        .map(|term| known.contains(&**term))
        .collect();
    let frequency = rows
        .iter()
        .filter(|&&row| corpus.doc(row).iter().any(|&t| !term_known[t as usize]))
        .count();
    u32::try_from(frequency).ok().filter(|&f| f > 0)
}

fn corpus_feature_name(corpus: &Corpus, key: u64) -> String {
    let first = &corpus.terms[(key >> 32) as usize];
    match (key & u64::from(u32::MAX)) as u32 {
        NO_TERM => first.to_string(),
        second => format!("{first} {}", corpus.terms[second as usize]),
    }
}

/// Reusable buffers for [`TfidfVectorizer::vectorize`], so classifying allocates nothing once
/// warm.
#[derive(Debug, Default)]
pub struct Scratch {
    normalized: String,
    terms: Vec<Option<u32>>,
    ids: Vec<u32>,
    padded: String,
    bounds: Vec<usize>,
    /// Words outside the training vocabulary → term, for the vectorizer last used.
    stem_cache: StemCache,
    /// The table that merges repeated features (see [`MERGE_TABLE_SLOTS`]).
    merge_slots: Vec<u8>,
    /// The last vector produced: `(feature, weight)`, each feature once, in no fixed order
    /// (the same text always gives the same order).
    pub features: Vec<(u32, f64)>,
}

/// Slots of the open-addressing table `vectorize` merges repeated features with. A message
/// with more than half as many feature occurrences is merged by sorting instead, so the table
/// is never more than half full and a slot index fits a `u8`.
const MERGE_TABLE_SLOTS: usize = 256;

impl Scratch {
    /// Buffers whose stem cache holds `sets` × 2 words (0: no cache), to test that the cache
    /// never changes a result.
    #[cfg(test)]
    pub(crate) fn with_stem_cache_sets(sets: usize) -> Self {
        Scratch {
            stem_cache: StemCache::with_sets(sets),
            ..Scratch::default()
        }
    }
}

/// Source of each [`TfidfVectorizer`]'s `id`: a per-thread stem cache must know whose term ids
/// it holds.
static NEXT_VECTORIZER_ID: AtomicU64 = AtomicU64::new(1);

/// A fitted TF-IDF vectorizer: vocabulary, idf, and the lookup tables of the fast path.
#[derive(Debug)]
pub struct TfidfVectorizer {
    /// Unique per vectorizer built in this process: the owner of stem cache entries.
    id: u64,
    config: VectorizerConfig,
    analyzer: Analyzer,
    feature_names: Vec<Box<str>>,
    idf: Vec<f64>,
    term_ids: FxHashMap<Box<str>, u32>,
    /// Surface word → term: the stem cache over the training vocabulary.
    surface_terms: WordTable,
    placeholder_terms: [Option<u32>; Placeholder::ALL.len()],
    unigram_features: Vec<u32>,
    bigram_features: FxHashMap<u64, u32>,
    /// Character n-gram (without the `#` prefix) → feature.
    char_features: FxHashMap<Box<str>, u32>,
    /// The feature counting words outside the vocabulary, when configured and fitted.
    unknown_words_feature: Option<u32>,
}

/// Parts of a vectorizer (from a model file) that do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidVectorizerParts {
    /// A vocabulary entry that cannot be a feature name.
    #[error("feature {index} ({name:?}) must be one term, two terms separated by one space, `#` and a character n-gram when character n-grams are configured, or `<unknown>` (once) when unknown words are counted")]
    FeatureName {
        /// Position in the vocabulary.
        index: usize,
        /// The offending entry.
        name: String,
    },
    /// Not one idf value per feature.
    #[error("{features} features but {idf} idf values")]
    IdfLength {
        /// Number of features.
        features: usize,
        /// Number of idf values.
        idf: usize,
    },
}

impl TfidfVectorizer {
    /// Rebuilds the runtime tables from the parts stored in a model file, checking that they
    /// fit together: every feature name well-formed, one idf value per feature.
    ///
    /// `surface_forms` maps surface words to their stems; entries whose stem is not in the
    /// vocabulary are dropped.
    pub fn from_parts(
        config: VectorizerConfig,
        analyzer: AnalyzerConfig,
        features: Vec<String>,
        idf: Vec<f64>,
        surface_forms: BTreeMap<String, String>,
    ) -> Result<Self, InvalidVectorizerParts> {
        if idf.len() != features.len() {
            return Err(InvalidVectorizerParts::IdfLength {
                features: features.len(),
                idf: idf.len(),
            });
        }
        let mut term_ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut unigram_features: Vec<u32> = Vec::new();
        let mut bigram_features = FxHashMap::default();
        let mut char_features: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut unknown_words_feature = None;
        let mut term_id = |term: &str, unigram_features: &mut Vec<u32>| -> u32 {
            if let Some(&id) = term_ids.get(term) {
                return id;
            }
            let id = unigram_features.len() as u32;
            term_ids.insert(term.into(), id);
            unigram_features.push(NO_FEATURE);
            id
        };
        for (index, name) in features.iter().enumerate() {
            let bad = || InvalidVectorizerParts::FeatureName {
                index,
                name: name.clone(),
            };
            if let Some(gram) = name.strip_prefix(CHAR_PREFIX) {
                if config.char_ngrams.is_none() || gram.is_empty() {
                    return Err(bad());
                }
                char_features.insert(gram.into(), index as u32);
                continue;
            }
            if name == UNKNOWN_WORDS_FEATURE {
                if !config.unknown_words || unknown_words_feature.is_some() {
                    return Err(bad());
                }
                unknown_words_feature = Some(index as u32);
                continue;
            }
            let mut parts = name.split(' ');
            let first = parts.next().filter(|p| !p.is_empty()).ok_or_else(bad)?;
            let second = parts.next();
            if parts.next().is_some() || second.is_some_and(str::is_empty) {
                return Err(bad());
            }
            let first = term_id(first, &mut unigram_features);
            match second {
                None => unigram_features[first as usize] = index as u32,
                Some(second) => {
                    let second = term_id(second, &mut unigram_features);
                    bigram_features.insert(bigram_key(first, second), index as u32);
                }
            }
        }
        let surface_terms = surface_forms
            .iter()
            .filter_map(|(surface, stem)| Some((surface.as_str(), *term_ids.get(stem.as_str())?)))
            .collect();
        let placeholder_terms = Placeholder::ALL.map(|p| term_ids.get(p.token()).copied());
        Ok(TfidfVectorizer {
            id: NEXT_VECTORIZER_ID.fetch_add(1, Ordering::Relaxed),
            config,
            analyzer: Analyzer::new(analyzer),
            feature_names: features.into_iter().map(String::into_boxed_str).collect(),
            idf,
            term_ids,
            surface_terms,
            placeholder_terms,
            unigram_features,
            bigram_features,
            char_features,
            unknown_words_feature,
        })
    }

    /// The settings this vectorizer was fitted with.
    pub fn config(&self) -> VectorizerConfig {
        self.config
    }

    /// The analysis settings.
    pub fn analyzer_config(&self) -> AnalyzerConfig {
        self.analyzer.config()
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Feature names in column order: a term, or two terms joined by a space.
    pub fn feature_names(&self) -> &[Box<str>] {
        &self.feature_names
    }

    /// Inverse document frequency per feature.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// Learns the surface form → stem of every word of `corpus` whose stem is in the
    /// vocabulary, as [`VectorizerConfig::fit`] does (see [`VectorizerConfig::fit_for_transform`]).
    pub fn learn_surface_forms(&mut self, corpus: &Corpus) {
        corpus.surface_terms.for_each(|surface, term| {
            if let Some(&id) = self.term_ids.get(&corpus.terms[term as usize]) {
                self.surface_terms.insert(surface, id);
            }
        });
    }

    /// The stem cache as stored on disk: surface word → stem, sorted.
    pub fn surface_forms(&self) -> BTreeMap<String, String> {
        let mut names: Vec<&str> = vec![""; self.term_ids.len()];
        for (term, &id) in &self.term_ids {
            names[id as usize] = term;
        }
        let mut forms = BTreeMap::new();
        self.surface_terms.for_each(|surface, id| {
            forms.insert(surface.to_owned(), names[id as usize].to_owned());
        });
        forms
    }

    /// Vectorises `text` into `scratch.features`; returns the number of tokens the text had
    /// (known or not), so callers can tell an empty message from an unfamiliar one.
    pub fn vectorize(&self, text: &str, scratch: &mut Scratch) -> usize {
        let Scratch {
            normalized,
            terms,
            ids,
            padded,
            bounds,
            stem_cache,
            merge_slots,
            features,
        } = scratch;
        terms.clear();
        ids.clear();
        stem_cache.claim(self.id);
        self.analyzer.tokens(text, normalized, |token| {
            terms.push(match token {
                Token::Word(word) => {
                    if let Some(range) = self.config.char_ngrams {
                        for_each_char_gram(word, range, padded, bounds, |gram| {
                            ids.extend(self.char_features.get(gram).copied());
                        });
                    }
                    self.word_term(word, stem_cache)
                }
                Token::Masked(placeholder) => self.placeholder_terms[placeholder as usize],
            })
        });
        self.gather_features(terms, ids);
        if ids.len() <= MERGE_TABLE_SLOTS / 2 {
            self.weigh_merged_in_table(ids, merge_slots, features);
        } else {
            self.weigh_sorted(ids, features);
        }
        terms.len()
    }

    /// The term of a word: from the training stem table, else from the thread's cache of
    /// other words, else by stemming it.
    fn word_term(&self, word: &str, stem_cache: &mut StemCache) -> Option<u32> {
        if let Some(id) = self.surface_terms.get(word) {
            return Some(id);
        }
        stem_cache.get_or_insert_with(word, |word| {
            self.term_ids.get(&*self.analyzer.stem(word)).copied()
        })
    }

    /// Vectorises messages `rows` of `corpus` (the training-time path).
    pub fn transform(&self, corpus: &Corpus, rows: &[usize]) -> SparseRows {
        let to_runtime: Vec<Option<u32>> = corpus
            .terms
            .iter()
            .map(|term| self.term_ids.get(term).copied())
            .collect();
        let to_char_feature: Vec<Option<u32>> = corpus
            .terms
            .iter()
            .map(|term| {
                let gram = term.strip_prefix(CHAR_PREFIX)?;
                self.char_features.get(gram).copied()
            })
            .collect();
        let entries = corpus.max_entries(rows);
        let mut matrix = SparseRows::with_capacity(self.n_features(), rows.len(), entries);
        let (mut terms, mut ids, mut features) = (Vec::new(), Vec::new(), Vec::new());
        for &row in rows {
            terms.clear();
            terms.extend(corpus.doc(row).iter().map(|&t| to_runtime[t as usize]));
            ids.clear();
            ids.extend(
                corpus
                    .char_doc(row)
                    .iter()
                    .filter_map(|&t| to_char_feature[t as usize]),
            );
            self.gather_features(&terms, &mut ids);
            self.weigh_sorted(&mut ids, &mut features);
            matrix.push_row(&features);
        }
        matrix
    }

    /// Appends the feature of every unigram, bigram and unknown word of `terms` to `ids`
    /// (which may already hold character n-gram features), repeats included.
    fn gather_features(&self, terms: &[Option<u32>], ids: &mut Vec<u32>) {
        let mut unknown = 0usize;
        for (position, &term) in terms.iter().enumerate() {
            let Some(term) = term else {
                unknown += 1;
                continue;
            };
            let unigram = self.unigram_features[term as usize];
            if unigram != NO_FEATURE {
                ids.push(unigram);
            } else {
                unknown += 1;
            }
            if self.config.max_ngram >= 2 {
                if let Some(&Some(next)) = terms.get(position + 1) {
                    if let Some(&bigram) = self.bigram_features.get(&bigram_key(term, next)) {
                        ids.push(bigram);
                    }
                }
            }
        }
        if let Some(feature) = self.unknown_words_feature {
            ids.extend(std::iter::repeat_n(feature, unknown));
        }
    }

    /// Feature occurrences → TF-IDF weighted, L2-normalised features sorted by feature, as the
    /// training matrix stores them (see [`weigh_sorted`]).
    fn weigh_sorted(&self, ids: &mut [u32], features: &mut Vec<(u32, f64)>) {
        weigh_sorted(ids, features, &self.idf, self.config.sublinear_tf);
    }

    /// [`Self::weigh_sorted`] for classification, which needs no order: repeats are merged
    /// through a small open-addressing table, features in order of first occurrence. For a
    /// message-sized vector this is a fraction of the cost of sorting. `ids` must hold at most
    /// half of [`MERGE_TABLE_SLOTS`].
    fn weigh_merged_in_table(
        &self,
        ids: &[u32],
        slots: &mut Vec<u8>,
        features: &mut Vec<(u32, f64)>,
    ) {
        debug_assert!(ids.len() <= MERGE_TABLE_SLOTS / 2);
        features.clear();
        slots.clear();
        slots.resize(MERGE_TABLE_SLOTS, 0);
        for &id in ids {
            // Fibonacci hashing: the top byte of id × 2³²/φ.
            let mut slot = (id.wrapping_mul(0x9E37_79B9) >> 24) as usize;
            loop {
                match slots[slot] {
                    0 => {
                        features.push((id, 1.0));
                        // At most 128 features, so 1..=128 fits; 0 marks an empty slot.
                        slots[slot] = features.len() as u8;
                        break;
                    }
                    taken if features[usize::from(taken) - 1].0 == id => {
                        features[usize::from(taken) - 1].1 += 1.0;
                        break;
                    }
                    _ => slot = (slot + 1) % MERGE_TABLE_SLOTS,
                }
            }
        }
        self.counts_to_weights(features);
    }

    /// Occurrence counts → TF-IDF weights, L2-normalised.
    fn counts_to_weights(&self, features: &mut [(u32, f64)]) {
        counts_to_weights(features, &self.idf, self.config.sublinear_tf);
    }
}

/// Feature occurrences `ids` → TF-IDF weighted, L2-normalised features sorted by feature, as
/// the training matrix stores them. Sorting plain ids is much cheaper than sorting (id, weight)
/// pairs, and runs of equal ids are the counts.
fn weigh_sorted(ids: &mut [u32], features: &mut Vec<(u32, f64)>, idf: &[f64], sublinear_tf: bool) {
    features.clear();
    ids.sort_unstable();
    for run in ids.chunk_by(|a, b| a == b) {
        features.push((run[0], run.len() as f64));
    }
    counts_to_weights(features, idf, sublinear_tf);
}

/// `(feature, count)` → `(feature, weight)`: TF-IDF, L2-normalised.
#[inline]
fn counts_to_weights(features: &mut [(u32, f64)], idf: &[f64], sublinear_tf: bool) {
    let mut norm = 0.0;
    for (feature, weight) in features.iter_mut() {
        let count = *weight;
        let tf = if count == 1.0 {
            1.0
        } else if sublinear_tf {
            1.0 + count.ln()
        } else {
            count
        };
        *weight = tf * idf[*feature as usize];
        norm += *weight * *weight;
    }
    let norm = norm.sqrt();
    if norm > 0.0 {
        features.iter_mut().for_each(|(_, weight)| *weight /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 5] = [
        "where is my order #1234",
        "where is my parcel",
        "cancel my order please",
        "Cancel the order",
        "I want to return these shoes",
    ];

    fn fitted(config: VectorizerConfig) -> (Corpus, TfidfVectorizer) {
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        let corpus = Corpus::analyze(&analyzer, TEXTS, config.char_ngrams);
        let rows: Vec<usize> = (0..corpus.len()).collect();
        let vectorizer = config
            .fit(AnalyzerConfig::default(), &corpus, &rows)
            .unwrap();
        (corpus, vectorizer)
    }

    #[test]
    fn vocabularies_sort_alike_by_term_order_and_by_name() {
        // Terms that are prefixes of each other, bigrams of them, placeholders, non-ASCII,
        // character n-grams and the unknown-word feature, with and without the cap.
        let texts = [
            "order orders ordered order #1234 ord",
            "orders order, ord orders",
            "l'ordre arrivé? order-ish ordered",
            "ORDER ord order ordered where is it",
            "arrivé arrive arrived order #55 € 12,00",
            "ord order orders ordered",
        ];
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        let rows: Vec<usize> = (0..texts.len()).collect();
        for max_features in [1000, 9] {
            for char_ngrams in [None, Some(CharNgrams { min: 2, max: 3 })] {
                let config = VectorizerConfig {
                    min_df: 1,
                    max_features,
                    char_ngrams,
                    ..VectorizerConfig::default()
                };
                let by_order = Corpus::analyze(&analyzer, texts, char_ngrams);
                assert!(by_order.term_order().is_some());
                let mut by_name = Corpus::analyze(&analyzer, texts, char_ngrams);
                by_name.term_order = std::sync::OnceLock::from(None);
                let fit = |corpus: &Corpus| {
                    config
                        .fit_for_transform(AnalyzerConfig::default(), corpus, &rows)
                        .unwrap()
                };
                let (a, b) = (fit(&by_order), fit(&by_name));
                assert_eq!(a.feature_names(), b.feature_names(), "{max_features}");
                assert_eq!(a.idf(), b.idf());
                assert!(a.feature_names().is_sorted());
                if max_features < 1000 {
                    assert_eq!(a.n_features(), max_features + 1, "the cap, and <unknown>");
                }
            }
        }
    }

    #[test]
    fn min_df_keeps_only_shared_ngrams() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let names: Vec<&str> = vectorizer.feature_names().iter().map(|n| &**n).collect();
        assert!(names.contains(&"where is"));
        assert!(names.contains(&"cancel"));
        assert!(!names.contains(&"shoe"), "seen once, below min_df=2");
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted: {names:?}");
    }

    #[test]
    fn vocabulary_cap_keeps_the_most_frequent() {
        let config = VectorizerConfig {
            max_features: 2,
            min_df: 1,
            unknown_words: false,
            ..VectorizerConfig::default()
        };
        let (_, vectorizer) = fitted(config);
        // "my" (3 docs) and "order" (3 docs) beat everything else.
        let names: Vec<&str> = vectorizer.feature_names().iter().map(|n| &**n).collect();
        assert_eq!(names, ["my", "order"]);
    }

    #[test]
    fn the_cap_keeps_the_most_frequent_then_the_first_by_name() {
        // "zinc" is in two messages; the other words in one each, so the cap cuts through a
        // tie that only the names can break.
        let texts = ["lamp bank zinc", "gold desk", "zinc fish"];
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        let corpus = Corpus::analyze(&analyzer, texts, None);
        let rows: Vec<usize> = (0..texts.len()).collect();
        for max_features in [1, 3, 4] {
            let config = VectorizerConfig {
                max_ngram: 1,
                min_df: 1,
                max_features,
                unknown_words: false,
                ..VectorizerConfig::default()
            };
            let vectorizer = config
                .fit_for_transform(AnalyzerConfig::default(), &corpus, &rows)
                .unwrap();
            let names: Vec<&str> = vectorizer.feature_names().iter().map(|n| &**n).collect();
            let expected: &[&str] = match max_features {
                1 => &["zinc"],
                3 => &["bank", "desk", "zinc"],
                _ => &["bank", "desk", "fish", "zinc"],
            };
            assert_eq!(names, expected, "max_features {max_features}");
        }
    }

    #[test]
    fn idf_is_smoothed_and_rarer_features_weigh_more() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let idf_of = |name: &str| {
            let i = vectorizer
                .feature_names()
                .iter()
                .position(|n| &**n == name)
                .unwrap();
            vectorizer.idf()[i]
        };
        // df("my") = 3 of 5: ln(6/4) + 1.
        assert!((idf_of("my") - ((6.0f64 / 4.0).ln() + 1.0)).abs() < 1e-12);
        assert!(idf_of("cancel") > idf_of("my"));
    }

    /// The runtime path's features in the training matrix's order.
    fn sorted(features: &[(u32, f64)]) -> Vec<(u32, f64)> {
        let mut features = features.to_vec();
        features.sort_by_key(|&(feature, _)| feature);
        features
    }

    #[test]
    fn runtime_and_training_paths_agree_and_are_unit_length() {
        let (corpus, vectorizer) = fitted(VectorizerConfig::default());
        let rows: Vec<usize> = (0..corpus.len()).collect();
        let matrix = vectorizer.transform(&corpus, &rows);
        let mut scratch = Scratch::default();
        for (row, text) in TEXTS.iter().enumerate() {
            vectorizer.vectorize(text, &mut scratch);
            let (columns, values) = matrix.row(row);
            let runtime = sorted(&scratch.features);
            let ids: Vec<u32> = runtime.iter().map(|f| f.0).collect();
            assert_eq!(ids, columns, "{text}");
            for (&(_, a), &b) in runtime.iter().zip(values) {
                assert!((a - f64::from(b)).abs() < 1e-6);
            }
            let norm: f64 = scratch.features.iter().map(|f| f.1 * f.1).sum();
            if !columns.is_empty() {
                assert!((norm - 1.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn repeats_merge_alike_in_the_table_and_by_sorting() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let mut scratch = Scratch::default();
        let repeated = "where is my order where is my parcel cancel my order cancel";
        for text in TEXTS.iter().chain([&repeated]) {
            // `vectorize` merges through the table and leaves the occurrences in `ids`; the
            // sorting path on the same occurrences must give the same vector.
            vectorizer.vectorize(text, &mut scratch);
            let table = sorted(&scratch.features);
            let mut ids = scratch.ids.clone();
            let mut by_sorting = Vec::new();
            vectorizer.weigh_sorted(&mut ids, &mut by_sorting);
            assert_eq!(table.len(), by_sorting.len(), "{text}");
            for (&(a, x), &(b, y)) in table.iter().zip(&by_sorting) {
                assert!(
                    a == b && (x - y).abs() < 1e-12,
                    "{text}: {a} {x} vs {b} {y}"
                );
            }
        }
        assert!(
            scratch.ids.len() > scratch.features.len(),
            "the repeated words were merged, not listed twice"
        );

        // Over 128 occurrences take the sorting path: sorted, unit length.
        let long = format!("{repeated} ").repeat(20);
        vectorizer.vectorize(&long, &mut scratch);
        assert!(scratch.ids.len() > MERGE_TABLE_SLOTS / 2);
        assert!(scratch.features.windows(2).all(|w| w[0].0 < w[1].0));
        let norm: f64 = scratch.features.iter().map(|f| f.1 * f.1).sum();
        assert!((norm - 1.0).abs() < 1e-9);
    }

    fn with_chars() -> VectorizerConfig {
        VectorizerConfig {
            char_ngrams: Some(CharNgrams { min: 3, max: 4 }),
            ..VectorizerConfig::default()
        }
    }

    #[test]
    fn char_ngrams_agree_between_training_and_runtime() {
        let (corpus, vectorizer) = fitted(with_chars());
        assert!(vectorizer
            .feature_names()
            .iter()
            .any(|n| n.starts_with('#')));
        let rows: Vec<usize> = (0..corpus.len()).collect();
        let matrix = vectorizer.transform(&corpus, &rows);
        let mut scratch = Scratch::default();
        for (row, text) in TEXTS.iter().enumerate() {
            vectorizer.vectorize(text, &mut scratch);
            let runtime: Vec<u32> = sorted(&scratch.features).iter().map(|f| f.0).collect();
            assert_eq!(runtime, matrix.row(row).0, "{text}");
        }
    }

    #[test]
    fn char_ngrams_give_a_misspelling_features_of_the_real_word() {
        let (_, words_only) = fitted(VectorizerConfig {
            unknown_words: false,
            ..VectorizerConfig::default()
        });
        let (_, with_chars) = fitted(with_chars());
        let mut scratch = Scratch::default();
        // "cancle" is no word the vocabulary knows, but shares "▁can", "canc", "anc"…
        words_only.vectorize("cancle", &mut scratch);
        assert!(scratch.features.is_empty());
        with_chars.vectorize("cancle", &mut scratch);
        assert!(!scratch.features.is_empty());
    }

    #[test]
    fn unknown_words_are_counted_alike_in_training_and_at_runtime() {
        let (corpus, vectorizer) = fitted(VectorizerConfig::default());
        let unknown = vectorizer
            .feature_names()
            .iter()
            .position(|name| &**name == UNKNOWN_WORDS_FEATURE)
            .expect("some training words occur once") as u32;
        let mut scratch = Scratch::default();
        // Every word known: no unknown-word feature.
        vectorizer.vectorize("cancel my order", &mut scratch);
        assert!(scratch.features.iter().all(|&(id, _)| id != unknown));
        // Two unknown words weigh more than one, and the known words still count.
        vectorizer.vectorize("cancel my dentist", &mut scratch);
        let one = scratch.features.clone();
        vectorizer.vectorize("cancel my dentist appointment", &mut scratch);
        let two = scratch.features.clone();
        let weight =
            |features: &[(u32, f64)], id| features.iter().find(|&&(f, _)| f == id).map(|&(_, w)| w);
        assert!(weight(&one, unknown).unwrap() < weight(&two, unknown).unwrap());
        assert!(one.len() > 1, "{one:?}");
        // The training path gives every message the same vector as the runtime path.
        let matrix = vectorizer.transform(&corpus, &(0..TEXTS.len()).collect::<Vec<_>>());
        for (row, text) in TEXTS.iter().enumerate() {
            vectorizer.vectorize(text, &mut scratch);
            let stored = matrix.row_features(row);
            let runtime = sorted(&scratch.features);
            assert_eq!(stored.len(), runtime.len(), "{text}");
            for (&(a, x), &(b, y)) in stored.iter().zip(&runtime) {
                // The training matrix stores f32.
                assert!(a == b && (x - y).abs() < 1e-6, "{text}: {a} {x} vs {b} {y}");
            }
        }
        // Switched off, the feature is not fitted and unknown words weigh nothing.
        let (_, without) = fitted(VectorizerConfig {
            unknown_words: false,
            ..VectorizerConfig::default()
        });
        assert!(!without
            .feature_names()
            .iter()
            .any(|name| &**name == UNKNOWN_WORDS_FEATURE));
        without.vectorize("dentist appointment", &mut scratch);
        assert!(scratch.features.is_empty());
    }

    #[test]
    fn unknown_words_feature_is_refused_where_the_settings_lack_it() {
        let config = VectorizerConfig {
            unknown_words: false,
            ..VectorizerConfig::default()
        };
        let parts = |config| {
            TfidfVectorizer::from_parts(
                config,
                AnalyzerConfig::default(),
                vec!["order".into(), UNKNOWN_WORDS_FEATURE.into()],
                vec![1.0, 1.0],
                BTreeMap::new(),
            )
        };
        assert!(matches!(
            parts(config),
            Err(InvalidVectorizerParts::FeatureName { index: 1, .. })
        ));
        assert!(parts(VectorizerConfig::default()).is_ok());
    }

    #[test]
    fn char_grams_cover_every_length_with_boundaries() {
        let mut grams = Vec::new();
        let (mut padded, mut bounds) = (String::new(), Vec::new());
        let range = CharNgrams { min: 2, max: 3 };
        for_each_char_gram("ab", range, &mut padded, &mut bounds, |g| {
            grams.push(g.to_owned())
        });
        assert_eq!(grams, ["▁a", "ab", "b▁", "▁ab", "ab▁"]);
        grams.clear();
        for_each_char_gram(
            "é",
            CharNgrams { min: 3, max: 9 },
            &mut padded,
            &mut bounds,
            |g| grams.push(g.to_owned()),
        );
        assert_eq!(
            grams,
            ["▁é▁"],
            "multi-byte characters and lengths past the word"
        );
    }

    #[test]
    fn unseen_words_are_ignored_and_empty_text_counts_no_tokens() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let mut scratch = Scratch::default();
        assert_eq!(vectorizer.vectorize("", &mut scratch), 0);
        assert!(scratch.features.is_empty());
        assert_eq!(vectorizer.vectorize("zebra xylophone", &mut scratch), 2);
        // Only the count of unknown words is left of them.
        let unknown = vectorizer
            .feature_names()
            .iter()
            .position(|name| &**name == UNKNOWN_WORDS_FEATURE)
            .unwrap() as u32;
        assert_eq!(scratch.features.len(), 1);
        assert_eq!(scratch.features[0].0, unknown);
        assert!((scratch.features[0].1 - 1.0).abs() < 1e-12, "unit length");
    }

    #[test]
    fn sublinear_tf_dampens_repetition() {
        let config = VectorizerConfig {
            min_df: 1,
            max_ngram: 1,
            ..VectorizerConfig::default()
        };
        let (_, vectorizer) = fitted(config);
        let mut scratch = Scratch::default();
        vectorizer.vectorize("cancel cancel cancel cancel order", &mut scratch);
        let raw = VectorizerConfig {
            sublinear_tf: false,
            ..config
        };
        let (_, raw_vectorizer) = fitted(raw);
        let mut raw_scratch = Scratch::default();
        raw_vectorizer.vectorize("cancel cancel cancel cancel order", &mut raw_scratch);
        // With raw counts "cancel" dominates more.
        let share = |s: &Scratch| s.features.iter().map(|f| f.1).fold(0.0, f64::max);
        assert!(share(&raw_scratch) > share(&scratch));
    }

    /// Words the vocabulary was not trained on, repeated, misspelt, past the cache's word
    /// length, and non-ASCII: they all go through the per-thread stem cache.
    const UNSEEN: [&str; 6] = [
        "cancelled my orders, where are the parcels?",
        "Cancelling!! returning returned returns shoes shoe",
        "ordering zorblax zorblax parcles Orderz",
        "where is my extraordinarilylongwordthatnobodywrites parcel",
        "Zoë returned the café order — cancelled",
        "cancelled cancelled parcels where",
    ];

    fn vectors(vectorizer: &TfidfVectorizer, scratch: &mut Scratch) -> Vec<Vec<(u32, f64)>> {
        UNSEEN
            .iter()
            .map(|text| {
                vectorizer.vectorize(text, scratch);
                scratch.features.clone()
            })
            .collect()
    }

    #[test]
    fn the_stem_cache_never_changes_a_vector() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let uncached = vectors(&vectorizer, &mut Scratch::with_stem_cache_sets(0));
        assert!(
            uncached.iter().filter(|v| !v.is_empty()).count() >= 4,
            "unseen words must still reach known terms: {uncached:?}"
        );

        let mut scratch = Scratch::default();
        let cold = vectors(&vectorizer, &mut scratch);
        assert!(scratch.stem_cache.len() >= 10, "{:?}", scratch.stem_cache);
        let warm = vectors(&vectorizer, &mut scratch);
        // One set of two entries: nearly every lookup evicts another word.
        let evicted = vectors(&vectorizer, &mut Scratch::with_stem_cache_sets(1));
        assert_eq!(cold, uncached);
        assert_eq!(warm, uncached);
        assert_eq!(evicted, uncached);
    }

    #[test]
    fn a_scratch_shared_by_two_vectorizers_keeps_their_terms_apart() {
        let (_, first) = fitted(VectorizerConfig::default());
        let (_, second) = fitted(VectorizerConfig {
            min_df: 1,
            ..VectorizerConfig::default()
        });
        let expected = vectors(&second, &mut Scratch::with_stem_cache_sets(0));
        let mut shared = Scratch::default();
        vectors(&first, &mut shared);
        assert_eq!(vectors(&second, &mut shared), expected);
        assert_ne!(
            vectors(&first, &mut shared),
            expected,
            "vocabularies differ"
        );
    }

    #[test]
    fn stem_cache_round_trips_through_surface_forms() {
        let (_, vectorizer) = fitted(VectorizerConfig::default());
        let forms = vectorizer.surface_forms();
        assert_eq!(forms.get("cancel").map(String::as_str), Some("cancel"));
        let rebuilt = TfidfVectorizer::from_parts(
            vectorizer.config(),
            vectorizer.analyzer_config(),
            vectorizer
                .feature_names()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            vectorizer.idf().to_vec(),
            forms.clone(),
        )
        .unwrap();
        assert_eq!(rebuilt.surface_forms(), forms);
    }

    #[test]
    fn malformed_feature_names_are_errors_not_panics() {
        for bad in ["", "a  b", "a b c", " a", "#abc"] {
            let result = TfidfVectorizer::from_parts(
                VectorizerConfig::default(),
                AnalyzerConfig::default(),
                vec!["ok".to_owned(), bad.to_owned()],
                vec![1.0, 1.0],
                BTreeMap::new(),
            );
            assert_eq!(
                result.unwrap_err(),
                InvalidVectorizerParts::FeatureName {
                    index: 1,
                    name: bad.to_owned()
                },
                "{bad:?}"
            );
        }
        let result = TfidfVectorizer::from_parts(
            VectorizerConfig::default(),
            AnalyzerConfig::default(),
            vec!["a".to_owned(), "b".to_owned()],
            vec![1.0],
            BTreeMap::new(),
        );
        assert!(matches!(
            result,
            Err(InvalidVectorizerParts::IdfLength {
                features: 2,
                idf: 1
            })
        ));
    }
}
