//! Evaluation on a labelled split: accuracy, top-5 accuracy, loss and a confusion matrix.

use std::fmt;
use std::sync::Arc;

use burn::data::dataloader::DataLoader;
use serde::Serialize;
use zoo_core::ImageClassifier;
use zoo_datasets::ImageBatch;

use crate::error::{Result, TrainError};
use crate::outputs::{cross_entropy, host_values};

/// The result of an evaluation.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvalReport {
    /// Examples evaluated.
    pub examples: usize,
    /// Top-1 accuracy in `[0, 1]`.
    pub accuracy: f64,
    /// Top-5 accuracy in `[0, 1]` (equal to 1 with five classes or fewer).
    pub top5_accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// The class names.
    pub classes: Vec<String>,
    /// `confusion[true][predicted]` counts.
    pub confusion: Vec<Vec<usize>>,
}

/// Indices of the `k` largest values, largest first.
pub fn top_k(values: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.truncate(k);
    order
}

/// Runs `model` (in validation mode) over every batch of `loader`.
pub fn evaluate<M: ImageClassifier>(
    model: &M,
    loader: Arc<dyn DataLoader<ImageBatch>>,
    classes: &[String],
) -> Result<EvalReport> {
    let n = classes.len();
    let mut confusion = vec![vec![0usize; n]; n];
    let (mut examples, mut top1, mut top5, mut loss_sum) = (0usize, 0usize, 0usize, 0f64);
    for batch in loader.iter() {
        let batch = batch.map_err(|e| TrainError::DataLoader {
            what: "the evaluation data",
            error: e.to_string(),
        })?;
        let logits = model.forward(batch.images);
        let size = batch.targets.dims()[0];
        let loss = cross_entropy(logits.clone(), batch.targets.clone());
        loss_sum += f64::from(loss.into_scalar::<f32>()) * size as f64;
        let values = host_values(logits, "logits")?;
        let targets: Vec<i64> = batch
            .targets
            .into_data()
            .convert::<i64>()
            .try_into_vec::<i64>()
            .map_err(|e| TrainError::DeviceRead {
                what: "labels".into(),
                error: format!("{e:?}"),
            })?;
        for (row, &target) in values.chunks_exact(n).zip(&targets) {
            let ranked = top_k(row, 5);
            let target = target as usize;
            top1 += usize::from(ranked[0] == target);
            top5 += usize::from(ranked.contains(&target));
            confusion[target][ranked[0]] += 1;
        }
        examples += size;
    }
    let denom = examples.max(1) as f64;
    Ok(EvalReport {
        examples,
        accuracy: top1 as f64 / denom,
        top5_accuracy: top5 as f64 / denom,
        loss: loss_sum / denom,
        classes: classes.to_vec(),
        confusion,
    })
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} test images: accuracy {:.2}%, top-5 {:.2}%, loss {:.4}",
            self.examples,
            100.0 * self.accuracy,
            100.0 * self.top5_accuracy,
            self.loss
        )?;
        let width = self
            .confusion
            .iter()
            .flatten()
            .map(|c| c.to_string().len())
            .max()
            .unwrap_or(1)
            .max(4);
        let name_width = self
            .classes
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(4)
            .min(14);
        writeln!(
            f,
            "confusion matrix (rows: true class, columns: predicted):"
        )?;
        write!(f, "{:>name_width$} ", "")?;
        for i in 0..self.classes.len() {
            write!(f, " {:>width$}", i)?;
        }
        writeln!(f, "  recall")?;
        for (i, row) in self.confusion.iter().enumerate() {
            let name: String = self.classes[i].chars().take(name_width).collect();
            write!(f, "{name:>name_width$} ")?;
            for count in row {
                write!(f, " {count:>width$}")?;
            }
            let total: usize = row.iter().sum();
            writeln!(
                f,
                "  {:>5.1}%  ({i})",
                100.0 * row[i] as f64 / total.max(1) as f64
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_by_value() {
        assert_eq!(top_k(&[0.1, 0.7, 0.2, 0.9], 2), vec![3, 1]);
        assert_eq!(top_k(&[1.0, 2.0], 5), vec![1, 0]);
    }
}
