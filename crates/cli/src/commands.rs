//! What each command does.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::Device;
use zoo_core::ImageClassifier;
use zoo_datasets::{DatasetKind, Location};
use zoo_train::bench::{BenchPlan, bench_backend, format_table};
use zoo_train::config::default_augmentation;
use zoo_train::data::{eval_loader, load_dataset, split_for_run};
use zoo_train::{Backend, DataSpec, ModelFamily, RunLock, TrainConfig};

use crate::args::{
    BenchArgs, Cli, Command, EvalArgs, Kernels, PredictArgs, ProbeCommand, SummaryArgs, TrainArgs,
};
use crate::runs::{default_run_dir, latest_run};

/// Runs the parsed command.
pub fn execute<F: ModelFamily>(cli: Cli<F::Args>) -> anyhow::Result<()> {
    let kernels = std::env::var(zoo_kernels::ENV_VAR).ok();
    zoo_kernels::parse_setting(kernels.as_deref()).map_err(anyhow::Error::msg)?;
    let chosen = cli
        .backend
        .as_deref()
        .map(|name| name.parse::<Backend>().map_err(anyhow::Error::msg))
        .transpose()?;
    match cli.command {
        Command::Train(args) => train::<F>(args, chosen),
        Command::Eval(args) => eval::<F>(args, chosen),
        Command::Predict(args) => predict::<F>(args, chosen),
        Command::Summary(args) => summary::<F>(args, chosen),
        Command::Bench(args) => bench::<F>(args, chosen),
        Command::Visualize(args) => crate::inspect::visualize::<F>(args, chosen),
        Command::Probe(ProbeCommand::Translation(args)) => {
            crate::inspect::translation::<F>(args, chosen)
        }
        Command::Plot(args) => crate::inspect::plot(args),
        Command::Import(args) => crate::weights::import::<F>(args, chosen),
        Command::Export(args) => crate::weights::export::<F>(args, chosen),
        Command::Serve(args) => crate::serve::serve::<F>(args, chosen),
    }
}

/// The device to run on: the backend `--backend` / `ZOO_BACKEND` names, which must start; else
/// the first compiled backend that starts, GPU ones first, as PyTorch users write
/// `"cuda" if torch.cuda.is_available() else "cpu"`, with a note for each one that cannot.
pub(crate) fn device(chosen: Option<Backend>) -> anyhow::Result<Device> {
    backend_device(chosen).map(|(_, device)| device)
}

/// [`device`], with the backend it belongs to.
fn backend_device(chosen: Option<Backend>) -> anyhow::Result<(Backend, Device)> {
    let candidates = match chosen {
        Some(backend) => vec![backend],
        None => Backend::compiled(),
    };
    let mut failure = anyhow::anyhow!("no backend compiled in");
    for (i, &backend) in candidates.iter().enumerate() {
        let device = backend.device();
        match zoo_train::backend::probe(backend, &device) {
            Ok(()) => {
                println!("backend: {backend} ({device:?})");
                return Ok((backend, device));
            }
            Err(e) => {
                if let Some(next) = candidates.get(i + 1) {
                    eprintln!("note: {e}; using {next} instead");
                }
                failure = anyhow::Error::msg(e);
            }
        }
    }
    Err(failure)
}

