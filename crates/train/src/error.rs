//! Every way training, evaluation, prediction and the run files can fail, as one enum whose
//! variants a caller can match. Each displays as one line naming what and where, its cause
//! included (the cause is not repeated as a `source`).

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a zoo-train operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A run setting that cannot train: `option` names its command-line option.
    #[error("{message}")]
    InvalidSetting {
        /// The option (`--epochs`, `--batch-size`, ...), or the setting's name.
        option: &'static str,
        /// What is wrong, naming the value.
        message: String,
    },
    /// A file or folder that cannot be read, written or created.
    #[error("{context}: {error}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The system's error.
        error: std::io::Error,
    },
    /// A run's `config.json` that is not JSON, not this family's, or holds invalid settings.
    #[error("{}: {problem}", path.display())]
    RunConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// `metrics.csv` that cannot be written or read.
    #[error("{context}: {error}")]
    Csv {
        /// What was being done, naming the file (and row).
        context: String,
        /// The parser's or writer's error.
        error: csv::Error,
    },
    /// A run directory that cannot be used as asked (already holds a run, nothing to resume,
    /// no metrics yet).
    #[error("{}: {problem}", dir.display())]
    RunDir {
        /// The directory.
        dir: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Another process is training into the run.
    #[error("{}: {owner} is training into this run; wait for it to finish or stop it first", dir.display())]
    Locked {
        /// The run directory.
        dir: PathBuf,
        /// `process <pid>`, or `a process` when the lock file names none.
        owner: String,
    },
    /// A checkpoint that cannot be resumed from.
    #[error("{}: {problem}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The loss became NaN or infinite.
    #[error(
        "training stopped: the loss became NaN or infinite at epoch {epoch} batch {batch}; {kept}. Lower the learning rate and resume or restart."
    )]
    NonFiniteLoss {
        /// The epoch (from 1).
        epoch: usize,
        /// The batch within it (from 1).
        batch: usize,
        /// What of the run is on disk.
        kept: String,
    },
    /// Training stopped on an error (a checkpoint that cannot be written, a device that failed).
    #[error("training stopped: {reason}; {kept}. Fix the cause, then continue with --resume.")]
    Stopped {
        /// Burn's error.
        reason: String,
        /// What of the run is on disk.
        kept: String,
    },
    /// The run directory disappeared while training.
    #[error("training stopped: {} was removed while training; nothing of the run is left ({reason})", dir.display())]
    RunRemoved {
        /// The run directory.
        dir: PathBuf,
        /// Burn's error.
        reason: String,
    },
    /// Ctrl-C or SIGTERM.
    #[error("training interrupted ({reason}); {kept}. Continue with --resume.")]
    Interrupted {
        /// The signal.
        reason: String,
        /// What of the run is on disk.
        kept: String,
    },
    /// Devices that do not match the run, or a strategy this build cannot run.
    #[error("{0}")]
    Devices(String),
    /// A backend that cannot start.
    #[error("{0}")]
    Backend(String),
    /// Values that cannot be read back from the device.
    #[error("reading {what}: {error}")]
    DeviceRead {
        /// What was read (logits, labels, the loss).
        what: String,
        /// The backend's error.
        error: String,
    },
    /// The data loader failed.
    #[error("reading {what}: {error}")]
    DataLoader {
        /// Which data.
        what: &'static str,
        /// The loader's error.
        error: String,
    },
    /// The model's outputs do not match the run's class names.
    #[error("the model has {outputs} outputs, its class list {classes} names")]
    ClassCount {
        /// The model's outputs.
        outputs: usize,
        /// The class names.
        classes: usize,
    },
    /// Nothing to work on (no test images to probe).
    #[error("{0}")]
    Empty(&'static str),
    /// The learning-rate schedule cannot be built.
    #[error("learning-rate schedule: {0}")]
    Schedule(String),
    /// What a model family cannot do (import, export, published weights).
    #[error("{0}")]
    Unsupported(String),
    /// A dataset that cannot be loaded.
    #[error(transparent)]
    Dataset(#[from] zoo_datasets::DatasetError),
    /// Weights that cannot be read, written or do not fit.
    #[error(transparent)]
    Weights(#[from] zoo_core::WeightsError),
    /// A model configuration that cannot be built.
    #[error(transparent)]
    Model(#[from] zoo_core::ConfigError),
    /// A picture that cannot be drawn or written.
    #[error(transparent)]
    Picture(#[from] zoo_viz::VizError),
    /// A model family's own error (importing or exporting weights, downloading them).
    #[error(transparent)]
    Family(Box<dyn std::error::Error + Send + Sync>),
}

impl TrainError {
    /// An I/O error while `context` (which names the path).
    pub fn io(context: impl Into<String>, error: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            error,
        }
    }

    /// An invalid setting of `option`.
    pub fn setting(option: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidSetting {
            option,
            message: message.into(),
        }
    }

    /// A problem with the run directory `dir`.
    pub fn run_dir(dir: &Path, problem: impl Into<String>) -> Self {
        Self::RunDir {
            dir: dir.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// A model family's own error.
    pub fn family(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Family(error.into())
    }
}

/// zoo-train's result.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_in_the_line_once() {
        let err = TrainError::io(
            "writing run/metrics.csv",
            std::io::Error::from(std::io::ErrorKind::StorageFull),
        );
        assert_eq!(err.to_string(), "writing run/metrics.csv: no storage space");
        assert!(std::error::Error::source(&err).is_none());
        assert!(
            matches!(err, TrainError::Io { ref error, .. } if error.kind() == std::io::ErrorKind::StorageFull)
        );
    }
}
