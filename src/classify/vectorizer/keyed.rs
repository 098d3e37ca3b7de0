//! Vocabularies and matrices for many row subsets of one corpus, as cross-validation needs: one
//! per fold fit.
//!
//! [`VectorizerConfig::fit_for_transform`] and [`TfidfVectorizer::transform`] hash every
//! n-gram of every message again for each subset, and look each term up by name: on 50k
//! long-tail messages that took 130–160 ms per fold fit, a fifth of a tuned run's CPU time.
//! [`Subsets`] numbers every distinct unigram, bigram and character n-gram of the corpus once,
//! so a subset's document frequencies are array increments and its matrix is an array lookup
//! per occurrence. A fold's fit needs no more than that: which column each n-gram has, and
//! each column's idf. Feature names, and the lookup tables that classify new text, are built
//! only for the fit that becomes the model ([`Subsets::vectorizer`]); for every fold they were
//! most of what its vocabulary cost. The vocabulary and matrix are the same, bit for bit, as
//! the general path's (a test checks it): the same frequencies, the same selection, the same
//! features in the same order.

use std::collections::BTreeMap;

use super::{
    bigram_key, corpus_feature_name, select_features, smoothed_idf, unigram_key, weigh_sorted,
    Corpus, InvalidVectorizerParts, TfidfVectorizer, VectorizerConfig, NO_FEATURE,
    UNKNOWN_WORDS_FEATURE,
};
use crate::classify::sparse::SparseRows;
use crate::classify::text::AnalyzerConfig;

/// Marks "no bigram here" (a message's last word).
const NO_KEY: u32 = u32::MAX;

/// Vectorizers for row subsets of one corpus: by key when the corpus allows it (it always does
/// with the analyzer's terms), else by the general path, with the same result either way.
#[derive(Debug)]
pub struct Subsets<'c> {
    corpus: &'c Corpus,
    config: VectorizerConfig,
    analyzer: AnalyzerConfig,
    keys: Option<CorpusKeys>,
}

/// A subset's features: what a fit on the subset, and its matrices, need.
#[derive(Debug)]
pub struct SubsetVectorizer(Path);

#[derive(Debug)]
enum Path {
    /// Fitted by key: columns and idf, no names.
    Keyed(KeyedFeatures),
    /// Fitted by name: a whole vectorizer.
    General(Box<TfidfVectorizer>),
}

/// A subset's vocabulary by corpus key.
#[derive(Debug)]
struct KeyedFeatures {
    /// Per corpus key, its column or [`NO_FEATURE`].
    columns: Vec<u32>,
    /// The features but the unknown-words one, by name: packed n-grams (as [`unigram_key`]
    /// and [`bigram_key`] make them).
    kept: Vec<u64>,
    /// The unknown-words feature's column, when it has one.
    unknown: Option<u32>,
    /// Per column, its idf.
    idf: Vec<f64>,
}

impl SubsetVectorizer {
    /// How many features (columns) the subset's vocabulary has.
    pub fn n_features(&self) -> usize {
        match &self.0 {
            Path::Keyed(features) => features.idf.len(),
            Path::General(vectorizer) => vectorizer.n_features(),
        }
    }
}

impl<'c> Subsets<'c> {
    /// Vectorizers for `fits` subsets of `corpus`. With more than one, `corpus`'s n-grams are
    /// numbered first, once; for a single fit that would cost more time and memory (about 45 MB
    /// on 200k messages) than it saves.
    pub fn new(
        corpus: &'c Corpus,
        config: VectorizerConfig,
        analyzer: AnalyzerConfig,
        fits: usize,
    ) -> Self {
        Subsets {
            corpus,
            config,
            analyzer,
            keys: (fits > 1)
                .then(|| CorpusKeys::new(corpus, &config))
                .flatten(),
        }
    }

    /// The vocabulary [`VectorizerConfig::fit_for_transform`] fits on `rows`.
    pub fn fit(&self, rows: &[usize]) -> Result<SubsetVectorizer, InvalidVectorizerParts> {
        Ok(SubsetVectorizer(match &self.keys {
            Some(keys) => Path::Keyed(keys.fit(&self.config, self.corpus, rows)),
            None => {
                let vectorizer = self
                    .config
                    .fit_for_transform(self.analyzer, self.corpus, rows)?;
                Path::General(Box::new(vectorizer))
            }
        }))
    }

