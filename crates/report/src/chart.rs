//! Charts for the statistics dashboards, drawn on the server as inline SVG.
//!
//! The dashboards are server-rendered HTML without JavaScript, and their Content-Security-Policy
//! (`style-src 'self'; script-src 'self'`) forbids inline styles. So a chart is an `<svg>` element
//! string to be embedded in the page as is, styled only by presentation attributes (`fill`,
//! `stroke`, `font-size`...) and by class names whose rules are in [`CHART_CSS`]. The presentation
//! attributes make a chart readable even where that stylesheet is missing; the stylesheet takes
//! precedence over them, and adapts the charts to forced-colours (high contrast) mode.
//!
//! Accessibility: every chart is `role="img"` named by its `<title>` and `<desc>`
//! (`aria-labelledby`). Assistive technology does not look inside an image, so the `<desc>` also
//! lists every figure as "label: display". Each bar, column or gap has its own `<title>` with its
//! full label and figure, shown as a tooltip, because long labels are shortened on screen.
//!
//! Figures suppressed for privacy (`value: None`) are never drawn as zero: they get a dashed,
//! crossed-out placeholder and the caller's `display` text, e.g. "–" or "suppressed".
//!
//! Text sizes are fixed in the geometry (14 units for labels and figures, 12 for the axis), and
//! the drawing is 640 units wide, the size [`CHART_CSS`] caps it at (40rem): at 100 % zoom the
//! text is drawn at its nominal pixel size, and in a narrower column the chart scales down as a
//! whole instead of letting texts collide.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::html::escape;

/// The stylesheet for the charts' class names (`chart`, `chart-bar`, `chart-suppressed`,
/// `chart-axis`, `chart-grid`, `chart-track`, `chart-label`, `chart-value`, `chart-empty`), to be
/// appended to the stylesheet of the pages that embed charts. Colours keep WCAG AA contrast against
/// white.
pub const CHART_CSS: &str = include_str!("chart.css");

/// One bar or column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    /// The category or period, e.g. "Arabic" or "1/2026". Printed escaped, shortened with an
    /// ellipsis when too long (the full label stays in the bar's tooltip and in the `<desc>`).
    pub label: String,
    /// The figure the bar's length is drawn from. `None` means the figure is suppressed for
    /// privacy: it is drawn as a marked gap, never as zero. Negative and non-finite values are
    /// drawn as zero-length bars, since the axis starts at 0.
    pub value: Option<f64>,
    /// The figure as the reader should see it, formatted by the caller in the page's language
    /// (e.g. "1 234", "12,5 %", or "–" for a suppressed figure). Printed at the end of the bar.
    pub display: String,
}

/// A bar or column chart.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    /// The chart's accessible name (`<title>`). It is not drawn: the page shows its own heading
    /// (e.g. a `<figcaption>`), so that the heading follows the page's typography and outline.
    pub title: String,
    /// What the chart shows, for the `<desc>` (the figures are appended to it).
    pub description: String,
    /// The bars in drawing order: top to bottom, or left to right for [`columns`].
    pub bars: Vec<Bar>,
    /// Shown instead of the chart when there is nothing to draw (no bars, or every figure
    /// suppressed), e.g. "No figures to show: small numbers are hidden for privacy."
    pub empty_text: String,
}

