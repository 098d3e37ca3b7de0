//! The model file: plain serde DTOs with a format version checked on load, kept apart from the
//! runtime structures they are turned into.
//!
//! The file is JSON laid out for people and diffs: settings and metadata pretty-printed at the
//! top, then one feature, weight row or calibration point per line. Nothing in it depends on
//! time or place (no timestamps, no paths), so the same data and settings always give the same
//! bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::classify::decision::Thresholds;
use crate::classify::files;
use crate::classify::label::Label;
use crate::classify::model::params::TrainParams;
use crate::classify::tune::CalibrationPoint;

/// The `format` field every model file carries.
pub const MODEL_FORMAT: &str = "deskbot-intent-model";
/// The model file format this build writes. Version 2 added a shop's own labels after the five
/// built-in intents; version 1 files (the five only) still load.
pub const MODEL_FORMAT_VERSION: u32 = 2;
/// The oldest model file format this build reads.
pub const OLDEST_MODEL_FORMAT_VERSION: u32 = 1;

/// Largest model file read by default: 128 MiB. The bundled model is 1.5 MB and the default
/// 50 000-feature cap keeps trained models to a few MB, so this leaves ample room while bounding
/// what a wrong or hostile file costs: parsing takes about 15 bytes of memory per byte of JSON.
pub const DEFAULT_MAX_MODEL_BYTES: u64 = 128 * 1024 * 1024;

/// How model files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Files larger than this many bytes are refused before reading them.
    pub max_bytes: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_bytes: DEFAULT_MAX_MODEL_BYTES,
        }
    }
}

impl LoadOptions {
    /// Sets the largest model file accepted, in bytes (default [`DEFAULT_MAX_MODEL_BYTES`]).
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }
}

/// Summary of cross-validation, stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossValidationSummary {
    /// Number of folds.
    pub folds: usize,
    /// Accuracy of the out-of-fold predictions.
    pub accuracy: f64,
    /// Macro-averaged F1 of the out-of-fold predictions.
    pub macro_f1: f64,
}

/// Summary of threshold tuning, stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuningSummary {
    /// Precision asked for.
    pub target_precision: f64,
    /// Cross-validated precision of automated answers at the chosen thresholds.
    pub precision: f64,
    /// Cross-validated share of in-scope messages answered automatically and correctly.
    pub coverage: f64,
}

/// How a model was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingMetadata {
    /// deskbot version that trained it.
    pub crate_version: String,
    /// SHA-256 of the training files' bytes.
    pub data_sha256: String,
    /// Training rows per label (after removing duplicates).
    pub rows_per_intent: BTreeMap<Label, usize>,
    /// Duplicate rows that were dropped.
    pub duplicates_dropped: usize,
    /// The settings used.
    pub params: TrainParams,
    /// Number of features.
    pub n_features: usize,
    /// L-BFGS iterations of the final fit.
    pub iterations: u64,
    /// Why the final fit stopped.
    pub termination: String,
    /// Cross-validated accuracy, when run.
    pub cross_validation: Option<CrossValidationSummary>,
    /// Threshold tuning outcome, when run.
    pub tuning: Option<TuningSummary>,
}

/// The on-disk model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_FORMAT_VERSION`] when written by this build.
    pub format_version: u32,
    /// Column order of `weights` and `intercepts`: the five built-in intents, then (from
    /// version 2) the shop's own labels by name.
    pub labels: Vec<String>,
    /// How the model was made (including analyzer and vectorizer settings).
    pub training: TrainingMetadata,
    /// Decision thresholds.
    pub thresholds: Thresholds,
    /// One intercept per label.
    pub intercepts: Vec<f64>,
    /// Inverse document frequency per feature.
    pub idf: Vec<f64>,
    /// Surface word → stem for every training word whose stem is in the vocabulary.
    pub stem_cache: BTreeMap<String, String>,
    /// Feature names: a term, or two terms joined by a space.
    pub features: Vec<String>,
    /// One row per feature, one weight per label.
    pub weights: Vec<Vec<f64>>,
    /// Cross-validated predictions for re-tuning (empty when trained with `--no-tune`).
    pub calibration: Vec<CalibrationPoint>,
}

/// Just enough of a model file to report format problems before anything else.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    format_version: Option<u32>,
}