    /// The whole vectorizer of `subset`, as [`VectorizerConfig::fit_for_transform`] fits it on
    /// the same rows.
    pub fn vectorizer(
        &self,
        subset: SubsetVectorizer,
    ) -> Result<TfidfVectorizer, InvalidVectorizerParts> {
        let features = match subset.0 {
            Path::General(vectorizer) => return Ok(*vectorizer),
            Path::Keyed(features) => features,
        };
        let mut names: Vec<String> = features
            .kept
            .iter()
            .map(|&packed| corpus_feature_name(self.corpus, packed))
            .collect();
        if let Some(column) = features.unknown {
            names.insert(column as usize, UNKNOWN_WORDS_FEATURE.to_owned());
        }
        TfidfVectorizer::from_parts(
            self.config,
            self.analyzer,
            names,
            features.idf,
            BTreeMap::new(),
        )
    }

    /// [`TfidfVectorizer::transform`] of `rows` by `subset`'s vectorizer.
    pub fn transform(&self, subset: &SubsetVectorizer, rows: &[usize]) -> SparseRows {
        match (&self.keys, &subset.0) {
            (Some(keys), Path::Keyed(features)) => {
                keys.transform(features, self.config.sublinear_tf, self.corpus, rows)
            }
            (_, Path::General(vectorizer)) => vectorizer.transform(self.corpus, rows),
            (None, Path::Keyed(_)) => unreachable!("keyed vocabularies come from keys"),
        }
    }

    /// For each of `to`'s features, its column in `from` when `from` has it.
    pub fn shared_columns(
        &self,
        from: &SubsetVectorizer,
        to: &SubsetVectorizer,
    ) -> Vec<Option<u32>> {
        match (&from.0, &to.0) {
            (Path::Keyed(from), Path::Keyed(to)) => {
                let mut shared = vec![None; to.idf.len()];
                let pairs = from.columns.iter().zip(&to.columns);
                for (&from_column, &to_column) in pairs {
                    if to_column != NO_FEATURE && from_column != NO_FEATURE {
                        shared[to_column as usize] = Some(from_column);
                    }
                }
                if let (Some(from_column), Some(to_column)) = (from.unknown, to.unknown) {
                    shared[to_column as usize] = Some(from_column);
                }
                shared
            }
            (Path::General(from), Path::General(to)) => shared_columns_by_name(from, to),
            _ => unreachable!("one `Subsets` fits every vocabulary by the same path"),
        }
    }
}

/// For each of `to`'s features, its column in `from` when `from` has it. Fitted vocabularies
/// are sorted by name, so one merge pass pairs them up.
fn shared_columns_by_name(from: &TfidfVectorizer, to: &TfidfVectorizer) -> Vec<Option<u32>> {
    let mut known = from.feature_names().iter().zip(0u32..).peekable();
    to.feature_names()
        .iter()
        .map(|name| {
            while known.next_if(|&(known, _)| known < name).is_some() {}
            known
                .next_if(|&(known, _)| known == name)
                .map(|(_, column)| column)
        })
        .collect()
}

/// Every n-gram of a [`Corpus`] numbered once: one key per word occurrence beside the corpus,
/// and a table of the distinct bigrams. Key `t` below the corpus's term count is term
/// `t`'s unigram (character n-grams are terms too); the keys above it are bigrams.
#[derive(Debug)]
struct CorpusKeys {
    n_terms: u32,
    /// Bigram key `n_terms + i` is `bigrams[i]` (as [`bigram_key`] packs it).
    bigrams: Vec<u64>,
    /// Per word occurrence (aligned with the corpus's tokens), the key of the bigram it starts.
    bigram_at: Vec<u32>,
}