/// Horizontal bars, one per category (target groups, languages, service types...), labels on the
/// left, figures at the end of each bar and a linear axis from 0 below.
///
/// `id_prefix` makes the ids of the chart's `<title>` and `<desc>` (`{id_prefix}-title`,
/// `{id_prefix}-desc`), which `aria-labelledby` refers to: it must be unique on the page, e.g. the
/// statistic's key such as `"customers-by-language"`. Characters other than ASCII letters, digits,
/// `-` and `_` are replaced by `-`, and `chart-` is put in front when it does not start with a letter.
pub fn horizontal_bars(chart: &BarChart, id_prefix: &str) -> String {
    let ids = Ids::new(id_prefix);
    let desc = describe(chart);
    let Some(scale) = Scale::for_bars(&chart.bars) else {
        return empty(&ids, &chart.title, &desc, &chart.empty_text);
    };

    let label_width = widest(chart.bars.iter().map(|bar| &bar.label), FONT).clamp(MIN_TEXT_WIDTH, MAX_LABEL_WIDTH);
    let value_width = widest(chart.bars.iter().map(|bar| &bar.display), FONT).clamp(MIN_TEXT_WIDTH, MAX_VALUE_WIDTH);
    let x0 = PAD + label_width + GAP;
    let plot_width = WIDTH - x0 - GAP - value_width - PAD;
    let rows_height = chart.bars.len() as f64 * ROW;
    let axis_text_y = PAD + rows_height + GAP + TICK_FONT;
    let height = axis_text_y + PAD;

    let mut svg = Svg::open(WIDTH, height, &ids, &chart.title, &desc);
    for (tick, text) in scale.ticks() {
        let x = x0 + plot_width * tick / scale.max;
        svg.grid_line(tick == 0.0, x, PAD, x, PAD + rows_height);
        svg.tick_text(x, axis_text_y, "middle", &text);
    }
    for (i, bar) in chart.bars.iter().enumerate() {
        let row_top = PAD + i as f64 * ROW;
        let bar_y = row_top + (ROW - BAR_THICKNESS) / 2.0;
        let text_y = row_top + ROW / 2.0 + FONT * BASELINE_SHIFT;
        svg.open_item(bar);
        svg.text(
            "chart-label",
            x0 - GAP,
            text_y,
            "end",
            &fit(&bar.label, label_width, FONT),
        );
        let end = match bar.value {
            Some(value) => {
                let length = plot_width * magnitude(value) / scale.max;
                svg.bar(x0, bar_y, length, BAR_THICKNESS);
                x0 + length
            }
            None => {
                svg.placeholder(x0, bar_y, PLACEHOLDER, BAR_THICKNESS);
                x0 + PLACEHOLDER
            }
        };
        svg.text(
            "chart-value",
            end + GAP,
            text_y,
            "start",
            &fit(&bar.display, value_width, FONT),
        );
        svg.close_item();
    }
    svg.finish()
}

/// Vertical columns over time, e.g. new customers per month (labels like "1/2026"), with the axis
/// on the left and each column's figure above it.
///
/// When the figures are wider than a column they are written upwards (rotated), and when the
/// labels are wider than a column only every second, third... label is printed (starting with the
/// first), so that no texts overlap; every column keeps its full label and figure in its tooltip
/// and in the `<desc>`. With very many columns the drawing grows wider than 640 units rather than
/// making columns too narrow for their figures.
///
/// `id_prefix`: as for [`horizontal_bars`].
pub fn columns(chart: &BarChart, id_prefix: &str) -> String {
    let ids = Ids::new(id_prefix);
    let desc = describe(chart);
    let Some(scale) = Scale::for_bars(&chart.bars) else {
        return empty(&ids, &chart.title, &desc, &chart.empty_text);
    };
    let ticks = scale.ticks();
    let count = chart.bars.len() as f64;

    let tick_width = widest(ticks.iter().map(|(_, text)| text), TICK_FONT);
    let label_width = widest(chart.bars.iter().map(|bar| &bar.label), FONT).min(MAX_COLUMN_LABEL);
    // The first and last labels are centred under their columns; half a label must fit outside.
    let side = label_width / 2.0;
    let x0 = (PAD + tick_width + GAP).max(PAD + side);
    let right = PAD + side;
    let mut pitch = (WIDTH - x0 - right) / count;
    if pitch < MIN_PITCH {
        pitch = MIN_PITCH;
    }
    let plot_width = pitch * count;
    let width = (x0 + plot_width + right).max(WIDTH);
    let column_width = (pitch * 0.7).min(MAX_COLUMN_WIDTH);

    let value_width = widest(chart.bars.iter().map(|bar| &bar.display), FONT);
    let rotated = value_width > pitch - 2.0;
    let value_width = value_width.min(MAX_VALUE_WIDTH);
    let top = PAD + if rotated { value_width } else { FONT } + GAP;
    let base = top + PLOT_HEIGHT;
    let label_y = base + GAP + FONT;
    let height = label_y + PAD;
    let label_every = (((label_width + GAP) / pitch).ceil() as usize).max(1);

    let mut svg = Svg::open(width, height, &ids, &chart.title, &desc);
    for (tick, text) in &ticks {
        let y = base - PLOT_HEIGHT * tick / scale.max;
        svg.grid_line(*tick == 0.0, x0, y, x0 + plot_width, y);
        svg.tick_text(x0 - GAP, y + TICK_FONT * BASELINE_SHIFT, "end", text);
    }
    for (i, bar) in chart.bars.iter().enumerate() {
        let centre = x0 + pitch * (i as f64 + 0.5);
        let left = centre - column_width / 2.0;
        svg.open_item(bar);
        if i % label_every == 0 {
            svg.text(
                "chart-label",
                centre,
                label_y,
                "middle",
                &fit(&bar.label, label_width, FONT),
            );
        }
        let top_of_column = match bar.value {
            Some(value) => {
                let length = PLOT_HEIGHT * magnitude(value) / scale.max;
                svg.bar(left, base - length, column_width, length);
                base - length
            }
            None => {
                svg.placeholder(left, base - PLACEHOLDER, column_width, PLACEHOLDER);
                base - PLACEHOLDER
            }
        };
        let display = fit(&bar.display, value_width, FONT);
        if rotated {
            svg.rotated_text(
                "chart-value",
                centre + FONT * BASELINE_SHIFT,
                top_of_column - GAP,
                &display,
            );
        } else {
            svg.text("chart-value", centre, top_of_column - GAP, "middle", &display);
        }
        svg.close_item();
    }
    svg.finish()
}