/// Problems reading or writing a model file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// I/O failure.
    #[error("cannot {action} model file {}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid JSON, truncated, or fields of the wrong type.
    #[error("model file {} is not a valid deskbot model (truncated or corrupt?)", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// Some other kind of file.
    #[error("{} is not a deskbot intent model (format {found:?}, expected {MODEL_FORMAT:?})", path.display())]
    WrongFormat {
        /// The file.
        path: PathBuf,
        /// The format field found, if any.
        found: Option<String>,
    },
    /// A model from another format version.
    #[error("model file {} has format version {found}, but this deskbot reads versions {OLDEST_MODEL_FORMAT_VERSION} to {MODEL_FORMAT_VERSION}; retrain it with `deskbot train`", path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// Parsed, but inconsistent: shapes, non-finite numbers, bad settings.
    #[error("model file {} is inconsistent: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Larger than the configured limit; refused before reading.
    #[error("model file {} is {size} bytes, more than the {max_bytes} allowed; raise the limit (--max-model-bytes) if the file is genuine", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// The destination cannot hold a model file.
    #[error("cannot write the model to {}: {problem}", path.display())]
    Unwritable {
        /// The destination as given.
        path: PathBuf,
        /// What is in the way.
        problem: String,
    },
    /// The file written did not load back as a valid model, so the destination was left as it
    /// was.
    #[error("the model for {} did not load back after writing, so the file was left as it was", path.display())]
    WriteCheck {
        /// The destination as given.
        path: PathBuf,
        /// Why the written file did not load.
        source: Box<ModelFileError>,
    },
}

impl ModelFile {
    /// Reads and parses `path`, checking format and version first. Files over
    /// [`DEFAULT_MAX_MODEL_BYTES`] are refused.
    pub fn read(path: &Path) -> Result<Self, ModelFileError> {
        Self::read_with(path, LoadOptions::default())
    }

    /// As [`ModelFile::read`], with `options`' size limit, checked before anything is read.
    pub fn read_with(path: &Path, options: LoadOptions) -> Result<Self, ModelFileError> {
        let bytes = read_capped(path, options.max_bytes)?;
        Self::from_slice(path, &bytes)
    }

    /// Parses model bytes; `path` is only used in messages.
    pub fn from_slice(path: &Path, bytes: &[u8]) -> Result<Self, ModelFileError> {
        match serde_json::from_slice::<ModelFile>(bytes) {
            Ok(file) => {
                check_header(path, Some(&file.format), Some(file.format_version))?;
                Ok(file)
            }
            Err(source) => {
                // A file of another format or version fails to parse as this one; say so
                // rather than reporting the first unexpected field.
                if let Ok(header) = serde_json::from_slice::<Header>(bytes) {
                    check_header(path, header.format.as_deref(), header.format_version)?;
                }
                Err(ModelFileError::Parse {
                    path: path.to_owned(),
                    source,
                })
            }
        }
    }

    /// Renders the file. Deterministic: equal models give equal bytes.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(64 * (self.features.len() + 1024));
        out.push_str("{\n");
        pretty_field(&mut out, "format", &self.format);
        pretty_field(&mut out, "format_version", &self.format_version);
        compact_field(&mut out, "labels", &self.labels);
        pretty_field(&mut out, "training", &self.training);
        pretty_field(&mut out, "thresholds", &self.thresholds);
        compact_field(&mut out, "intercepts", &self.intercepts);
        compact_field(&mut out, "idf", &self.idf);
        compact_field(&mut out, "stem_cache", &self.stem_cache);
        line_per_item_field(&mut out, "features", &self.features);
        line_per_item_field(&mut out, "weights", &self.weights);
        line_per_item_field(&mut out, "calibration", &self.calibration);
        // Drop the trailing ",\n" of the last field.
        out.truncate(out.len() - 2);
        out.push_str("\n}\n");
        out
    }

    /// Writes the file safely: a model that does not load back never replaces anything.
    ///
    /// The model goes to a temporary file in the destination's directory, which is synced,
    /// read back and validated as [`IntentModel::load`](crate::IntentModel::load) would, and
    /// only then renamed over the destination. The temporary file is removed on every failure.
    /// A destination that is a symbolic link is written through: its target is replaced and
    /// the link kept.
    pub fn write(&self, path: &Path) -> Result<(), ModelFileError> {
        let destination = Destination::check(path)?;
        let io_error = |source| ModelFileError::Io {
            action: "write",
            path: path.to_owned(),
            source,
        };
        std::fs::create_dir_all(&destination.dir).map_err(io_error)?;
        let mut temporary = destination.temporary_file().map_err(io_error)?;
        temporary
            .write_all(self.render().as_bytes())
            .map_err(io_error)?;
        temporary.as_file().sync_all().map_err(io_error)?;
        // Check what is on disk, not what is in memory.
        let written = std::fs::read(temporary.path()).map_err(io_error)?;
        crate::classify::model::classifier::IntentModel::from_slice_at(path, &written).map_err(
            |source| ModelFileError::WriteCheck {
                path: path.to_owned(),
                source: Box::new(source),
            },
        )?;
        temporary
            .persist(&destination.file)
            .map_err(|e| io_error(e.error))?;
        destination.sync_dir();
        Ok(())
    }
}

