//! The command-line arguments (clap derive), generic over a model family's own options.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand, ValueEnum};
use zoo_datasets::DatasetKind;
use zoo_train::config::Strategy;
use zoo_train::{OptimizerKind, Schedule};

fn parse_dataset(s: &str) -> Result<DatasetKind, String> {
    s.parse::<DatasetKind>().map_err(|e| e.to_string())
}

fn parse_positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The devices of `--devices`: a count (`2`: devices 0 and 1 of the backend) or a list of
/// indices, each optionally naming its backend (`cuda:0,cuda:1`, `0,2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceList {
    /// The backend the list names, if it does.
    pub backend: Option<String>,
    /// Device indices of that backend.
    pub indices: Vec<usize>,
}

fn parse_devices(s: &str) -> Result<DeviceList, String> {
    if let Ok(n) = s.parse::<usize>() {
        if n == 0 {
            return Err("must be at least 1".into());
        }
        return Ok(DeviceList {
            backend: None,
            indices: (0..n).collect(),
        });
    }
    let mut backend: Option<String> = None;
    let mut indices = Vec::new();
    for part in s.split(',') {
        let (name, index) = match part.split_once(':') {
            Some((name, index)) => (Some(name.trim()), index.trim()),
            None => (None, part.trim()),
        };
        let index: usize = index.parse().map_err(|_| {
            format!("{part:?} is not a device: write N, or a list such as cuda:0,cuda:1")
        })?;
        if let Some(name) = name {
            if backend.as_deref().is_some_and(|b| b != name) {
                return Err(format!("{s:?} names two backends"));
            }
            backend = Some(name.to_string());
        }
        if indices.contains(&index) {
            return Err(format!("{s:?} names device {index} twice"));
        }
        indices.push(index);
    }
    Ok(DeviceList { backend, indices })
}

fn parse_learning_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(lr) if lr > 0.0 && lr <= 1.0 => Ok(lr),
        Ok(lr) => Err(format!("{lr} is not in (0, 1]")),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..1.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!("{v} is not in [0, 1)")),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
        Ok(v) => Err(format!("{v} is negative")),
        Err(e) => Err(e.to_string()),
    }
}

/// A CNN of the zoo: train it, evaluate it, run it on images, print its layers.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true)]
pub struct Cli<A: Args> {
    /// The backend among those compiled in (default: the first that starts, GPU ones first).
    #[arg(long, global = true, env = "ZOO_BACKEND")]
    pub backend: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command<A>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command<A: Args> {
    /// Train on a dataset (Fashion-MNIST by default) and save weights, metrics and checkpoints.
    Train(TrainArgs<A>),
    /// Evaluate a run on the test split: accuracy, top-5, loss, confusion matrix.
    Eval(EvalArgs),
    /// Classify PNG/JPEG images with a trained run: top-k classes with probabilities.
    Predict(PredictArgs),
    /// Print the layer-by-layer summary (output shapes, parameters), as Keras does.
    Summary(SummaryArgs<A>),
    /// Time inference and a training step on each compiled backend.
    Bench(BenchArgs<A>),
    /// Draw what a trained run computes for images: feature maps of every convolution and
    /// pooling, the first-layer filters, the input as the model sees it, the top-5 (index.html).
    Visualize(VisualizeArgs),
    /// Measure a claim of the lecture on a trained run (translation: max pooling and shifts).
    #[command(subcommand)]
    Probe(ProbeCommand),
    /// Draw the training curves of one or several runs into one PNG (loss, accuracy, learning
    /// rate per epoch; every run also keeps its own curves.png).
    Plot(PlotArgs),
    /// Make a run directory from another framework's weights (--weights FILE|imagenet, the
    /// model and dataset options of train): eval, predict, visualize and train --weights then
    /// use it as a trained run.
    Import(TrainArgs<A>),
    /// Write a run's weights as safetensors in PyTorch's names and layout (torchvision's for
    /// VGG): `model.load_state_dict(safetensors.torch.load_file(FILE))` loads them strictly.
    Export(ExportArgs),
    /// Serve a local web page to explore a run: draw or upload an image, see the top-5, every
    /// layer's feature maps, the first-layer filters and the effect of shifting the input; with
    /// a JSON API (POST /api/predict, /api/analyze; see the README). Ctrl-C stops it.
    Serve(ServeArgs),
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The run directory written by `train` (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// The address to listen on: 127.0.0.1 serves this machine only; 0.0.0.0 (or a network
    /// address) exposes the page to other machines.
    #[arg(long, default_value_t = zoo_serve::DEFAULT_HOST)]
    pub host: std::net::IpAddr,
    /// The port (0: any free one; the printed URL names it).
    #[arg(long, default_value_t = zoo_serve::DEFAULT_PORT)]
    pub port: u16,
    /// The largest upload accepted, in MiB (larger ones are refused with 413).
    #[arg(long, default_value_t = zoo_serve::DEFAULT_MAX_UPLOAD_MIB, value_parser = parse_positive)]
    pub max_upload_mb: usize,
    /// Feature maps of recent analyses kept for the page, in MiB (the newest is always kept).
    #[arg(long, default_value_t = zoo_serve::DEFAULT_MAP_CACHE_MIB, value_parser = parse_positive)]
    pub map_cache_mb: usize,
}

/// `export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run directory written by `train` (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// The safetensors file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace `--out` if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Which weights of a run to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Weights {
    /// The epoch with the lowest validation loss.
    Best,
    /// The last epoch.
    Final,
}

impl Weights {
    /// The file name in the run directory.
    pub fn file(self) -> &'static str {
        match self {
            Weights::Best => zoo_train::MODEL_BEST,
            Weights::Final => zoo_train::MODEL_FINAL,
        }
    }
}

