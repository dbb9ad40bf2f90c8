//! `probe translation`: does max pooling make a CNN's output stay put when the input shifts?
//!
//! Each test image is shifted by 1..=`max_shift` pixels in the 8 directions (zero fill, in the
//! stored image before padding and normalisation) and run through the model; per shift the
//! probe reports the accuracy, the share of predictions that changed from the unshifted
//! image's, and the cosine similarity of each block's pooled features to the unshifted ones.

use std::time::Instant;

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::Device;
use serde::Serialize;
use zoo_core::{ActivationTap, ImageClassifier};
use zoo_datasets::{ImageItem, ImageSet};

use crate::config::TrainConfig;
use crate::data::batcher;
use crate::error::{Result, TrainError};
use crate::outputs::host_values;

/// The 8 directions `(dx, dy)`: right, down-right, down, ... (x to the right, y down).
pub const DIRECTIONS: [(i32, i32); 8] = [
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (1, -1),
];

/// Shifts an image `[c, h, w]` by `(dx, dy)` pixels, filling with zeros.
pub fn shift_image(pixels: &[u8], [c, h, w]: [usize; 3], (dx, dy): (i32, i32)) -> Vec<u8> {
    let mut out = vec![0u8; pixels.len()];
    for ch in 0..c {
        for y in 0..h {
            let sy = y as i64 - i64::from(dy);
            if sy < 0 || sy >= h as i64 {
                continue;
            }
            for x in 0..w {
                let sx = x as i64 - i64::from(dx);
                if sx >= 0 && sx < w as i64 {
                    out[(ch * h + y) * w + x] = pixels[(ch * h + sy as usize) * w + sx as usize];
                }
            }
        }
    }
    out
}

/// The cosine similarity of `a` and `b`; two zero vectors are identical (1), one zero vector is
/// unlike anything (0).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    match (na > 0.0, nb > 0.0) {
        (false, false) => 1.0,
        (true, true) => dot / (na.sqrt() * nb.sqrt()),
        _ => 0.0,
    }
}

/// The result for one shift in one direction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShiftResult {
    /// Pixels moved along each axis the direction uses.
    pub shift: usize,
    /// The direction `(dx, dy)` (0 and 0 for the unshifted images).
    pub direction: (i32, i32),
    /// Top-1 accuracy in `[0, 1]`.
    pub accuracy: f64,
    /// Share of images whose top-1 class differs from the unshifted image's.
    pub changed: f64,
    /// Per block, the mean cosine similarity of its output to the unshifted image's.
    pub block_cosine: Vec<f64>,
}

/// One model's probe: per shift distance (mean over the 8 directions) and per direction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TranslationReport {
    /// The model and run, as labels.
    pub label: String,
    /// Test images probed.
    pub images: usize,
    /// The blocks whose features are compared (`block1`, `features.4`, ...).
    pub blocks: Vec<String>,
    /// Distance 0 (unshifted) to `max_shift`, each the mean of its 8 directions.
    pub by_shift: Vec<ShiftResult>,
    /// Every direction of every distance.
    pub by_direction: Vec<ShiftResult>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// What `probe translation` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranslationOptions {
    /// The largest shift, in pixels.
    pub max_shift: usize,
    /// Images per forward pass.
    pub batch_size: usize,
}

/// One forward pass's top-1 classes and block features (per block, per image).
struct Pass {
    predictions: Vec<usize>,
    blocks: Vec<Vec<f32>>,
    names: Vec<String>,
}

fn run_pass<M: ImageClassifier>(
    model: &M,
    batcher: &zoo_datasets::ImageBatcher,
    items: Vec<ImageItem>,
    device: &Device,
) -> Result<Pass> {
    let images = batcher.batch(items, device).images;
    let mut tap = ActivationTap::default();
    let logits = model.forward_tapped(images, &mut tap);
    let classes = logits.dims()[1];
    let scores = host_values(logits, "logits")?;
    let predictions = scores
        .chunks_exact(classes)
        .map(|row| crate::eval::top_k(row, 1)[0])
        .collect();
    let mut names = Vec::new();
    let mut blocks = Vec::new();
    for block in tap.blocks {
        names.push(block.name.clone());
        blocks.push(host_values(block.output, &block.name)?);
    }
    Ok(Pass {
        predictions,
        blocks,
        names,
    })
}

