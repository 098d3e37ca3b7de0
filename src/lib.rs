pub mod intent;
pub mod sparse;
pub mod text;
pub mod vectorizer;
