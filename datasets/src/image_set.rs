//! A labelled set of same-size 8-bit images held in memory: what every source decodes into.

use std::sync::Arc;

use burn::data::dataset::Dataset;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::error::{DatasetError, Result};

/// One example: an 8-bit image in `[channels, height, width]` order and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageItem {
    /// Pixels, channel-major (`c * h * w` bytes).
    pub pixels: Vec<u8>,
    /// `[channels, height, width]`.
    pub shape: [usize; 3],
    /// The class index.
    pub label: usize,
    /// The example's index in its set (augmentation draws are keyed on it).
    pub index: usize,
}

/// A labelled image set decoded into memory. Cheap to clone (shared buffers).
///
/// Implements Burn's [`Dataset`] of [`ImageItem`].
#[derive(Debug, Clone)]
pub struct ImageSet {
    name: String,
    shape: [usize; 3],
    pixels: Arc<Vec<u8>>,
    labels: Arc<Vec<u16>>,
    classes: Arc<Vec<String>>,
}

impl ImageSet {
    /// Builds a set from raw pixels (`n * c * h * w` bytes, channel-major per image) and labels,
    /// checking sizes and that every label names a class.
    pub fn new(
        name: impl Into<String>,
        shape: [usize; 3],
        pixels: Vec<u8>,
        labels: Vec<u16>,
        classes: Vec<String>,
    ) -> Result<Self> {
        let name = name.into();
        let per_image: usize = shape.iter().product();
        if per_image == 0 || pixels.len() != labels.len() * per_image {
            return Err(DatasetError::PixelCount {
                name,
                bytes: pixels.len(),
                labels: labels.len(),
                shape,
            });
        }
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= classes.len())
        {
            return Err(DatasetError::LabelOutOfRange {
                path: name.into(),
                index,
                label: label.into(),
                classes: classes.len(),
            });
        }
        Ok(Self {
            name,
            shape,
            pixels: Arc::new(pixels),
            labels: Arc::new(labels),
            classes: Arc::new(classes),
        })
    }

    /// The set's name (`fashion-mnist/train`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `[channels, height, width]` of every image.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// The class names, indexed by label.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of examples.
    pub fn size(&self) -> usize {
        self.labels.len()
    }

    /// The pixels of example `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        let n: usize = self.shape.iter().product();
        &self.pixels[index * n..(index + 1) * n]
    }

    /// The label of example `index`.
    pub fn label(&self, index: usize) -> usize {
        self.labels[index].into()
    }

    /// How many examples each class has.
    pub fn label_histogram(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &l in self.labels.iter() {
            counts[usize::from(l)] += 1;
        }
        counts
    }

    /// Mean and standard deviation of the pixels on `[0, 1]`, per channel.
    pub fn pixel_stats(&self) -> Vec<(f64, f64)> {
        let [c, h, w] = self.shape;
        let plane = h * w;
        let mut sums = vec![(0u64, 0u64); c];
        for image in self.pixels.chunks_exact(c * plane) {
            for (ch, values) in image.chunks_exact(plane).enumerate() {
                let (s, sq) = &mut sums[ch];
                for &v in values {
                    *s += u64::from(v);
                    *sq += u64::from(v) * u64::from(v);
                }
            }
        }
        let n = (self.size() * plane) as f64;
        sums.into_iter()
            .map(|(s, sq)| {
                let mean = s as f64 / n / 255.0;
                let var = sq as f64 / n / (255.0 * 255.0) - mean * mean;
                (mean, var.max(0.0).sqrt())
            })
            .collect()
    }

    /// A new set with the examples at `indices`, in that order.
    pub fn select(&self, name: impl Into<String>, indices: &[usize]) -> Self {
        let n: usize = self.shape.iter().product();
        let mut pixels = Vec::with_capacity(indices.len() * n);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
            labels.push(self.labels[i]);
        }
        Self {
            name: name.into(),
            shape: self.shape,
            pixels: Arc::new(pixels),
            labels: Arc::new(labels),
            classes: self.classes.clone(),
        }
    }

    /// The first `n` examples (all of them if `n` is larger).
    pub fn take(&self, n: usize) -> Self {
        let indices: Vec<usize> = (0..n.min(self.size())).collect();
        self.select(format!("{} (first {})", self.name, indices.len()), &indices)
    }

    /// Holds out `fraction` of the examples, drawn with `seed`, as a validation set:
    /// returns `(train, validation)`. Refuses a fraction outside `(0, 1)` or one that leaves
    /// either side empty.
    pub fn split_validation(&self, fraction: f64, seed: u64) -> Result<(Self, Self)> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(DatasetError::ValidationFraction { fraction });
        }
        let held = (self.size() as f64 * fraction).round() as usize;
        if held == 0 || held == self.size() {
            return Err(DatasetError::EmptySplit {
                fraction,
                examples: self.size(),
            });
        }
        let mut order: Vec<usize> = (0..self.size()).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let (valid, train) = order.split_at(held);
        let (mut train, mut valid) = (train.to_vec(), valid.to_vec());
        train.sort_unstable();
        valid.sort_unstable();
        Ok((
            self.select(format!("{} (train part)", self.name), &train),
            self.select(format!("{} (validation part)", self.name), &valid),
        ))
    }
}

