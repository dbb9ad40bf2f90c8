//! Progress on the terminal: Burn's TUI in a terminal; otherwise plain lines with epoch, loss,
//! accuracy, images/s and time left, and one line per finished epoch.

use std::time::{Duration, Instant};

use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::MetricDefinition;
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};

use crate::metric_events::{MetricNames, SplitTotals};
use crate::metrics_csv::EpochRow;

/// Formats seconds as `1h02m`, `3m20s` or `45s`.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// One line per finished epoch.
pub fn epoch_line(row: &EpochRow, epochs: usize) -> String {
    format!(
        "epoch {}/{epochs}: train loss {:.4} acc {:.2}% | valid loss {:.4} acc {:.2}% | {:.0} img/s | {}",
        row.epoch,
        row.train_loss,
        100.0 * row.train_accuracy,
        row.valid_loss,
        100.0 * row.valid_accuracy,
        row.train_images_per_second,
        human_duration(row.seconds)
    )
}

/// Plain progress lines for logs and pipes (no terminal): the running loss and accuracy of
/// Burn's metric events, at most one line per interval.
pub struct PlainRenderer {
    names: MetricNames,
    train: SplitTotals,
    epochs: usize,
    epoch: usize,
    split: String,
    total: usize,
    started: Instant,
    last_print: Instant,
    every: Duration,
}

impl PlainRenderer {
    /// Prints at most one progress line per `every`.
    pub fn new(epochs: usize, every: Duration) -> Self {
        Self {
            names: MetricNames::default(),
            train: SplitTotals::default(),
            epochs,
            epoch: 1,
            split: String::new(),
            total: 0,
            started: Instant::now(),
            last_print: Instant::now(),
            every,
        }
    }
}

impl MetricsRendererTraining for PlainRenderer {
    fn update_train(&mut self, state: MetricState) {
        if let MetricState::Numeric(entry, Some(value)) = state {
            self.train.add(&self.names, &entry.metric_id, &value);
        }
    }

    fn update_valid(&mut self, _state: MetricState) {}
}

impl MetricsRendererEvaluation for PlainRenderer {
    fn update_test(&mut self, _name: EvaluationName, _state: MetricState) {}
}

impl TrainingProgressLogger for PlainRenderer {
    fn start(
        &mut self,
        total_epochs: usize,
        starting_epoch: usize,
        _total_items: Option<usize>,
        _label: Option<&str>,
    ) {
        self.epochs = total_epochs;
        self.epoch = starting_epoch.max(1);
    }

    fn update_epoch(&mut self, epoch: usize) {
        self.epoch = epoch + 1;
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        self.split = split.to_string();
        self.total = total_items;
        self.started = Instant::now();
        self.last_print = Instant::now();
        if split == "train" {
            self.train = SplitTotals::default();
        }
    }

    fn update_split(&mut self, items_processed: usize) {
        if self.last_print.elapsed() < self.every || self.split != "train" {
            return;
        }
        self.last_print = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = items_processed as f64 / elapsed.max(1e-9);
        let left = (self.total.saturating_sub(items_processed)) as f64 / rate.max(1e-9);
        println!(
            "epoch {}/{} train {:>3.0}% ({items_processed}/{}) loss {:.4} acc {:.2}% {:.0} img/s, epoch ends in {}",
            self.epoch,
            self.epochs,
            100.0 * items_processed as f64 / self.total.max(1) as f64,
            self.total,
            self.train.loss(),
            100.0 * self.train.accuracy(),
            rate,
            human_duration(left)
        );
    }

    fn end_split(&mut self) {}

    fn end(&mut self) {}

    /// Burn reports every iteration as an event; the progress lines above say enough.
    fn log_event_training(&mut self, _event: String) {}
}

impl EvaluationProgressLogger for PlainRenderer {
    fn start_global_progress(&mut self, _total_tests: usize) {}
    fn start_test(&mut self, _name: &str, _total_items: usize) {}
    fn update_test_progress(&mut self, _items_processed: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _event: String) {}
}

impl MetricsRenderer for PlainRenderer {
    fn manual_close(&mut self) {}

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names.register(&definition);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(human_duration(4.4), "4s");
        assert_eq!(human_duration(200.0), "3m20s");
        assert_eq!(human_duration(3720.0), "1h02m");
    }
}
