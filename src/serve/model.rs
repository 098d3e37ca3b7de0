//! The model the service classifies with, swapped atomically on reload: a job takes a snapshot
//! when it starts and finishes on it, whatever is loaded meanwhile. A file that fails to load is
//! refused and the old model stays.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::classify::model::artifact::ModelFileError;
use crate::classify::model::IntentModel;

/// Where the model comes from.
#[derive(Debug, Clone)]
pub enum ModelSource {
    /// A file, read again on reload.
    File(PathBuf),
    /// Bytes built into the binary (the bundled model): nothing to reload.
    Bytes {
        /// What messages call it.
        name: &'static str,
        /// The model file's contents.
        bytes: &'static [u8],
    },
}

/// A loaded model and what identifies it in the decision log.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub model: IntentModel,
    /// `sha256:<first 16 hex digits>` of the file's bytes.
    pub digest: String,
    /// The file's modification time when read (`None` for built-in bytes).
    modified: Option<SystemTime>,
}

/// What a reload did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// A different file was loaded and swapped in.
    Swapped {
        /// The old digest.
        from: String,
        /// The new digest.
        to: String,
    },
    /// The file is the same as the loaded one.
    Unchanged,
    /// Built-in bytes cannot change.
    Fixed,
}

/// The current model, shared by the routes and the workers.
pub struct ModelSlot {
    source: ModelSource,
    current: RwLock<Arc<LoadedModel>>,
    /// The file's modification time at the last read, loaded or refused: a refused file is
    /// not read (and logged) again until it changes.
    seen: Mutex<Option<SystemTime>>,
}

impl ModelSlot {
    /// Loads the model from `source`.
    pub fn load(source: ModelSource) -> Result<ModelSlot, ModelFileError> {
        let loaded = read(&source)?;
        Ok(ModelSlot {
            source,
            seen: Mutex::new(loaded.modified),
            current: RwLock::new(Arc::new(loaded)),
        })
    }

    /// The model now; it stays valid for as long as the caller holds it.
    pub fn snapshot(&self) -> Arc<LoadedModel> {
        // A poisoned lock still holds a complete Arc: a panic cannot leave it half-written.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the file again and swaps it in if it loads and differs. On error the old model
    /// stays and the error is returned for the log.
    pub fn reload(&self) -> Result<Reloaded, ModelFileError> {
        let ModelSource::File(path) = &self.source else {
            return Ok(Reloaded::Fixed);
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = modified(path);
        let fresh = read(&self.source)?;
        let mut current = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.digest == fresh.digest {
            return Ok(Reloaded::Unchanged);
        }
        let from = current.digest.clone();
        let to = fresh.digest.clone();
        *current = Arc::new(fresh);
        Ok(Reloaded::Swapped { from, to })
    }

    /// Whether the file's modification time differs from the one last read, loaded or
    /// refused (a cheap check before [`ModelSlot::reload`]).
    pub fn file_changed(&self) -> bool {
        let ModelSource::File(path) = &self.source else {
            return false;
        };
        modified(path) != *self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read(source: &ModelSource) -> Result<LoadedModel, ModelFileError> {
    match source {
        ModelSource::Bytes { name, bytes } => Ok(LoadedModel {
            model: IntentModel::from_slice(name, bytes)?,
            digest: digest(bytes),
            modified: None,
        }),
        ModelSource::File(path) => {
            let modified = modified(path);
            let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            Ok(LoadedModel {
                model: IntentModel::from_slice_at(path, &bytes)?,
                digest: digest(&bytes),
                modified,
            })
        }
    }
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
