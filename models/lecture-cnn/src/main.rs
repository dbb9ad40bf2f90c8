//! `lecture-cnn`: train, evaluate, run and inspect the lecture's CNN (see `--help`).

use std::path::Path;
use std::process::ExitCode;

use lecture_cnn::{ConfigError, Conv3Padding, LectureCnn, LectureCnnConfig, ModelSummary, Pooling};
use zoo_cli::zoo_datasets::DatasetKind;
use zoo_cli::zoo_train::{DataSpec, ModelFamily, TrainError};

/// The lecture CNN's own options.
#[derive(Debug, Clone, clap::Args)]
struct LectureArgs {
    /// Padding of the third convolution: valid (the lecture's code) or same (its "4x4x144").
    #[arg(long, value_enum, default_value_t = Padding::Valid)]
    conv3_padding: Padding,
    /// Filters of the first convolution (36 in the lecture; then 2x, 4x, and 16x in the dense layer).
    #[arg(long, default_value_t = 36)]
    base_filters: usize,
    /// How each block halves its feature maps: max (2x2 max pooling, the lecture's) or stride
    /// (a learned 2x2 convolution with stride 2 and a ReLU: the control for `probe translation`).
    #[arg(long, value_enum, default_value_t = PoolingArg::Max)]
    pooling: PoolingArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PoolingArg {
    Max,
    Stride,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Padding {
    Valid,
    Same,
}

struct Lecture;

impl ModelFamily for Lecture {
    type Model = LectureCnn;
    type Config = LectureCnnConfig;
    type Args = LectureArgs;

    const NAME: &'static str = "lecture-cnn";
    const DEFAULT_DATASET: DatasetKind = DatasetKind::FashionMnist;
    const DEFAULT_EPOCHS: usize = 15;

    /// The lecture's input: 32x32, smaller images (Fashion-MNIST's 28x28) zero-padded.
    fn config(args: &LectureArgs, data: &DataSpec) -> Result<LectureCnnConfig, ConfigError> {
        let [c, h, w] = data.image_shape;
        let config = LectureCnnConfig::new(data.num_classes)
            .with_in_channels(c)
            .with_input_size([h.max(32), w.max(32)])
            .with_base_filters(args.base_filters)
            .with_pooling(match args.pooling {
                PoolingArg::Max => Pooling::Max,
                PoolingArg::Stride => Pooling::Stride,
            })
            .with_conv3_padding(match args.conv3_padding {
                Padding::Valid => Conv3Padding::Valid,
                Padding::Same => Conv3Padding::Same,
            });
        config.validate()?;
        Ok(config)
    }

    fn summary_spec(_args: &LectureArgs) -> DataSpec {
        DataSpec {
            image_shape: [1, 28, 28],
            num_classes: 10,
        }
    }

    /// PyTorch-layout weights (the PyTorch twin's state dict, or a Keras model converted by
    /// tools/keras_to_safetensors.py); dense layers of another shape start fresh.
    fn import_weights(
        model: LectureCnn,
        _config: &LectureCnnConfig,
        path: &Path,
    ) -> Result<LectureCnn, TrainError> {
        let (model, fresh) = lecture_cnn::pretrained::load_pytorch_features(model, path)
            .map_err(TrainError::family)?;
        zoo_cli::report_import(path, &fresh);
        Ok(model)
    }

    fn freeze_features(model: LectureCnn) -> LectureCnn {
        model.freeze_features()
    }

    fn export_weights(model: &LectureCnn, path: &Path) -> Result<(), TrainError> {
        lecture_cnn::pretrained::save_pytorch(model, path).map_err(TrainError::family)
    }

    fn lecture_table(summary: &ModelSummary) -> Option<String> {
        Some(lecture_cnn::lecture::lecture_table(summary))
    }
}

/// mimalloc, keeping freed memory for the next step (see `zoo_cli::Allocator`).
#[global_allocator]
static ALLOCATOR: zoo_cli::Allocator = zoo_cli::Allocator;

fn main() -> ExitCode {
    zoo_cli::run::<Lecture>()
}