/// A share as a single bar on a 0-100 % axis (e.g. "assessments started within the deadline"),
/// drawn inside an outlined track that shows where 100 % is.
///
/// `share` is a percentage (0-100; values outside are clamped, non-finite ones drawn as 0);
/// `None` means it is suppressed for privacy and is drawn as a marked gap. `display` is the figure
/// as the reader should see it (e.g. "83 %" or "–"), `title` the chart's accessible name (not
/// drawn: the page shows its own heading). `id_prefix`: as for [`horizontal_bars`].
pub fn share_bar(title: &str, share: Option<f64>, display: &str, id_prefix: &str) -> String {
    let ids = Ids::new(id_prefix);
    let desc = display.to_owned();
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| {
            let tick = f64::from(i) * 25.0;
            (tick, format!("{tick}\u{a0}%"))
        })
        .collect();

    let value_width = text_width(display, FONT).clamp(MIN_TEXT_WIDTH, MAX_VALUE_WIDTH);
    let x0 = PAD + text_width(&ticks[0].1, TICK_FONT) / 2.0;
    let plot_width = WIDTH - x0 - GAP - value_width - PAD;
    let bar_y = PAD + (ROW - BAR_THICKNESS) / 2.0;
    let text_y = PAD + ROW / 2.0 + FONT * BASELINE_SHIFT;
    let axis_text_y = PAD + ROW + GAP + TICK_FONT;
    let height = axis_text_y + PAD;

    let mut svg = Svg::open(WIDTH, height, &ids, title, &desc);
    for (tick, text) in &ticks {
        let x = x0 + plot_width * tick / 100.0;
        svg.grid_line(*tick == 0.0, x, PAD, x, PAD + ROW);
        svg.tick_text(x, axis_text_y, "middle", text);
    }
    let item = Bar {
        label: title.to_owned(),
        value: share,
        display: display.to_owned(),
    };
    svg.open_item(&item);
    let end = match share {
        Some(share) => {
            svg.track(x0, bar_y, plot_width, BAR_THICKNESS);
            let length = plot_width * magnitude(share).min(100.0) / 100.0;
            svg.bar(x0, bar_y, length, BAR_THICKNESS);
            x0 + plot_width
        }
        None => {
            svg.placeholder(x0, bar_y, PLACEHOLDER, BAR_THICKNESS);
            x0 + PLACEHOLDER
        }
    };
    svg.text(
        "chart-value",
        end + GAP,
        text_y,
        "start",
        &fit(display, value_width, FONT),
    );
    svg.close_item();
    svg.finish()
}