impl Dataset<ImageItem> for ImageSet {
    /// The example at `index`; an index past the end is an error (not a panic, as Burn's
    /// in-memory dataset has it).
    fn get(&self, index: usize) -> Result<ImageItem, burn::data::dataset::DatasetError> {
        if index >= self.size() {
            return Err(burn::data::dataset::DatasetError::new(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: no example {index} (it has {})", self.name, self.size()),
            )));
        }
        Ok(ImageItem {
            pixels: self.image(index).to_vec(),
            shape: self.shape,
            label: self.label(index),
            index,
        })
    }

    fn len(&self) -> usize {
        self.size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ImageSet {
        let pixels: Vec<u8> = (0..10u8).flat_map(|i| [i * 20; 4]).collect();
        let labels = (0..10u16).map(|i| i % 2).collect();
        ImageSet::new(
            "tiny",
            [1, 2, 2],
            pixels,
            labels,
            vec!["a".into(), "b".into()],
        )
        .unwrap()
    }

    #[test]
    fn items_and_histogram() {
        let set = tiny();
        let item = set.get(3).unwrap();
        assert_eq!(item.pixels, vec![60; 4]);
        assert_eq!((item.label, item.index), (1, 3));
        assert_eq!(set.label_histogram(), vec![5, 5]);
        let past = set.get(10).unwrap_err().to_string();
        assert_eq!(past, "tiny: no example 10 (it has 10)");
    }

    #[test]
    fn validation_split_is_seeded_disjoint_and_complete() {
        let set = tiny();
        let (train, valid) = set.split_validation(0.3, 7).unwrap();
        assert_eq!((train.size(), valid.size()), (7, 3));
        let (train2, valid2) = set.split_validation(0.3, 7).unwrap();
        assert_eq!(valid.pixels, valid2.pixels);
        assert_eq!(train.pixels, train2.pixels);
        let mut all: Vec<u8> = train
            .pixels
            .iter()
            .chain(valid.pixels.iter())
            .copied()
            .collect();
        all.sort_unstable();
        let mut expected = set.pixels.to_vec();
        expected.sort_unstable();
        assert_eq!(all, expected);
        assert!(set.split_validation(1.0, 0).is_err());
        assert!(set.split_validation(0.01, 0).is_err());
    }

    #[test]
    fn labels_out_of_range_are_refused() {
        let err =
            ImageSet::new("x", [1, 1, 1], vec![0, 0], vec![0, 5], vec!["a".into()]).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::LabelOutOfRange {
                    index: 1,
                    label: 5,
                    classes: 1,
                    ..
                }
            ),
            "{err}"
        );
    }
}
