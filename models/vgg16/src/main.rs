//! `vgg16`: train, evaluate, run and inspect VGG-11/13/16/19 (see `--help`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vgg16::pretrained::VggWeights;
use zoo_cli::zoo_datasets::download::Checksum;

use burn::tensor::Device;
use vgg16::{ConfigError, Vgg, VggArch, VggConfig, VggHead};
use zoo_cli::zoo_datasets::DatasetKind;
use zoo_cli::zoo_train::{DataSpec, ModelFamily, Published, TrainError};

/// VGG's own options.
#[derive(Debug, Clone, clap::Args)]
struct VggArgs {
    /// Depth.
    #[arg(long, value_enum, default_value_t = Depth::Vgg16)]
    arch: Depth,
    /// Batch normalisation after each convolution (torchvision's `_bn` models).
    #[arg(long)]
    batch_norm: bool,
    /// Head: imagenet (7x7 pooling, 25088-4096-4096) or compact (features flattened, for
    /// 32x32 images); auto picks compact below 64x64.
    #[arg(long, value_enum, default_value_t = Head::Auto)]
    head: Head,
    /// Width of the two hidden dense layers (default 4096 for imagenet, 512 for compact;
    /// 0 for a single linear layer).
    #[arg(long)]
    hidden: Option<usize>,
    /// Dropout of the classifier.
    #[arg(long, default_value_t = 0.5)]
    dropout: f64,
    /// Divide every convolution's width by this (1, 2, 4, 8, 16, 32 or 64): narrow VGGs.
    #[arg(long, default_value_t = 1)]
    width_divisor: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Depth {
    Vgg11,
    Vgg13,
    Vgg16,
    Vgg19,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Head {
    Auto,
    Imagenet,
    Compact,
}

struct VggFamily;

impl ModelFamily for VggFamily {
    type Model = Vgg;
    type Config = VggConfig;
    type Args = VggArgs;

    const NAME: &'static str = "vgg16";
    const DEFAULT_DATASET: DatasetKind = DatasetKind::Cifar10;
    const DEFAULT_EPOCHS: usize = 30;

    fn config(args: &VggArgs, data: &DataSpec) -> Result<VggConfig, ConfigError> {
        let [c, h, w] = data.image_shape;
        let (h, w) = (h.max(32), w.max(32));
        let head = match args.head {
            Head::Imagenet => VggHead::ImageNet,
            Head::Compact => VggHead::Compact,
            Head::Auto if h < 64 && w < 64 => VggHead::Compact,
            Head::Auto => VggHead::ImageNet,
        };
        let hidden = args.hidden.unwrap_or(match head {
            VggHead::ImageNet => 4096,
            VggHead::Compact => 512,
        });
        let arch = match args.arch {
            Depth::Vgg11 => VggArch::A,
            Depth::Vgg13 => VggArch::B,
            Depth::Vgg16 => VggArch::D,
            Depth::Vgg19 => VggArch::E,
        };
        let config = VggConfig::new(arch, data.num_classes)
            .with_batch_norm(args.batch_norm)
            .with_in_channels(c)
            .with_input_size([h, w])
            .with_head(head)
            .with_hidden(hidden)
            .with_dropout(args.dropout)
            .with_width_divisor(args.width_divisor);
        config.validate()?;
        Ok(config)
    }

    /// torchvision or timm weights (`.pth`, safetensors), or `imagenet`: torchvision's
    /// ImageNet weights for this depth and batch norm, downloaded once into the cache. Classifier
    /// layers of another shape (other classes, the compact head) start fresh.
    fn import_weights(model: Vgg, config: &VggConfig, path: &Path) -> Result<Vgg, TrainError> {
        let file = if path == Path::new("imagenet") {
            imagenet_file(VggWeights::of(config.arch, config.batch_norm))?
        } else {
            path.to_path_buf()
        };
        let (model, fresh) = vgg16::pretrained::load_torchvision_features(model, &file)
            .map_err(TrainError::family)?;
        zoo_cli::report_import(&file, &fresh);
        Ok(model)
    }

    /// torchvision's ImageNet weights: `vgg16` (downloaded once), or `vgg16=FILE`.
    fn published(spec: &str, device: &Device) -> Result<Published<Vgg>, TrainError> {
        let (name, file) = match spec.split_once('=') {
            Some((name, file)) => (name, Some(PathBuf::from(file))),
            None => (spec, None),
        };
        let Some(weights) = VggWeights::from_torchvision_name(name) else {
            return Err(TrainError::setting(
                "--pretrained",
                format!(
                    "--pretrained {name}: not a torchvision VGG (vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn)"
                ),
            ));
        };
        let model = weights.config().init(device)?;
        let (model, file) = match file {
            Some(file) => (
                vgg16::pretrained::load_torchvision(model, &file).map_err(TrainError::family)?,
                file,
            ),
            None => load_imagenet(model, weights)?,
        };
        Ok(Published {
            model,
            classes: vgg16::pretrained::imagenet_classes()
                .into_iter()
                .map(String::from)
                .collect(),
            description: format!(
                "{name}: torchvision's ImageNet weights ({}; documented top-1 {:.3}%, top-5 {:.3}%)",
                file.display(),
                weights.top1(),
                weights.top5()
            ),
        })
    }

    fn freeze_features(model: Vgg) -> Vgg {
        model.freeze_features()
    }

    fn export_weights(model: &Vgg, path: &Path) -> Result<(), TrainError> {
        vgg16::pretrained::save_torchvision(model, path).map_err(TrainError::family)
    }

    /// The lecture's VGG-16: 224x224x3, 1000 ImageNet classes.
    fn summary_spec(_args: &VggArgs) -> DataSpec {
        DataSpec {
            image_shape: [3, 224, 224],
            num_classes: 1000,
        }
    }
}

/// torchvision's ImageNet weights `weights` in the cache (`~/.cache/cnn-zoo/weights`),
/// downloaded there first if absent: streamed to disk, the SHA-256 prefix of the file name
/// checked, renamed into place only then.
fn imagenet_file(weights: VggWeights) -> Result<PathBuf, TrainError> {
    let dir = zoo_cli::weights_cache_dir().map_err(TrainError::family)?;
    Ok(zoo_cli::zoo_datasets::download::fetch_verified(
        &weights.url(),
        weights.file_name(),
        Checksum::Sha256Prefix(weights.sha256_prefix()),
        &dir,
    )?)
}

/// torchvision's ImageNet weights loaded into `model`: from the burnpack converted on first use
/// (`<cache>/vgg16-397923af.bpk`, read in a fraction of the pickle's time), else from the
/// `.pth` (downloaded if absent), converted and cached for next time. Returns the file read.
fn load_imagenet(model: Vgg, weights: VggWeights) -> Result<(Vgg, PathBuf), TrainError> {
    let bpk = zoo_cli::weights_cache_dir()
        .map_err(TrainError::family)?
        .join(weights.file_name().replace(".pth", ".bpk"));
    if bpk.is_file()
        && let Ok(loaded) = zoo_core::load_weights(model.clone(), &bpk)
    {
        return Ok((loaded, bpk));
    }
    let pth = imagenet_file(weights)?;
    let model = vgg16::pretrained::load_torchvision(model, &pth).map_err(TrainError::family)?;
    if let Err(err) = zoo_core::save_weights(model.clone(), &bpk) {
        eprintln!("note: could not cache {}: {err}", bpk.display());
    }
    Ok((model, pth))
}

/// mimalloc, keeping freed memory for the next step (see `zoo_cli::Allocator`).
#[global_allocator]
static ALLOCATOR: zoo_cli::Allocator = zoo_cli::Allocator;

fn main() -> ExitCode {
    zoo_cli::run::<VggFamily>()
}
