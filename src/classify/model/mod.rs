//! The intent model: training parameters, the sparse solver, the on-disk artifact and the
//! runtime classifier.

pub mod artifact;
pub mod classifier;
pub mod lbfgs;
pub mod params;
pub mod solver;
pub mod train;

pub use artifact::LoadOptions;
pub use classifier::{Contribution, Explanation, IntentModel, Prediction, RetuneError};
pub use params::{ClassWeight, TrainParams, TuningParams};