/// `train` options.
#[derive(Debug, Args)]
pub struct TrainArgs<A: Args> {
    /// Dataset: fashion-mnist, mnist, cifar10, cifar100, folder (default: the model's own).
    #[arg(long, value_parser = parse_dataset)]
    pub dataset: Option<DatasetKind>,
    /// Folder holding the dataset (searched alone; the download goes there too).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Number of epochs.
    #[arg(long, value_parser = parse_positive)]
    pub epochs: Option<usize>,
    /// Mini-batch size (default: the model's own, 64 as in the lecture).
    #[arg(long, value_parser = parse_positive)]
    pub batch_size: Option<usize>,
    /// Peak learning rate, in (0, 1] (default 1e-3).
    #[arg(long, value_parser = parse_learning_rate)]
    pub learning_rate: Option<f64>,
    /// Optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9, value_parser = parse_fraction)]
    pub momentum: f64,
    /// L2 weight decay.
    #[arg(long, default_value_t = 0.0, value_parser = parse_non_negative)]
    pub weight_decay: f64,
    /// Learning-rate schedule.
    #[arg(long, value_enum, default_value_t = Schedule::Constant)]
    pub schedule: Schedule,
    /// Linear warm-up epochs before the cosine decay.
    #[arg(long, default_value_t = 0)]
    pub warmup_epochs: usize,
    /// Seed of weights, shuffling, dropout and augmentation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Fraction of the training images held out for validation (0: validate on the test split).
    #[arg(long, default_value_t = 0.1, value_parser = parse_fraction)]
    pub validation_split: f64,
    /// Stop when the validation loss has not improved for this many epochs.
    #[arg(long, value_parser = parse_positive)]
    pub patience: Option<usize>,
    /// Data-loading threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Train on several devices: a count (2) or a list (cuda:0,cuda:1). --batch-size stays the
    /// global batch, split evenly over the devices.
    #[arg(long, value_parser = parse_devices)]
    pub devices: Option<DeviceList>,
    /// How several devices train together: multi (gradients summed on the first device),
    /// sharded (the optimizer sharded over the devices) or ddp (CUDA only).
    #[arg(long, value_enum, default_value_t = Strategy::Multi)]
    pub strategy: Strategy,
    /// Start from these weights instead of fresh ones (fine-tuning): a file in the source
    /// framework's layout (.pth or .safetensors; see the README), or `imagenet` for the
    /// family's published ImageNet weights (downloaded once, checksum verified). Classifier
    /// layers that do not fit the dataset's classes start fresh.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// With --weights: train the classifier only, the convolutional features stay as loaded.
    #[arg(long, requires = "weights")]
    pub freeze_features: bool,
    /// Use only the first N training images.
    #[arg(long, value_parser = parse_positive)]
    pub train_limit: Option<usize>,
    /// Random crops and flips (default: on for CIFAR and folders, off for MNIST-like sets).
    #[arg(long, overrides_with = "no_augment")]
    pub augment: bool,
    /// No augmentation.
    #[arg(long)]
    pub no_augment: bool,
    /// Side of the images of an image folder after decoding.
    #[arg(long, default_value_t = 32, value_parser = parse_positive)]
    pub image_size: usize,
    /// Where the run is written (default: runs/<model>-<dataset>-<date>).
    #[arg(long)]
    pub artifact_dir: Option<PathBuf>,
    /// Continue the run in --artifact-dir from its last finished epoch (its config.json is used;
    /// --epochs may raise the number of epochs).
    #[arg(long, requires = "artifact_dir")]
    pub resume: bool,
    /// The model's options.
    #[command(flatten)]
    pub model: A,
}

