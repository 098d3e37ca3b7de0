//! SVG charts for `deskbot eval --plot`: a confusion-matrix heatmap and the
//! coverage-vs-precision curve.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use deskbot::classify::eval::EvalReport;
use deskbot::classify::intent::Intent;

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
pub fn write_charts(report: &EvalReport, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
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
    coverage_curve(report, &curve).map_err(|message| PlotError::Chart {
        path: curve.clone(),
        message,
    })?;
    Ok(vec![heatmap, curve])
}

fn confusion_heatmap(report: &EvalReport, path: &Path) -> Result<(), String> {
    use plotters::coord::ranged1d::SegmentValue;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    let n = Intent::COUNT as i32;
    let root = SVGBackend::new(path, (720, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Confusion matrix (rows: true intent)", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(110)
        // A segmented `0..k` range has k + 1 segments.
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(|e| e.to_string())?;
    // Row 0 (the first intent) is drawn at the top.
    let name = |index: i32| {
        Intent::ALL
            .get(index as usize)
            .map_or(String::new(), |intent| intent.as_str().to_owned())
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted")
        .y_desc("true")
        .x_labels(Intent::COUNT)
        .y_labels(Intent::COUNT)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => name(*i),
            _ => String::new(),
        })
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => name(n - 1 - *i),
            _ => String::new(),
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let centred = Pos::new(HPos::Center, VPos::Center);
    for (t, row) in report.metrics.confusion.iter().enumerate() {
        let row_total = row.iter().sum::<usize>().max(1) as f64;
        for (p, &count) in row.iter().enumerate() {
            let share = count as f64 / row_total;
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
            let style = ("sans-serif", 22)
                .into_font()
                .color(text_color)
                .pos(centred);
            chart
                .draw_series(std::iter::once(Text::new(
                    count.to_string(),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    style,
                )))
                .map_err(|e| e.to_string())?;
        }
    }
    root.present().map_err(|e| e.to_string())
}

fn coverage_curve(report: &EvalReport, path: &Path) -> Result<(), String> {
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
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("coverage (in-scope messages answered correctly)")
        .y_desc("precision")
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            report.curve.iter().map(|p| (p.coverage, p.precision)),
            &BLUE,
        ))
        .map_err(|e| e.to_string())?
        .label("one global threshold, 0 → 1")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE));
    let current = (report.automation.coverage(), report.automation.precision());
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
