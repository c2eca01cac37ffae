//! The charts are parsed back with a real XML parser, so that every assertion is about the SVG a
//! browser would read, not about substrings of it.

use roxmltree::{Document, Node};

use super::*;

fn bar(label: &str, value: Option<f64>, display: &str) -> Bar {
    Bar {
        label: label.to_owned(),
        value,
        display: display.to_owned(),
    }
}

fn chart(bars: Vec<Bar>) -> BarChart {
    BarChart {
        title: "Customers by language".to_owned(),
        description: "New customers in 2026 by their first language.".to_owned(),
        bars,
        empty_text: "No figures to show.".to_owned(),
    }
}

/// Parses the SVG and checks what must hold for every chart: well-formed, one `<svg>` root that
/// scales, no inline styles (the Content-Security-Policy forbids them), an accessible name whose
/// ids exist, and geometry with at most one decimal.
fn parse(svg: &str) -> Document<'_> {
    let doc = Document::parse(svg).unwrap_or_else(|error| panic!("not XML: {error}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("width"), Some("100%"));
    assert!(root.attribute("height").is_none(), "the height follows the width");
    assert!(has_class(root, "chart"));

    for node in doc.descendants().filter(Node::is_element) {
        assert_ne!(node.tag_name().name(), "style", "no <style> element: {svg}");
        assert_ne!(node.tag_name().name(), "script", "no <script> element: {svg}");
        for attribute in node.attributes() {
            assert_ne!(attribute.name(), "style", "no style attribute: {svg}");
            // The root's width is the "100%" that makes the chart scale.
            if GEOMETRY.contains(&attribute.name()) && node != root {
                let value: f64 = attribute
                    .value()
                    .parse()
                    .unwrap_or_else(|_| panic!("{}={:?} is not a number", attribute.name(), attribute.value()));
                assert!(value.is_finite());
                assert_at_most_one_decimal(attribute.value());
            }
        }
    }
    for number in view_box(&doc) {
        assert!(number >= 0.0);
    }
    for number in root.attribute("viewBox").unwrap().split(' ') {
        assert_at_most_one_decimal(number);
    }

    // aria-labelledby names the chart's own <title> and <desc>, which exist.
    let labelled_by: Vec<&str> = root
        .attribute("aria-labelledby")
        .expect("aria-labelledby")
        .split(' ')
        .collect();
    assert_eq!(labelled_by.len(), 2);
    let title = element_with_id(&doc, labelled_by[0]);
    let desc = element_with_id(&doc, labelled_by[1]);
    assert_eq!(title.tag_name().name(), "title");
    assert_eq!(desc.tag_name().name(), "desc");
    assert_eq!(title.parent_element(), Some(root));
    assert_eq!(desc.parent_element(), Some(root));
    assert_ne!(labelled_by[0], labelled_by[1]);
    doc
}

const GEOMETRY: &[&str] = &["x", "y", "width", "height", "x1", "y1", "x2", "y2"];

fn assert_at_most_one_decimal(number: &str) {
    if let Some((_, decimals)) = number.split_once('.') {
        assert!(decimals.len() <= 1, "{number} has more than one decimal");
    }
}

fn element_with_id<'a>(doc: &'a Document<'a>, id: &str) -> Node<'a, 'a> {
    let mut found = doc.descendants().filter(|node| node.attribute("id") == Some(id));
    let element = found.next().unwrap_or_else(|| panic!("no element #{id}"));
    assert!(found.next().is_none(), "#{id} is not unique");
    element
}

fn has_class(node: Node<'_, '_>, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|classes| classes.split(' ').any(|c| c == class))
}

fn with_class<'a>(node: Node<'a, 'a>, class: &'a str) -> impl Iterator<Item = Node<'a, 'a>> {
    node.descendants()
        .filter(move |node| node.is_element() && has_class(*node, class))
}

fn number(node: Node<'_, '_>, attribute: &str) -> f64 {
    node.attribute(attribute)
        .unwrap_or_else(|| panic!("no {attribute}"))
        .parse()
        .unwrap()
}

fn view_box(doc: &Document<'_>) -> Vec<f64> {
    doc.root_element()
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect()
}

/// The groups of the bars, in order.
fn items<'a>(doc: &'a Document<'a>) -> Vec<Node<'a, 'a>> {
    with_class(doc.root_element(), "chart-item").collect()
}

