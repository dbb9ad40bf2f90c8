//! The most recent analyses, kept so that the page can fetch their feature maps layer by layer.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::analysis::Analysis;

/// Analyses by id, the oldest dropped first once their feature maps pass a byte budget.
#[derive(Debug)]
pub(crate) struct AnalysisStore {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    bytes: usize,
    entries: VecDeque<(u64, Arc<Analysis>)>,
}

impl AnalysisStore {
    /// A store holding at most `budget` bytes of feature maps (always the newest analysis).
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::default(),
        }
    }

    /// Keeps `analysis` and returns its id.
    pub(crate) fn insert(&self, analysis: Analysis) -> (u64, Arc<Analysis>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.next_id += 1;
        let id = inner.next_id;
        let analysis = Arc::new(analysis);
        inner.bytes += analysis.bytes();
        inner.entries.push_back((id, Arc::clone(&analysis)));
        while inner.bytes > self.budget && inner.entries.len() > 1 {
            if let Some((_, old)) = inner.entries.pop_front() {
                inner.bytes -= old.bytes();
            }
        }
        (id, analysis)
    }

    /// The analysis `id`, unless it was dropped.
    pub(crate) fn get(&self, id: u64) -> Option<Arc<Analysis>> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .entries
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, a)| Arc::clone(a))
    }

    /// How many analyses and bytes it holds.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{LayerMaps, Shift};

    fn analysis(values: usize) -> Analysis {
        let maps = |name: &str| LayerMaps {
            name: name.into(),
            kind: "Conv2d+ReLU".into(),
            shape: [1, 1, values],
            values: vec![0.0; values],
        };
        Analysis {
            shift: Shift::default(),
            top: vec![],
            unshifted_top: vec![],
            input: maps("input"),
            layers: vec![maps("conv1")],
            blocks: vec![],
        }
    }

    #[test]
    fn the_oldest_analyses_go_once_the_budget_is_passed() {
        // Each analysis holds 2 x 100 floats = 800 bytes; the budget keeps two.
        let store = AnalysisStore::new(1_700);
        let ids: Vec<u64> = (0..5).map(|_| store.insert(analysis(100)).0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert_eq!(store.usage(), (2, 1_600));
        assert!(store.get(3).is_none());
        assert!(store.get(4).is_some() && store.get(5).is_some());
        // One analysis above the budget is still kept: the page asked for it.
        let (big, _) = store.insert(analysis(1_000));
        assert_eq!(store.usage(), (1, 8_000));
        assert!(store.get(big).is_some() && store.get(5).is_none());
    }
}
