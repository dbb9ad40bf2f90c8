//! Weights from other frameworks: PyTorch `.pth` state dicts and safetensors files in PyTorch's
//! layout, loaded strictly through burn-store; and the way back, safetensors that PyTorch loads
//! with `strict=True` (feature `pretrained`).
//!
//! Strict means what PyTorch's `load_state_dict` means: every tensor of the model is in the
//! file with the right shape, and the file holds nothing else (batch norm's
//! `num_batches_tracked` counters excepted: Burn has no such tensor). Anything else is one
//! [`PretrainedError`] that names the file and lists the offending keys, and the half-loaded
//! model is dropped, never returned.

use std::path::{Path, PathBuf};

pub use safetensors;

use burn::module::Module;
use burn::store::{
    ApplyResult, BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, PytorchStore,
    SafetensorsStore,
};

/// How many offending keys an error lists before it counts the rest.
const LISTED: usize = 5;

/// Why weights could not be imported or exported.
#[derive(Debug, thiserror::Error)]
pub enum PretrainedError {
    /// The file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The file is neither a PyTorch checkpoint (zip or legacy pickle) nor safetensors.
    #[error("{}: not a PyTorch (.pth) or safetensors weights file ({reason})", path.display())]
    NotWeights {
        /// The file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The file is weights, but not this model's: keys missing or left over, shapes that differ.
    #[error("{}: weights do not fit {model}: {}", path.display(), mismatch_summary(.missing, .unexpected, .shapes))]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The model the weights were loaded into (`vgg16_bn`, `lecture-cnn`).
        model: String,
        /// The model's tensors that the file lacks (PyTorch's names).
        missing: Vec<String>,
        /// The file's tensors that the model has no place for.
        unexpected: Vec<String>,
        /// `key: file [..] vs model [..]` for each tensor whose shape differs.
        shapes: Vec<String>,
    },
}

fn listed(what: &str, keys: &[String]) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let shown = keys
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = keys.len().saturating_sub(LISTED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Some(format!("{} {what} ({shown}{more})", keys.len()))
}

fn mismatch_summary(missing: &[String], unexpected: &[String], shapes: &[String]) -> String {
    [
        listed("missing", missing),
        listed("unexpected", unexpected),
        listed("with another shape", shapes),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ")
}

/// The two file formats [`import_weights`] reads, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsFormat {
    /// `torch.save`: a zip archive (PyTorch >= 1.6) or a legacy pickle.
    Pytorch,
    /// safetensors: an 8-byte little-endian header length, then a JSON header.
    Safetensors,
}

impl WeightsFormat {
    /// The format of `bytes` (the start of a file is enough), or why it is neither.
    pub fn detect(bytes: &[u8]) -> Result<Self, String> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0x80]) {
            return Ok(Self::Pytorch);
        }
        if bytes.len() >= 9 {
            let header = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
            if header > 1 && header < 100_000_000 && bytes[8] == b'{' {
                return Ok(Self::Safetensors);
            }
        }
        Err(match bytes.len() {
            0 => "the file is empty".to_string(),
            n if n < 9 => format!("only {n} bytes"),
            _ => "neither a zip archive, a pickle nor a safetensors header".to_string(),
        })
    }

    /// The format of the file at `path`, from its first bytes.
    pub fn of_file(path: &Path) -> Result<Self, PretrainedError> {
        use std::io::Read;
        let mut head = Vec::with_capacity(16);
        std::fs::File::open(path)
            .and_then(|file| file.take(16).read_to_end(&mut head))
            .map_err(|error| PretrainedError::Io {
                path: path.to_path_buf(),
                error,
            })?;
        Self::detect(&head).map_err(|reason| PretrainedError::NotWeights {
            path: path.to_path_buf(),
            reason,
        })
    }
}