/// The text of the child element with the class, if any.
fn child_text<'a>(item: Node<'a, 'a>, class: &'a str) -> Option<&'a str> {
    with_class(item, class).next().map(|node| node.text().unwrap_or(""))
}

fn tooltip<'a>(item: Node<'a, 'a>) -> &'a str {
    item.children()
        .find(|node| node.tag_name().name() == "title")
        .and_then(|node| node.text())
        .expect("every bar has a tooltip")
}

/// The ratio of each drawn length to its value: equal for all bars when they are proportional.
fn assert_proportional(lengths: &[f64], values: &[f64]) {
    assert_eq!(lengths.len(), values.len());
    let ratio = lengths[0] / values[0];
    assert!(ratio > 0.0);
    for (length, value) in lengths.iter().zip(values) {
        // Geometry is rounded to 0.1 units.
        assert!(
            (length - value * ratio).abs() <= 0.1,
            "{lengths:?} is not proportional to {values:?}"
        );
    }
}

#[test]
fn horizontal_bar_lengths_are_proportional_to_the_values() {
    let values = [120.0, 37.0, 5.0, 0.0, 250.0];
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, v)| bar(&format!("Group {i}"), Some(*v), &v.to_string()))
        .collect();
    let svg = horizontal_bars(&chart(bars), "languages");
    let doc = parse(&svg);

    let rects: Vec<Node> = with_class(doc.root_element(), "chart-bar").collect();
    assert_eq!(rects.len(), values.len());
    let widths: Vec<f64> = rects.iter().map(|rect| number(*rect, "width")).collect();
    assert_proportional(&widths, &values);
    // Every bar starts at the axis line at 0, and the bars have one thickness.
    let axis = with_class(doc.root_element(), "chart-axis")
        .find(|node| node.tag_name().name() == "line")
        .unwrap();
    for rect in &rects {
        assert_eq!(number(*rect, "x"), number(axis, "x1"));
        assert_eq!(number(*rect, "height"), BAR_THICKNESS);
        assert_eq!(rect.attribute("fill"), Some(BAR_COLOUR));
    }
    // Drawn in the given order, top to bottom.
    let ys: Vec<f64> = rects.iter().map(|rect| number(*rect, "y")).collect();
    assert!(ys.windows(2).all(|pair| pair[0] < pair[1]), "{ys:?}");
    // The nice maximum for 250 is 250 itself: the longest bar reaches the last gridline.
    let last_grid = with_class(doc.root_element(), "chart-grid").last().unwrap();
    assert!((number(rects[4], "x") + widths[4] - number(last_grid, "x1")).abs() <= 0.1);
}

#[test]
fn every_bar_has_its_label_figure_and_tooltip() {
    let svg = horizontal_bars(
        &chart(vec![
            bar("Finnish", Some(12.0), "12"),
            bar("Arabic", Some(1234.0), "1 234"),
        ]),
        "languages",
    );
    let doc = parse(&svg);
    let items = items(&doc);
    assert_eq!(items.len(), 2);
    assert_eq!(child_text(items[0], "chart-label"), Some("Finnish"));
    assert_eq!(child_text(items[0], "chart-value"), Some("12"));
    assert_eq!(tooltip(items[0]), "Finnish: 12");
    assert_eq!(child_text(items[1], "chart-value"), Some("1 234"));
    // The figure is printed just after the end of its bar.
    for item in &items {
        let rect = with_class(*item, "chart-bar").next().unwrap();
        let value = with_class(*item, "chart-value").next().unwrap();
        let end = number(rect, "x") + number(rect, "width");
        assert!((number(value, "x") - (end + GAP)).abs() <= 0.1);
        assert_eq!(value.attribute("text-anchor"), Some("start"));
    }
    // The figures are in the description too, since a role="img" is read only by name and desc.
    let desc = doc.descendants().find(|node| node.tag_name().name() == "desc").unwrap();
    assert_eq!(
        desc.text(),
        Some("New customers in 2026 by their first language. Finnish: 12; Arabic: 1 234.")
    );
}