/// What `train --resume` may be given besides the run: the rest is fixed by the run's
/// config.json.
const RESUME_OPTIONS: [&str; 4] = ["resume", "artifact_dir", "epochs", "backend"];

/// The options (as `--flag`s) given on the command line of `train --resume` that the run's
/// config.json fixes, and that would otherwise be ignored.
pub fn resume_conflicts(matches: &ArgMatches) -> Vec<String> {
    let Some(("train", train)) = matches.subcommand() else {
        return Vec::new();
    };
    if !train.get_flag("resume") {
        return Vec::new();
    }
    train
        .ids()
        .map(|id| id.as_str())
        .filter(|id| {
            !RESUME_OPTIONS.contains(id) && train.value_source(id) == Some(ValueSource::CommandLine)
        })
        .map(|id| format!("--{}", id.replace('_', "-")))
        .collect()
}

/// `eval` options.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The run directory written by `train` (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// Folder holding the dataset (default: where the run found it).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Batch size.
    #[arg(long, default_value_t = 256, value_parser = parse_positive)]
    pub batch_size: usize,
}

/// `predict` options.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Published weights instead of a run: a torchvision model name downloads torchvision's
    /// ImageNet weights once into ~/.cache/cnn-zoo/weights (SHA-256 checked); `vgg16=FILE` uses
    /// a copy of that file already on disk. Images get torchvision's ImageNet preprocessing
    /// (short side 256, centre crop 224) and the 1,000 ImageNet class names. Documented ImageNet
    /// top-1/top-5: vgg11 69.02/88.63%, vgg11_bn 70.37/89.81%, vgg13 69.93/89.25%, vgg13_bn
    /// 71.59/90.37%, vgg16 71.59/90.38%, vgg16_bn 73.36/91.52%, vgg19 72.38/90.88%, vgg19_bn
    /// 74.22/91.84% (vgg16 binary only).
    #[arg(long, conflicts_with = "run")]
    pub pretrained: Option<String>,
    /// The run directory written by `train` (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// How many classes to show per image.
    #[arg(long, default_value_t = 3, value_parser = parse_positive)]
    pub top_k: usize,
    /// PNG or JPEG files.
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
}

/// `summary` options.
#[derive(Debug, Args)]
pub struct SummaryArgs<A: Args> {
    /// Build the model for this dataset's images and classes (default: the model's own form).
    #[arg(long, value_parser = parse_dataset)]
    pub dataset: Option<DatasetKind>,
    /// Beside each layer, what the lecture's code comments say and what the model computes,
    /// with the differences explained.
    #[arg(long)]
    pub lecture: bool,
    /// The model's options.
    #[command(flatten)]
    pub model: A,
}