/// The whole file at `path`.
pub fn read(path: &Path) -> Result<Vec<u8>, PretrainedError> {
    std::fs::read(path).map_err(|error| PretrainedError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// How a model's record paths differ from the PyTorch keys of its weights.
#[derive(Debug, Clone, Default)]
pub struct KeyLayout {
    /// Drop enum variant names from Burn's paths (`features.0.Conv2d.weight` is
    /// `features.0.weight` in PyTorch), as VGG's layer enum needs.
    pub skip_enum_variants: bool,
    /// Prefixes of keys that may be missing from the file, left over in it or of another shape
    /// (`classifier.` when fine-tuning for other classes): those tensors keep the model's own
    /// weights. Empty: strict.
    pub fresh: Vec<String>,
}

/// Loads the weights at `path` (PyTorch `.pth` or safetensors, in PyTorch's layout) into
/// `model`, strictly: see the [module documentation](self). `name` names the model in errors.
///
/// Linear weights are transposed from PyTorch's `[out, in]` and batch norm's `weight`/`bias`
/// become Burn's `gamma`/`beta` (burn-store's `PyTorchToBurnAdapter`); indices are kept as they
/// are (`features.28` stays 28: burn-store's default would renumber them contiguously).
pub fn import_weights<M: Module>(
    model: M,
    path: &Path,
    name: &str,
    layout: &KeyLayout,
) -> Result<M, PretrainedError> {
    import_weights_keeping(model, path, name, layout).map(|(model, _)| model)
}

/// [`import_weights`], also returning the model's tensors under `layout.fresh` that kept their
/// own weights, by record path: those missing from the file or of another shape there, and the
/// other tensors of their layers (a layer is loaded whole or not at all).
pub fn import_weights_keeping<M: Module>(
    model: M,
    path: &Path,
    name: &str,
    layout: &KeyLayout,
) -> Result<(M, Vec<String>), PretrainedError> {
    let format = WeightsFormat::of_file(path)?;
    let bytes = match format {
        WeightsFormat::Safetensors => Some(read(path)?),
        WeightsFormat::Pytorch => None,
    };
    import_inner(model, path, format, bytes, name, layout)
}

/// A layer with one tensor left fresh starts fresh as a whole: the tensors of it that the file
/// could fill (a new head's bias, of the old head's shape) are put back to `original`'s. Returns
/// the model and every fresh tensor's path, sorted.
fn whole_layers_fresh<M: Module>(
    mut model: M,
    original: &M,
    mut fresh: Vec<String>,
    layout: &KeyLayout,
) -> (M, Vec<String>) {
    let layers: Vec<String> = fresh
        .iter()
        .filter_map(|p| p.rsplit_once('.').map(|(layer, _)| format!("{layer}.")))
        .collect();
    let restore: Vec<_> = original
        .collect(None, None, layout.skip_enum_variants)
        .into_iter()
        .filter(|t| layers.iter().any(|l| t.name.starts_with(l)) && !fresh.contains(&t.name))
        .collect();
    if !restore.is_empty() {
        fresh.extend(restore.iter().map(|t| t.name.clone()));
        model.apply(restore, None, None, layout.skip_enum_variants);
    }
    fresh.sort();
    (model, fresh)
}

/// [`import_weights`] for safetensors already in memory (a file rewritten on the way, such as
/// timm's layout); `path` names the source in errors.
pub fn import_safetensors_bytes<M: Module>(
    model: M,
    bytes: Vec<u8>,
    path: &Path,
    name: &str,
    layout: &KeyLayout,
) -> Result<(M, Vec<String>), PretrainedError> {
    import_inner(
        model,
        path,
        WeightsFormat::Safetensors,
        Some(bytes),
        name,
        layout,
    )
}

/// Loads into `model` from one of the two stores, checks the outcome strictly (but for
/// `layout.fresh`) and resets partly loaded fresh layers; returns the model and its fresh
/// tensors.
fn import_inner<M: Module>(
    mut model: M,
    path: &Path,
    format: WeightsFormat,
    bytes: Option<Vec<u8>>,
    name: &str,
    layout: &KeyLayout,
) -> Result<(M, Vec<String>), PretrainedError> {
    let original = model.clone();
    let not_weights = |reason: String| PretrainedError::NotWeights {
        path: path.to_path_buf(),
        reason,
    };
    // Both stores: indices kept as they are, enum variants as the layout says, and every
    // outcome reported in the ApplyResult (checked strictly below) instead of an early error.
    macro_rules! load {
        ($store:expr) => {{
            let mut store = $store
                .map_indices_contiguous(false)
                .skip_enum_variants(layout.skip_enum_variants)
                .validate(false)
                .allow_partial(true);
            model
                .load_from(&mut store)
                .map_err(|e| not_weights(e.to_string()))?
        }};
    }
    let result = match format {
        WeightsFormat::Pytorch => load!(PytorchStore::from_file(path)),
        WeightsFormat::Safetensors => {
            load!(SafetensorsStore::from_bytes(bytes).with_from_adapter(PyTorchToBurnAdapter))
        }
    };
    let fresh = check_strict(result, path, name, &layout.fresh)?;
    Ok(whole_layers_fresh(model, &original, fresh, layout))
}

/// The strict check of an import: no missing key, no unused one (but `num_batches_tracked`),
/// no shape or load error, except under the `fresh` prefixes; returns the model's tensors that
/// kept their own weights there.
fn check_strict(
    result: ApplyResult,
    path: &Path,
    name: &str,
    fresh: &[String],
) -> Result<Vec<String>, PretrainedError> {
    let is_fresh = |key: &str| fresh.iter().any(|p| key.starts_with(p.as_str()));
    let error_path = |e: &burn::store::ApplyError| match e {
        burn::store::ApplyError::ShapeMismatch { path, .. }
        | burn::store::ApplyError::DTypeMismatch { path, .. }
        | burn::store::ApplyError::AdapterError { path, .. }
        | burn::store::ApplyError::LoadError { path, .. } => path.clone(),
    };
    let mut kept: Vec<String> = result
        .missing
        .iter()
        .map(|(p, _)| p.clone())
        .chain(result.errors.iter().map(error_path))
        .filter(|p| is_fresh(p))
        .collect();
    kept.sort();
    let missing: Vec<String> = result
        .missing
        .iter()
        .map(|(p, _)| p.clone())
        .filter(|p| !is_fresh(p))
        .collect();
    let unexpected: Vec<String> = result
        .unused
        .iter()
        .filter(|k| !k.ends_with("num_batches_tracked") && !is_fresh(k))
        .cloned()
        .collect();
    let shapes: Vec<String> = result
        .errors
        .iter()
        .filter(|e| !is_fresh(&error_path(e)))
        .map(|e| match e {
            burn::store::ApplyError::ShapeMismatch {
                path,
                expected,
                found,
            } => format!(
                "{path}: file {:?} vs model {:?}",
                found.as_slice(),
                expected.as_slice()
            ),
            other => other.to_string(),
        })
        .collect();
    if missing.is_empty() && unexpected.is_empty() && shapes.is_empty() {
        return Ok(kept);
    }
    Err(PretrainedError::Mismatch {
        path: path.to_path_buf(),
        model: name.to_string(),
        missing,
        unexpected,
        shapes,
    })
}

/// The model's weights as safetensors bytes in PyTorch's layout (linear weights `[out, in]`,
/// batch norm `weight`/`bias`), keys as PyTorch names them.
pub fn export_safetensors_bytes<M: Module>(
    model: &M,
    layout: &KeyLayout,
) -> Result<Vec<u8>, String> {
    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(BurnToPyTorchAdapter)
        .skip_enum_variants(layout.skip_enum_variants)
        .metadata("format", "pt");
    model.save_into(&mut store).map_err(|e| e.to_string())?;
    store.get_bytes().map_err(|e| e.to_string())
}

/// Writes the model's weights to `path` as safetensors in PyTorch's layout, atomically (see
/// [`export_safetensors_bytes`]).
pub fn export_safetensors<M: Module>(
    model: &M,
    path: &Path,
    layout: &KeyLayout,
) -> Result<(), PretrainedError> {
    let bytes =
        export_safetensors_bytes(model, layout).map_err(|reason| PretrainedError::NotWeights {
            path: path.to_path_buf(),
            reason,
        })?;
    crate::write_atomic(path, &bytes).map_err(|error| PretrainedError::Io {
        path: path.to_path_buf(),
        error,
    })
}