#[test]
fn suppressed_bars_are_marked_gaps_not_bars() {
    let svg = horizontal_bars(
        &chart(vec![
            bar("Finnish", Some(40.0), "40"),
            bar("Somali", None, "suppressed"),
            bar("Arabic", Some(20.0), "20"),
        ]),
        "languages",
    );
    let doc = parse(&svg);
    let items = items(&doc);
    assert_eq!(items.len(), 3);
    assert!(!has_class(items[0], "chart-suppressed"));
    assert!(!has_class(items[2], "chart-suppressed"));

    let gap = items[1];
    assert!(has_class(gap, "chart-suppressed"));
    assert_eq!(with_class(gap, "chart-bar").count(), 0);
    let rects: Vec<Node> = gap
        .descendants()
        .filter(|node| node.tag_name().name() == "rect")
        .collect();
    assert_eq!(rects.len(), 1, "a placeholder");
    for rect in rects {
        assert_eq!(rect.attribute("fill"), Some("none"), "never a filled rect");
        assert!(rect.attribute("stroke-dasharray").is_some());
    }
    assert_eq!(child_text(gap, "chart-label"), Some("Somali"));
    assert_eq!(child_text(gap, "chart-value"), Some("suppressed"));
    assert_eq!(tooltip(gap), "Somali: suppressed");
    // Only the two shown figures are bars, still in proportion.
    let widths: Vec<f64> = with_class(doc.root_element(), "chart-bar")
        .map(|rect| number(rect, "width"))
        .collect();
    assert_proportional(&widths, &[40.0, 20.0]);
}

#[test]
fn suppressed_columns_are_marked_gaps_not_columns() {
    let svg = columns(
        &chart(vec![bar("1/2026", Some(8.0), "8"), bar("2/2026", None, "–")]),
        "per-month",
    );
    let doc = parse(&svg);
    let items = items(&doc);
    assert!(has_class(items[1], "chart-suppressed"));
    assert_eq!(with_class(items[1], "chart-bar").count(), 0);
    for rect in items[1].descendants().filter(|node| node.tag_name().name() == "rect") {
        assert_eq!(rect.attribute("fill"), Some("none"));
    }
    assert_eq!(child_text(items[1], "chart-value"), Some("–"));
    assert_eq!(with_class(items[0], "chart-bar").count(), 1);
}

#[test]
fn markup_in_texts_is_escaped() {
    let nasty = "<script>&\"'</script>";
    let svg = horizontal_bars(
        &BarChart {
            title: format!("Title {nasty}"),
            description: format!("Desc {nasty}"),
            bars: vec![bar(&format!("A<&>B {nasty}"), Some(1.0), "<1 & >0")],
            empty_text: String::new(),
        },
        "escaping",
    );
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("A&lt;&amp;&gt;B"), "{svg}");
    let doc = parse(&svg);
    assert!(doc.descendants().all(|node| node.tag_name().name() != "script"));
    let title = doc
        .root_element()
        .children()
        .find(|node| node.tag_name().name() == "title")
        .unwrap();
    assert_eq!(title.text(), Some("Title <script>&\"'</script>"));
    let item = items(&doc)[0];
    assert_eq!(child_text(item, "chart-value"), Some("<1 & >0"));
    assert!(tooltip(item).starts_with("A<&>B <script>&\"'</script>: "));
    // The label is long, so shortened; what is shown is still the text, unescaped once.
    assert!(child_text(item, "chart-label").unwrap().starts_with("A<&>B"));

    let columns = columns(&chart(vec![bar("<&>", Some(1.0), "&")]), "escaping-columns");
    let doc = parse(&columns);
    assert_eq!(child_text(items(&doc)[0], "chart-label"), Some("<&>"));
    let share = share_bar("<&>", None, "<5 & >0", "escaping-share");
    let doc = parse(&share);
    assert_eq!(child_text(items(&doc)[0], "chart-value"), Some("<5 & >0"));
}

#[test]
fn ids_come_from_the_prefix_and_stay_valid() {
    let data = chart(vec![bar("a", Some(1.0), "1")]);
    let first = horizontal_bars(&data, "by-language");
    let second = horizontal_bars(&data, "by-service");
    let first_doc = parse(&first);
    let second_doc = parse(&second);
    assert_eq!(
        first_doc.root_element().attribute("aria-labelledby"),
        Some("by-language-title by-language-desc")
    );
    assert_eq!(
        second_doc.root_element().attribute("aria-labelledby"),
        Some("by-service-title by-service-desc")
    );

    // Ids must be tokens (aria-labelledby is space-separated) and start with a letter.
    for (prefix, expected) in [
        ("2026 new <customers>", "chart-2026-new--customers--title"),
        ("", "chart-title"),
        ("a\"b", "a-b-title"),
    ] {
        let svg = columns(&data, prefix);
        let doc = parse(&svg);
        let labelled_by = doc.root_element().attribute("aria-labelledby").unwrap();
        assert_eq!(labelled_by.split(' ').next(), Some(expected), "{prefix:?}");
    }
    let share = share_bar("Share", Some(50.0), "50 %", "within-deadline");
    assert_eq!(
        parse(&share).root_element().attribute("aria-labelledby"),
        Some("within-deadline-title within-deadline-desc")
    );
}

