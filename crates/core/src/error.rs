use thiserror::Error;

/// Why a model configuration cannot be turned into a model.
///
/// Returned by the models' `init` functions instead of panicking deep inside a layer.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// The classifier must predict at least one class.
    #[error("num_classes must be at least 1 (got 0)")]
    ZeroClasses,
    /// Images need at least one channel.
    #[error("in_channels must be at least 1 (got 0)")]
    ZeroChannels,
    /// The input is too small for the model's convolutions and poolings.
    #[error(
        "input {height}x{width} is too small for {model}: the smallest accepted size is {min}x{min}"
    )]
    InputTooSmall {
        /// The model's name.
        model: String,
        /// Input height.
        height: usize,
        /// Input width.
        width: usize,
        /// Smallest accepted side.
        min: usize,
    },
    /// A dropout probability outside `[0, 1)`.
    #[error("dropout probability {name} = {value} is outside [0, 1)")]
    Dropout {
        /// Which dropout.
        name: &'static str,
        /// The rejected value.
        value: f64,
    },
    /// A width divisor that does not divide the narrowest layer's channels.
    #[error("width_divisor {divisor} does not divide {channels} (the narrowest layer's channels)")]
    WidthDivisor {
        /// The rejected divisor.
        divisor: usize,
        /// The channels it must divide.
        channels: usize,
    },
    /// Any other parameter that must be positive.
    #[error("{name} must be at least 1 (got 0)")]
    Zero {
        /// The parameter's name.
        name: &'static str,
    },
}

impl ConfigError {
    /// Checks a dropout probability: finite and in `[0, 1)`.
    pub fn check_dropout(name: &'static str, value: f64) -> Result<(), ConfigError> {
        if (0.0..1.0).contains(&value) {
            Ok(())
        } else {
            Err(ConfigError::Dropout { name, value })
        }
    }
}
