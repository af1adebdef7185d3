//! The pictures of the bundled scenarios, redrawn and compared with committed references.
//!
//! `tests/fixtures/pictures/NAME/` holds the CSV files of a small run of `scenarios/NAME.toml`
//! (`--trials 400`; the `sweep-*` folders: `scenarios/default.toml` swept over the values in
//! their `variants.csv`, `--trials 200`; `trace-default/` holds `hothouse trace
//! scenarios/default.toml`), and one reference per picture, `NAME.ref.png`, drawn from those
//! files and shrunk by [`SHRINK`] in each direction to keep the repository small. Each run
//! folder's `weekly.csv` (the fan chart's) was added later, from the same scenario, trials and
//! seed run by a newer model, so its numbers differ a little from the other files': each picture
//! reads its own files, and these references test the drawing, not the model. The test redraws
//! every picture (as `hothouse plot` does), shrinks it the same way and compares it pixel by
//! pixel: the canvas size must match exactly, the mean difference must stay under
//! [`MAX_MEAN_DIFF`] and the share of visibly different pixels under [`MAX_CHANGED_SHARE`]. A
//! changed picture is meant to fail; after looking at the new pictures, regenerate the
//! references with
//!
//! ```text
//! HOTHOUSE_BLESS_PICTURES=1 cargo test --release --test picture_refs
//! ```
//!
//! and commit them (docs/ARCHITECTURE.md, "Pictures", says the same).

use std::fs;
use std::path::{Path, PathBuf};

use image::{RgbImage, imageops};

/// References are this many times smaller than the pictures, in each direction.
const SHRINK: u32 = 4;
/// Largest mean absolute difference per channel (0-255) between picture and reference.
const MAX_MEAN_DIFF: f64 = 2.0;
/// A pixel whose largest channel difference exceeds this counts as visibly changed...
const VISIBLE: u8 = 48;
/// ...and at most this share of pixels may have changed visibly.
const MAX_CHANGED_SHARE: f64 = 0.01;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pictures")
}

fn blessing() -> bool {
    std::env::var_os("HOTHOUSE_BLESS_PICTURES").is_some_and(|v| v == "1")
}

/// A picture shrunk by [`SHRINK`], each output pixel the mean of its block. The size is part
/// of the comparison: (width, height) of the full picture are kept beside the pixels.
fn shrink(path: &Path) -> RgbImage {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (w, h) = img.dimensions();
    imageops::resize(
        &img,
        w.div_ceil(SHRINK),
        h.div_ceil(SHRINK),
        imageops::FilterType::Triangle,
    )
}

/// (mean absolute difference per channel, share of visibly changed pixels).
fn difference(a: &RgbImage, b: &RgbImage) -> (f64, f64) {
    let mut sum = 0u64;
    let mut changed = 0u64;
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d: Vec<u8> = (0..3).map(|c| p.0[c].abs_diff(q.0[c])).collect();
        sum += d.iter().map(|&x| x as u64).sum::<u64>();
        if d.iter().any(|&x| x > VISIBLE) {
            changed += 1;
        }
    }
    let n = (a.width() * a.height()).max(1) as f64;
    (sum as f64 / (3.0 * n), changed as f64 / n)
}

/// Copies the CSV files of a fixture into a fresh folder and draws its pictures there.
fn redraw(fixture: &Path) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(fixture).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let written = hothouse::plots::draw_run(dir.path())
        .unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    let pngs = written
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    (dir, pngs)
}

#[test]
fn pictures_of_the_bundled_scenarios_match_their_references() {
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut folders: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 7, "fixtures missing: {folders:?}");
    for fixture in &folders {
        let (_dir, pngs) = redraw(fixture);
        let mut expected: Vec<String> = fs::read_dir(fixture)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                name.strip_suffix(".ref.png").map(str::to_string)
            })
            .collect();
        expected.sort();
        let mut drawn: Vec<String> = pngs
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        drawn.sort();
        if blessing() {
            for old in &expected {
                fs::remove_file(fixture.join(format!("{old}.ref.png"))).unwrap();
            }
            for png in &pngs {
                let stem = png.file_stem().unwrap().to_string_lossy();
                shrink(png)
                    .save(fixture.join(format!("{stem}.ref.png")))
                    .unwrap();
            }
            continue;
        }
        if drawn != expected {
            failures.push(format!(
                "{}: drew {drawn:?}, references are {expected:?}",
                fixture.display()
            ));
            continue;
        }
        for png in &pngs {
            let stem = png.file_stem().unwrap().to_string_lossy();
            let reference = fixture.join(format!("{stem}.ref.png"));
            let want = image::open(&reference).unwrap().to_rgb8();
            let got = shrink(png);
            compared += 1;
            if got.dimensions() != want.dimensions() {
                failures.push(format!(
                    "{}: size {:?} (shrunk), reference {:?}",
                    png.display(),
                    got.dimensions(),
                    want.dimensions()
                ));
                continue;
            }
            let (mean, share) = difference(&got, &want);
            eprintln!(
                "{}/{stem}: mean difference {mean:.3}, changed pixels {:.3}%",
                fixture.file_name().unwrap().to_string_lossy(),
                share * 100.0
            );
            if mean > MAX_MEAN_DIFF || share > MAX_CHANGED_SHARE {
                let keep = std::env::temp_dir().join(format!(
                    "hothouse-picture-{}-{stem}.png",
                    fixture.file_name().unwrap().to_string_lossy()
                ));
                let _ = fs::copy(png, &keep);
                failures.push(format!(
                    "{}: mean difference {mean:.2} (limit {MAX_MEAN_DIFF}), {:.2}% of pixels changed (limit {:.2}%); new picture kept at {}",
                    reference.display(),
                    share * 100.0,
                    MAX_CHANGED_SHARE * 100.0,
                    keep.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "pictures differ from their references (look at them; if better, regenerate with HOTHOUSE_BLESS_PICTURES=1):\n{}",
        failures.join("\n")
    );
    if !blessing() {
        assert!(compared >= 45, "only {compared} pictures compared");
    }
}

#[test]
fn the_comparison_notices_a_changed_picture() {
    let a = RgbImage::from_pixel(100, 100, image::Rgb([255, 255, 255]));
    let mut b = a.clone();
    assert_eq!(difference(&a, &b), (0.0, 0.0));
    // a black bar across 5% of the picture
    for x in 0..100 {
        for y in 0..5 {
            b.put_pixel(x, y, image::Rgb([0, 0, 0]));
        }
    }
    let (mean, share) = difference(&a, &b);
    assert!((share - 0.05).abs() < 1e-12);
    assert!((mean - 255.0 * 0.05).abs() < 1e-9);
    assert!(mean > MAX_MEAN_DIFF && share > MAX_CHANGED_SHARE);
}
