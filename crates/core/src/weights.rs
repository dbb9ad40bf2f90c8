use std::io::Write;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::Bytes;

/// Why a burnpack weights file could not be read, fitted or written.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The bytes are not a burnpack record.
    #[error("{}: not a burnpack weights file ({reason})", path.display())]
    NotBurnpack {
        /// The file.
        path: PathBuf,
        /// Burn's reason.
        reason: String,
    },
    /// A burnpack record of another model or shape (other classes, other layers).
    #[error("{}: weights do not fit this model ({reason})", path.display())]
    DoesNotFit {
        /// The file.
        path: PathBuf,
        /// Burn's reason.
        reason: String,
    },
    /// The model's weights could not be serialised.
    #[error("{}: cannot serialise the weights ({reason})", path.display())]
    Serialize {
        /// The file they were for.
        path: PathBuf,
        /// Burn's reason.
        reason: String,
    },
}

/// Loads a burnpack weights file fully into memory.
///
/// `ModuleRecord::load` reads tensors lazily from the path, so a file replaced or removed after
/// loading (the next checkpoint of a running training) would change or break a model loaded from
/// it; this reads the bytes once.
pub fn load_record(path: &Path) -> Result<ModuleRecord, WeightsError> {
    let bytes = std::fs::read(path).map_err(|error| WeightsError::Io {
        path: path.into(),
        error,
    })?;
    parse_record(path, bytes)
}

/// Parses the bytes of a burnpack weights file; `path` names them in the error.
pub fn parse_record(path: &Path, bytes: Vec<u8>) -> Result<ModuleRecord, WeightsError> {
    ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| WeightsError::NotBurnpack {
        path: path.into(),
        reason: record_message(&e).to_string(),
    })
}

/// The message of a record error without Burn's `Record I/O error:` prefix.
pub fn record_message(e: &RecordError) -> &str {
    match e {
        RecordError::Io(m) | RecordError::Validation(m) => m,
    }
}

/// Loads weights from `path` into `model`: a missing, corrupt or mismatched file (other model,
/// other number of classes) is an error naming the file.
pub fn load_weights<M: Module>(model: M, path: &Path) -> Result<M, WeightsError> {
    fit_record(model, path, load_record(path)?)
}

/// Loads a parsed record into `model`, refusing one that does not fit; `path` names the record's
/// file in the error.
///
/// Tensors stored in another numeric type (f16 or f64 weights, or integers) are cast to the
/// parameter's, as PyTorch's `load_state_dict` does. Burn's default would build a float tensor
/// of the stored type and panic on an integer one (found by the `burnpack` fuzz target).
pub fn fit_record<M: Module>(
    model: M,
    path: &Path,
    record: ModuleRecord,
) -> Result<M, WeightsError> {
    model
        .try_load_record(record.cast_to_module_dtype())
        .map_err(|e| WeightsError::DoesNotFit {
            path: path.into(),
            reason: record_message(&e).to_string(),
        })
}

/// Writes bytes to `path` atomically: a temporary file in the same folder, flushed to disk, then
/// renamed over `path`. A crash leaves either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or_else(|| Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Saves `model`'s weights as a burnpack file, atomically (see [`write_atomic`]).
pub fn save_weights<M: Module>(model: M, path: &Path) -> Result<(), WeightsError> {
    let bytes = model
        .into_record()
        .into_bytes()
        .map_err(|e| WeightsError::Serialize {
            path: path.into(),
            reason: record_message(&e).to_string(),
        })?;
    write_atomic(path, &bytes).map_err(|error| WeightsError::Io {
        path: path.into(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bpk");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn garbage_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.bpk");
        std::fs::write(&path, b"definitely not burnpack").unwrap();
        let err = load_record(&path).unwrap_err();
        assert!(err.to_string().contains("bad.bpk"), "{err}");
        let err = load_record(&dir.path().join("missing.bpk")).unwrap_err();
        assert!(err.to_string().contains("missing.bpk"), "{err}");
    }
}
