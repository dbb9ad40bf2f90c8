//! Training, evaluation and prediction for any model of the CNN zoo, on Burn's
//! `SupervisedTraining` and `Learner`.
//!
//! It knows no model by name: a binary describes its model with [`ModelFamily`], and the models'
//! libraries know nothing of this crate. The backend is a cargo feature (`flex` by default,
//! `wgpu`, `cuda`, ...; see [`Backend`]).
//!
//! A run's directory holds `config.json` (everything needed to rebuild the model and rerun),
//! `checkpoint/{model,optim,scheduler}-<epoch>.bpk` (written atomically), `model-final.bpk`,
//! `model-best.bpk` (lowest validation loss), `metrics.csv` and Burn's `experiment.log` and
//! per-metric logs; `.lock` is held by the process training into it ([`RunLock`]).

pub mod backend;
pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod curves;
pub mod data;
pub mod epoch_rows;
pub mod error;
pub mod eval;
pub mod family;
pub mod guard;
pub mod loss_metric;
pub mod metric_events;
pub mod metrics_csv;
pub(crate) mod optim;
pub(crate) mod outcome;
pub mod outputs;
pub mod predict;
pub mod probe;
pub mod progress;
pub(crate) mod resume;
pub mod run_dir;
pub mod run_lock;
pub mod signals;
pub mod train;
pub mod training_model;
pub mod visualize;

pub use backend::Backend;
pub use config::{OptimizerKind, Schedule, TrainConfig};
pub use error::TrainError;
pub use eval::{EvalReport, evaluate};
pub use family::{DataSpec, ModelFamily, Published};
pub use predict::{Prediction, predict};
pub use run_lock::RunLock;
pub use train::{MODEL_BEST, MODEL_FINAL, TrainReport, load_run_model, train};
