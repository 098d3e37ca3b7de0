//! Text analysis: normalise → tokenize (with masking) → stem.
//!
//! Each stage is a small module with its own tests. [`Analyzer`] chains them; the vectorizer
//! drives it and caches stems, which is where classification spends most of its time.

pub mod mask;
pub mod normalize;
pub mod stem;
pub mod tokenize;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use mask::Placeholder;
pub use stem::{Language, Stemmer};
pub use tokenize::Token;

/// Settings of the analysis chain, stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Snowball stemming language. Default: English.
    pub language: Language,
}

/// The analysis chain for one language.
#[derive(Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
    stemmer: Stemmer,
}

impl Analyzer {
    /// Builds the chain described by `config`.
    pub fn new(config: AnalyzerConfig) -> Self {
        Analyzer {
            config,
            stemmer: Stemmer::new(config.language),
        }
    }

    /// The settings this analyzer was built from.
    pub fn config(&self) -> AnalyzerConfig {
        self.config
    }

    /// Normalises `text` into `buffer` and calls `emit` with each unstemmed token.
    ///
    /// Stemming is left to the caller so it can consult a stem cache first.
    pub fn tokens<'b>(&self, text: &str, buffer: &'b mut String, emit: impl FnMut(Token<'b>)) {
        normalize::normalize_into(text, buffer);
        tokenize::tokenize(buffer, emit);
    }

    /// The stem of a normalised word.
    pub fn stem<'w>(&self, word: &'w str) -> Cow<'w, str> {
        self.stemmer.stem(word)
    }

    /// The full chain for one text: the terms (stems and placeholder tokens) in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut buffer = String::new();
        let mut terms = Vec::new();
        self.tokens(text, &mut buffer, |token| {
            terms.push(match token {
                Token::Word(word) => self.stem(word).into_owned(),
                Token::Masked(placeholder) => placeholder.token().to_owned(),
            })
        });
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_normalises_masks_and_stems() {
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        assert_eq!(
            analyzer.terms("Hi, I CANCELLED order #1234 — where’s my REFUND?"),
            [
                "hi",
                "i",
                "cancel",
                "order",
                "__order_number__",
                "where",
                "my",
                "refund"
            ]
        );
    }

    #[test]
    fn language_is_honoured() {
        let analyzer = Analyzer::new(AnalyzerConfig {
            language: Language::Spanish,
        });
        assert_eq!(analyzer.terms("pedidos"), analyzer.terms("pedido"));
    }
}
