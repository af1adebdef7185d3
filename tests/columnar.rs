//! `run --format parquet` and `merge` of Parquet shards: trials.parquet read back with the
//! parquet crate holds the rows of trials.csv (floats to 32 bits) plus the swept values, and
//! merging Parquet shards gives the single run's file byte for byte.

use assert_cmd::Command;
use parquet::basic::Type as Physical;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::fs;
use std::path::{Path, PathBuf};

fn hothouse() -> Command {
    Command::cargo_bin("hothouse").expect("binary built")
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `hothouse run scenarios/host-investment.toml --trials 40` with extra arguments.
fn run(out: &Path, extra: &[&str]) {
    let o = hothouse()
        .arg("run")
        .arg(repo("scenarios/host-investment.toml"))
        .args(["--trials", "40", "--no-plots", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Columns (name, physical type) and rows of a Parquet file.
fn parquet_rows(path: &Path) -> (Vec<(String, Physical)>, Vec<Vec<Field>>) {
    let reader = SerializedFileReader::new(fs::File::open(path).unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr();
    let columns = (0..schema.num_columns())
        .map(|i| {
            let c = schema.column(i);
            (c.name().to_string(), c.physical_type())
        })
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    (columns, rows)
}

#[test]
fn trials_parquet_holds_the_csv_rows_and_the_swept_values() {
    let dir = tempfile::tempdir().unwrap();
    let (csv_dir, pq_dir) = (dir.path().join("csv"), dir.path().join("parquet"));
    run(&csv_dir, &[]);
    run(&pq_dir, &["--format", "parquet"]);
    assert!(
        !pq_dir.join("trials.csv").exists(),
        "parquet run wrote trials.csv"
    );
    // Everything else is the same.
    for f in ["variants.csv", "survival.csv", "summary.csv", "logrank.csv"] {
        assert_eq!(
            fs::read(csv_dir.join(f)).unwrap(),
            fs::read(pq_dir.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(pq_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["trials_format"], "parquet");

    let (header, rows) = csv_rows(&csv_dir.join("trials.csv"));
    let (_, variants) = csv_rows(&csv_dir.join("variants.csv"));
    let (columns, pq) = parquet_rows(&pq_dir.join("trials.parquet"));
    // variant, the swept value, then trials.csv's columns in order.
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = vec!["variant", "host.investment"];
    expected.extend(header.iter().skip(1).map(String::as_str));
    assert_eq!(names, expected);
    assert_eq!(rows.len(), 6 * 40);
    assert_eq!(pq.len(), rows.len());
    let mut floats = 0;
    let mut nulls = 0;
    for (csv_row, pq_row) in rows.iter().zip(&pq) {
        let variant: usize = csv_row[0].parse().unwrap();
        assert_eq!(pq_row[0], Field::Long(variant as i64));
        let swept: f64 = variants[variant][1].parse().unwrap();
        assert_eq!(pq_row[1], Field::Double(swept));
        for (k, text) in csv_row.iter().enumerate().skip(1) {
            let (name, physical) = &columns[k + 1];
            let field = &pq_row[k + 1];
            match (physical, field) {
                (Physical::INT64, Field::Long(x)) => assert_eq!(x.to_string(), *text, "{name}"),
                (Physical::INT64, Field::ULong(x)) => assert_eq!(x.to_string(), *text, "{name}"),
                (Physical::FLOAT, Field::Float(x)) => {
                    assert_eq!(*x, text.parse::<f64>().unwrap() as f32, "{name}");
                    floats += 1;
                }
                (Physical::BYTE_ARRAY, Field::Str(s)) => assert_eq!(s, text, "{name}"),
                // `cause` and `host_exit` are null where trials.csv leaves them empty.
                (Physical::BYTE_ARRAY, Field::Null) => {
                    assert!(text.is_empty(), "{name}: null for {text}");
                    nulls += 1;
                }
                other => panic!("{name}: unexpected {other:?}"),
            }
        }
    }
    assert_eq!(floats, 6 * rows.len(), "six float columns");
    let empty = rows
        .iter()
        .flat_map(|r| [&r[header.len() - 3], &r[header.len() - 2]])
        .filter(|t| t.is_empty())
        .count();
    assert_eq!(
        &header[header.len() - 3..header.len() - 1],
        ["cause", "host_exit"]
    );
    assert!(empty > 0);
    assert_eq!(nulls, empty);
    // The seed is unsigned (seeds above 2^63 read back as such).
    assert!(
        pq.iter()
            .any(|r| matches!(r[3], Field::ULong(s) if s > i64::MAX as u64))
    );
}

#[test]
fn merged_parquet_shards_equal_the_single_parquet_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single");
    run(&single, &["--format", "parquet"]);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard-{k}"));
        run(&out, &["--format", "parquet", "--shard", &format!("{k}/3")]);
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    let o = hothouse()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--no-plots")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!merged.join("trials.csv").exists());
    for f in [
        "trials.parquet",
        "variants.csv",
        "survival.csv",
        "summary.csv",
    ] {
        assert!(
            fs::read(merged.join(f)).unwrap() == fs::read(single.join(f)).unwrap(),
            "{f} differs"
        );
    }

    // Each manifest records trials.parquet by the SHA-256 and length of the file, and its rows.
    let record = |d: &Path| -> serde_json::Value {
        let m: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
        assert!(m["files"].get("trials.csv").is_none());
        m["files"]["trials.parquet"].clone()
    };
    for (d, rows) in [
        (&single, 240),
        (&merged, 240),
        (&shards[0], 78),
        (&shards[2], 84),
    ] {
        let bytes = fs::read(d.join("trials.parquet")).unwrap();
        let r = record(d);
        assert_eq!(r["sha256"], sha256_hex(&bytes), "{}", d.display());
        assert_eq!(r["bytes"], bytes.len() as u64, "{}", d.display());
        assert_eq!(r["rows"], rows, "{}", d.display());
    }
    assert_eq!(record(&merged), record(&single));

    // A shard whose trials.parquet was changed after the run is refused before it is read:
    // one byte flipped, or another shard's (valid) file put in its place.
    let damaged = dir.path().join("damaged");
    copy_dir(&shards[1], &damaged);
    let file = damaged.join("trials.parquet");
    let mut bytes = fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(&file, &bytes).unwrap();
    let refused = |middle_shard: &Path, name: &str| {
        let out = dir.path().join(name);
        hothouse()
            .arg("merge")
            .arg(&shards[0])
            .arg(middle_shard)
            .arg(&shards[2])
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "trials.parquet does not match the checksum and rows in its manifest.json",
            ));
        assert!(!out.exists());
    };
    refused(&damaged, "refused-flipped");
    fs::copy(shards[0].join("trials.parquet"), &file).unwrap();
    refused(&damaged, "refused-swapped");

    // A CSV shard does not join Parquet shards.
    let csv_shard = dir.path().join("csv-shard-3");
    run(&csv_shard, &["--shard", "3/3"]);
    hothouse()
        .arg("merge")
        .args(&shards[..2])
        .arg(&csv_shard)
        .arg("--out")
        .arg(dir.path().join("mixed"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("trials.parquet"));
}

#[test]
fn parquet_without_trials_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    hothouse()
        .arg("run")
        .arg(repo("scenarios/host-investment.toml"))
        .args(["--format", "parquet", "--no-trials", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