impl CorpusKeys {
    /// Numbers `corpus`'s n-grams for `config` (bigrams only when it has them). `None` when the
    /// corpus has a term the integer name order does not cover (see `Corpus::term_order`):
    /// then vocabularies take the general path.
    fn new(corpus: &Corpus, config: &VectorizerConfig) -> Option<Self> {
        corpus.term_order()?;
        let n_terms = u32::try_from(corpus.terms.len()).ok()?;
        let mut bigram_keys: rustc_hash::FxHashMap<u64, u32> = Default::default();
        let mut bigrams = Vec::new();
        let mut bigram_at = vec![NO_KEY; corpus.tokens.len()];
        for row in 0..corpus.len() {
            let doc_start = corpus.doc_starts[row];
            let doc = corpus.doc(row);
            if config.max_ngram >= 2 {
                for (position, pair) in doc.windows(2).enumerate() {
                    let packed = bigram_key(pair[0], pair[1]);
                    let key = match bigram_keys.get(&packed) {
                        Some(&key) => key,
                        None => {
                            // Past 4 billion keys the general path takes over.
                            let key = u32::try_from(n_terms as usize + bigrams.len())
                                .ok()
                                .filter(|&key| key != NO_KEY)?;
                            bigrams.push(packed);
                            bigram_keys.insert(packed, key);
                            key
                        }
                    };
                    bigram_at[doc_start + position] = key;
                }
            }
        }
        Some(CorpusKeys {
            n_terms,
            bigrams,
            bigram_at,
        })
    }

    fn n_keys(&self) -> usize {
        self.n_terms as usize + self.bigrams.len()
    }

    /// The packed n-gram (as [`unigram_key`] and [`bigram_key`] make them) of `key`.
    fn packed(&self, key: u32) -> u64 {
        match key.checked_sub(self.n_terms) {
            None => unigram_key(key),
            Some(bigram) => self.bigrams[bigram as usize],
        }
    }

    /// The vocabulary [`VectorizerConfig::fit_for_transform`] fits on `rows`, by key.
    fn fit(&self, config: &VectorizerConfig, corpus: &Corpus, rows: &[usize]) -> KeyedFeatures {
        let mut document_frequency = vec![0u32; self.n_keys()];
        // Each key counts once per message: the last message that counted it, plus one (zero
        // for none), rather than a distinct-key list per message, which would cost twice the
        // corpus's tokens in memory.
        let mut counted_in = vec![0u32; self.n_keys()];
        for (&row, mark) in rows.iter().zip(1u32..) {
            let (start, end) = (corpus.doc_starts[row], corpus.doc_starts[row + 1]);
            let words = corpus.tokens[start..end].iter();
            let keys = words.chain(&self.bigram_at[start..end]);
            for &key in keys.chain(corpus.char_doc(row)) {
                if key != NO_KEY && counted_in[key as usize] != mark {
                    counted_in[key as usize] = mark;
                    document_frequency[key as usize] += 1;
                }
            }
        }
        drop(counted_in);
        let min_df = config.min_df.max(1) as u32;
        let order = corpus.term_order().expect("checked in CorpusKeys::new");
        let frequent = (0u32..)
            .zip(&document_frequency)
            .filter(|&(_, &df)| df >= min_df)
            .map(|(key, &df)| (self.packed(key), df, key));
        // (packed n-gram, df, key), sorted by name.
        let kept = select_features(order, frequent, config.max_features);
        drop(document_frequency);
        // Each kept key's column, counted without the unknown-words feature (shifted below if
        // it goes in).
        let mut columns = vec![NO_FEATURE; self.n_keys()];
        for (&(_, _, key), column) in kept.iter().zip(0u32..) {
            columns[key as usize] = column;
        }
        let mut unknown = None;
        if config.unknown_words {
            // A message has an unknown word when one of its words has no unigram feature.
            let messages = rows
                .iter()
                .filter(|&&row| {
                    let mut words = corpus.doc(row).iter();
                    words.any(|&term| columns[term as usize] == NO_FEATURE)
                })
                .count();
            if let Some(df) = u32::try_from(messages).ok().filter(|&df| df > 0) {
                // It sits among the features by name; only the names it is compared with
                // are built.
                let at = kept.partition_point(|&(packed, _, _)| {
                    corpus_feature_name(corpus, packed).as_str() < UNKNOWN_WORDS_FEATURE
                });
                for &(_, _, key) in &kept[at..] {
                    columns[key as usize] += 1;
                }
                unknown = Some((at as u32, df));
            }
        }
        let mut idf: Vec<f64> = kept
            .iter()
            .map(|&(_, df, _)| smoothed_idf(rows.len(), df))
            .collect();
        if let Some((column, df)) = unknown {
            idf.insert(column as usize, smoothed_idf(rows.len(), df));
        }
        KeyedFeatures {
            columns,
            kept: kept.into_iter().map(|(packed, _, _)| packed).collect(),
            unknown: unknown.map(|(column, _)| column),
            idf,
        }
    }

