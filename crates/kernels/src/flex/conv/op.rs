//! The convolution as a Burn operation on flex tensors: plain for inference, with its own
//! backward step under autodiff.

use burn::backend::Flex;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::tensor::Tensor;
use burn::tensor::ops::ConvOptions;

use super::geometry::ConvGeometry;
use super::kernels;
use crate::flex::{
    AdTensor, Route, dims, from_plain, from_tracked, plain, route_of, tensor_from_vec, tracked,
    values,
};

/// What the fast convolution needs to know before it takes the tensors.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    route: Route,
    geometry: ConvGeometry,
    options: ConvOptions<2>,
}

/// The plan for `conv2d(x, weight, bias, options)`, or `None` when the tensors or the options
/// are not ones the kernels cover (then Burn's op runs).
pub(crate) fn plan(
    x: &Tensor<4>,
    weight: &Tensor<4>,
    bias: Option<&Tensor<1>>,
    options: &ConvOptions<2>,
) -> Option<Plan> {
    let route = route_of(&[x, weight]);
    let bias_route = bias.map_or(route, |b| route_of(&[b]));
    if route == Route::Stock || bias_route != route {
        return None;
    }
    let geometry = ConvGeometry::new(x.dims(), weight.dims(), options)?;
    Some(Plan {
        route,
        geometry,
        options: options.clone(),
    })
}

/// Runs the planned convolution, with a fused ReLU when `relu`.
pub(crate) fn run(
    plan: Plan,
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    relu: bool,
) -> Tensor<4> {
    match plan.route {
        Route::Plain => {
            let (x, w) = (plain(x), plain(weight));
            let b = bias.map(plain);
            from_plain(forward(&x, &w, b.as_ref(), relu, &plan.geometry))
        }
        Route::Tracked => {
            let (x, w) = (tracked(x), tracked(weight));
            from_tracked(forward_tracked(x, w, bias.map(tracked), relu, plan))
        }
        Route::Stock => unreachable!("a plan is never made for the stock route"),
    }
}

fn forward(
    x: &FlexTensor,
    w: &FlexTensor,
    bias: Option<&FlexTensor>,
    relu: bool,
    g: &ConvGeometry,
) -> FlexTensor {
    let bias = bias.map(values);
    let y = kernels::forward(&values(x), &values(w), bias.as_deref(), relu, g);
    tensor_from_vec(y, [g.batch, g.out_channels, g.out_size[0], g.out_size[1]])
}

/// What the backward step keeps: the input and the kernel, and the output when a ReLU was
/// fused (its sign is the ReLU's mask).
#[derive(Debug, Clone)]
struct ConvState {
    x: FlexTensor,
    w: FlexTensor,
    relu_out: Option<FlexTensor>,
    geometry: ConvGeometry,
    options: ConvOptions<2>,
}

/// The backward step of a convolution with a bias (3 inputs) or without (2).
#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, w, b] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let [dx, dw, db] = gradients(&ops.state, dy, [x.is_some(), w.is_some(), b.is_some()]);
        for (node, grad) in [(x, dx), (w, dw), (b, db)] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

impl Backward<Flex, 2> for ConvBackward {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x, w] = ops.parents;
        let dy = grads.consume::<Flex>(&ops.node);
        let [dx, dw, _] = gradients(&ops.state, dy, [x.is_some(), w.is_some(), false]);
        for (node, grad) in [(x, dx), (w, dw)] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

/// The gradients of the input, the kernel and the bias that `needed` asks for.
fn gradients(state: &ConvState, dy: FlexTensor, needed: [bool; 3]) -> [Option<FlexTensor>; 3] {
    let g = &state.geometry;
    let dy = values(&dy);
    let dy: std::borrow::Cow<'_, [f32]> = match &state.relu_out {
        Some(out) => kernels::relu_grad(&dy, &values(out)).into(),
        None => dy,
    };
    let [need_x, need_w, need_b] = needed;
    let dx = need_x.then(|| {
        let w = values(&state.w);
        match kernels::input_grad(&dy, &w, g) {
            Some(dx) => tensor_from_vec(dx, dims::<4>(&state.x)),
            // Strided: Burn's transposed convolution.
            None => <Flex as ModuleOps<Flex>>::conv2d_x_backward(
                state.x.clone(),
                state.w.clone(),
                tensor_from_vec(
                    dy.to_vec(),
                    [g.batch, g.out_channels, g.out_size[0], g.out_size[1]],
                ),
                state.options.clone(),
            ),
        }
    });
    let dw = need_w.then(|| {
        let dw = kernels::weight_grad(&values(&state.x), &dy, g);
        tensor_from_vec(dw, dims::<4>(&state.w))
    });
    let db = need_b.then(|| tensor_from_vec(kernels::bias_grad(&dy, g), [g.out_channels]));
    [dx, dw, db]
}

fn forward_tracked(
    x: AdTensor,
    w: AdTensor,
    bias: Option<AdTensor>,
    relu: bool,
    plan: Plan,
) -> AdTensor {
    let g = plan.geometry;
    let y = forward(
        x.primitive(),
        w.primitive(),
        bias.as_ref().map(|b| b.primitive()),
        relu,
        &g,
    );
    let state = |x: &AdTensor, w: &AdTensor| ConvState {
        x: x.primitive().clone(),
        w: w.primitive().clone(),
        relu_out: relu.then(|| y.clone()),
        geometry: g,
        options: plan.options.clone(),
    };
    match bias {
        Some(b) => match <ConvBackward as Backward<Flex, 3>>::prepare::<NoCheckpointing>(
            ConvBackward,
            [x.node(), w.node(), b.node()],
        )
        .compute_bound()
        .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state(&x, &w), y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        },
        None => match <ConvBackward as Backward<Flex, 2>>::prepare::<NoCheckpointing>(
            ConvBackward,
            [x.node(), w.node()],
        )
        .compute_bound()
        .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(state(&x, &w), y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        },
    }
}
