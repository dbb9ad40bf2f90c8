//! A training run with Burn's `SupervisedTraining` and `Learner`: the learner and its
//! checkpointers, the stops (non-finite loss, failed checkpoint, Ctrl-C), best and final weights.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use burn::module::Module;
use burn::tensor::Device;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{AccuracyMetric, LearningRateMetric};
use burn::train::{
    ExecutionStrategy, Interrupter, Learner, MetricEarlyStoppingStrategy, MultiDeviceOptim,
    StoppingCondition, SupervisedTraining,
};

use crate::checkpoint::{AtomicCheckpointer, CHECKPOINT_DIR, last_complete_epoch};
use crate::config::{Strategy, TrainConfig};
use crate::data::{RunData, device_steps, eval_loader, shuffled_for_devices, train_loader};
use crate::epoch_rows::EpochRows;
use crate::error::{Result, TrainError};
use crate::family::ModelFamily;
use crate::guard::NonFiniteGuard;
use crate::loss_metric::PerImageLoss;
use crate::optim::{optimizer, scheduler};
use crate::outcome::{save_final_and_best, stop_error};
use crate::progress::PlainRenderer;
use crate::resume::{check_checkpoint, truncate_metrics};
use crate::signals::StopOnSignal;
use crate::training_model::TrainingModel;

/// The final weights of a run.
pub const MODEL_FINAL: &str = "model-final.bpk";
/// The weights of the epoch with the lowest validation loss.
pub const MODEL_BEST: &str = "model-best.bpk";
/// Per-epoch metrics.
pub const METRICS_CSV: &str = "metrics.csv";

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// The run's directory.
    pub dir: PathBuf,
    /// Epochs finished (including those of an earlier, resumed run).
    pub epochs_done: usize,
    /// The epoch whose weights are `model-best.bpk`.
    pub best_epoch: Option<usize>,
    /// Validation accuracy of the last epoch.
    pub last_valid_accuracy: Option<f64>,
    /// Wall time of this invocation.
    pub seconds: f64,
}

/// The model training starts from: fresh weights, or `config.weights` imported by the family
/// (a new run only: a resumed one loads its checkpoint), with the features frozen when asked.
fn start_model<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    device: &Device,
    completed: usize,
) -> Result<F::Model> {
    let mut model = F::init(&config.model, device)?;
    if completed == 0
        && let Some(path) = &config.weights
    {
        model = F::import_weights(model, &config.model, path)?;
    }
    if config.freeze_features {
        model = F::freeze_features(model);
    }
    Ok(model)
}