/// Probes `model` on `test` (all of it; take a subset with [`ImageSet::take`]).
pub fn probe_translation<M: ImageClassifier, C>(
    model: &M,
    config: &TrainConfig<C>,
    test: &ImageSet,
    label: &str,
    options: TranslationOptions,
    device: &Device,
) -> Result<TranslationReport> {
    let started = Instant::now();
    let batcher = batcher(config);
    let n = test.size();
    if n == 0 {
        return Err(TrainError::Empty("no test images to probe"));
    }
    let shape = test.shape();
    // (shift, direction) pairs, the unshifted images first.
    let mut shifts = vec![(0usize, (0, 0))];
    for s in 1..=options.max_shift {
        for &(dx, dy) in &DIRECTIONS {
            shifts.push((s, (dx, dy)));
        }
    }
    // Sums per shift: correct, changed, cosine per block.
    let mut correct = vec![0usize; shifts.len()];
    let mut changed = vec![0usize; shifts.len()];
    let mut cosines: Vec<Vec<f64>> = vec![Vec::new(); shifts.len()];
    let mut names = Vec::new();
    for start in (0..n).step_by(options.batch_size.max(1)) {
        let end = (start + options.batch_size.max(1)).min(n);
        let items = |offset: (i32, i32), s: usize| -> Vec<ImageItem> {
            (start..end)
                .map(|i| ImageItem {
                    pixels: shift_image(
                        test.image(i),
                        shape,
                        (offset.0 * s as i32, offset.1 * s as i32),
                    ),
                    shape,
                    label: test.label(i),
                    index: i,
                })
                .collect()
        };
        let base = run_pass(model, &batcher, items((0, 0), 0), device)?;
        names.clone_from(&base.names);
        for (k, &(s, direction)) in shifts.iter().enumerate() {
            let pass = if s == 0 {
                None
            } else {
                Some(run_pass(model, &batcher, items(direction, s), device)?)
            };
            let pass = pass.as_ref().unwrap_or(&base);
            let sums = &mut cosines[k];
            sums.resize(pass.blocks.len(), 0.0);
            for (b, (shifted, unshifted)) in pass.blocks.iter().zip(&base.blocks).enumerate() {
                let per_image = shifted.len() / (end - start);
                for (x, y) in shifted
                    .chunks_exact(per_image)
                    .zip(unshifted.chunks_exact(per_image))
                {
                    sums[b] += cosine(x, y);
                }
            }
            for (i, (&p, &p0)) in pass.predictions.iter().zip(&base.predictions).enumerate() {
                correct[k] += usize::from(p == test.label(start + i));
                changed[k] += usize::from(p != p0);
            }
        }
    }
    let by_direction: Vec<ShiftResult> = shifts
        .iter()
        .enumerate()
        .map(|(k, &(shift, direction))| ShiftResult {
            shift,
            direction,
            accuracy: correct[k] as f64 / n as f64,
            changed: changed[k] as f64 / n as f64,
            block_cosine: cosines[k].iter().map(|c| c / n as f64).collect(),
        })
        .collect();
    let by_shift = (0..=options.max_shift)
        .map(|shift| {
            let group: Vec<&ShiftResult> =
                by_direction.iter().filter(|r| r.shift == shift).collect();
            let mean = |f: &dyn Fn(&ShiftResult) -> f64| {
                group.iter().map(|r| f(r)).sum::<f64>() / group.len() as f64
            };
            ShiftResult {
                shift,
                direction: (0, 0),
                accuracy: mean(&|r| r.accuracy),
                changed: mean(&|r| r.changed),
                block_cosine: (0..names.len())
                    .map(|b| mean(&|r| r.block_cosine[b]))
                    .collect(),
            }
        })
        .collect();
    Ok(TranslationReport {
        label: label.to_string(),
        images: n,
        blocks: names,
        by_shift,
        by_direction,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The terminal table: one row per shift, the models side by side.
pub fn format_table(reports: &[TranslationReport]) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&format!(
            "{}: {} test images, shifts 1..{} px in 8 directions (zero fill), {:.0} s\n",
            report.label,
            report.images,
            report.by_shift.len().saturating_sub(1),
            report.seconds
        ));
    }
    let mut header = String::from("shift");
    for (m, report) in reports.iter().enumerate() {
        header.push_str(&format!(" | [{}] accuracy  changed", m + 1));
        for block in &report.blocks {
            header.push_str(&format!("  cos({block})"));
        }
    }
    out.push_str(&header);
    out.push('\n');
    out.push_str(&"-".repeat(header.len()));
    out.push('\n');
    let rows = reports.iter().map(|r| r.by_shift.len()).max().unwrap_or(0);
    for row in 0..rows {
        out.push_str(&format!("{row:>2} px"));
        for report in reports {
            let Some(r) = report.by_shift.get(row) else {
                continue;
            };
            out.push_str(&format!(
                " | {:>12.2}% {:>7.2}%",
                100.0 * r.accuracy,
                100.0 * r.changed
            ));
            for (b, block) in report.blocks.iter().enumerate() {
                let width = block.len() + 5;
                out.push_str(&format!("  {:>width$.3}", r.block_cosine[b]));
            }
        }
        out.push('\n');
    }
    for (m, report) in reports.iter().enumerate() {
        out.push_str(&format!("[{}] {}\n", m + 1, report.label));
    }
    out
}