#[test]
fn long_labels_are_shortened_with_the_full_label_in_the_tooltip() {
    let long = "Persons who have received a residence permit on the basis of family ties";
    let svg = horizontal_bars(
        &chart(vec![bar(long, Some(3.0), "3"), bar("Short", Some(4.0), "4")]),
        "groups",
    );
    let doc = parse(&svg);
    let items = items(&doc);
    let shown = child_text(items[0], "chart-label").unwrap();
    assert!(shown.ends_with('…'), "{shown}");
    assert!(shown.chars().count() < long.chars().count());
    assert!(long.starts_with(shown.trim_end_matches('…')));
    assert_eq!(tooltip(items[0]), format!("{long}: 3"));
    assert_eq!(child_text(items[1], "chart-label"), Some("Short"));

    // The label column ends before the bars start, and it starts inside the drawing.
    let label = with_class(items[0], "chart-label").next().unwrap();
    let rect = with_class(items[0], "chart-bar").next().unwrap();
    assert_eq!(label.attribute("text-anchor"), Some("end"));
    assert!(number(label, "x") < number(rect, "x"));
    assert!(number(label, "x") - text_width(shown, FONT) >= 0.0);
}

#[test]
fn texts_stay_inside_the_drawing() {
    let svg = horizontal_bars(
        &chart(vec![
            bar("Finnish", Some(99_999.0), "99 999 customers in total this year"),
            bar("Arabic", None, "suppressed for privacy reasons"),
        ]),
        "inside",
    );
    let doc = parse(&svg);
    let width = view_box(&doc)[2];
    for value in with_class(doc.root_element(), "chart-value") {
        let text = value.text().unwrap();
        assert!(
            number(value, "x") + text_width(text, FONT) <= width,
            "{text:?} runs out of the drawing"
        );
    }
}

#[test]
fn the_axis_has_a_nice_maximum_and_three_to_five_gridlines() {
    let svg = horizontal_bars(&chart(vec![bar("a", Some(312.0), "312")]), "axis");
    let doc = parse(&svg);
    let ticks: Vec<&str> = doc
        .descendants()
        .filter(|node| node.tag_name().name() == "text" && has_class(*node, "chart-axis"))
        .map(|node| node.text().unwrap())
        .collect();
    assert_eq!(ticks, ["0", "100", "200", "300", "400", "500"]);
    assert_eq!(with_class(doc.root_element(), "chart-grid").count(), 5);

    for max in [
        0.07, 0.3, 1.0, 1.5, 2.2, 3.0, 7.0, 12.0, 99.0, 100.0, 101.0, 2600.0, 1e6,
    ] {
        for whole in [false, true] {
            let scale = Scale::nice(max, whole);
            let nice = scale.max / 10f64.powi(scale.max.log10().floor() as i32);
            assert!(
                [1.0, 2.0, 2.5, 5.0].iter().any(|d| (nice - d).abs() < 1e-9),
                "{max}: {scale:?}"
            );
            assert!(scale.max >= max, "{max}: {scale:?}");
            let gridlines = (scale.max / scale.step).round();
            assert!((3.0..=5.0).contains(&gridlines), "{max}: {scale:?}");
            assert!((gridlines * scale.step - scale.max).abs() < 1e-9);
            if whole {
                assert!(scale.step >= 1.0, "{max}: {scale:?}");
            }
        }
    }
    assert_eq!(
        Scale::nice(300.0, true),
        Scale {
            max: 500.0,
            step: 100.0
        }
    );
    assert_eq!(
        Scale::nice(1000.0, true),
        Scale {
            max: 1000.0,
            step: 200.0
        }
    );
    assert_eq!(
        Scale::nice(1001.0, true),
        Scale {
            max: 2000.0,
            step: 500.0
        }
    );
    assert_eq!(Scale::nice(2.2, false), Scale { max: 2.5, step: 0.5 });
    assert_eq!(Scale::nice(2.0, true), Scale { max: 5.0, step: 1.0 });
    assert_eq!(Scale::nice(0.0, true), Scale { max: 5.0, step: 1.0 });
}

