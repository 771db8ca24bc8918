//! Figures: log–log plots of curves with error bars, guides and vertical lines, rendered as
//! PNG and SVG by plotters. Ticks sit at decades and read 10⁻², 0.1, 1, 10, 10²; exponents
//! in labels are typeset as superscripts ([`sup`]); the legend goes in the corner chosen per
//! figure, away from the data.

use std::path::Path;

use bondspace::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One curve of a figure.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Legend entry (empty: no legend entry).
    pub name: String,
    /// (x, y) points; non-positive values are skipped on log axes.
    pub points: Vec<(f64, f64)>,
    /// Standard errors of y (one per point, or empty).
    pub errors: Vec<f64>,
    /// Palette index.
    pub color: usize,
    /// Draw markers as well as the line.
    pub markers: bool,
    /// A guide or a fit: thin, no markers.
    pub guide: bool,
    /// Markers only, no connecting line (a scatter of many points, e.g. one per mode).
    pub scatter: bool,
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, Default)]
pub enum Legend {
    /// Upper right corner.
    #[default]
    UpperRight,
    /// Upper left corner.
    UpperLeft,
    /// Lower left corner.
    LowerLeft,
    /// Lower right corner.
    LowerRight,
}

/// A log–log figure.
#[derive(Clone, Debug, Default)]
pub struct Plot {
    /// File stem (written as `.png` and `.svg`).
    pub file: String,
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
    /// Vertical lines (x, legend, palette index).
    pub vlines: Vec<(f64, String, usize)>,
    /// Shaded x ranges (lo, hi, palette index): fit windows.
    pub bands: Vec<(f64, f64, usize)>,
    /// Legend corner.
    pub legend: Legend,
}

fn color(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(80, 80, 80),
    ];
    P[i % P.len()]
}

/// `base` with the exponent `exp` as superscript characters: `sup("λ", "-7/2")` = λ⁻⁷ᐟ²
/// (digits, signs, `.` and `/`).
pub fn sup(base: &str, exp: &str) -> String {
    let mut s = base.to_string();
    for c in exp.chars() {
        s.push(match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            '-' | '−' => '⁻',
            '+' => '⁺',
            '.' => '·',
            '/' => 'ᐟ',
            other => other,
        });
    }
    s
}

/// Tick labels at decades: 0.001 … 1000 plainly, else 10 with a superscript exponent.
fn tick(v: &f64) -> String {
    if !(v.is_finite() && *v > 0.0) {
        return String::new();
    }
    let e = v.log10().round();
    if (v.log10() - e).abs() > 1e-6 {
        return String::new();
    }
    if (-3.0..=3.0).contains(&e) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        sup("10", &format!("{}", e as i64))
    }
}

/// Writes `plot` as `dir/<file>.png` and `dir/<file>.svg`.
pub fn render(plot: &Plot, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{}.png", plot.file));
    let svg = dir.join(format!("{}.svg", plot.file));
    let err = |p: &Path, e: String| Error::Invalid(format!("{}: {e}", p.display()));
    draw(
        BitMapBackend::new(&png, (1000, 720)).into_drawing_area(),
        plot,
    )
    .map_err(|e| err(&png, e))?;
    draw(SVGBackend::new(&svg, (1000, 720)).into_drawing_area(), plot).map_err(|e| err(&svg, e))
}

fn positive(p: &(f64, f64)) -> bool {
    p.0 > 0.0 && p.1 > 0.0 && p.0.is_finite() && p.1.is_finite()
}

pub(crate) fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    p: &Plot,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    // the range of the data (guides do not stretch it)
    let data: Vec<(f64, f64)> = p
        .series
        .iter()
        .filter(|s| !s.guide)
        .flat_map(|s| s.points.iter().copied())
        .filter(positive)
        .collect();
    let pts = if data.is_empty() {
        p.series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(positive)
            .collect()
    } else {
        data
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if pts.is_empty() {
        (x0, x1, y0, y1) = (1.0, 10.0, 1.0, 10.0);
    }
    let (x0, x1, y0, y1) = (x0 / 1.5, x1 * 1.5, y0 / 3.0, y1 * 3.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(&p.title, ("sans-serif", 26))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(&p.x_label)
        .y_desc(&p.y_label)
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|x| e(&x))?;
    for &(lo, hi, ci) in &p.bands {
        let c = color(ci).mix(0.08);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(lo.max(x0), y0), (hi.min(x1), y1)],
                c.filled(),
            )))
            .map_err(|x| e(&x))?;
    }
    for s in &p.series {
        let c = color(s.color);
        let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(positive).collect();
        let width = if s.guide { 1 } else { 2 };
        if s.scatter {
            let dots = chart
                .draw_series(
                    pts.iter()
                        .map(|&(x, y)| Circle::new((x, y), 2, c.mix(0.6).filled())),
                )
                .map_err(|x| e(&x))?;
            if !s.name.is_empty() {
                dots.label(&s.name)
                    .legend(move |(x, y)| Circle::new((x + 12, y), 4, c.filled()));
            }
        } else {
            let line = chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(width)))
                .map_err(|x| e(&x))?;
            if !s.name.is_empty() {
                line.label(&s.name).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(width))
                });
            }
        }
        if s.markers && !s.scatter {
            chart
                .draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled())))
                .map_err(|x| e(&x))?;
        }
        if !s.errors.is_empty() {
            let bars: Vec<_> = s
                .points
                .iter()
                .zip(&s.errors)
                .filter(|(p, se)| positive(p) && se.is_finite() && **se > 0.0)
                .map(|(&(x, y), &se)| {
                    let lo = (y - se).max(y / 20.0);
                    ErrorBar::new_vertical(x, lo, y, y + se, c.stroke_width(1), 6)
                })
                .collect();
            chart.draw_series(bars).map_err(|x| e(&x))?;
        }
    }
    for (x, name, ci) in &p.vlines {
        let c = color(*ci);
        chart
            .draw_series(LineSeries::new(vec![(*x, y0), (*x, y1)], c.stroke_width(1)))
            .map_err(|x| e(&x))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c));
    }
    let pos = match p.legend {
        Legend::UpperRight => SeriesLabelPosition::UpperRight,
        Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
        Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
        Legend::LowerRight => SeriesLabelPosition::LowerRight,
    };
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 17))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// A power law y = a x^k through the point (x₀, y₀) over [x₀, x₁], drawn as a guide.
pub fn guide(x0: f64, y0: f64, x1: f64, k: f64, name: &str, color: usize) -> Series {
    let pts = (0..=20)
        .map(|i| {
            let x = x0 * (x1 / x0).powf(i as f64 / 20.0);
            (x, y0 * (x / x0).powf(k))
        })
        .collect();
    Series {
        name: name.into(),
        points: pts,
        color,
        guide: true,
        ..Default::default()
    }
}