/// The drawing's width in user units; [`CHART_CSS`] displays it at most 40rem (640 px) wide.
const WIDTH: f64 = 640.0;
/// Margin around the drawing.
const PAD: f64 = 8.0;
/// Space between a text and what it belongs to.
const GAP: f64 = 6.0;
/// Font size of labels and figures: 14 px at 100 % zoom.
const FONT: f64 = 14.0;
/// Font size of the axis numbers.
const TICK_FONT: f64 = 12.0;
/// Moves a text's baseline down from the centre line so that the text looks centred on it.
const BASELINE_SHIFT: f64 = 0.35;
/// Height of one horizontal bar's row, and the bar's thickness in it.
const ROW: f64 = 28.0;
const BAR_THICKNESS: f64 = 18.0;
/// Length of the placeholder drawn for a suppressed figure.
const PLACEHOLDER: f64 = 24.0;
/// Bounds of the label and figure columns of horizontal bars.
const MIN_TEXT_WIDTH: f64 = 24.0;
const MAX_LABEL_WIDTH: f64 = 200.0;
const MAX_VALUE_WIDTH: f64 = 160.0;
/// Column charts: widest label, narrowest column slot (a rotated figure still fits), widest
/// column, height of the plot area.
const MAX_COLUMN_LABEL: f64 = 120.0;
const MIN_PITCH: f64 = 20.0;
const MAX_COLUMN_WIDTH: f64 = 56.0;
const PLOT_HEIGHT: f64 = 200.0;

/// Colours, for when [`CHART_CSS`] is not loaded (it repeats them). All keep WCAG AA contrast
/// against white: text 4.5:1, graphics 3:1; the gridlines are decorative (every figure is printed).
const BAR_COLOUR: &str = "#1f5f8b";
const TEXT_COLOUR: &str = "#1a1a1a";
const AXIS_TEXT_COLOUR: &str = "#4d4d4d";
const AXIS_COLOUR: &str = "#6b6b6b";
const GRID_COLOUR: &str = "#d6d6d6";
const SUPPRESSED_COLOUR: &str = "#6b6b6b";

/// The ids of a chart's `<title>` and `<desc>`.
struct Ids {
    title: String,
    desc: String,
}

impl Ids {
    fn new(prefix: &str) -> Self {
        let mut prefix: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if prefix.is_empty() {
            prefix.push_str("chart");
        } else if !prefix.starts_with(|c: char| c.is_ascii_alphabetic()) {
            prefix.insert_str(0, "chart-");
        }
        Ids {
            title: format!("{prefix}-title"),
            desc: format!("{prefix}-desc"),
        }
    }
}

/// The `<desc>` text: the description followed by every figure, because assistive technology
/// reads a `role="img"` only by its name and description, not the texts drawn inside it.
fn describe(chart: &BarChart) -> String {
    let mut desc = chart.description.trim().to_owned();
    let figures: Vec<String> = chart
        .bars
        .iter()
        .map(|bar| format!("{}: {}", bar.label, bar.display))
        .collect();
    if !figures.is_empty() {
        if !desc.is_empty() {
            desc.push(' ');
        }
        desc.push_str(&figures.join("; "));
        desc.push('.');
    }
    desc
}

/// A short chart that only says there is nothing to draw.
fn empty(ids: &Ids, title: &str, desc: &str, empty_text: &str) -> String {
    let desc = match (desc.is_empty(), empty_text.is_empty()) {
        (_, true) => desc.to_owned(),
        (true, false) => empty_text.to_owned(),
        (false, false) => format!("{desc} {empty_text}"),
    };
    let text_y = PAD + ROW / 2.0 + FONT * BASELINE_SHIFT;
    let mut svg = Svg::open(WIDTH, PAD + ROW + PAD, ids, title, &desc);
    svg.text(
        "chart-label chart-empty",
        PAD,
        text_y,
        "start",
        &fit(empty_text, WIDTH - 2.0 * PAD, FONT),
    );
    svg.finish()
}

/// The axis of a bar chart: from 0 to a "nice" maximum, with 3-5 gridlines above 0.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    max: f64,
    step: f64,
}

impl Scale {
    /// The scale for the bars' figures, or `None` when no figure is shown (no bars, or all
    /// suppressed).
    fn for_bars(bars: &[Bar]) -> Option<Scale> {
        let values: Vec<f64> = bars.iter().filter_map(|bar| bar.value).collect();
        if values.is_empty() {
            return None;
        }
        let max = values.iter().copied().map(magnitude).fold(0.0, f64::max);
        let whole = values.iter().all(|v| v.fract() == 0.0);
        Some(Scale::nice(max, whole))
    }

