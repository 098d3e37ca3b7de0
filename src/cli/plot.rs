//! SVG charts for `deskbot eval --plot`: a confusion-matrix heatmap and the
//! coverage-vs-precision curve.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use deskbot::classify::eval::EvalReport;

use super::percent;

/// A confusion matrix, rows the true intent, columns the predicted one.
type Confusion = [Vec<usize>];

/// The charts could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// `--plot` names a file, or a path through a file.
    #[error("--plot expects a directory; {} is a file{}", file.display(), if file == dir { String::new() } else { format!(", so {} cannot be created", dir.display()) })]
    NotADirectory {
        /// The directory asked for.
        dir: PathBuf,
        /// The file that is in the way: `dir` itself or one of its parents.
        file: PathBuf,
    },
    /// The directory could not be created.
    #[error("cannot create the chart directory {}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A chart could not be drawn or written.
    #[error("cannot write chart {}: {message}", path.display())]
    Chart {
        /// The chart file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Fails if `dir` cannot become the chart directory because it, or a parent, is a file.
/// `create_dir_all` would only say "File exists" or "Not a directory", without naming which.
pub fn check_dir(dir: &Path) -> Result<(), PlotError> {
    match dir
        .ancestors()
        .find(|a| std::fs::metadata(a).is_ok_and(|m| !m.is_dir()))
    {
        Some(file) => Err(PlotError::NotADirectory {
            dir: dir.to_owned(),
            file: file.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Writes `confusion-matrix.svg` and `coverage-precision.svg` into `dir`; returns their paths.
/// `target_precision` (the one the model was tuned for, when it was) is drawn on the curve.
pub fn write_charts(
    report: &EvalReport,
    target_precision: Option<f64>,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    check_dir(dir)?;
    std::fs::create_dir_all(dir).map_err(|source| PlotError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let heatmap = dir.join("confusion-matrix.svg");
    confusion_heatmap(report, &heatmap).map_err(|message| PlotError::Chart {
        path: heatmap.clone(),
        message,
    })?;
    let curve = dir.join("coverage-precision.svg");
    coverage_curve(report, target_precision, &curve).map_err(|message| PlotError::Chart {
        path: curve.clone(),
        message,
    })?;
    Ok(vec![heatmap, curve])
}

/// Each cell's share of its row (the true intent's messages), `None` for a row with no messages.
fn row_shares(confusion: &Confusion) -> Vec<Vec<Option<f64>>> {
    confusion
        .iter()
        .map(|row| {
            let total: usize = row.iter().sum();
            row.iter()
                .map(|&count| (total > 0).then(|| count as f64 / total as f64))
                .collect()
        })
        .collect()
}

/// The precision axis of the coverage curve: from a little below the lowest of `precisions`
/// and the target to a little above the highest (at most 1), so a curve that stays between
/// 0.9 and 1 fills the chart instead of its top tenth. Non-finite values are ignored; with
/// none left, the whole 0–1 range.
fn precision_axis(precisions: impl IntoIterator<Item = f64>, target: Option<f64>) -> Range<f64> {
    let (low, high) = precisions
        .into_iter()
        .chain(target)
        .filter(|p| p.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), p| {
            (low.min(p), high.max(p))
        });
    if low > high {
        return 0.0..1.0;
    }
    let margin = ((high - low) * 0.08).max(0.01);
    (low - margin).max(0.0)..(high + margin).min(1.0)
}

fn confusion_heatmap(report: &EvalReport, path: &Path) -> Result<(), String> {
    use plotters::coord::ranged1d::SegmentValue;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let labels = &report.metrics.labels;
    let n = labels.len() as i32;
    let root = SVGBackend::new(path, (720, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Confusion matrix: count and % of the true intent's row",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(160)
        // A segmented `0..k` range has k + 1 segments.
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(|e| e.to_string())?;
    let confusion = &report.metrics.confusion;
    // Row 0 (the first intent) is drawn at the top.
    let name = |index: i32| {
        labels
            .get(index as usize)
            .map_or(String::new(), |label| label.as_str().to_owned())
    };
    let row_name = |index: i32| {
        confusion.get(index as usize).map_or(String::new(), |row| {
            format!("{} (n={})", name(index), row.iter().sum::<usize>())
        })
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted")
        .y_desc("true")
        .x_labels(labels.len())
        .y_labels(labels.len())
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => name(*i),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => row_name(n - 1 - *i),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let centred = Pos::new(HPos::Center, VPos::Center);
    let shares = row_shares(confusion);
    for (t, row) in confusion.iter().enumerate() {
        for (p, &count) in row.iter().enumerate() {
            // Shaded by the share of the row, so a rare intent's mistakes show as plainly as a
            // common one's.
            let share = shares[t][p].unwrap_or(0.0);
            let (x, y) = (p as i32, n - 1 - t as i32);
            let shade = HSLColor(0.6, 0.7, 0.95 - 0.6 * share);
            let corners = [
                (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
            ];
            chart
                .draw_series(std::iter::once(Rectangle::new(corners, shade.filled())))
                .map_err(|e| e.to_string())?;
            let text_color = if share > 0.5 { &WHITE } else { &BLACK };
            let count_style = ("sans-serif", 22)
                .into_font()
                .color(text_color)
                .pos(centred);
            let share_style = ("sans-serif", 14)
                .into_font()
                .color(text_color)
                .pos(centred);
            let centre = (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y));
            // The count above the centre, its row share below (nothing for an empty row).
            let label = EmptyElement::at(centre)
                + Text::new(count.to_string(), (0, -10), count_style)
                + Text::new(
                    shares[t][p].map_or(String::new(), percent),
                    (0, 14),
                    share_style,
                );
            chart
                .draw_series(std::iter::once(label))
                .map_err(|e| e.to_string())?;
        }
    }
    root.present().map_err(|e| e.to_string())
}

fn coverage_curve(
    report: &EvalReport,
    target_precision: Option<f64>,
    path: &Path,
) -> Result<(), String> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let current = (report.automation.coverage(), report.automation.precision());
    // A threshold that automates nothing has no precision (it is reported as 1 by
    // convention); such points would draw a jump to 100% that no answer supports.
    let curve: Vec<(f64, f64)> = report
        .curve
        .iter()
        .filter(|p| p.coverage > 0.0 || p.precision < 1.0)
        .map(|p| (p.coverage, p.precision))
        .collect();
    let y_range = precision_axis(
        curve
            .iter()
            .map(|&(_, precision)| precision)
            .chain([current.1]),
        target_precision,
    );
    let root = SVGBackend::new(path, (720, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Automated answers: coverage vs precision",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, y_range)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("coverage (in-scope messages answered correctly)")
        .y_desc("precision of automated answers")
        .y_label_formatter(&|p| format!("{:.0}%", p * 100.0))
        .x_label_formatter(&|c| format!("{:.0}%", c * 100.0))
        .draw()
        .map_err(|e| e.to_string())?;
    if let Some(target) = target_precision {
        let label = format!("target precision {}", percent(target));
        let style = ShapeStyle {
            color: RED.mix(0.7),
            filled: false,
            stroke_width: 2,
        };
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, target), (1.0, target)],
                8,
                6,
                style,
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(
                label,
                (0.99, target),
                ("sans-serif", 15)
                    .into_font()
                    .color(&RED)
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(LineSeries::new(curve, &BLUE))
        .map_err(|e| e.to_string())?
        .label("one global threshold, 0 → 1")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(std::iter::once(Circle::new(current, 6, RED.filled())))
        .map_err(|e| e.to_string())?
        .label("model's thresholds")
        .legend(|(x, y)| Circle::new((x + 10, y), 5, RED.filled()));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerLeft)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskbot::classify::eval::{ClassificationMetrics, CurvePoint};
    use deskbot::classify::intent::Intent;
    use deskbot::classify::tune::AutomationStats;
    use Intent::*;

    #[test]
    fn the_precision_axis_fits_the_data_and_the_target() {
        // A curve between 0.9 and 1: the axis starts a little below 0.9, not at 0.
        let axis = precision_axis([0.9, 0.95, 1.0], Some(0.97));
        assert!(axis.start < 0.9 && axis.start > 0.85, "{axis:?}");
        assert_eq!(axis.end, 1.0);
        // A target below every point is still on the chart.
        let axis = precision_axis([0.9, 1.0], Some(0.6));
        assert!(axis.start < 0.6 && axis.start > 0.5, "{axis:?}");
        // A flat curve gets a visible band; the axis never leaves 0–1.
        let axis = precision_axis([1.0, 1.0], None);
        assert!(
            axis.start < 1.0 && axis.start >= 0.98 && axis.end == 1.0,
            "{axis:?}"
        );
        let axis = precision_axis([0.0, 0.5], None);
        assert_eq!(axis.start, 0.0);
        assert!(axis.end > 0.5 && axis.end < 0.6, "{axis:?}");
        // Nothing usable: the whole range.
        assert_eq!(precision_axis([f64::NAN], None), 0.0..1.0);
        assert_eq!(precision_axis([], None), 0.0..1.0);
    }

    #[test]
    fn rows_are_normalised_by_the_true_intents_count() {
        let mut confusion = vec![vec![0; Intent::COUNT]; Intent::COUNT];
        confusion[Tracking.index()][Tracking.index()] = 3;
        confusion[Tracking.index()][Cancel.index()] = 1;
        confusion[Cancel.index()][Cancel.index()] = 10;
        let shares = row_shares(&confusion);
        assert_eq!(shares[Tracking.index()][Tracking.index()], Some(0.75));
        assert_eq!(shares[Tracking.index()][Cancel.index()], Some(0.25));
        assert_eq!(shares[Tracking.index()][Other.index()], Some(0.0));
        assert_eq!(shares[Cancel.index()][Cancel.index()], Some(1.0));
        // An intent with no messages has no shares rather than a division by zero.
        assert!(shares[Return.index()].iter().all(Option::is_none));
    }

    /// The texts of an SVG written by plotters: each on its own line between the tags.
    fn texts(svg: &str) -> Vec<&str> {
        svg.lines().filter(|line| !line.starts_with('<')).collect()
    }

    fn report() -> EvalReport {
        let label = |intents: [Intent; 6]| intents.map(deskbot::Label::from);
        let truth = label([Tracking, Tracking, Tracking, Cancel, Cancel, Other]);
        let predicted = label([Tracking, Tracking, Cancel, Cancel, Cancel, Other]);
        EvalReport {
            messages: truth.len(),
            metrics: ClassificationMetrics::compute(&truth, &predicted),
            escalation_rate: 0.5,
            escalations: Default::default(),
            automation: AutomationStats {
                in_scope: 5,
                automated: 4,
                correct: 4,
            },
            other_escalated: Default::default(),
            curve: (0..=10)
                .map(|step| {
                    let threshold = f64::from(step) / 10.0;
                    CurvePoint {
                        threshold,
                        precision: 0.92 + 0.08 * threshold,
                        coverage: 1.0 - threshold,
                    }
                })
                .collect(),
            trade_off: Vec::new(),
        }
    }

    #[test]
    fn charts_show_row_percentages_and_the_target_line() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_charts(&report(), Some(0.97), dir.path()).unwrap();
        assert_eq!(written.len(), 2);
        let heatmap = std::fs::read_to_string(dir.path().join("confusion-matrix.svg")).unwrap();
        // tracking: 2 of 3 right, 1 of 3 as cancel.
        let labels = texts(&heatmap);
        for expected in [
            "2",
            "66.7%",
            "33.3%",
            "100.0%",
            "tracking (n=3)",
            "return (n=0)",
        ] {
            assert!(labels.contains(&expected), "no {expected:?} in {labels:?}");
        }
        let curve = std::fs::read_to_string(dir.path().join("coverage-precision.svg")).unwrap();
        let labels = texts(&curve);
        assert!(
            labels.contains(&"target precision 97.0%"),
            "no target label in {labels:?}"
        );
        // The precision axis's tick labels (right-aligned, left of the chart) run from about
        // 91% to 100%: the curve spans the chart, not its top tenth.
        let lines: Vec<&str> = curve.lines().collect();
        let y_ticks: Vec<f64> = lines
            .windows(2)
            .filter(|pair| pair[0].contains("text-anchor=\"end\""))
            .filter_map(|pair| pair[1].strip_suffix('%')?.parse().ok())
            .collect();
        assert!(y_ticks.len() >= 3, "{y_ticks:?}");
        assert!(
            y_ticks.iter().all(|&t| (90.0..=100.0).contains(&t)),
            "{y_ticks:?}"
        );

        // Without a target (a --no-tune model), no line and no label.
        let dir = tempfile::tempdir().unwrap();
        write_charts(&report(), None, dir.path()).unwrap();
        let curve = std::fs::read_to_string(dir.path().join("coverage-precision.svg")).unwrap();
        assert!(!curve.contains("target precision"));
    }
}
