//! The flex implementations: which tensors they take, and how they get at the data.
//!
//! A tensor takes the fast path when it is an `f32` tensor of Burn's flex backend, either plain
//! (inference) or under autodiff without gradient checkpointing (training). Anything else keeps
//! Burn's stock op.

pub(crate) mod adam;
pub(crate) mod buffer;
pub(crate) mod conv;
pub(crate) mod dropout;
pub(crate) mod gemm;
pub(crate) mod linear;
pub(crate) mod parallel;
pub(crate) mod philox;
pub(crate) mod pool;

use burn::backend::TensorMetadata;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::flex::{FlexTensor, Layout};
use burn::backend::{Autodiff, DispatchDevice, Flex, GradientCheckpointingStrategy};
use burn::tensor::{Bytes, DType, Device, Shape, Tensor};

/// The autodiff backend the training tensors live on.
pub(crate) type Ad = Autodiff<Flex, NoCheckpointing>;
/// A flex tensor under autodiff.
pub(crate) type AdTensor = burn::backend::tensor::FloatTensor<Ad>;

/// Where a set of tensors can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Plain flex tensors.
    Plain,
    /// Flex tensors under autodiff (no checkpointing).
    Tracked,
    /// Anything else: Burn's stock op.
    Stock,
}

/// The route for a device.
pub(crate) fn route(device: &Device) -> Route {
    match device.as_dispatch() {
        DispatchDevice::Flex(_) => Route::Plain,
        DispatchDevice::Autodiff(inner)
            if matches!(**inner, DispatchDevice::Flex(_))
                && inner.gradient_checkpointing_strategy()
                    == GradientCheckpointingStrategy::Disabled =>
        {
            Route::Tracked
        }
        #[allow(unreachable_patterns)]
        _ => Route::Stock,
    }
}

/// The route all `tensors` share, `Stock` unless each is an `f32` tensor on the same route.
pub(crate) fn route_of<const D: usize>(tensors: &[&Tensor<D>]) -> Route {
    let mut shared = None;
    for t in tensors {
        if t.dtype() != DType::F32 {
            return Route::Stock;
        }
        let r = route(&t.device());
        if *shared.get_or_insert(r) != r {
            return Route::Stock;
        }
    }
    shared.unwrap_or(Route::Stock)
}

/// The flex primitive of a plain tensor (its route must be `Plain`).
pub(crate) fn plain<const D: usize>(t: Tensor<D>) -> FlexTensor {
    t.try_into_primitive::<Flex>()
        .expect("route checked: a plain flex tensor")
}

/// The autodiff primitive of a training tensor (its route must be `Tracked`).
pub(crate) fn tracked<const D: usize>(t: Tensor<D>) -> AdTensor {
    t.try_into_primitive::<Ad>()
        .expect("route checked: a flex tensor under autodiff")
}

/// Back to a tensor.
pub(crate) fn from_plain<const D: usize>(t: FlexTensor) -> Tensor<D> {
    Tensor::from_primitive::<Flex>(t)
}

/// Back to a training tensor.
pub(crate) fn from_tracked<const D: usize>(t: AdTensor) -> Tensor<D> {
    Tensor::from_primitive::<Ad>(t)
}

/// A contiguous `f32` view of a flex tensor's data, copying only when the layout is not already
/// dense. The `Cow` keeps the borrowed case free.
pub(crate) fn values(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) if s.len() == t.layout().num_elements() => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(
            t.to_contiguous()
                .as_slice::<f32>()
                .expect("contiguous f32")
                .to_vec(),
        ),
    }
}

/// A new contiguous `f32` flex tensor that takes ownership of `data` (no copy).
pub(crate) fn tensor_from_vec(data: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    let shape = shape.into();
    assert_eq!(
        data.len(),
        shape.num_elements(),
        "data length and shape differ"
    );
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(shape),
        DType::F32,
    )
}

/// The dimensions of a rank-`D` flex tensor.
pub(crate) fn dims<const D: usize>(t: &FlexTensor) -> [usize; D] {
    let shape = t.shape();
    std::array::from_fn(|i| shape[i])
}
