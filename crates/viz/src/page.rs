//! The `index.html` that `visualize` writes beside its pictures.

/// One picture on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The PNG file, relative to the page.
    pub file: String,
    /// The caption below it.
    pub caption: String,
}

/// One input: its prediction and its pictures, shallowest layer first.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSection {
    /// The input's title (file name or test index and true class).
    pub title: String,
    /// `(class, probability)`, most probable first.
    pub top: Vec<(String, f32)>,
    /// The input as the model sees it.
    pub input: Figure,
    /// The feature maps, one figure per layer.
    pub layers: Vec<Figure>,
}

/// A self-contained page (no scripts, no external files but the PNGs beside it).
pub fn render(title: &str, filters: &Figure, inputs: &[InputSection]) -> String {
    let mut html = String::new();
    html.push_str(&format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>\
body{{font-family:sans-serif;margin:1.5em;color:#222}}figure{{margin:0 0 1.5em 0}}\
img{{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}}\
table{{border-collapse:collapse;margin:.5em 0 1em}}td{{padding:2px 8px}}\
.bar{{background:#1f77b4;height:12px}}section{{border-top:2px solid #ccc;padding-top:1em}}\
</style></head><body>\n<h1>{t}</h1>\n",
        t = escape(title)
    ));
    html.push_str(&format!(
        "<h2>First-layer filters</h2>\n{}\n",
        figure(filters)
    ));
    for input in inputs {
        html.push_str(&format!(
            "<section>\n<h2>{}</h2>\n{}\n<table>\n",
            escape(&input.title),
            figure(&input.input)
        ));
        for (class, p) in &input.top {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{:.1}%</td><td><div class=\"bar\" style=\"width:{}px\"></div></td></tr>\n",
                escape(class),
                100.0 * p,
                (200.0 * p).round() as u32
            ));
        }
        html.push_str("</table>\n");
        for layer in &input.layers {
            html.push_str(&figure(layer));
            html.push('\n');
        }
        html.push_str("</section>\n");
    }
    html.push_str("</body></html>\n");
    html
}

fn figure(f: &Figure) -> String {
    format!(
        "<figure><img src=\"{}\" alt=\"{c}\"><figcaption>{c}</figcaption></figure>",
        escape(&f.file),
        c = escape(&f.caption)
    )
}

/// Text safe inside HTML elements and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_the_prediction_and_every_picture_escaped() {
        let fig = |f: &str| Figure {
            file: f.into(),
            caption: format!("{f} <caption>"),
        };
        let page = render(
            "lecture-cnn & co",
            &fig("filters.png"),
            &[InputSection {
                title: "shirt.png".into(),
                top: vec![("Shirt".into(), 0.75), ("T-shirt/top".into(), 0.25)],
                input: fig("input.png"),
                layers: vec![fig("conv1.png"), fig("pool1.png")],
            }],
        );
        assert!(page.contains("<title>lecture-cnn &amp; co</title>"));
        assert!(page.contains("<td>Shirt</td><td>75.0%</td>"));
        for f in ["filters.png", "input.png", "conv1.png", "pool1.png"] {
            assert!(page.contains(&format!("src=\"{f}\"")), "{f}");
        }
        assert!(page.contains("&lt;caption&gt;"));
        assert!(!page.contains("<caption>"));
    }
}
