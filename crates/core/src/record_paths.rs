use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

/// The path of every float tensor a module saves, in the order of its record
/// (`features.0.Conv2d.weight`, ...): the keys a weight-import table maps onto.
///
/// Batch-norm running statistics are included, as they are saved with the weights.
pub fn param_paths<M: Module>(module: &M) -> Vec<String> {
    let mut paths = Vec::new();
    module.visit(&mut ParamWalker::new(false, |path, _| paths.push(path)));
    paths
}

/// Every float tensor a module saves, by path (as [`param_paths`]), with its values: for
/// comparing two models' weights or updates tensor by tensor.
///
/// ```
/// use burn::nn::LinearConfig;
/// use burn::tensor::Device;
///
/// let linear = LinearConfig::new(3, 2).init(&Device::flex());
/// let values = zoo_core::param_values(&linear);
/// assert_eq!(values[0].0, "weight");
/// assert_eq!(values[0].1.num_elements(), 3 * 2);
/// ```
pub fn param_values<M: Module>(module: &M) -> Vec<(String, TensorData)> {
    let mut values = Vec::new();
    module.visit(&mut ParamWalker::new(true, |path, data| {
        values.push((path, data.expect("values are read")));
    }));
    values
}

/// Walks a module's float tensors, calling `each` with the path and (when `read`) the values.
struct ParamWalker<F> {
    stack: Vec<String>,
    read: bool,
    each: F,
}

impl<F: FnMut(String, Option<TensorData>)> ParamWalker<F> {
    fn new(read: bool, each: F) -> Self {
        Self {
            stack: Vec::new(),
            read,
            each,
        }
    }
}

impl<F: FnMut(String, Option<TensorData>)> ModuleVisitor for ParamWalker<F> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.stack.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let data = self.read.then(|| param.val().into_data());
        (self.each)(self.stack.join("."), data);
    }
}