/// `visualize` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("inputs").required(true).multiple(true)))]
pub struct VisualizeArgs {
    /// The run directory written by `train` (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// PNG or JPEG files to draw.
    #[arg(group = "inputs")]
    pub images: Vec<PathBuf>,
    /// Images of the run's test split, by index (repeatable).
    #[arg(long, group = "inputs")]
    pub test_index: Vec<usize>,
    /// Folder holding the dataset, for --test-index (default: where the run found it).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where the pictures and index.html go (default: <run>/visualize).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// At most this many channels per layer, the most active first; 0 shows all (default: all
    /// up to 64x64 inputs, 64 for larger ones such as VGG-16 at 224x224).
    #[arg(long)]
    pub max_channels: Option<usize>,
}

/// `probe` experiments.
#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Shift the test images by 0..N pixels in 8 directions: accuracy, predictions changed and
    /// each block's feature similarity per shift, beside a control run (e.g. --pooling stride).
    Translation(TranslationArgs),
}

/// `probe translation` options.
#[derive(Debug, Args)]
pub struct TranslationArgs {
    /// The run to probe (default: the newest runs/<model>-* directory).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// A control run of the same model family and dataset, shown side by side (for the lecture
    /// CNN: a run trained with --pooling stride).
    #[arg(long)]
    pub control: Option<PathBuf>,
    /// Which weights.
    #[arg(long, value_enum, default_value_t = Weights::Best)]
    pub weights: Weights,
    /// The largest shift in pixels.
    #[arg(long, default_value_t = 4, value_parser = parse_positive)]
    pub max_shift: usize,
    /// Probe only the first N test images (default: the whole test split).
    #[arg(long, value_parser = parse_positive)]
    pub limit: Option<usize>,
    /// Images per forward pass.
    #[arg(long, default_value_t = 256, value_parser = parse_positive)]
    pub batch_size: usize,
    /// Folder holding the dataset (default: where the run found it).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where translation.json and translation.png go (default: <run>/probe).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `plot` options.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A run directory (repeat for several runs on one plot).
    #[arg(long = "run", required = true)]
    pub runs: Vec<PathBuf>,
    /// The PNG file to write.
    #[arg(long, default_value = "curves.png")]
    pub out: PathBuf,
}

/// `bench` options.
#[derive(Debug, Args)]
pub struct BenchArgs<A: Args> {
    /// Backends to measure, comma-separated (default: the one `--backend` or `ZOO_BACKEND`
    /// names, else every compiled one that starts).
    #[arg(long, value_delimiter = ',')]
    pub backends: Vec<String>,
    /// Input shape and classes of this dataset (default: the model's own dataset).
    #[arg(long, value_parser = parse_dataset)]
    pub dataset: Option<DatasetKind>,
    /// Square input size instead of the dataset's (224: the lecture's ImageNet-sized VGG-16).
    #[arg(long, value_parser = parse_positive)]
    pub image_size: Option<usize>,
    /// Number of classes instead of the dataset's (1000: ImageNet's).
    #[arg(long, value_parser = parse_positive)]
    pub classes: Option<usize>,
    /// Training batch size (default: the model's own, as `train` uses).
    #[arg(long, value_parser = parse_positive)]
    pub batch_size: Option<usize>,
    /// Inference batch size (latency is measured at batch 1).
    #[arg(long, default_value_t = 256, value_parser = parse_positive)]
    pub infer_batch: usize,
    /// Timed repetitions.
    #[arg(long, default_value_t = 7, value_parser = parse_positive)]
    pub reps: usize,
    /// Untimed warm-up calls (autotuning, kernel compilation).
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Also write the results as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// The zoo's fast CPU kernels on flex: `fast`, `stock` (Burn's own ops) or `both`, side by
    /// side (default: what ZOO_KERNELS says, else fast).
    #[arg(long, value_enum)]
    pub kernels: Option<Kernels>,
    /// The model's options.
    #[command(flatten)]
    pub model: A,
}

/// Which flex ops `bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kernels {
    /// The zoo's kernels (zoo-kernels).
    Fast,
    /// Burn's own ops.
    Stock,
    /// Both, one after the other.
    Both,
}