#[test]
fn axis_numbers_are_grouped_and_fractions_exact() {
    let labels = |scale: Scale| -> Vec<String> { scale.ticks().into_iter().map(|(_, label)| label).collect() };
    assert_eq!(
        labels(Scale::nice(24_000.0, true)),
        [
            "0",
            "5\u{202f}000",
            "10\u{202f}000",
            "15\u{202f}000",
            "20\u{202f}000",
            "25\u{202f}000"
        ]
    );
    assert_eq!(
        labels(Scale::nice(0.9, false)),
        ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    );
    assert_eq!(
        labels(Scale::nice(0.04, false)),
        ["0.00", "0.01", "0.02", "0.03", "0.04", "0.05"]
    );
}

#[test]
fn the_height_grows_with_the_number_of_bars() {
    let bars = |n: usize| -> BarChart {
        chart(
            (0..n)
                .map(|i| bar(&format!("Group {i}"), Some(i as f64), &i.to_string()))
                .collect(),
        )
    };
    let heights: Vec<f64> = [1, 3, 10]
        .into_iter()
        .map(|n| view_box(&parse(&horizontal_bars(&bars(n), "h")))[3])
        .collect();
    assert!(heights.windows(2).all(|pair| pair[0] < pair[1]), "{heights:?}");
    assert!((heights[2] - heights[1] - 7.0 * ROW).abs() < 0.1);
}

#[test]
fn column_heights_are_proportional_and_stand_on_the_axis() {
    let values = [3.0, 14.0, 9.0, 0.0, 17.0];
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, v)| bar(&format!("{}/2026", i + 1), Some(*v), &v.to_string()))
        .collect();
    let svg = columns(&chart(bars), "per-month");
    let doc = parse(&svg);
    let rects: Vec<Node> = with_class(doc.root_element(), "chart-bar").collect();
    let heights: Vec<f64> = rects.iter().map(|rect| number(*rect, "height")).collect();
    assert_proportional(&heights, &values);
    let axis = with_class(doc.root_element(), "chart-axis")
        .find(|node| node.tag_name().name() == "line")
        .unwrap();
    let base = number(axis, "y1");
    let xs: Vec<f64> = rects.iter().map(|rect| number(*rect, "x")).collect();
    assert!(xs.windows(2).all(|pair| pair[0] < pair[1]), "left to right");
    for rect in &rects {
        assert!((number(*rect, "y") + number(*rect, "height") - base).abs() <= 0.1);
    }
    // Few short labels: every one is printed, and each figure stands above its column.
    let items = items(&doc);
    for (i, item) in items.iter().enumerate() {
        let expected = format!("{}/2026", i + 1);
        assert_eq!(child_text(*item, "chart-label"), Some(expected.as_str()));
        let rect = with_class(*item, "chart-bar").next().unwrap();
        let value = with_class(*item, "chart-value").next().unwrap();
        assert!(number(value, "y") < number(rect, "y"));
        assert!(value.attribute("transform").is_none());
    }
}

/// The horizontal extent of a text. Written upwards, it is the height of a line: the ascent
/// (at most 0.75 em) lies left of the baseline at x, the descent (0.25 em) right of it.
fn extent(node: Node<'_, '_>) -> (f64, f64) {
    let x = number(node, "x");
    if node.attribute("transform").is_some() {
        return (x - 0.75 * FONT, x + 0.25 * FONT);
    }
    let width = text_width(node.text().unwrap(), FONT);
    match node.attribute("text-anchor") {
        Some("middle") => (x - width / 2.0, x + width / 2.0),
        Some("end") => (x - width, x),
        _ => (x, x + width),
    }
}

#[test]
fn many_columns_never_overlap_their_texts() {
    let bars = (0..36)
        .map(|i| {
            bar(
                &format!("{}/{}", i % 12 + 1, 2024 + i / 12),
                Some(f64::from(i) * 100.0),
                &format!("{} customers", i * 100),
            )
        })
        .collect();
    let svg = columns(&chart(bars), "three-years");
    let doc = parse(&svg);
    let width = view_box(&doc)[2];

    let labels: Vec<Node> = with_class(doc.root_element(), "chart-label").collect();
    assert!(labels.len() < 36, "some labels are left out");
    assert!(labels.len() >= 6, "but not most");
    assert_eq!(labels[0].text(), Some("1/2024"), "the first is printed");
    let values: Vec<Node> = with_class(doc.root_element(), "chart-value").collect();
    assert_eq!(values.len(), 36, "every figure is printed");
    assert!(
        values.iter().all(|value| value.attribute("transform").is_some()),
        "written upwards"
    );
    for texts in [&labels, &values] {
        let extents: Vec<(f64, f64)> = texts.iter().map(|node| extent(*node)).collect();
        for pair in extents.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "{pair:?} overlap");
        }
        assert!(extents[0].0 >= 0.0);
        assert!(extents[extents.len() - 1].1 <= width);
    }
    // Every column keeps its full label and figure in its tooltip.
    let items = items(&doc);
    assert_eq!(tooltip(items[35]), "12/2026: 3500 customers");
}

