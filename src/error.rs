//! The crate's error type: one variant per module error, each carrying its own context.

/// Any deskbot error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A data file problem (with file and line).
    #[error(transparent)]
    Data(#[from] crate::classify::dataset::DataError),
    /// A setting out of range.
    #[error(transparent)]
    Params(#[from] crate::classify::model::params::ParamError),
    /// A threshold out of range.
    #[error(transparent)]
    Threshold(#[from] crate::classify::decision::InvalidThreshold),
    /// A model file problem.
    #[error(transparent)]
    ModelFile(#[from] crate::classify::model::artifact::ModelFileError),
    /// Training failed.
    #[error(transparent)]
    Training(#[from] crate::classify::model::train::TrainError),
    /// Re-tuning a model without calibration data.
    #[error(transparent)]
    NothingToTune(#[from] crate::classify::model::classifier::NothingToTune),
    /// A review sheet or training file could not be written.
    #[error(transparent)]
    Review(#[from] crate::classify::review::ReviewError),
    /// Re-tuning refused (no calibration data, or a target out of range).
    #[error(transparent)]
    Retune(#[from] crate::classify::model::classifier::RetuneError),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
