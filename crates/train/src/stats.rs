//! Per-epoch loss and accuracy gathered in the training and validation steps themselves, and
//! the non-finite-loss guard; each finished epoch becomes a row of `metrics.csv`
//! ([`crate::metrics_csv`]).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use burn::train::Interrupter;

pub use crate::metrics_csv::EpochRow;
use crate::metrics_csv::append_row;

/// Sums of one split of one epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SplitTotals {
    /// Examples seen.
    pub items: usize,
    /// Sum of per-batch mean loss times batch size.
    pub loss_sum: f64,
    /// Correct top-1 predictions.
    pub correct: usize,
    /// Seconds from the first to the last batch.
    pub seconds: f64,
}

impl SplitTotals {
    /// Mean loss.
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.items.max(1) as f64
    }

    /// Top-1 accuracy in `[0, 1]`.
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.items.max(1) as f64
    }

    /// Examples per second.
    pub fn throughput(&self) -> f64 {
        self.items as f64 / self.seconds.max(1e-9)
    }
}

/// Where a non-finite loss appeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonFinite {
    /// The epoch (from 1).
    pub epoch: usize,
    /// The batch within the epoch (from 1).
    pub batch: usize,
}

#[derive(Debug)]
struct Inner {
    train_steps: usize,
    valid_steps: usize,
    train: Vec<SplitTotals>,
    valid: Vec<SplitTotals>,
    started: Vec<Option<Instant>>,
    last: Vec<Option<Instant>>,
    non_finite: Option<NonFinite>,
    rows_written: usize,
}

/// Shared between the model's steps (which add to it) and the epoch logger (which writes rows).
pub struct RunStats {
    train_batches: usize,
    valid_batches: usize,
    first_epoch: usize,
    interrupter: Interrupter,
    csv: Option<PathBuf>,
    learning_rates: Vec<f64>,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for RunStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStats")
            .field("train_batches", &self.train_batches)
            .field("valid_batches", &self.valid_batches)
            .field("first_epoch", &self.first_epoch)
            .finish_non_exhaustive()
    }
}

/// Which split a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSplit {
    /// Training.
    Train,
    /// Validation.
    Valid,
}

impl RunStats {
    /// Statistics of a run with `train_batches` / `valid_batches` per epoch, resuming after
    /// `completed_epochs`; rows are appended to `csv`.
    pub fn new(
        train_batches: usize,
        valid_batches: usize,
        completed_epochs: usize,
        interrupter: Interrupter,
        csv: Option<PathBuf>,
    ) -> Self {
        Self {
            train_batches: train_batches.max(1),
            valid_batches: valid_batches.max(1),
            first_epoch: completed_epochs + 1,
            interrupter,
            csv,
            learning_rates: Vec::new(),
            inner: Mutex::new(Inner {
                train_steps: 0,
                valid_steps: 0,
                train: Vec::new(),
                valid: Vec::new(),
                started: Vec::new(),
                last: Vec::new(),
                non_finite: None,
                rows_written: completed_epochs,
            }),
        }
    }

    /// The learning rate of each epoch's last step (from 1: index 0 is epoch 1), for the rows.
    pub fn with_learning_rates(mut self, rates: Vec<f64>) -> Self {
        self.learning_rates = rates;
        self
    }

    /// Records one step; returns `false` (and stops the run) when the loss is not finite.
    pub fn record(&self, split: StepSplit, items: usize, loss: f64, correct: usize) -> bool {
        let mut s = self.inner.lock().expect("stats lock");
        let (step, per_epoch) = match split {
            StepSplit::Train => (&mut s.train_steps, self.train_batches),
            StepSplit::Valid => (&mut s.valid_steps, self.valid_batches),
        };
        let index = *step / per_epoch;
        let batch = *step % per_epoch + 1;
        *step += 1;
        if !loss.is_finite() {
            if s.non_finite.is_none() {
                let at = NonFinite {
                    epoch: self.first_epoch + index,
                    batch,
                };
                s.non_finite = Some(at);
                self.interrupter.stop(Some(&format!(
                    "loss became {loss} at epoch {} batch {}",
                    at.epoch, at.batch
                )));
            }
            return false;
        }
        let now = Instant::now();
        if split == StepSplit::Train {
            if s.started.len() <= index {
                s.started.resize(index + 1, None);
                s.last.resize(index + 1, None);
            }
            s.started[index].get_or_insert(now);
            s.last[index] = Some(now);
        }
        let totals = match split {
            StepSplit::Train => &mut s.train,
            StepSplit::Valid => &mut s.valid,
        };
        if totals.len() <= index {
            totals.resize(index + 1, SplitTotals::default());
        }
        let t = &mut totals[index];
        t.items += items;
        t.loss_sum += loss * items as f64;
        t.correct += correct;
        true
    }

