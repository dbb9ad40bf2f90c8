//! Checkpoints written atomically and read whole, and finding the last finished epoch.

use std::path::{Path, PathBuf};

use burn::tensor::Bytes;
use burn::train::checkpoint::{Checkpoint, Checkpointer, CheckpointerError};

/// The folder of a run's checkpoints.
pub const CHECKPOINT_DIR: &str = "checkpoint";
/// The three records of an epoch's checkpoint.
pub const CHECKPOINT_NAMES: [&str; 3] = ["model", "optim", "scheduler"];

/// Saves each record as `<dir>/<name>-<epoch>.bpk` through a temporary file and a rename, so a
/// run killed at any moment never leaves a half-written checkpoint under a real name; restores
/// read the whole file (Burn's own loader reads lazily from the path).
#[derive(Debug, Clone)]
pub struct AtomicCheckpointer {
    dir: PathBuf,
    name: String,
}

impl AtomicCheckpointer {
    /// Checkpoints named `name` in `dir` (created if needed).
    pub fn new(dir: &Path, name: &str) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            name: name.to_string(),
        })
    }

    /// The file of `epoch`.
    pub fn path(&self, epoch: usize) -> PathBuf {
        checkpoint_path(&self.dir, &self.name, epoch)
    }
}

/// `<dir>/<name>-<epoch>.bpk`.
pub fn checkpoint_path(dir: &Path, name: &str, epoch: usize) -> PathBuf {
    dir.join(format!("{name}-{epoch}.bpk"))
}

impl<R: Checkpoint> Checkpointer<R> for AtomicCheckpointer {
    fn save(&self, epoch: usize, record: R) -> Result<(), CheckpointerError> {
        let bytes = record
            .checkpoint_into_bytes()
            .map_err(CheckpointerError::Record)?;
        let path = self.path(epoch);
        zoo_core::write_atomic(&path, &bytes).map_err(|e| {
            CheckpointerError::IOError(std::io::Error::new(
                e.kind(),
                format!("writing {}: {e}", path.display()),
            ))
        })
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        match std::fs::remove_file(self.path(epoch)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(CheckpointerError::IOError(e))
            }
            _ => Ok(()),
        }
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        let path = self.path(epoch);
        let bytes = std::fs::read(&path).map_err(CheckpointerError::IOError)?;
        R::checkpoint_from_bytes(Bytes::from_bytes_vec(bytes)).map_err(CheckpointerError::Record)
    }
}

/// The last epoch whose model, optimiser and scheduler checkpoints are all on disk.
pub fn last_complete_epoch(dir: &Path) -> Option<usize> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut epochs: Vec<usize> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("model-")?
                .strip_suffix(".bpk")?
                .parse()
                .ok()
        })
        .collect();
    epochs.sort_unstable();
    epochs.into_iter().rev().find(|&epoch| {
        CHECKPOINT_NAMES
            .iter()
            .all(|name| checkpoint_path(dir, name, epoch).is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_complete_epoch_needs_all_three_records() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_complete_epoch(dir.path()), None);
        for epoch in [1, 2] {
            for name in CHECKPOINT_NAMES {
                std::fs::write(checkpoint_path(dir.path(), name, epoch), b"x").unwrap();
            }
        }
        // Epoch 3 was killed after its model record.
        std::fs::write(checkpoint_path(dir.path(), "model", 3), b"x").unwrap();
        // A temporary file of an interrupted write does not count.
        std::fs::write(dir.path().join(".optim-3.bpk.tmp-1"), b"x").unwrap();
        assert_eq!(last_complete_epoch(dir.path()), Some(2));
    }
}
