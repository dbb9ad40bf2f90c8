//! Weights from and to other frameworks: `import` (a run directory from a PyTorch, torchvision,
//! timm or converted Keras file), `export` (a run's weights as safetensors in PyTorch's layout),
//! and what `train --weights` shares with them.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use zoo_train::ModelFamily;

use crate::args::{ExportArgs, TrainArgs};
use crate::commands::{device, new_run, remove_if_empty, run_model};

/// `~/.cache/cnn-zoo/weights`: where published weights are downloaded to.
pub fn weights_cache_dir() -> anyhow::Result<PathBuf> {
    let cache =
        dirs::cache_dir().context("no cache directory on this system (set XDG_CACHE_HOME)")?;
    Ok(cache.join("cnn-zoo").join("weights"))
}

/// Prints what an import loaded and which tensors kept fresh weights.
pub fn report_import(path: &Path, fresh: &[String]) {
    if fresh.is_empty() {
        println!("weights: {} (every tensor)", path.display());
    } else {
        println!(
            "weights: {}; fresh (another shape or absent there): {}",
            path.display(),
            fresh.join(", ")
        );
    }
}

/// `import`: a run directory whose best and final weights are `--weights`, for `eval`,
/// `predict`, `visualize`, `probe` and `train --weights` alike.
pub(crate) fn import<F: ModelFamily>(
    args: TrainArgs<F::Args>,
    backend: Option<zoo_train::Backend>,
) -> anyhow::Result<()> {
    let Some(weights) = args.weights.clone() else {
        bail!("import needs --weights FILE");
    };
    let (config, _, dir, lock) = new_run::<F>(&args)?;
    let result = (|| {
        let device = device(backend)?;
        let model = F::import_weights(F::init(&config.model, &device)?, &config.model, &weights)?;
        config.save(&dir)?;
        for file in [zoo_train::MODEL_FINAL, zoo_train::MODEL_BEST] {
            zoo_core::save_weights(model.clone(), &dir.join(file))
                .with_context(|| format!("writing {}", dir.join(file).display()))?;
        }
        anyhow::Ok(())
    })();
    if let Err(err) = result {
        // Weights that do not fit are refused before anything is written: no run is left.
        remove_if_empty(&dir, lock);
        return Err(err);
    }
    println!("imported into {}", dir.display());
    println!("next: {} eval --run {}", F::NAME, dir.display());
    Ok(())
}

/// `export`: a run's weights as safetensors in the source framework's layout.
pub(crate) fn export<F: ModelFamily>(
    args: ExportArgs,
    backend: Option<zoo_train::Backend>,
) -> anyhow::Result<()> {
    let (run, _, model, _) = run_model::<F>(args.run, args.weights.file(), backend)?;
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", args.out.display());
    }
    F::export_weights(&model, &args.out)?;
    println!(
        "{} ({}, {}) -> {} (safetensors, PyTorch's names and layout)",
        run.display(),
        F::NAME,
        args.weights.file(),
        args.out.display()
    );
    Ok(())
}