    /// Where the loss stopped being finite, if it did.
    pub fn non_finite(&self) -> Option<NonFinite> {
        self.inner.lock().expect("stats lock").non_finite
    }

    /// The totals of `epoch` (from 1) for a split.
    pub fn totals(&self, split: StepSplit, epoch: usize) -> SplitTotals {
        let s = self.inner.lock().expect("stats lock");
        let index = epoch.saturating_sub(self.first_epoch);
        let list = match split {
            StepSplit::Train => &s.train,
            StepSplit::Valid => &s.valid,
        };
        let mut totals = list.get(index).copied().unwrap_or_default();
        if split == StepSplit::Train
            && let (Some(Some(a)), Some(Some(b))) = (s.started.get(index), s.last.get(index))
        {
            totals.seconds = (*b - *a).as_secs_f64();
        }
        totals
    }

    /// The finished epoch's row; appended to `metrics.csv` once, unless training was stopped
    /// during the epoch (Ctrl-C, a failed checkpoint, a non-finite loss): its validation is then
    /// partial and its checkpoint is not written, so neither is its row.
    pub fn finish_epoch(&self, epoch: usize, seconds: f64) -> anyhow::Result<EpochRow> {
        let train = self.totals(StepSplit::Train, epoch);
        let valid = self.totals(StepSplit::Valid, epoch);
        let row = EpochRow {
            epoch,
            train_loss: train.loss(),
            train_accuracy: train.accuracy(),
            valid_loss: valid.loss(),
            valid_accuracy: valid.accuracy(),
            train_images_per_second: train.throughput(),
            seconds,
            learning_rate: epoch
                .checked_sub(1)
                .and_then(|i| self.learning_rates.get(i))
                .copied()
                .unwrap_or(f64::NAN),
        };
        let mut s = self.inner.lock().expect("stats lock");
        if epoch > s.rows_written
            && !self.interrupter.should_stop()
            && let Some(path) = &self.csv
        {
            append_row(path, &row)?;
            s.rows_written = epoch;
            // The picture is a view of the file: a failure to draw it stops nothing.
            if let Some(dir) = path.parent()
                && let Err(e) = crate::curves::redraw(dir)
            {
                eprintln!(
                    "note: {}: {e:#}",
                    dir.join(crate::curves::CURVES_PNG).display()
                );
            }
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_assigned_to_epochs_and_rows_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("metrics.csv");
        let stats = RunStats::new(2, 1, 0, Interrupter::new(), Some(csv.clone()));
        assert!(stats.record(StepSplit::Train, 10, 2.0, 3));
        assert!(stats.record(StepSplit::Train, 10, 1.0, 5));
        assert!(stats.record(StepSplit::Valid, 4, 0.5, 2));
        assert!(stats.record(StepSplit::Train, 10, 0.5, 9));
        let row = stats.finish_epoch(1, 3.0).unwrap();
        assert!((row.train_loss - 1.5).abs() < 1e-12);
        assert!((row.train_accuracy - 0.4).abs() < 1e-12);
        assert!((row.valid_accuracy - 0.5).abs() < 1e-12);
        stats.finish_epoch(1, 3.0).unwrap();
        let rows = crate::metrics_csv::read_metrics(&csv).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(stats.totals(StepSplit::Train, 2).items, 10);
    }

    #[test]
    fn an_epoch_cut_short_writes_no_row() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("metrics.csv");
        let interrupter = Interrupter::new();
        let stats = RunStats::new(1, 1, 0, interrupter.clone(), Some(csv.clone()));
        assert!(stats.record(StepSplit::Train, 10, 1.0, 5));
        assert!(stats.record(StepSplit::Valid, 4, 0.5, 2));
        stats.finish_epoch(1, 1.0).unwrap();
        assert!(stats.record(StepSplit::Train, 10, 1.0, 5));
        interrupter.stop(Some("SIGTERM"));
        stats.finish_epoch(2, 1.0).unwrap();
        assert_eq!(crate::metrics_csv::read_metrics(&csv).unwrap().len(), 1);
    }

    #[test]
    fn a_non_finite_loss_names_epoch_and_batch_and_stops() {
        let interrupter = Interrupter::new();
        let stats = RunStats::new(3, 1, 4, interrupter.clone(), None);
        for _ in 0..4 {
            assert!(stats.record(StepSplit::Train, 1, 1.0, 1));
        }
        assert!(!stats.record(StepSplit::Train, 1, f64::NAN, 0));
        assert_eq!(stats.non_finite(), Some(NonFinite { epoch: 6, batch: 2 }));
        assert!(interrupter.should_stop());
    }
}