/// Trains `config` on `devices` (the first is the main one: validation, checkpoints and the
/// optimizer under [`Strategy::Multi`]), writing everything into `dir`.
///
/// Several devices split every step's batch (`batch_size / devices` images each) under Burn's
/// execution strategy `config.strategy`; the loss is scaled so that the summed gradients are
/// those of the whole batch on one device.
///
/// With `resume`, continues from the last epoch whose checkpoint is complete. Returns an
/// error (after the last good weights are on disk) when the loss stops being finite, when a
/// checkpoint cannot be written (disk full, run directory gone), or on Ctrl-C / SIGTERM (see
/// [`StopOnSignal`]): the run then keeps its last complete checkpoint and no final weights.
pub fn train<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    data: RunData,
    dir: &Path,
    devices: &[Device],
    resume: bool,
) -> Result<TrainReport> {
    let started = Instant::now();
    config.validate()?;
    let Some(device) = devices.first() else {
        return Err(TrainError::Devices("no device to train on".into()));
    };
    if devices.len() != config.devices.len() {
        return Err(TrainError::Devices(format!(
            "the run names {} devices, {} were given",
            config.devices.len(),
            devices.len()
        )));
    }
    let n = devices.len();
    let checkpoints = dir.join(CHECKPOINT_DIR);
    let completed = if resume {
        last_complete_epoch(&checkpoints).unwrap_or(0)
    } else {
        0
    };
    if completed > 0 {
        check_checkpoint::<F>(config, &checkpoints, completed, device)?;
    }
    if completed >= config.epochs {
        println!(
            "{}: all {} epochs are already done; nothing to resume",
            dir.display(),
            config.epochs
        );
    }
    device.seed(config.seed + completed as u64);
    zoo_kernels::seed(config.seed + completed as u64);
    let autodiff = device.clone().autodiff();
    // Built (and any --weights imported) before anything is written: weights that do not fit
    // leave the run as it was.
    let start = start_model::<F>(config, &autodiff, completed)?;
    config.save(dir)?;
    let metrics_csv = dir.join(METRICS_CSV);
    truncate_metrics(&metrics_csv, completed)?;
    let device_batch = config.batch_size / n;
    let train_set = if n > 1 {
        shuffled_for_devices(&data.train, config.seed)
    } else {
        data.train.clone()
    };
    let (train_batches, optimizer_steps) = device_steps(train_set.size(), n, device_batch);
    let interrupter = Interrupter::new();
    let guard = Arc::new(NonFiniteGuard::new(
        train_batches,
        completed,
        interrupter.clone(),
    ));
    let model =
        TrainingModel::new(start, Some(guard.clone())).with_gradient_scale(match config.strategy {
            // Burn's multi-device step sums the devices' gradients; ddp all-reduces a mean.
            Strategy::Multi | Strategy::Sharded => 1.0 / n as f32,
            Strategy::Ddp => 1.0,
        });

    let training = SupervisedTraining::new(
        dir,
        train_loader(config, train_set, device_batch, &autodiff),
        eval_loader(config, data.valid.clone(), config.batch_size, device),
    );
    let training = configure(training, config, dir, devices, &interrupter, completed)?;

    let learner = Learner::new(
        model,
        optimizer(config),
        scheduler(config, optimizer_steps)?,
    );
    let signals = StopOnSignal::install(interrupter.clone())
        .map_err(|e| TrainError::io("cannot watch for Ctrl-C and SIGTERM", e))?;
    let result = training.launch(learner);
    drop(signals);

    stop_error(&result, &guard, dir)?;
    let (rows, best_epoch) = save_final_and_best::<F>(result.model.model, config, dir, device)?;
    Ok(TrainReport {
        dir: dir.to_path_buf(),
        epochs_done: rows.last().map(|r| r.epoch).unwrap_or(completed),
        best_epoch,
        last_valid_accuracy: rows.last().map(|r| r.valid_accuracy),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Burn's supervised training of `config` in `dir`: the run's metrics, atomic checkpointers,
/// `metrics.csv` rows, progress, stops, several devices' strategy and early stopping, resumed
/// after `completed` epochs.
fn configure<M: zoo_core::ImageClassifier>(
    training: SupervisedTraining<TrainingModel<M>>,
    config: &TrainConfig<impl serde::Serialize + serde::de::DeserializeOwned>,
    dir: &Path,
    devices: &[Device],
    interrupter: &Interrupter,
    completed: usize,
) -> Result<SupervisedTraining<TrainingModel<M>>> {
    let terminal = std::io::stdout().is_terminal();
    let checkpoints = dir.join(CHECKPOINT_DIR);
    let checkpointer = |name: &str| {
        AtomicCheckpointer::new(&checkpoints, name)
            .map_err(|e| TrainError::io(format!("creating {}", checkpoints.display()), e))
    };
    let mut training = training
        // The one source of every number of the run: metrics.csv, the progress lines, the
        // best epoch, Burn's checkpoint keeping and early stopping all read these metrics'
        // events.
        .metrics((AccuracyMetric::new(), PerImageLoss::new()))
        .metric_train_numeric(LearningRateMetric::new())
        .with_custom_checkpointers(
            checkpointer("model")?,
            checkpointer("optim")?,
            checkpointer("scheduler")?,
        )
        .with_metric_logger(FileMetricLogger::new(dir))
        .with_metric_logger(EpochRows::new(
            dir.join(METRICS_CSV),
            config.epochs,
            completed,
            !terminal,
            interrupter.clone(),
        ))
        .with_interrupter(interrupter.clone())
        .num_epochs(config.epochs)
        .summary();
    if devices.len() > 1 {
        let autodiff: Vec<Device> = devices.iter().map(|d| d.clone().autodiff()).collect();
        training =
            training.with_training_strategy(execution_strategy(config.strategy, autodiff)?.into());
    }
    if let Some(patience) = config.patience {
        training = training.early_stopping(MetricEarlyStoppingStrategy::new(
            &PerImageLoss::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
            StoppingCondition::NoImprovementSince { n_epochs: patience },
        ));
    }
    if !terminal {
        training = training.renderer(Box::new(PlainRenderer::new(
            config.epochs,
            Duration::from_secs(15),
        )));
    }
    if completed > 0 {
        println!("resuming {} after epoch {completed}", dir.display());
        training = training.checkpoint(completed);
    }
    Ok(training)
}

/// Refuses a strategy this build cannot run on `devices` devices: ddp needs the `cuda`
/// feature (Burn 0.22.1 all-reduces on NCCL only).
pub fn check_strategy(strategy: Strategy, devices: usize) -> Result<()> {
    if strategy == Strategy::Ddp && devices > 1 && !cfg!(feature = "cuda") {
        return Err(TrainError::Devices(
            "--strategy ddp needs CUDA (Burn 0.22.1 all-reduces on NCCL only): build with --features cuda and pass --backend cuda, or use --strategy multi".into(),
        ));
    }
    Ok(())
}

/// Burn's execution strategy for several devices.
fn execution_strategy(strategy: Strategy, devices: Vec<Device>) -> Result<ExecutionStrategy> {
    check_strategy(strategy, devices.len())?;
    match strategy {
        Strategy::Multi => Ok(ExecutionStrategy::multi(
            devices,
            MultiDeviceOptim::OptimMainDevice,
        )),
        Strategy::Sharded => Ok(ExecutionStrategy::multi(
            devices,
            MultiDeviceOptim::OptimSharded,
        )),
        #[cfg(feature = "cuda")]
        Strategy::Ddp => Ok(ExecutionStrategy::ddp(
            devices,
            burn::tensor::distributed::DistributedConfig {
                all_reduce_op: burn::tensor::distributed::ReduceOperation::Mean,
            },
        )),
        #[cfg(not(feature = "cuda"))]
        Strategy::Ddp => unreachable!("refused by check_strategy"),
    }
}

/// Loads the weights `file` of a run (`model-best.bpk`, `model-final.bpk`) into its model.
pub fn load_run_model<F: ModelFamily>(
    config: &TrainConfig<F::Config>,
    dir: &Path,
    file: &str,
    device: &Device,
) -> Result<F::Model> {
    let path = dir.join(file);
    let model = F::init(&config.model, device)?;
    if zoo_core::ImageClassifier::num_classes(&model) != config.classes.len() {
        return Err(TrainError::RunConfig {
            path: dir.join(crate::config::CONFIG_FILE),
            problem: format!(
                "the run names {} classes, its model predicts {}",
                config.classes.len(),
                zoo_core::ImageClassifier::num_classes(&model)
            ),
        });
    }
    let model = zoo_core::load_weights(model, &path)?;
    Ok(model.valid())
}
