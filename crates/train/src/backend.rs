//! The backends compiled into this build (one cargo feature each) and their devices.

use std::any::Any;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use burn::tensor::Device;

/// A Burn backend that a cargo feature compiles in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Burn's pure-Rust CPU backend (SIMD + rayon): the default.
    Flex,
    /// The ndarray CPU backend (deprecated in Burn 0.22, kept for comparison).
    Ndarray,
    /// CubeCL's CPU backend (downloads LLVM at build time).
    Cpu,
    /// wgpu: Vulkan, Metal, DirectX or WebGPU, whichever the machine offers.
    Wgpu,
    /// wgpu pinned to Vulkan.
    Vulkan,
    /// wgpu pinned to Metal.
    Metal,
    /// NVIDIA CUDA.
    Cuda,
}

impl Backend {
    /// Every backend, GPU ones first: the order in which the default is picked.
    pub const ALL: [Backend; 7] = [
        Backend::Cuda,
        Backend::Metal,
        Backend::Vulkan,
        Backend::Wgpu,
        Backend::Flex,
        Backend::Cpu,
        Backend::Ndarray,
    ];

    /// The feature / command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Cpu => "cpu",
            Backend::Wgpu => "wgpu",
            Backend::Vulkan => "vulkan",
            Backend::Metal => "metal",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this build has the backend's feature.
    pub fn is_compiled(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Cpu => cfg!(feature = "cpu"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Vulkan => cfg!(feature = "vulkan"),
            Backend::Metal => cfg!(feature = "metal"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Whether it runs on a GPU.
    pub fn is_gpu(self) -> bool {
        matches!(
            self,
            Backend::Wgpu | Backend::Vulkan | Backend::Metal | Backend::Cuda
        )
    }

    /// The backends of this build, GPU ones first.
    pub fn compiled() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_compiled())
            .collect()
    }

    /// The default: the first compiled GPU backend, else the first CPU one (flex).
    pub fn default_compiled() -> Option<Backend> {
        Backend::compiled().into_iter().next()
    }

    /// The backend's default device.
    ///
    /// # Panics
    /// If the backend is not compiled in; [`Backend::from_str`] refuses those.
    pub fn device(self) -> Device {
        match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Device::ndarray(),
            #[cfg(feature = "cpu")]
            Backend::Cpu => Device::cpu(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "vulkan")]
            Backend::Vulkan => Device::vulkan(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "metal")]
            Backend::Metal => Device::metal(burn::tensor::DeviceKind::DefaultDevice),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Device::cuda(0),
            #[allow(unreachable_patterns)]
            other => panic!("backend {other} is not compiled into this build"),
        }
    }

    /// The device with the given index, for multi-device training (GPU backends).
    pub fn device_at(self, index: usize) -> Device {
        let _ = index;
        match self {
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DiscreteGpu(index)),
            #[cfg(feature = "vulkan")]
            Backend::Vulkan => Device::vulkan(burn::tensor::DeviceKind::DiscreteGpu(index)),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Device::cuda(index),
            _ => self.device(),
        }
    }
}

/// Runs a tiny computation on `device`, turning a backend that cannot start (no GPU adapter,
/// no driver) into an error instead of a panic deep inside the runtime.
///
/// The error names the first panic raised meanwhile, on any thread: a GPU runtime often fails
/// on its own server thread, and the caller only sees the broken channel that follows.
pub fn probe(backend: Backend, device: &Device) -> Result<(), String> {
    let device = device.clone();
    let first_panic = Arc::new(Mutex::new(None::<String>));
    let previous = std::panic::take_hook();
    let record = Arc::clone(&first_panic);
    std::panic::set_hook(Box::new(move |info| {
        let mut first = record.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| panic_message(info.payload()));
    }));
    let result = std::panic::catch_unwind(move || {
        burn::tensor::Tensor::<1>::ones([4], &device)
            .sum()
            .into_scalar::<f32>()
    });
    std::panic::set_hook(previous);
    match result {
        Ok(4.0) => Ok(()),
        Ok(v) => Err(format!("backend {backend} computed 1+1+1+1 = {v}")),
        Err(panic) => {
            let detail = first_panic
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| panic_message(panic.as_ref()));
            let hint = if backend.is_gpu() {
                "install a GPU driver (Vulkan: `apt-get install mesa-vulkan-drivers libvulkan1` gives a software one) or choose a CPU backend with --backend flex"
            } else {
                "choose another backend with --backend"
            };
            Err(format!("backend {backend} cannot start ({detail}): {hint}"))
        }
    }
}

/// The first line of a panic's message.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("unknown failure")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let names = || {
            Backend::compiled()
                .iter()
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let backend = Backend::ALL
            .into_iter()
            .find(|b| b.name() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown backend '{s}' (this build has: {})", names()))?;
        if !backend.is_compiled() {
            return Err(format!(
                "backend '{s}' is not compiled in: rebuild with `--features {s}` (this build has: {})",
                names()
            ));
        }
        Ok(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_starts() {
        probe(Backend::Flex, &Backend::Flex.device()).unwrap();
    }

    #[test]
    fn flex_is_the_default_cpu_backend() {
        assert!(Backend::compiled().contains(&Backend::Flex));
        if !Backend::compiled().iter().any(|b| b.is_gpu()) {
            assert_eq!(Backend::default_compiled(), Some(Backend::Flex));
        }
    }

    #[test]
    fn names_parse_and_missing_features_are_explained() {
        assert_eq!("FLEX".parse::<Backend>().unwrap(), Backend::Flex);
        let err = "tpu".parse::<Backend>().unwrap_err();
        assert!(err.contains("unknown backend 'tpu'"), "{err}");
        if !Backend::Cuda.is_compiled() {
            let err = "cuda".parse::<Backend>().unwrap_err();
            assert!(err.contains("--features cuda"), "{err}");
        }
    }
}