#[test]
fn no_figures_make_a_short_chart_that_says_so() {
    for bars in [vec![], vec![bar("a", None, "–"), bar("b", None, "–")]] {
        let data = chart(bars);
        for svg in [horizontal_bars(&data, "empty"), columns(&data, "empty")] {
            let doc = parse(&svg);
            assert_eq!(
                doc.descendants()
                    .filter(|node| node.tag_name().name() == "rect")
                    .count(),
                0
            );
            let text = with_class(doc.root_element(), "chart-empty").next().unwrap();
            assert_eq!(text.text(), Some("No figures to show."));
            assert!(view_box(&doc)[3] <= 50.0, "short");
        }
    }
}

#[test]
fn a_share_is_drawn_against_the_full_hundred_percent() {
    let svg = share_bar("Assessments started in time", Some(40.0), "40 %", "in-time");
    let doc = parse(&svg);
    let track = with_class(doc.root_element(), "chart-track").next().unwrap();
    let rect = with_class(doc.root_element(), "chart-bar").next().unwrap();
    assert_eq!(number(rect, "x"), number(track, "x"));
    assert!((number(rect, "width") - 0.4 * number(track, "width")).abs() <= 0.1);
    let ticks: Vec<&str> = doc
        .descendants()
        .filter(|node| node.tag_name().name() == "text" && has_class(*node, "chart-axis"))
        .map(|node| node.text().unwrap())
        .collect();
    assert_eq!(ticks, ["0\u{a0}%", "25\u{a0}%", "50\u{a0}%", "75\u{a0}%", "100\u{a0}%"]);
    assert_eq!(child_text(items(&doc)[0], "chart-value"), Some("40 %"));

    let over = share_bar("Over", Some(150.0), "150 %", "over");
    let doc = parse(&over);
    let track = with_class(doc.root_element(), "chart-track").next().unwrap();
    let rect = with_class(doc.root_element(), "chart-bar").next().unwrap();
    assert_eq!(number(rect, "width"), number(track, "width"), "clamped");

    let suppressed = share_bar("Hidden", None, "suppressed", "hidden");
    let doc = parse(&suppressed);
    let item = items(&doc)[0];
    assert!(has_class(item, "chart-suppressed"));
    assert_eq!(with_class(doc.root_element(), "chart-bar").count(), 0);
    assert_eq!(with_class(doc.root_element(), "chart-track").count(), 0);
    assert!(
        doc.descendants()
            .filter(|node| node.tag_name().name() == "rect")
            .all(|rect| rect.attribute("fill") == Some("none"))
    );
    assert_eq!(child_text(item, "chart-value"), Some("suppressed"));
}

#[test]
fn geometry_numbers_have_at_most_one_decimal() {
    assert_eq!(num(1.0), "1");
    assert_eq!(num(1.25), "1.3");
    assert_eq!(num(1.04), "1");
    assert_eq!(num(-0.01), "0");
    assert_eq!(num(123.456), "123.5");
    // And in a chart whose proportions give long fractions (checked by `parse`).
    parse(&horizontal_bars(
        &chart(vec![bar("a", Some(1.0), "1"), bar("b", Some(3.0), "3")]),
        "thirds",
    ));
}

#[test]
fn the_stylesheet_styles_the_classes_without_fetching_anything() {
    for class in [
        ".chart ",
        ".chart-bar",
        ".chart-suppressed",
        ".chart-axis",
        ".chart-grid",
        ".chart-track",
        ".chart-empty",
        "forced-colors",
    ] {
        assert!(CHART_CSS.contains(class), "{class}");
    }
    assert!(CHART_CSS.contains("#1f5f8b"));
    assert!(CHART_CSS.contains("stroke-dasharray"));
    assert!(!CHART_CSS.contains("@import"));
    assert!(!CHART_CSS.contains("url("));
}