    /// [`TfidfVectorizer::transform`] of `rows`, by key: the features of a message, in the
    /// same order (character n-grams, then each word's unigram and the bigram it starts, then
    /// the unknown words), so the same rows come out. A bigram is a feature only if both its
    /// words are in the vocabulary, so a word the vectorizer does not know starts none.
    fn transform(
        &self,
        features: &KeyedFeatures,
        sublinear_tf: bool,
        corpus: &Corpus,
        rows: &[usize],
    ) -> SparseRows {
        let columns = &features.columns;
        let entries = corpus.max_entries(rows);
        let mut matrix = SparseRows::with_capacity(features.idf.len(), rows.len(), entries);
        let (mut ids, mut weighted) = (Vec::new(), Vec::new());
        for &row in rows {
            ids.clear();
            let chars = corpus.char_doc(row).iter();
            ids.extend(
                chars
                    .map(|&t| columns[t as usize])
                    .filter(|&c| c != NO_FEATURE),
            );
            let doc_start = corpus.doc_starts[row];
            let mut unknown = 0usize;
            for (position, &term) in corpus.doc(row).iter().enumerate() {
                match columns[term as usize] {
                    NO_FEATURE => unknown += 1,
                    unigram => ids.push(unigram),
                }
                let bigram = self.bigram_at[doc_start + position];
                if bigram != NO_KEY && columns[bigram as usize] != NO_FEATURE {
                    ids.push(columns[bigram as usize]);
                }
            }
            if let Some(feature) = features.unknown {
                ids.extend(std::iter::repeat_n(feature, unknown));
            }
            weigh_sorted(&mut ids, &mut weighted, &features.idf, sublinear_tf);
            matrix.push_row(&weighted);
        }
        matrix
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::text::Analyzer;
    use crate::classify::vectorizer::CharNgrams;

    /// 400 messages from small word lists, so that frequencies tie, some n-grams fall under
    /// `min_df` and a small `max_features` cuts through ties; with masked order numbers.
    fn messages() -> Vec<String> {
        let openers = [
            "where is",
            "please cancel",
            "I want to return",
            "missing from",
            "hi",
        ];
        let things = [
            "my order",
            "the parcel",
            "these shoes",
            "a blue dress",
            "order #12345",
        ];
        let tails = [
            "today",
            "thanks",
            "asap!",
            "",
            "it never came",
            "wrong size",
        ];
        (0..400)
            .map(|i| {
                let rare = if i % 37 == 0 {
                    format!(" zyx{i}")
                } else {
                    String::new()
                };
                format!(
                    "{} {} {}{rare}",
                    openers[i % 5],
                    things[(i / 5) % 5],
                    tails[(i / 25) % 6]
                )
            })
            .collect()
    }

    #[test]
    fn the_keyed_path_fits_and_transforms_exactly_as_the_general_one() {
        let texts = messages();
        let analyzer = AnalyzerConfig::default();
        let base = VectorizerConfig::default();
        let configs = [
            base,
            VectorizerConfig {
                max_ngram: 1,
                ..base
            },
            VectorizerConfig { min_df: 1, ..base },
            VectorizerConfig {
                min_df: 5,
                max_features: 12,
                ..base
            },
            VectorizerConfig {
                unknown_words: false,
                ..base
            },
            VectorizerConfig {
                char_ngrams: Some(CharNgrams { min: 3, max: 4 }),
                max_features: 300,
                ..base
            },
        ];
        let every: Vec<usize> = (0..texts.len()).collect();
        let odd: Vec<usize> = every.iter().copied().filter(|r| r % 2 == 1).collect();
        let fold: Vec<usize> = every.iter().copied().filter(|r| r % 5 != 3).collect();
        for config in configs {
            let corpus = Corpus::analyze(
                &Analyzer::new(analyzer),
                texts.iter().map(String::as_str),
                config.char_ngrams,
            );
            let subsets = Subsets::new(&corpus, config, analyzer, 2);
            assert!(
                subsets.keys.is_some(),
                "the analyzer's terms take the keyed path"
            );
            for rows in [&every, &odd, &fold] {
                let keyed = subsets.fit(rows).unwrap();
                let general = config.fit_for_transform(analyzer, &corpus, rows).unwrap();
                let Path::Keyed(features) = &keyed.0 else {
                    panic!("a keyed vocabulary")
                };
                assert_eq!(features.idf, general.idf, "{config:?}");
                assert_eq!(keyed.n_features(), general.n_features());
                for transformed in [&every, &odd] {
                    assert_eq!(
                        subsets.transform(&keyed, transformed),
                        general.transform(&corpus, transformed),
                        "{config:?}"
                    );
                }
                let whole = subsets.vectorizer(keyed).unwrap();
                assert_eq!(whole.feature_names(), general.feature_names(), "{config:?}");
                assert_eq!(whole.idf, general.idf, "{config:?}");
                assert_eq!(whole.unknown_words_feature, general.unknown_words_feature);
            }
        }
    }

    #[test]
    fn columns_pair_up_by_key_as_they_do_by_name() {
        let texts = messages();
        let analyzer = AnalyzerConfig::default();
        let corpus = Corpus::analyze(
            &Analyzer::new(analyzer),
            texts.iter().map(String::as_str),
            None,
        );
        let every: Vec<usize> = (0..texts.len()).collect();
        let odd: Vec<usize> = every.iter().copied().filter(|r| r % 2 == 1).collect();
        let fold: Vec<usize> = every.iter().copied().filter(|r| r % 5 != 3).collect();
        // Cut vocabularies too, so that the unknown-words feature sits at a different column
        // in each.
        let mut unshared = false;
        for max_features in [12, 40, 10_000] {
            let config = VectorizerConfig {
                min_df: 2,
                max_features,
                ..VectorizerConfig::default()
            };
            let subsets = Subsets::new(&corpus, config, analyzer, 2);
            for (from, to) in [(&odd, &every), (&fold, &odd), (&every, &fold)] {
                let (from_keyed, to_keyed) = (subsets.fit(from).unwrap(), subsets.fit(to).unwrap());
                let by_key = subsets.shared_columns(&from_keyed, &to_keyed);
                let from_whole = subsets.vectorizer(from_keyed).unwrap();
                let to_whole = subsets.vectorizer(to_keyed).unwrap();
                let by_name = shared_columns_by_name(&from_whole, &to_whole);
                assert_eq!(by_key, by_name, "max_features {max_features}");
                assert!(by_key.iter().any(Option::is_some));
                unshared |= by_key.iter().any(Option::is_none);
            }
        }
        assert!(unshared, "some pair has features the other lacks");
    }

    #[test]
    fn a_single_fit_takes_the_general_path() {
        let texts = messages();
        let analyzer = AnalyzerConfig::default();
        let config = VectorizerConfig::default();
        let corpus = Corpus::analyze(
            &Analyzer::new(analyzer),
            texts.iter().map(String::as_str),
            None,
        );
        let subsets = Subsets::new(&corpus, config, analyzer, 1);
        assert!(subsets.keys.is_none());
        let rows: Vec<usize> = (0..texts.len()).collect();
        let general = subsets.fit(&rows).unwrap();
        let x = subsets.transform(&general, &rows);
        let Path::General(vectorizer) = &general.0 else {
            panic!("a single fit takes the general path")
        };
        assert_eq!(x, vectorizer.transform(&corpus, &rows));
    }

    #[test]
    fn cut_vocabularies_still_cover_the_unknown_words() {
        // With a vocabulary cut to a handful of features, most words are unknown: the keyed
        // path must count them as the general one does, or the matrices above would differ
        // only in that feature.
        let texts = messages();
        let analyzer = AnalyzerConfig::default();
        let config = VectorizerConfig {
            max_features: 3,
            ..VectorizerConfig::default()
        };
        let corpus = Corpus::analyze(
            &Analyzer::new(analyzer),
            texts.iter().map(String::as_str),
            None,
        );
        let subsets = Subsets::new(&corpus, config, analyzer, 2);
        let rows: Vec<usize> = (0..texts.len()).collect();
        let keyed = subsets.fit(&rows).unwrap();
        let Path::Keyed(features) = &keyed.0 else {
            panic!("a keyed vocabulary")
        };
        let unknown = features.unknown.expect("words fall outside");
        let x = subsets.transform(&keyed, &rows);
        assert!((0..x.n_rows()).all(|row| x.row(row).0.contains(&unknown)));
    }
}
