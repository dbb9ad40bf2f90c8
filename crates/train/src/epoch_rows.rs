//! The rows of `metrics.csv`, made from Burn's metric events by a [`MetricLogger`] registered
//! beside Burn's file logger: each finished epoch's row is appended (and `curves.png` redrawn)
//! when its validation ends, and printed when there is no terminal for Burn's TUI.

use std::path::PathBuf;
use std::time::Instant;

use burn::train::Interrupter;
use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, NumericEntry};

use crate::metric_events::{MetricNames, SplitTotals};
use crate::metrics_csv::{EpochRow, append_row};
use crate::progress::epoch_line;

/// Turns metric events into `metrics.csv` rows.
pub struct EpochRows {
    csv: PathBuf,
    epochs: usize,
    print: bool,
    interrupter: Interrupter,
    names: MetricNames,
    epoch: usize,
    train: SplitTotals,
    valid: SplitTotals,
    epoch_started: Instant,
    rows_written: usize,
}

impl EpochRows {
    /// Rows of a run of `epochs` appended to `csv` (which holds `completed_epochs` rows);
    /// `print` each row as a line (no terminal). A row is not written for an epoch during
    /// which `interrupter` stopped the run (Ctrl-C, a failed checkpoint, a non-finite loss):
    /// its validation is partial and its checkpoint is not written.
    pub fn new(
        csv: PathBuf,
        epochs: usize,
        completed_epochs: usize,
        print: bool,
        interrupter: Interrupter,
    ) -> Self {
        Self {
            csv,
            epochs,
            print,
            interrupter,
            names: MetricNames::default(),
            epoch: completed_epochs + 1,
            train: SplitTotals::default(),
            valid: SplitTotals::default(),
            epoch_started: Instant::now(),
            rows_written: completed_epochs,
        }
    }

    /// The row of the epoch whose validation just ended.
    fn row(&self, epoch: usize, seconds: f64) -> EpochRow {
        EpochRow {
            epoch,
            train_loss: self.train.loss(),
            train_accuracy: self.train.accuracy(),
            valid_loss: self.valid.loss(),
            valid_accuracy: self.valid.accuracy(),
            train_images_per_second: self.train.throughput(),
            seconds,
            learning_rate: self.train.learning_rate.unwrap_or(f64::NAN),
        }
    }

    fn finish_epoch(&mut self, epoch: usize) {
        let seconds = self.epoch_started.elapsed().as_secs_f64();
        self.epoch_started = Instant::now();
        if epoch <= self.rows_written || self.interrupter.should_stop() {
            return;
        }
        let row = self.row(epoch, seconds);
        if let Err(err) = append_row(&self.csv, &row) {
            eprintln!("warning: cannot write metrics.csv: {err:#}");
            return;
        }
        self.rows_written = epoch;
        if self.print {
            println!("{}", epoch_line(&row, self.epochs));
        }
        // The picture is a view of the file: a failure to draw it stops nothing.
        if let Some(dir) = self.csv.parent()
            && let Err(e) = crate::curves::redraw(dir)
        {
            eprintln!(
                "note: {}: {e:#}",
                dir.join(crate::curves::CURVES_PNG).display()
            );
        }
    }
}

impl MetricLogger for EpochRows {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        if epoch != self.epoch {
            self.epoch = epoch;
            self.train = SplitTotals::default();
            self.valid = SplitTotals::default();
        }
        match split {
            Split::Train => self.train.add_update(&self.names, &update),
            Split::Valid => self.valid.add_update(&self.names, &update),
            Split::Test(_) => {}
        }
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the metrics.csv logger keeps no metric history".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        self.names.register(&definition);
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        if summary.split == Split::Valid {
            self.finish_epoch(summary.epoch_number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric_events::tests::{definitions, names, step, update};
    use crate::metrics_csv::read_metrics;
    use burn::train::metric::MetricId;

    /// Sends Burn's events for one epoch: two training steps, one validation step, and the
    /// end-of-split entries.
    fn epoch(rows: &mut EpochRows, ids: &[MetricId; 3], epoch: usize) {
        let end = |loss: f64, accuracy: f64| {
            update(
                ids,
                [
                    NumericEntry::Final(loss),
                    NumericEntry::Final(accuracy),
                    NumericEntry::Final(0.0),
                ],
            )
        };
        rows.log(step(ids, 10, 2.0, 30.0, 1e-3), epoch, &Split::Train);
        rows.log(step(ids, 10, 1.0, 50.0, 5e-4), epoch, &Split::Train);
        rows.log(end(1.5, 40.0), epoch, &Split::Train);
        rows.log_epoch_summary(EpochSummary::new(epoch, Split::Train));
        rows.log(step(ids, 4, 0.5, 50.0, 0.0), epoch, &Split::Valid);
        rows.log(end(0.5, 50.0), epoch, &Split::Valid);
        rows.log_epoch_summary(EpochSummary::new(epoch, Split::Valid));
    }

    fn logger(
        csv: PathBuf,
        completed: usize,
        interrupter: Interrupter,
    ) -> (EpochRows, [MetricId; 3]) {
        let mut rows = EpochRows::new(csv, 3, completed, false, interrupter);
        definitions()
            .into_iter()
            .for_each(|d| rows.log_metric_definition(d));
        (rows, names().1)
    }

    #[test]
    fn each_validated_epoch_is_one_row_of_burns_values() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("metrics.csv");
        let (mut rows, ids) = logger(csv.clone(), 0, Interrupter::new());
        epoch(&mut rows, &ids, 1);
        epoch(&mut rows, &ids, 2);
        // A repeated summary writes nothing more.
        rows.log_epoch_summary(EpochSummary::new(2, Split::Valid));
        let read = read_metrics(&csv).unwrap();
        assert_eq!(read.len(), 2);
        let row = &read[1];
        assert_eq!(row.epoch, 2);
        assert_eq!(row.train_loss, 1.5);
        assert_eq!(row.train_accuracy, 0.4);
        assert_eq!(row.valid_loss, 0.5);
        assert_eq!(row.valid_accuracy, 0.5);
        assert_eq!(row.learning_rate, 5e-4, "the last training step's rate");
        assert!(row.train_images_per_second > 0.0);
        assert!(dir.path().join(crate::curves::CURVES_PNG).is_file());
    }

    #[test]
    fn a_resumed_run_appends_after_its_rows_and_a_stopped_epoch_writes_none() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("metrics.csv");
        let interrupter = Interrupter::new();
        let (mut rows, ids) = logger(csv.clone(), 1, interrupter.clone());
        // Epoch 1 is already in the file of the run being resumed.
        epoch(&mut rows, &ids, 1);
        assert!(!csv.exists());
        epoch(&mut rows, &ids, 2);
        interrupter.stop(Some("SIGTERM"));
        epoch(&mut rows, &ids, 3);
        let read = read_metrics(&csv).unwrap();
        assert_eq!(read.iter().map(|r| r.epoch).collect::<Vec<_>>(), [2]);
    }
}