    /// The smallest maximum of the form 1, 2, 2.5 or 5 × 10^k that is at least `max`, with a step
    /// that gives 3-5 gridlines above 0. For whole numbers (counts) the step is at least 1, so that
    /// the axis never shows fractions of a person: the maximum is then at least 5.
    fn nice(max: f64, whole: bool) -> Scale {
        if !(max > 0.0 && max.is_finite()) {
            return if whole {
                Scale { max: 5.0, step: 1.0 }
            } else {
                Scale { max: 1.0, step: 0.2 }
            };
        }
        let power = 10f64.powi(max.log10().floor() as i32);
        // (multiple of the power, step as a multiple of the power)
        let candidates = [(1.0, 0.2), (2.0, 0.5), (2.5, 0.5), (5.0, 1.0), (10.0, 2.0)];
        let (multiple, step) = candidates
            .into_iter()
            // Tolerates the rounding of log10 and powi: 300 must give 500, not 1000.
            .find(|(multiple, _)| multiple * power >= max * (1.0 - 1e-9))
            .unwrap_or((10.0, 2.0));
        let scale = Scale {
            max: multiple * power,
            step: step * power,
        };
        if whole && scale.step < 1.0 {
            Scale { max: 5.0, step: 1.0 }
        } else {
            scale
        }
    }

    /// The tick values from 0 to the maximum, with their labels.
    fn ticks(&self) -> Vec<(f64, String)> {
        let count = (self.max / self.step).round() as u32;
        // Enough decimals to show the step exactly (0.5 → 1, 0.02 → 2).
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        (0..=count)
            .map(|i| {
                let tick = f64::from(i) * self.step;
                (tick, tick_label(tick, decimals))
            })
            .collect()
    }
}

/// An axis number. Thousands are grouped with a narrow no-break space (as the web pages do for
/// Finnish and Swedish, and the SI style in English) so that a figure does not wrap; fractions, which only occur when the
/// figures are below 2.5 and not whole, use a decimal point.
fn tick_label(tick: f64, decimals: usize) -> String {
    let text = format!("{tick:.decimals$}");
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    if whole.len() > 3 {
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push('\u{202f}');
            }
            out.push(digit);
        }
    } else {
        out.push_str(whole);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// The length a figure is drawn with: the axis starts at 0, so negative and non-finite figures
/// are drawn as 0.
fn magnitude(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 { value } else { 0.0 }
}

/// An estimate of a text's drawn width, on the generous side so that shortened texts never
/// overlap. There are no font metrics on the server; these are typical of sans-serif fonts.
fn text_width(text: &str, font_size: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | 'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.3,
            'f' | 't' | 'r' | '(' | ')' | '/' | '-' => 0.4,
            'm' | 'w' => 0.85,
            'M' | 'W' | '%' => 0.95,
            '0'..='9' => 0.6,
            c if (c as u32) >= 0x2e80 => 1.0,
            c if c.is_uppercase() => 0.75,
            _ => 0.6,
        })
        .sum();
    ems * font_size * 1.05
}

/// The width of the widest of the texts.
fn widest<'a>(texts: impl Iterator<Item = &'a String>, font_size: f64) -> f64 {
    texts.map(|text| text_width(text, font_size)).fold(0.0, f64::max)
}

/// The text, shortened with an ellipsis to fit in `max_width`.
fn fit(text: &str, max_width: f64, font_size: f64) -> Cow<'_, str> {
    if text_width(text, font_size) <= max_width {
        return Cow::Borrowed(text);
    }
    let mut shortened = String::new();
    for c in text.chars() {
        shortened.push(c);
        if text_width(&shortened, font_size) + text_width("…", font_size) > max_width {
            shortened.pop();
            break;
        }
    }
    let mut shortened = shortened.trim_end().to_owned();
    shortened.push('…');
    Cow::Owned(shortened)
}

/// A geometry number: at most one decimal, no trailing ".0", no "-0".
fn num(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0".to_owned()
    } else if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// An SVG document being written. Attribute values come from this module's literals, from
/// [`num`], or escaped; texts are always escaped.
struct Svg {
    out: String,
}

