use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;

/// The path of every float tensor a module saves, in the order of its record
/// (`features.0.Conv2d.weight`, ...): the keys a weight-import table maps onto.
///
/// Batch-norm running statistics are included, as they are saved with the weights.
pub fn param_paths<M: Module>(module: &M) -> Vec<String> {
    let mut collector = PathCollector::default();
    module.visit(&mut collector);
    collector.paths
}

#[derive(Default)]
struct PathCollector {
    stack: Vec<String>,
    paths: Vec<String>,
}

impl ModuleVisitor for PathCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.stack.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.stack.pop();
    }

    fn visit_float<const D: usize>(&mut self, _param: &Param<Tensor<D>>) {
        self.paths.push(self.stack.join("."));
    }
}