/// The plot: accuracy, prediction change and each block's similarity against the shift; the
/// first model solid, the others (controls) dashed.
pub fn plot_panels(reports: &[TranslationReport]) -> Vec<zoo_viz::chart::Panel> {
    use zoo_viz::chart::{Panel, Series};
    let series = |f: &dyn Fn(&ShiftResult) -> f64, color_of: &dyn Fn(usize) -> usize| {
        reports
            .iter()
            .enumerate()
            .map(|(m, r)| Series {
                label: r.label.clone(),
                points: r.by_shift.iter().map(|s| (s.shift as f64, f(s))).collect(),
                color: color_of(m),
                dashed: m > 0,
            })
            .collect::<Vec<_>>()
    };
    let panel = |title: &str, y: &str, series, legend_low| Panel {
        title: title.into(),
        x_label: "shift (pixels, mean of 8 directions)".into(),
        y_label: y.into(),
        series,
        y_range: None,
        legend_low,
    };
    let blocks: Vec<Series> = reports
        .iter()
        .enumerate()
        .flat_map(|(m, r)| {
            r.blocks.iter().enumerate().map(move |(b, name)| Series {
                label: format!("{name}, {}", r.label),
                points: r
                    .by_shift
                    .iter()
                    .map(|s| (s.shift as f64, s.block_cosine[b]))
                    .collect(),
                color: b,
                dashed: m > 0,
            })
        })
        .collect();
    vec![
        panel(
            "test accuracy",
            "top-1 accuracy",
            series(&|s| s.accuracy, &|m| m),
            false,
        ),
        panel(
            "predictions changed by the shift",
            "share of test images",
            series(&|s| s.changed, &|m| m),
            true,
        ),
        panel(
            "block features vs unshifted",
            "mean cosine similarity",
            blocks,
            false,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_move_pixels_and_fill_with_zeros() {
        // 1 channel, 2x3: [[1 2 3] [4 5 6]]
        let img = [1, 2, 3, 4, 5, 6];
        assert_eq!(shift_image(&img, [1, 2, 3], (1, 0)), vec![0, 1, 2, 0, 4, 5]);
        assert_eq!(shift_image(&img, [1, 2, 3], (0, 1)), vec![0, 0, 0, 1, 2, 3]);
        assert_eq!(
            shift_image(&img, [1, 2, 3], (-1, -1)),
            vec![5, 6, 0, 0, 0, 0]
        );
        assert_eq!(shift_image(&img, [1, 2, 3], (0, 0)), img.to_vec());
        assert_eq!(shift_image(&img, [1, 2, 3], (3, 0)), vec![0; 6]);
    }

    #[test]
    fn cosine_similarity() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-12);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-12);
        assert!((cosine(&[1.0, 1.0], &[2.0, 2.0]) - 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[0.0, 0.0], &[0.0, 0.0]), 1.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
