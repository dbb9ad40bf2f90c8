//! Reading Burn's metric events: the per-step and end-of-epoch values of the run's
//! [`PerImageLoss`](crate::loss_metric::PerImageLoss),
//! [`AccuracyMetric`](burn::train::metric::AccuracyMetric) and
//! [`LearningRateMetric`](burn::train::metric::LearningRateMetric), summed into one split of one
//! epoch. `metrics.csv`, the progress lines and the best epoch all come from these values, the
//! same ones Burn's checkpointing and early stopping use.

use std::collections::HashMap;
use std::time::Instant;

use burn::train::metric::store::MetricsUpdate;
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};

/// The name of the loss metric (Burn's, and the run's [`PerImageLoss`](crate::loss_metric::PerImageLoss)).
pub const LOSS: &str = "Loss";
/// The name of Burn's top-1 accuracy metric (its values are percentages).
pub const ACCURACY: &str = "Accuracy";
/// The name of Burn's learning-rate metric.
pub const LEARNING_RATE: &str = "Learning Rate";

/// A metric the run's rows are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowMetric {
    Loss,
    Accuracy,
    LearningRate,
}

/// Which metric an event's id belongs to, learned from Burn's metric definitions.
#[derive(Debug, Clone, Default)]
pub struct MetricNames(HashMap<MetricId, RowMetric>);

impl MetricNames {
    /// Learns `definition`'s id (other metrics than the three are ignored).
    pub fn register(&mut self, definition: &MetricDefinition) {
        let metric = match definition.name.as_str() {
            LOSS => RowMetric::Loss,
            ACCURACY => RowMetric::Accuracy,
            LEARNING_RATE => RowMetric::LearningRate,
            _ => return,
        };
        self.0.insert(definition.metric_id.clone(), metric);
    }
}

/// One split of one epoch, summed from metric events.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SplitTotals {
    /// Examples seen (the accuracy entries' counts).
    pub items: usize,
    loss_sum: f64,
    loss_count: usize,
    accuracy_sum: f64,
    final_loss: Option<f64>,
    final_accuracy: Option<f64>,
    /// The learning rate of the last step, if the split has one.
    pub learning_rate: Option<f64>,
    first_step: Option<Instant>,
    last_step: Option<Instant>,
}

impl SplitTotals {
    /// Adds the numeric entries of `update` that belong to the three metrics.
    pub fn add_update(&mut self, names: &MetricNames, update: &MetricsUpdate) {
        for numeric in &update.entries_numeric {
            if let Some(value) = &numeric.numeric_entry {
                self.add(names, &numeric.entry.metric_id, value);
            }
        }
    }

    /// Adds one metric value: a step's (`Aggregated`: the batch mean and size, or `Value`) or
    /// the epoch's (`Final`).
    pub fn add(&mut self, names: &MetricNames, id: &MetricId, value: &NumericEntry) {
        let Some(&metric) = names.0.get(id) else {
            return;
        };
        let (mean, count) = match *value {
            NumericEntry::Final(v) => {
                match metric {
                    RowMetric::Loss => self.final_loss = Some(v),
                    RowMetric::Accuracy => self.final_accuracy = Some(v / 100.0),
                    // The final learning rate is the epoch's mean; the row keeps the last step's.
                    RowMetric::LearningRate => {}
                }
                return;
            }
            NumericEntry::Value(v) => (v, 1),
            NumericEntry::Aggregated {
                aggregated_value,
                count,
            } => (aggregated_value, count),
        };
        match metric {
            RowMetric::Loss => {
                self.loss_count += count;
                self.loss_sum += mean * count as f64;
            }
            RowMetric::Accuracy => {
                let now = Instant::now();
                self.first_step.get_or_insert(now);
                self.last_step = Some(now);
                self.items += count;
                self.accuracy_sum += mean / 100.0 * count as f64;
            }
            RowMetric::LearningRate => self.learning_rate = Some(mean),
        }
    }

    /// Mean loss per image ([`PerImageLoss`](crate::loss_metric::PerImageLoss)): the epoch's
    /// final value once it came, the running mean before.
    pub fn loss(&self) -> f64 {
        self.final_loss
            .unwrap_or(self.loss_sum / self.loss_count.max(1) as f64)
    }

