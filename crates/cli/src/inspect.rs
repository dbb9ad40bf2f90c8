//! The commands that look inside trained runs: `visualize`, `probe translation`, `plot`.

use std::path::Path;

use anyhow::{Context, bail};
use burn::data::dataset::Dataset;
use zoo_train::curves::{plot_runs, run_name};
use zoo_train::predict::decode_images;
use zoo_train::probe::{TranslationOptions, format_table, plot_panels, probe_translation};
use zoo_train::visualize::{VisualInput, VisualizeOptions};
use zoo_train::{Backend, ModelFamily, TrainConfig};

use crate::args::{PlotArgs, TranslationArgs, VisualizeArgs};
use crate::commands::{run_model, test_split};

pub(crate) fn visualize<F: ModelFamily>(
    args: VisualizeArgs,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let (run, config, model, device) = run_model::<F>(args.run, args.weights.file(), backend)?;
    let mut inputs: Vec<VisualInput> = decode_images(&args.images, config.image_shape)?
        .into_iter()
        .zip(&args.images)
        .map(|(item, path)| VisualInput {
            title: path.display().to_string(),
            item,
        })
        .collect();
    if !args.test_index.is_empty() {
        let test = test_split(&config, args.data_dir)?;
        for &index in &args.test_index {
            let Ok(item) = test.get(index) else {
                bail!(
                    "--test-index {index}: the test split has {} images (0 to {})",
                    test.size(),
                    test.size().saturating_sub(1)
                );
            };
            inputs.push(VisualInput {
                title: format!(
                    "test image {index} (true class: {})",
                    config.classes[item.label]
                ),
                item,
            });
        }
    }
    let options = VisualizeOptions {
        out: args.out.unwrap_or_else(|| run.join("visualize")),
        max_channels: match args.max_channels {
            Some(0) => None,
            Some(n) => Some(n),
            None => VisualizeOptions::default_max_channels(config.input_shape),
        },
    };
    let page = zoo_train::visualize::visualize(&model, &config, &inputs, &options, &device)?;
    println!(
        "{} input(s) drawn into {}; open {}",
        inputs.len(),
        options.out.display(),
        page.display()
    );
    Ok(())
}

/// Checks that a control run can be compared with `config`'s: same family, data and classes.
fn check_control<C>(
    config: &TrainConfig<C>,
    control: &TrainConfig<C>,
    dir: &Path,
) -> anyhow::Result<()> {
    if control.dataset != config.dataset
        || control.classes != config.classes
        || control.image_shape != config.image_shape
    {
        bail!(
            "--control {}: trained on {} {:?} with {} classes; the probed run on {} {:?} with {} (they must match)",
            dir.display(),
            control.dataset,
            control.image_shape,
            control.classes.len(),
            config.dataset,
            config.image_shape,
            config.classes.len()
        );
    }
    Ok(())
}

pub(crate) fn translation<F: ModelFamily>(
    args: TranslationArgs,
    backend: Option<Backend>,
) -> anyhow::Result<()> {
    let (run, config, model, device) = run_model::<F>(args.run, args.weights.file(), backend)?;
    let control = match &args.control {
        Some(dir) => {
            let control = TrainConfig::<F::Config>::load(dir, F::NAME)?;
            check_control(&config, &control, dir)?;
            let model =
                zoo_train::load_run_model::<F>(&control, dir, args.weights.file(), &device)?;
            Some((dir.clone(), control, model))
        }
        None => None,
    };
    let mut test = test_split(&config, args.data_dir)?;
    if let Some(n) = args.limit {
        test = test.take(n);
    }
    let options = TranslationOptions {
        max_shift: args.max_shift,
        batch_size: args.batch_size,
    };
    eprintln!(
        "probing {} test images x {} shifts per model ...",
        test.size(),
        1 + 8 * args.max_shift
    );
    let mut reports = vec![probe_translation(
        &model,
        &config,
        &test,
        &run_name(&run),
        options,
        &device,
    )?];
    if let Some((dir, control, model)) = &control {
        let label = format!("control: {}", run_name(dir));
        reports.push(probe_translation(
            model, control, &test, &label, options, &device,
        )?);
    }
    print!("{}", format_table(&reports));
    let out = args.out.unwrap_or_else(|| run.join("probe"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let json = out.join("translation.json");
    zoo_core::write_atomic(&json, &serde_json::to_vec_pretty(&reports)?)
        .with_context(|| format!("writing {}", json.display()))?;
    let png = out.join("translation.png");
    let image = zoo_viz::chart::draw_panels(&plot_panels(&reports), (560, 420))?;
    zoo_viz::save_png(&image, &png)?;
    println!("written to {} and {}", json.display(), png.display());
    Ok(())
}

pub(crate) fn plot(args: PlotArgs) -> anyhow::Result<()> {
    plot_runs(&args.runs, &args.out)?;
    println!(
        "{} run(s) drawn into {}",
        args.runs.len(),
        args.out.display()
    );
    Ok(())
}
