//! Whether the fast kernels are used: the `ZOO_KERNELS` environment variable, and a per-thread
//! override for side-by-side comparisons.

use std::cell::Cell;
use std::sync::OnceLock;

/// The environment variable that switches the fast kernels off (`stock`) or on (`fast`, the
/// default).
pub const ENV_VAR: &str = "ZOO_KERNELS";

thread_local! {
    static OVERRIDE: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Reads [`ENV_VAR`]: `Ok(true)` for `fast` or unset, `Ok(false)` for `stock`, an error naming
/// the variable and the accepted values otherwise.
///
/// ```
/// // Unset: the fast kernels.
/// assert_eq!(zoo_kernels::parse_setting(None), Ok(true));
/// assert_eq!(zoo_kernels::parse_setting(Some("stock")), Ok(false));
/// assert!(zoo_kernels::parse_setting(Some("slow")).is_err());
/// ```
pub fn parse_setting(value: Option<&str>) -> Result<bool, String> {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(true),
        Some(v) if v.is_empty() || v == "fast" || v == "on" || v == "1" => Ok(true),
        Some(v) if v == "stock" || v == "off" || v == "0" => Ok(false),
        Some(v) => Err(format!(
            "{ENV_VAR}={v}: expected `fast` (the default) or `stock` (Burn's own ops)"
        )),
    }
}

/// The setting from the environment, read once. An invalid value keeps the fast kernels and
/// says so once on stderr (the zoo's binaries refuse it before this is reached, see
/// [`parse_setting`]).
fn from_env() -> bool {
    static SETTING: OnceLock<bool> = OnceLock::new();
    *SETTING.get_or_init(|| {
        let value = std::env::var(ENV_VAR).ok();
        parse_setting(value.as_deref()).unwrap_or_else(|message| {
            eprintln!("warning: {message}; using the fast kernels");
            true
        })
    })
}

/// Whether the fast kernels are used on this thread: [`with_kernels`] if inside one, else
/// [`ENV_VAR`]. Always `false` in builds without the `flex` feature.
pub fn enabled() -> bool {
    cfg!(feature = "flex") && OVERRIDE.with(Cell::get).unwrap_or_else(from_env)
}

/// Runs `f` with the fast kernels switched on or off on this thread, whatever the environment
/// says: the way to compare both paths in one process.
///
/// The choice is made when an operation runs forward; its backward pass (possibly on another
/// call) uses the same path.
///
/// ```
/// let stock = zoo_kernels::with_kernels(false, zoo_kernels::enabled);
/// assert!(!stock);
/// ```
pub fn with_kernels<R>(on: bool, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<bool>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OVERRIDE.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(OVERRIDE.with(|o| o.replace(Some(on))));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse() {
        for on in [
            None,
            Some("fast"),
            Some("FAST"),
            Some(" on "),
            Some("1"),
            Some(""),
        ] {
            assert_eq!(parse_setting(on), Ok(true), "{on:?}");
        }
        for off in [Some("stock"), Some("off"), Some("0")] {
            assert_eq!(parse_setting(off), Ok(false), "{off:?}");
        }
        let err = parse_setting(Some("turbo")).unwrap_err();
        assert!(err.contains("ZOO_KERNELS=turbo"), "{err}");
    }

    #[test]
    fn override_is_scoped() {
        let outer = enabled();
        assert!(!with_kernels(false, enabled));
        assert_eq!(with_kernels(true, enabled), cfg!(feature = "flex"));
        let nested = with_kernels(false, || with_kernels(true, enabled) && !enabled());
        assert_eq!(nested, cfg!(feature = "flex"));
        assert_eq!(enabled(), outer);
    }
}
