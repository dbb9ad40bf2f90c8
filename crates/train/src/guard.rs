//! The non-finite-loss guard of the training step: the one value a step reads back itself
//! (loss and accuracy reach `metrics.csv` through Burn's metric events).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::tensor::Tensor;
use burn::train::Interrupter;

/// Where a non-finite loss appeared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonFinite {
    /// The epoch (from 1).
    pub epoch: usize,
    /// The batch within the epoch (from 1).
    pub batch: usize,
}

/// Stops the run at the first training step whose loss is NaN or infinite, before that step
/// updates the weights, and remembers where it happened.
pub struct NonFiniteGuard {
    batches_per_epoch: usize,
    first_epoch: usize,
    steps: AtomicUsize,
    interrupter: Interrupter,
    tripped: Mutex<Option<NonFinite>>,
}

impl std::fmt::Debug for NonFiniteGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonFiniteGuard")
            .field("batches_per_epoch", &self.batches_per_epoch)
            .field("first_epoch", &self.first_epoch)
            .finish_non_exhaustive()
    }
}

impl NonFiniteGuard {
    /// A guard for a run of `batches_per_epoch` training steps per epoch (per device) that
    /// resumes after `completed_epochs`; a trip stops `interrupter`.
    pub fn new(
        batches_per_epoch: usize,
        completed_epochs: usize,
        interrupter: Interrupter,
    ) -> Self {
        Self {
            batches_per_epoch: batches_per_epoch.max(1),
            first_epoch: completed_epochs + 1,
            steps: AtomicUsize::new(0),
            interrupter,
            tripped: Mutex::new(None),
        }
    }

    /// Reads the step's `loss` (one wait for the device) and returns whether the step may
    /// update the weights. A device that cannot give the value back stops the run too, with
    /// its error as the reason.
    pub fn check(&self, loss: &Tensor<1>) -> bool {
        match loss.clone().detach().try_into_scalar::<f64>() {
            Ok(value) => self.check_value(value),
            Err(e) => {
                self.interrupter
                    .stop(Some(&format!("cannot read the loss back: {e:?}")));
                false
            }
        }
    }

    /// [`check`](Self::check) on a value already on the host.
    pub fn check_value(&self, loss: f64) -> bool {
        let step = self.steps.fetch_add(1, Ordering::Relaxed);
        if loss.is_finite() {
            return true;
        }
        let at = NonFinite {
            epoch: self.first_epoch + step / self.batches_per_epoch,
            batch: step % self.batches_per_epoch + 1,
        };
        let mut tripped = self.tripped.lock().unwrap_or_else(|e| e.into_inner());
        if tripped.is_none() {
            *tripped = Some(at);
            self.interrupter.stop(Some(&format!(
                "loss became {loss} at epoch {} batch {}",
                at.epoch, at.batch
            )));
        }
        false
    }

    /// Where the loss stopped being finite, if it did.
    pub fn tripped(&self) -> Option<NonFinite> {
        *self.tripped.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_finite_loss_names_epoch_and_batch_and_stops() {
        let interrupter = Interrupter::new();
        let guard = NonFiniteGuard::new(3, 4, interrupter.clone());
        for _ in 0..4 {
            assert!(guard.check_value(1.0));
        }
        assert!(!interrupter.should_stop());
        assert!(!guard.check_value(f64::NAN));
        assert!(!guard.check_value(f64::INFINITY));
        assert_eq!(guard.tripped(), Some(NonFinite { epoch: 6, batch: 2 }));
        assert!(interrupter.should_stop());
    }

    #[cfg(feature = "flex")]
    #[test]
    fn a_loss_tensor_is_read() {
        let device = burn::tensor::Device::flex();
        let guard = NonFiniteGuard::new(2, 0, Interrupter::new());
        assert!(guard.check(&Tensor::<1>::from_floats([0.5], &device)));
        assert!(!guard.check(&Tensor::<1>::from_floats([f32::NAN], &device)));
        assert_eq!(guard.tripped(), Some(NonFinite { epoch: 1, batch: 2 }));
    }
}