impl Svg {
    fn open(width: f64, height: f64, ids: &Ids, title: &str, desc: &str) -> Svg {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" \
             aria-labelledby=\"{title_id} {desc_id}\" viewBox=\"0 0 {width} {height}\" \
             width=\"100%\" font-family=\"system-ui, sans-serif\" font-size=\"{font}\" \
             fill=\"{TEXT_COLOUR}\"><title id=\"{title_id}\">{title}</title>\
             <desc id=\"{desc_id}\">{desc}</desc>",
            title_id = escape(&ids.title),
            desc_id = escape(&ids.desc),
            width = num(width),
            height = num(height),
            font = num(FONT),
            title = escape(title),
            desc = escape(desc),
        );
        Svg { out }
    }

    /// A gridline, or the axis line at 0.
    fn grid_line(&mut self, axis: bool, x1: f64, y1: f64, x2: f64, y2: f64) {
        let (class, colour) = if axis {
            ("chart-axis", AXIS_COLOUR)
        } else {
            ("chart-grid", GRID_COLOUR)
        };
        let _ = write!(
            self.out,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" \
             stroke-width=\"1\"/>",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
        );
    }

    fn tick_text(&mut self, x: f64, y: f64, anchor: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text class=\"chart-axis\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" \
             font-size=\"{}\" fill=\"{AXIS_TEXT_COLOUR}\">{}</text>",
            num(x),
            num(y),
            num(TICK_FONT),
            escape(text),
        );
    }

    fn text(&mut self, class: &str, x: f64, y: f64, anchor: &str, text: &str) {
        let _ = write!(
            self.out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            num(x),
            num(y),
            escape(text),
        );
    }

    /// A text written upwards from (x, y).
    fn rotated_text(&mut self, class: &str, x: f64, y: f64, text: &str) {
        let (x, y) = (num(x), num(y));
        let _ = write!(
            self.out,
            "<text class=\"{class}\" x=\"{x}\" y=\"{y}\" text-anchor=\"start\" \
             transform=\"rotate(-90 {x} {y})\">{}</text>",
            escape(text),
        );
    }

    /// Opens a bar's group, with its full label and figure as its tooltip.
    fn open_item(&mut self, bar: &Bar) {
        let class = if bar.value.is_some() {
            "chart-item"
        } else {
            "chart-item chart-suppressed"
        };
        let _ = write!(
            self.out,
            "<g class=\"{class}\"><title>{}: {}</title>",
            escape(&bar.label),
            escape(&bar.display),
        );
    }

    fn close_item(&mut self) {
        self.out.push_str("</g>");
    }

    fn bar(&mut self, x: f64, y: f64, width: f64, height: f64) {
        let _ = write!(
            self.out,
            "<rect class=\"chart-bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
             fill=\"{BAR_COLOUR}\"/>",
            num(x),
            num(y),
            num(width),
            num(height),
        );
    }

    /// The outline of a share's 0-100 % extent.
    fn track(&mut self, x: f64, y: f64, width: f64, height: f64) {
        let _ = write!(
            self.out,
            "<rect class=\"chart-track\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
             fill=\"none\" stroke=\"{AXIS_COLOUR}\" stroke-width=\"1\"/>",
            num(x),
            num(y),
            num(width),
            num(height),
        );
    }

    /// The mark of a suppressed figure: a dashed, crossed-out box, unfilled so that it cannot be
    /// read as a (small) bar, and told apart from one by more than colour.
    fn placeholder(&mut self, x: f64, y: f64, width: f64, height: f64) {
        let _ = write!(
            self.out,
            "<rect class=\"chart-placeholder\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" \
             fill=\"none\" stroke=\"{SUPPRESSED_COLOUR}\" stroke-width=\"1\" \
             stroke-dasharray=\"4 3\"/><line class=\"chart-placeholder\" x1=\"{x}\" y1=\"{y2}\" \
             x2=\"{x2}\" y2=\"{y}\" stroke=\"{SUPPRESSED_COLOUR}\" stroke-width=\"1\"/>",
            x = num(x),
            y = num(y),
            w = num(width),
            h = num(height),
            x2 = num(x + width),
            y2 = num(y + height),
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

#[cfg(test)]
mod tests;
