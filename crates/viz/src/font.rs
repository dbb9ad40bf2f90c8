//! The one font every picture uses, registered with plotters once.

use std::sync::Once;

use plotters::style::FontStyle;

/// DejaVu Sans (Bitstream Vera licence, see `fonts/DejaVuSans-LICENSE.txt`).
static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The family name the pictures ask plotters for.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the shipped font under [`FAMILY`] (once per process).
pub(crate) fn ensure() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and parsed by a test, so this cannot fail at run time.
        let parsed = plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS);
        assert!(
            parsed.is_ok(),
            "the shipped DejaVu Sans font does not parse"
        );
    });
}