/// The devices a run trains on: its one device as [`device`] picks it, or for several the
/// backend's devices at the run's indices, each checked to start.
fn train_devices(backend: Option<Backend>, indices: &[usize]) -> anyhow::Result<Vec<Device>> {
    let (backend, device) = backend_device(backend)?;
    if indices.len() <= 1 && indices.first().is_none_or(|&i| i == 0) {
        return Ok(vec![device]);
    }
    let devices: Vec<Device> = indices.iter().map(|&i| backend.device_at(i)).collect();
    for (&index, device) in indices.iter().zip(&devices) {
        zoo_train::backend::probe(backend, device)
            .map_err(|e| anyhow::anyhow!("--devices: {backend}:{index} cannot start: {e}"))?;
    }
    println!(
        "devices: {} ({:?})",
        indices
            .iter()
            .map(|i| format!("{backend}:{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        devices
    );
    Ok(devices)
}

/// The backend `--devices cuda:0,..` names, checked against `--backend`.
fn devices_backend(
    list: Option<&crate::args::DeviceList>,
    chosen: Option<Backend>,
) -> anyhow::Result<Option<Backend>> {
    let Some(name) = list.and_then(|l| l.backend.as_deref()) else {
        return Ok(chosen);
    };
    let named = name.parse::<Backend>().map_err(anyhow::Error::msg)?;
    match chosen {
        Some(chosen) if chosen != named => bail!(
            "--devices names {named} devices, the backend is {chosen} (--backend / ZOO_BACKEND)"
        ),
        _ => Ok(Some(named)),
    }
}

fn train<F: ModelFamily>(args: TrainArgs<F::Args>, backend: Option<Backend>) -> anyhow::Result<()> {
    let backend = devices_backend(args.devices.as_ref(), backend)?;
    if let Some(list) = &args.devices {
        zoo_train::train::check_strategy(args.strategy, list.indices.len())?;
    }
    // One writer per run: the lock is held until training ends (or the process dies).
    let (config, loaded, dir, lock) = if args.resume {
        let dir = args.artifact_dir.as_deref().expect("clap requires it");
        zoo_train::run_dir::prepare_artifact_dir(dir, true)?;
        let lock = zoo_train::RunLock::acquire(dir)?;
        let mut config = TrainConfig::<F::Config>::load(dir, F::NAME)?;
        if let Some(epochs) = args.epochs.filter(|&e| e != config.epochs) {
            println!("note: epochs {} -> {epochs} (--epochs)", config.epochs);
            config.epochs = epochs;
        }
        let folder_shape = (config.dataset == DatasetKind::Folder).then_some(config.image_shape);
        let loaded = load_dataset(config.dataset, config.data_dir.as_deref(), folder_shape)?;
        (config, loaded, dir.to_path_buf(), lock)
    } else {
        new_run::<F>(&args)?
    };
    config.validate()?;
    let devices = train_devices(backend, &config.devices)?;
    let data = split_for_run(loaded, &config)?;
    println!(
        "{} on {} from {}: {} training, {} validation, {} test images; input {:?}; {} epochs, batch {}, {:?} lr {}",
        F::NAME,
        config.dataset,
        data.location,
        data.train.size(),
        data.valid.size(),
        data.test.size(),
        config.input_shape,
        config.epochs,
        config.batch_size,
        config.optimizer,
        config.learning_rate
    );
    if data.location == Location::BundledSubset {
        println!("note: this is the 1,000-image subset; accuracy will be far below the full set's");
    }
    if devices.len() > 1 {
        println!(
            "{} devices, strategy {:?}: {} images per device and step (global batch {})",
            devices.len(),
            config.strategy,
            config.batch_size / devices.len(),
            config.batch_size
        );
    }
    let report = match zoo_train::train::<F>(&config, data, &dir, &devices, args.resume) {
        Ok(report) => report,
        Err(err) => {
            if !args.resume {
                // A new run refused before its first write (weights that do not fit) leaves
                // no directory behind; anything written stays.
                remove_if_empty(&dir, lock);
            }
            return Err(err.into());
        }
    };
    println!(
        "done in {}: {} epochs, last validation accuracy {}, best epoch {}",
        zoo_train::progress::human_duration(report.seconds),
        report.epochs_done,
        report
            .last_valid_accuracy
            .map(|a| format!("{:.2}%", 100.0 * a))
            .unwrap_or_else(|| "-".into()),
        report
            .best_epoch
            .map(|e| e.to_string())
            .unwrap_or_else(|| "-".into())
    );
    println!(
        "results in {}: config.json, model-best.bpk, model-final.bpk, metrics.csv, curves.png, checkpoint/, experiment.log",
        dir.display()
    );
    println!("next: {} eval --run {}", F::NAME, dir.display());
    Ok(())
}

/// A new run: its directory (`--artifact-dir`, else `runs/<model>-<dataset>-<date>`) checked
/// and locked before any data is read, the dataset loaded and the configuration built from the
/// options and validated. When the data or the options are refused, the empty directory goes
/// again.
pub(crate) fn new_run<F: ModelFamily>(
    args: &TrainArgs<F::Args>,
) -> anyhow::Result<(
    TrainConfig<F::Config>,
    zoo_datasets::LoadedDataset,
    PathBuf,
    RunLock,
)> {
    let dataset = args.dataset.unwrap_or(F::DEFAULT_DATASET);
    let dir = args
        .artifact_dir
        .clone()
        .unwrap_or_else(|| default_run_dir(F::NAME, dataset.id()));
    zoo_train::run_dir::prepare_artifact_dir(&dir, false)?;
    let lock = RunLock::acquire(&dir)?;
    let folder_shape = [3, args.image_size, args.image_size];
    let loaded = load_dataset(dataset, args.data_dir.as_deref(), Some(folder_shape))
        .map_err(anyhow::Error::from)
        .and_then(|loaded| {
            let config = new_config::<F>(args, dataset, &loaded)?;
            config.validate()?;
            Ok((config, loaded))
        });
    match loaded {
        Ok((config, loaded)) => Ok((config, loaded, dir, lock)),
        Err(err) => {
            remove_if_empty(&dir, lock);
            Err(err)
        }
    }
}

/// Lets go of a new run's lock and removes its directory if nothing else was written there.
pub(crate) fn remove_if_empty(dir: &Path, lock: RunLock) {
    drop(lock);
    let _ = std::fs::remove_file(dir.join(zoo_train::run_lock::LOCK_FILE));
    let _ = std::fs::remove_dir(dir);
}

pub(crate) fn new_config<F: ModelFamily>(
    args: &TrainArgs<F::Args>,
    dataset: DatasetKind,
    loaded: &zoo_datasets::LoadedDataset,
) -> anyhow::Result<TrainConfig<F::Config>> {
    let classes = loaded.train.classes().to_vec();
    let image_shape = loaded.train.shape();
    let spec = DataSpec {
        image_shape,
        num_classes: classes.len(),
    };
    let model = F::config(&args.model, &spec)?;
    let augmentation = if args.no_augment {
        None
    } else if args.augment {
        Some(zoo_datasets::Augmentation::cifar(args.seed))
    } else {
        default_augmentation(dataset, args.seed)
    };
    Ok(TrainConfig {
        family: F::NAME.to_string(),
        input_shape: F::input_shape(&model),
        model,
        dataset,
        data_dir: args.data_dir.clone(),
        classes,
        image_shape,
        normalization: dataset.normalization(),
        augmentation,
        train_limit: args.train_limit,
        validation_split: args.validation_split,
        epochs: args.epochs.unwrap_or(F::DEFAULT_EPOCHS),
        batch_size: args.batch_size.unwrap_or(F::DEFAULT_BATCH_SIZE),
        learning_rate: args.learning_rate.unwrap_or(F::DEFAULT_LEARNING_RATE),
        optimizer: args.optimizer,
        momentum: args.momentum,
        weight_decay: args.weight_decay,
        schedule: args.schedule,
        warmup_epochs: args.warmup_epochs,
        seed: args.seed,
        patience: args.patience,
        workers: args.workers,
        devices: args
            .devices
            .as_ref()
            .map_or_else(|| vec![0], |list| list.indices.clone()),
        strategy: args.strategy,
        weights: args.weights.clone(),
        freeze_features: args.freeze_features,
    })
}

/// A run to evaluate or predict with (`--run`, else this family's latest), its configuration and
/// its weights `file`, loaded on the chosen backend.
pub(crate) type LoadedRun<F> = (
    PathBuf,
    TrainConfig<<F as ModelFamily>::Config>,
    <F as ModelFamily>::Model,
    Device,
);

pub(crate) fn run_model<F: ModelFamily>(
    run: Option<PathBuf>,
    file: &str,
    backend: Option<Backend>,
) -> anyhow::Result<LoadedRun<F>> {
    let run = match run {
        Some(run) => run,
        None => latest_run(F::NAME)?,
    };
    let config = TrainConfig::<F::Config>::load(&run, F::NAME)?;
    let device = device(backend)?;
    let model = zoo_train::load_run_model::<F>(&config, &run, file, &device)?;
    Ok((run, config, model, device))
}

fn eval<F: ModelFamily>(args: EvalArgs, backend: Option<Backend>) -> anyhow::Result<()> {
    let (run, config, model, device) = run_model::<F>(args.run, args.weights.file(), backend)?;
    println!("run: {}", run.display());
    let test = test_split(&config, args.data_dir)?;
    let loader = eval_loader(&config, test, args.batch_size, &device);
    let report = zoo_train::evaluate(&model, loader, &config.classes)?;
    print!("{report}");
    let path = run.join(format!(
        "eval-{}.json",
        args.weights.file().trim_end_matches(".bpk")
    ));
    zoo_core::write_atomic(&path, &serde_json::to_vec_pretty(&report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// The test split of the dataset a run was trained on (from `data_dir`, else where the run
/// found it), checked to have the run's classes.
pub(crate) fn test_split<C>(
    config: &TrainConfig<C>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<zoo_datasets::ImageSet> {
    let data_dir = data_dir.or_else(|| config.data_dir.clone());
    let folder_shape = (config.dataset == DatasetKind::Folder).then_some(config.image_shape);
    let loaded = load_dataset(config.dataset, data_dir.as_deref(), folder_shape)?;
    if loaded.location == Location::BundledSubset {
        println!("note: using the 500 test images of the shipped subset");
    }
    if loaded.test.classes() != config.classes.as_slice() {
        bail!(
            "the test split of {} has classes {:?}, the run was trained on {:?}",
            loaded.location,
            loaded.test.classes(),
            config.classes
        );
    }
    Ok(loaded.test)
}

fn predict<F: ModelFamily>(args: PredictArgs, backend: Option<Backend>) -> anyhow::Result<()> {
    let predictions = if let Some(spec) = &args.pretrained {
        let device = device(backend)?;
        let published = F::published(spec, &device)?;
        println!("{}", published.description);
        zoo_train::predict::predict_imagenet(
            &published.model,
            &published.classes,
            &args.images,
            args.top_k,
            &device,
        )?
    } else {
        let (_, config, model, device) = run_model::<F>(args.run, args.weights.file(), backend)?;
        zoo_train::predict(&model, &config, &args.images, args.top_k, &device)?
    };
    for p in &predictions {
        println!("{}", zoo_train::predict::format_prediction(p));
    }
    Ok(())
}

fn dataset_spec(dataset: DatasetKind) -> anyhow::Result<DataSpec> {
    Ok(DataSpec {
        image_shape: dataset
            .native_shape()
            .context("image folders have no fixed shape: name another dataset")?,
        num_classes: dataset.num_classes().context("unknown number of classes")?,
    })
}

/// The processor, for benchmark tables.
fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// Measures `--backends`, else the backend chosen with `--backend` / `ZOO_BACKEND`, else every
/// compiled one that starts.
fn bench<F: ModelFamily>(args: BenchArgs<F::Args>, chosen: Option<Backend>) -> anyhow::Result<()> {
    let mut spec = dataset_spec(args.dataset.unwrap_or(F::DEFAULT_DATASET))?;
    if let Some(size) = args.image_size {
        spec.image_shape = [spec.image_shape[0], size, size];
    }
    spec.num_classes = args.classes.unwrap_or(spec.num_classes);
    let config = F::config(&args.model, &spec)?;
    let backends = if args.backends.is_empty() {
        chosen.map_or_else(Backend::compiled, |backend| vec![backend])
    } else {
        args.backends
            .iter()
            .map(|b| b.parse::<Backend>().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let plan = BenchPlan {
        input: F::input_shape(&config),
        train_batch: args.batch_size.unwrap_or(F::DEFAULT_BATCH_SIZE),
        infer_batch: args.infer_batch,
        reps: args.reps,
        warmup: args.warmup,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} {:?}: train step at batch {}, inference at batch {} and 1; {} warm-up + {} timed calls; {} ({threads} threads)",
        F::NAME,
        plan.input,
        plan.train_batch,
        plan.infer_batch,
        plan.warmup,
        plan.reps,
        cpu_name()
    );
    let kernels = match args.kernels {
        Some(Kernels::Fast) => vec![true],
        Some(Kernels::Stock) => vec![false],
        Some(Kernels::Both) => vec![true, false],
        None => vec![zoo_kernels::enabled()],
    };
    // Every compiled backend unless some were named: one that cannot start is skipped.
    let skip_failing = args.backends.is_empty() && chosen.is_none();
    let mut results = Vec::new();
    for backend in backends {
        if skip_failing && let Err(e) = zoo_train::backend::probe(backend, &backend.device()) {
            eprintln!("note: {e}; skipped");
            continue;
        }
        // The kernels apply to flex only: other backends are measured once.
        let variants = if backend == Backend::Flex {
            &kernels[..]
        } else {
            &[true]
        };
        for &fast in variants {
            let ops = if backend != Backend::Flex {
                ""
            } else if fast {
                " (zoo kernels)"
            } else {
                " (Burn's ops)"
            };
            eprintln!("measuring {backend}{ops} ...");
            results.push(bench_backend::<F>(&config, backend, &plan, fast)?);
        }
    }
    print!("{}", format_table(&results));
    if let Some(path) = args.json {
        let doc = serde_json::json!({
            "model": F::NAME,
            "cpu": cpu_name(),
            "threads": threads,
            "results": results,
        });
        zoo_core::write_atomic(&path, &serde_json::to_vec_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("written to {}", path.display());
    }
    Ok(())
}

fn summary<F: ModelFamily>(
    args: SummaryArgs<F::Args>,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let spec = match args.dataset {
        None => F::summary_spec(&args.model),
        Some(dataset) => dataset_spec(dataset)?,
    };
    let config = F::config(&args.model, &spec)?;
    let device = device(backend)?;
    let model = F::init(&config, &device)?;
    let summary = model.summary(F::input_shape(&config), &device);
    if !args.lecture {
        println!("{summary}");
        return Ok(());
    }
    match F::lecture_table(&summary) {
        Some(table) => print!("{table}"),
        None => bail!(
            "--lecture: the lecture's code comments describe the lecture CNN's layers; see `lecture-cnn summary --lecture`"
        ),
    }
    Ok(())
}