    /// Top-1 accuracy in `[0, 1]`: final once it came, running before.
    pub fn accuracy(&self) -> f64 {
        self.final_accuracy
            .unwrap_or(self.accuracy_sum / self.items.max(1) as f64)
    }

    /// Examples per second, from the first step's event to the last one's.
    pub fn throughput(&self) -> f64 {
        let seconds = match (self.first_step, self.last_step) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => 0.0,
        };
        self.items as f64 / seconds.max(1e-9)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::loss_metric::PerImageLoss;
    use burn::train::metric::store::NumericMetricUpdate;
    use burn::train::metric::{
        AccuracyMetric, LearningRateMetric, Metric, MetricEntry, SerializedEntry,
    };

    /// Burn's definitions of the three metrics, as a learner announces them.
    pub(crate) fn definitions() -> [MetricDefinition; 3] {
        let loss = PerImageLoss::new();
        let accuracy = AccuracyMetric::new();
        let lr = LearningRateMetric::new();
        [
            MetricDefinition::new(MetricId::new(loss.name()), &loss),
            MetricDefinition::new(MetricId::new(accuracy.name()), &accuracy),
            MetricDefinition::new(MetricId::new(lr.name()), &lr),
        ]
    }

    /// The three metrics registered, and their ids.
    pub(crate) fn names() -> (MetricNames, [MetricId; 3]) {
        let mut names = MetricNames::default();
        let definitions = definitions();
        definitions.iter().for_each(|d| names.register(d));
        (names, definitions.map(|d| d.metric_id))
    }

    /// An update as Burn sends it for one step (`batch` images, mean `loss`, `accuracy` in %)
    /// or, with `Final` entries, at the end of an epoch.
    pub(crate) fn update(ids: &[MetricId; 3], entries: [NumericEntry; 3]) -> MetricsUpdate {
        let entries_numeric = ids
            .iter()
            .zip(entries)
            .map(|(id, entry)| {
                NumericMetricUpdate::new(
                    MetricEntry::new(
                        id.clone(),
                        SerializedEntry::new(String::new(), entry.serialize()),
                    ),
                    Some(entry),
                    None,
                )
            })
            .collect();
        MetricsUpdate::new(Vec::new(), entries_numeric)
    }

    /// One step's update.
    pub(crate) fn step(
        ids: &[MetricId; 3],
        batch: usize,
        loss: f64,
        accuracy: f64,
        lr: f64,
    ) -> MetricsUpdate {
        let agg = |v: f64, count: usize| NumericEntry::Aggregated {
            aggregated_value: v,
            count,
        };
        update(ids, [agg(loss, batch), agg(accuracy, batch), agg(lr, 1)])
    }

    #[test]
    fn steps_sum_to_running_means_and_the_final_entries_win() {
        let (names, ids) = names();
        let mut totals = SplitTotals::default();
        totals.add_update(&names, &step(&ids, 10, 2.0, 30.0, 1e-3));
        totals.add_update(&names, &step(&ids, 30, 1.0, 50.0, 5e-4));
        assert_eq!(totals.items, 40);
        assert!((totals.loss() - 1.25).abs() < 1e-12);
        assert!((totals.accuracy() - 0.45).abs() < 1e-12);
        assert_eq!(totals.learning_rate, Some(5e-4));
        assert!(totals.throughput() > 0.0);
        let end = update(
            &ids,
            [
                NumericEntry::Final(1.5),
                NumericEntry::Final(62.5),
                NumericEntry::Final(7.5e-4),
            ],
        );
        totals.add_update(&names, &end);
        assert_eq!(totals.loss(), 1.5);
        assert_eq!(totals.accuracy(), 0.625);
        assert_eq!(totals.learning_rate, Some(5e-4), "the last step's rate");
    }

    #[test]
    fn other_metrics_are_ignored() {
        let (names, _) = names();
        let mut totals = SplitTotals::default();
        let other = MetricId::new(std::sync::Arc::new("Top-5 Accuracy".to_string()));
        totals.add(&names, &other, &NumericEntry::Value(3.0));
        assert_eq!(totals, SplitTotals::default());
    }
}