/// Checks, before any work, that a model can be written to `path`: no file stands where a
/// directory is needed, `path` is not a directory, and the directory accepts new files.
/// Creates nothing that stays.
pub fn check_writable(path: &Path) -> Result<(), ModelFileError> {
    let destination = Destination::check(path)?;
    // The nearest existing ancestor is where the first new entry would go.
    let existing = destination
        .dir
        .ancestors()
        .find(|dir| dir.exists())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".deskbot-write-check")
        .tempfile_in(existing)
        .map(drop)
        .map_err(|source| ModelFileError::Io {
            action: "write",
            path: path.to_owned(),
            source,
        })
}

/// Where a model file is written: symbolic links resolved, the way there checked.
struct Destination {
    /// The file to replace (the final target when `path` is a symbolic link).
    file: PathBuf,
    /// Its directory.
    dir: PathBuf,
}

impl Destination {
    fn check(path: &Path) -> Result<Self, ModelFileError> {
        let unwritable = |problem: String| ModelFileError::Unwritable {
            path: path.to_owned(),
            problem,
        };
        let file = files::follow_links(path)
            .map_err(|source| ModelFileError::Io {
                action: "write",
                path: path.to_owned(),
                source,
            })?
            .ok_or_else(|| unwritable("too many levels of symbolic links".into()))?;
        if file.file_name().is_none() {
            return Err(unwritable("it does not name a file".into()));
        }
        if file.is_dir() {
            return Err(unwritable(if file == path {
                "it is a directory".into()
            } else {
                format!("its target {} is a directory", file.display())
            }));
        }
        let dir = files::folder_of(&file);
        // `create_dir_all` would only say "File exists"; name the file in the way.
        if let Some(blocker) = dir
            .ancestors()
            .find(|a| a.symlink_metadata().is_ok())
            .filter(|a| !a.is_dir())
        {
            return Err(unwritable(if blocker.exists() {
                format!("{} is a file, not a directory", blocker.display())
            } else {
                format!("{} is a symbolic link to nothing", blocker.display())
            }));
        }
        Ok(Destination { file, dir })
    }

    /// A new temporary file beside the destination (see [`files::temporary_for`]).
    fn temporary_file(&self) -> std::io::Result<tempfile::NamedTempFile> {
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files::temporary_for(&self.file, &format!(".{name}."))
    }

    /// Makes the rename durable. Best effort: not every platform or file system can sync a
    /// directory, and the model is already in place.
    fn sync_dir(&self) {
        #[cfg(unix)]
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
    }
}

/// Reads `path` whole if it is at most `max_bytes` long, checking the size before reading and
/// never reading more than the limit (a file may grow, or not report its size).
fn read_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ModelFileError> {
    let io_error = |source| ModelFileError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    };
    let too_large = |size| ModelFileError::TooLarge {
        path: path.to_owned(),
        size,
        max_bytes,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    let size = file.metadata().map_err(io_error)?.len();
    if size > max_bytes {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    (&file)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max_bytes {
        // It grew while being read: report its size now, or at least what was read.
        let now = file.metadata().map_or(0, |m| m.len());
        return Err(too_large(now.max(bytes.len() as u64)));
    }
    Ok(bytes)
}

fn check_header(
    path: &Path,
    format: Option<&str>,
    version: Option<u32>,
) -> Result<(), ModelFileError> {
    if format != Some(MODEL_FORMAT) {
        return Err(ModelFileError::WrongFormat {
            path: path.to_owned(),
            found: format.map(str::to_owned),
        });
    }
    match version {
        Some(OLDEST_MODEL_FORMAT_VERSION..=MODEL_FORMAT_VERSION) | None => Ok(()),
        Some(found) => Err(ModelFileError::UnsupportedVersion {
            path: path.to_owned(),
            found,
        }),
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("model DTOs serialise")
}

fn pretty_field<T: Serialize + ?Sized>(out: &mut String, name: &str, value: &T) {
    let pretty = serde_json::to_string_pretty(value).expect("model DTOs serialise");
    let _ = writeln!(
        out,
        "  {}: {},",
        to_json(name),
        pretty.replace('\n', "\n  ")
    );
}

fn compact_field<T: Serialize + ?Sized>(out: &mut String, name: &str, value: &T) {
    let _ = writeln!(out, "  {}: {},", to_json(name), to_json(value));
}

fn line_per_item_field<T: Serialize>(out: &mut String, name: &str, items: &[T]) {
    if items.is_empty() {
        let _ = writeln!(out, "  {}: [],", to_json(name));
        return;
    }
    let _ = writeln!(out, "  {}: [", to_json(name));
    for (index, item) in items.iter().enumerate() {
        let separator = if index + 1 < items.len() { "," } else { "" };
        let _ = writeln!(out, "    {}{separator}", to_json(item));
    }
    out.push_str("  ],\n");
}
