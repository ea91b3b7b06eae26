//! PNG copies of the report's SVG plots: each SVG rasterised by resvg at twice its size,
//! with DejaVu Sans compiled in (cli/assets, Bitstream Vera licence beside it) as the only
//! font, so the picture is the same on a machine without fonts.

use std::sync::Arc;

use anyhow::Context;
use resvg::{tiny_skia, usvg};

/// DejaVu Sans (cli/assets/DejaVuSans.LICENSE).
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Pixels per SVG unit.
const SCALE: f32 = 2.0;

/// Rasterises one of our SVG plots on a white background and encodes it as PNG.
///
/// # Errors
/// SVG that does not parse, or a picture too large to allocate.
pub fn from_svg(svg: &str) -> anyhow::Result<Vec<u8>> {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(FONT.to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    let options = usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        fontdb: Arc::new(fonts),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).context("a plot is not valid SVG")?;
    let size = tree.size();
    let width = (size.width() * SCALE).ceil() as u32;
    let height = (size.height() * SCALE).ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width.max(1), height.max(1))
        .with_context(|| format!("cannot allocate a {width}×{height} picture"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().context("cannot encode the PNG")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plot becomes a PNG of twice its size whose text was drawn (dark pixels where
    /// the title is), and invalid SVG is an error.
    #[test]
    fn plots_rasterise_with_the_embedded_font() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50" font-family="sans-serif"><text x="10" y="30" font-size="20">Conclave</text></svg>"#;
        let png = from_svg(svg).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let picture = tiny_skia::Pixmap::decode_png(&png).expect("decodes");
        assert_eq!((picture.width(), picture.height()), (400, 100));
        let dark = picture
            .pixels()
            .iter()
            .filter(|p| p.red() < 128 && p.alpha() == 255)
            .count();
        assert!(dark > 200, "the text left {dark} dark pixels");
        let blank =
            from_svg(r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"></svg>"#)
                .expect("png");
        let blank = tiny_skia::Pixmap::decode_png(&blank).expect("decodes");
        assert!(blank.pixels().iter().all(|p| p.red() == 255));
        assert!(from_svg("<svg").is_err());
    }
}
