//! Image folders: one sub-folder per class holding PNG or JPEG files (torchvision's
//! `ImageFolder` layout), decoded and resized into memory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::imageops::FilterType;

use crate::error::{DatasetError, Result};
use crate::image_set::ImageSet;

/// File extensions read as images (case-insensitive); other files are ignored.
pub const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|e| DatasetError::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| DatasetError::io(dir, e))?;
    entries.sort();
    Ok(entries)
}

/// Decodes one image file into `shape` (`[channels, height, width]`, channels 1 or 3),
/// resizing with a triangle filter when its size differs.
pub fn decode_image(path: &Path, shape: [usize; 3]) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
    decode_image_bytes(path, &bytes, shape)
}

/// Decodes the bytes of an image file (`path` names them in the error) into `shape`, as
/// [`decode_image`] does.
pub fn decode_image_bytes(path: &Path, bytes: &[u8], shape: [usize; 3]) -> Result<Vec<u8>> {
    let img = image::load_from_memory(bytes).map_err(|e| DatasetError::Image {
        path: path.into(),
        reason: e.to_string(),
    })?;
    Ok(image_to_chw(&img, shape))
}

/// Converts a decoded image to channel-major bytes of `shape`, resizing if needed.
pub fn image_to_chw(img: &image::DynamicImage, shape: [usize; 3]) -> Vec<u8> {
    let [c, h, w] = shape;
    let img = if img.width() as usize != w || img.height() as usize != h {
        img.resize_exact(w as u32, h as u32, FilterType::Triangle)
    } else {
        img.clone()
    };
    let plane = h * w;
    let mut out = vec![0u8; c * plane];
    if c == 1 {
        out.copy_from_slice(img.to_luma8().as_raw());
    } else {
        let rgb = img.to_rgb8();
        for (i, px) in rgb.as_raw().chunks_exact(3).enumerate() {
            for ch in 0..3 {
                out[ch * plane + i] = px[ch];
            }
        }
    }
    out
}

/// Loads `root/<class>/<image>` into memory at `shape` (`[1 or 3, height, width]`).
///
/// Classes are the sub-folder names in sorted order (labels 0, 1, ...), as torchvision does.
/// Refuses a folder without class folders, a class folder without images, and any image that
/// cannot be decoded (naming the file), all before any training starts. Memory stays at the
/// decoded set (`n * c * h * w` bytes, reserved once) plus one file; a load of 10,000 images or
/// more, or one that takes more than two seconds, reports its progress on stderr.
pub fn load_image_folder(name: &str, root: &Path, shape: [usize; 3]) -> Result<ImageSet> {
    if shape[0] != 1 && shape[0] != 3 {
        return Err(DatasetError::Channels { channels: shape[0] });
    }
    let class_dirs: Vec<PathBuf> = sorted_entries(root)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    if class_dirs.is_empty() {
        return Err(DatasetError::EmptyFolder {
            path: root.into(),
            reason: "no class sub-folders (expected root/<class>/<image>.png)".into(),
        });
    }
    let mut classes = Vec::new();
    let mut files = Vec::new();
    for (label, dir) in class_dirs.iter().enumerate() {
        let images: Vec<PathBuf> = sorted_entries(dir)?
            .into_iter()
            .filter(|p| is_image(p) && p.is_file())
            .collect();
        if images.is_empty() {
            return Err(DatasetError::EmptyFolder {
                path: dir.clone(),
                reason: "class folder holds no PNG or JPEG image".into(),
            });
        }
        files.extend(images.into_iter().map(|file| (file, label as u16)));
        classes.push(
            dir.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let per_image: usize = shape.iter().product();
    let mut pixels = Vec::new();
    pixels
        .try_reserve_exact(files.len() * per_image)
        .map_err(|_| DatasetError::OutOfMemory {
            path: root.into(),
            images: files.len(),
            megabytes: files.len() * per_image / 1_000_000,
        })?;
    let mut progress = Progress::new(root, files.len());
    let mut labels = Vec::with_capacity(files.len());
    for (i, (file, label)) in files.iter().enumerate() {
        pixels.extend(decode_image(file, shape)?);
        labels.push(*label);
        progress.update(i + 1);
    }
    progress.finish();
    ImageSet::new(name, shape, pixels, labels, classes)
}

/// Progress on stderr for large or slow loads: a first line at once for folders of
/// [`Progress::LARGE`] images or more (else after two seconds), then one every five seconds, and
/// one at the end.
struct Progress<'a> {
    root: &'a Path,
    total: usize,
    started: Instant,
    last: Instant,
    shown: bool,
}

impl<'a> Progress<'a> {
    const LARGE: usize = 10_000;
    const FIRST: Duration = Duration::from_secs(2);
    const EVERY: Duration = Duration::from_secs(5);

    fn new(root: &'a Path, total: usize) -> Self {
        let now = Instant::now();
        let shown = total >= Self::LARGE;
        if shown {
            eprintln!("loading {}: {total} images", root.display());
        }
        Self {
            root,
            total,
            started: now,
            last: now,
            shown,
        }
    }

    fn update(&mut self, done: usize) {
        let due = if self.shown { Self::EVERY } else { Self::FIRST };
        if done.is_multiple_of(256) && self.last.elapsed() >= due {
            eprintln!(
                "loading {}: {done} / {} images",
                self.root.display(),
                self.total
            );
            self.last = Instant::now();
            self.shown = true;
        }
    }

    fn finish(&self) {
        if self.shown {
            eprintln!(
                "loaded {}: {} images in {:.1} s",
                self.root.display(),
                self.total,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
