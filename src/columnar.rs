//! `trials.parquet`: the rows of `trials.csv` in a typed, compressed, columnar file for big-data
//! tools (pandas, polars, R arrow, DuckDB, Spark), with each variant's swept values as columns
//! beside `variant`, so no join with `variants.csv` is needed.
//!
//! The file is made from the very rows that make `trials.csv` (the run writes them as CSV and
//! converts them here), so every column `trials.csv` gains flows into it. Columns whose type is
//! known are typed as below; any other column is a nullable float when every value is a number
//! (an empty field is null), and text otherwise. Reading the file back gives the rows as CSV
//! again ([`parquet_rows`]), which is how `merge` joins Parquet shards.
//!
//! Measured and drawn values (assets, brand, money, ...) are stored as 32-bit floats: seven
//! significant digits, far below the Monte-Carlo error, and what makes the file five times
//! smaller than the CSV (their 64-bit mantissas are random to the last bit and do not
//! compress). Swept values are kept exact (doubles), and `trials.csv` keeps every digit.
//! Compression is gzip (pure Rust, read by every Parquet reader), with the floats split into
//! byte streams; `variant` and the small integers are dictionary-encoded, `trial`
//! delta-encoded.

use crate::error::Error;
use crate::output::num;
use crate::parameters::ParamValue;
use crate::scenario::{Scenario, Variant};
use parquet::basic::{Compression, Encoding, IntType, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FloatType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::types::{ColumnPath, Type};
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file of trial rows: `trials.csv` or `trials.parquet`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrialsFormat {
    #[default]
    Csv,
    Parquet,
}

impl TrialsFormat {
    /// The name of the file of trial rows.
    pub fn file_name(self) -> &'static str {
        match self {
            TrialsFormat::Csv => "trials.csv",
            TrialsFormat::Parquet => TRIALS_PARQUET,
        }
    }
}

/// The name of the Parquet file of trial rows.
pub const TRIALS_PARQUET: &str = "trials.parquet";

/// Rows per row group: bounds the memory of the writer (a few tens of MB) whatever the run's
/// size, and is large enough for good compression.
pub const ROW_GROUP: usize = 1 << 17;

/// Key of the file's metadata that lists the columns of `trials.csv`, in order, so that the rows
/// can be read back as CSV.
const CSV_COLUMNS_KEY: &str = "hothouse.trials_csv_columns";

/// The storage type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Signed 64-bit integer.
    Int,
    /// Unsigned 64-bit integer (the seeds).
    UInt,
    /// 32-bit float (a measured or drawn value).
    Float,
    /// Double (a swept parameter value, kept exact).
    Double,
    /// UTF-8 text.
    Text,
}

/// The type of a known column of `trials.csv`; `None` for a column this module does not know
/// (its type is then read off its values).
fn known_kind(name: &str) -> Option<Kind> {
    Some(match name {
        "variant" | "trial" | "time" | "peak_participants" | "final_participants"
        | "final_active" | "host_weeks" | "host_withdrew" | "joined" | "left" | "partner_week" => {
            Kind::Int
        }
        "seed" => Kind::UInt,
        "outcome" | "stage" | "cause" | "host_exit" => Kind::Text,
        "assets" | "brand" | "host_spend" | "host_covered" | "revenue" | "final_balance" => {
            Kind::Float
        }
        _ => return None,
    })
}

/// Known columns that are empty when they do not apply (`cause` unless fizzled, `host_exit`
/// unless the host left): null there.
const NULLABLE: &[&str] = &["cause", "host_exit"];

/// One column of the Parquet file and where its values come from.
struct Column {
    name: String,
    kind: Kind,
    /// Nullable (an empty CSV field is null).
    optional: bool,
    source: Source,
}

enum Source {
    /// Field `i` of the CSV row.
    Csv(usize),
    /// Swept parameter `j` of the row's variant.
    Swept(usize),
}

/// A row group's values of one column, and its definition levels if nullable.
enum Values {
    Int(Vec<i64>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Text(Vec<ByteArray>),
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::io(path, std::io::Error::other(e))
}

fn damaged(path: &Path, row: u64, what: String) -> Error {
    Error::BadInput(format!("{}: row {}: {what}", path.display(), row + 2))
}

/// The Parquet type of a column.
fn column_type(c: &Column) -> Result<Type, parquet::errors::ParquetError> {
    let (physical, logical) = match c.kind {
        Kind::Int => (Physical::INT64, None),
        Kind::UInt => (
            Physical::INT64,
            Some(LogicalType::Integer(IntType {
                bit_width: 64,
                is_signed: false,
            })),
        ),
        Kind::Float => (Physical::FLOAT, None),
        Kind::Double => (Physical::DOUBLE, None),
        Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
    };
    Type::primitive_type_builder(&c.name, physical)
        .with_repetition(if c.optional {
            Repetition::OPTIONAL
        } else {
            Repetition::REQUIRED
        })
        .with_logical_type(logical)
        .build()
}

/// The kind of each swept parameter over all variants: integer, double if numbers of both
/// kinds, text otherwise.
fn swept_kinds(variants: &[Variant], n: usize) -> Vec<Kind> {
    (0..n)
        .map(|j| {
            let mut kind = None;
            for v in variants {
                let k = match v.values.get(j) {
                    Some(ParamValue::Int(_)) => Kind::Int,
                    Some(ParamValue::Float(_)) => Kind::Double,
                    _ => Kind::Text,
                };
                kind = Some(match (kind, k) {
                    (None, k) => k,
                    (Some(a), b) if a == b => a,
                    (Some(Kind::Text), _) | (_, Kind::Text) => Kind::Text,
                    _ => Kind::Double,
                });
            }
            kind.unwrap_or(Kind::Text)
        })
        .collect()
}

/// Reads the kind of the columns this module does not know off their values: a double if every
/// non-empty value is a number, text otherwise. One pass over the file, only if there are such
/// columns.
fn infer_kinds(csv_path: &Path, unknown: &[usize]) -> Result<Vec<Kind>, Error> {
    let mut numeric = vec![true; unknown.len()];
    if unknown.is_empty() {
        return Ok(Vec::new());
    }
    let mut rdr = csv::Reader::from_path(csv_path).map_err(|e| Error::csv(csv_path, e))?;
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| Error::csv(csv_path, e))?
    {
        for (k, &i) in unknown.iter().enumerate() {
            let field = rec.get(i).unwrap_or_default();
            if numeric[k] && !field.is_empty() && parse::<f64>(field).is_none() {
                numeric[k] = false;
            }
        }
    }
    Ok(numeric
        .into_iter()
        .map(|n| if n { Kind::Float } else { Kind::Text })
        .collect())
}

fn parse<T: std::str::FromStr>(field: &[u8]) -> Option<T> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Writes `dir/trials.parquet` from `dir/trials.csv` (with each row's swept values from
/// `variants`) and removes `trials.csv`. Returns the path of the Parquet file.
pub fn convert_trials(
    dir: &Path,
    scenario: &Scenario,
    variants: &[Variant],
) -> Result<PathBuf, Error> {
    let csv_path = dir.join("trials.csv");
    let out_path = dir.join(TRIALS_PARQUET);
    let mut rdr = csv::Reader::from_path(&csv_path).map_err(|e| Error::csv(&csv_path, e))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::csv(&csv_path, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let variant_col = header
        .iter()
        .position(|h| h == "variant")
        .ok_or_else(|| Error::BadInput(format!("{}: no column `variant`", csv_path.display())))?;
    let columns = trial_columns(&csv_path, &header, variant_col, scenario, variants)?;
    let mut writer = open_writer(&out_path, &columns, &header)?;
    let mut group = empty_group(&columns);
    // Each variant's swept values as text, parsed like a CSV field.
    let swept_text: Vec<Vec<String>> = variants
        .iter()
        .map(|v| v.values.iter().map(ParamValue::to_string).collect())
        .collect();
    let mut rows_in_group = 0usize;
    let mut rec = csv::ByteRecord::new();
    let mut row = 0u64;
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| Error::csv(&csv_path, e))?
    {
        let variant: usize = rec
            .get(variant_col)
            .and_then(parse)
            .filter(|&v: &usize| v < variants.len())
            .ok_or_else(|| damaged(&csv_path, row, "no such variant".to_string()))?;
        for (c, (values, levels)) in columns.iter().zip(group.iter_mut()) {
            let field: &[u8] = match c.source {
                Source::Csv(i) => rec.get(i).unwrap_or_default(),
                Source::Swept(j) => swept_text[variant][j].as_bytes(),
            };
            push_field(c, field, values, levels)
                .ok_or_else(|| not_a_number(&csv_path, row, c, field))?;
        }
        row += 1;
        rows_in_group += 1;
        if rows_in_group == ROW_GROUP {
            write_group(&mut writer, &mut group, &out_path)?;
            rows_in_group = 0;
        }
    }
    if rows_in_group > 0 {
        write_group(&mut writer, &mut group, &out_path)?;
    }
    let buf = writer
        .into_inner()
        .map_err(|e| parquet_error(&out_path, e))?;
    let file = buf
        .into_inner()
        .map_err(|e| Error::io(&out_path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&out_path, e))?;
    fs::remove_file(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
    Ok(out_path)
}

/// The Parquet file's columns: variant, the swept values, then the other CSV columns in their
/// order (types known by name, or inferred from the file for columns not known).
fn trial_columns(
    csv_path: &Path,
    header: &[String],
    variant_col: usize,
    scenario: &Scenario,
    variants: &[Variant],
) -> Result<Vec<Column>, Error> {
    let unknown: Vec<usize> = (0..header.len())
        .filter(|&i| known_kind(&header[i]).is_none())
        .collect();
    let inferred = infer_kinds(csv_path, &unknown)?;
    let swept = scenario.swept_paths();
    let mut columns = vec![Column {
        name: header[variant_col].clone(),
        kind: Kind::Int,
        optional: false,
        source: Source::Csv(variant_col),
    }];
    for (j, (path, kind)) in swept
        .iter()
        .zip(swept_kinds(variants, swept.len()))
        .enumerate()
    {
        columns.push(Column {
            name: path.to_string(),
            kind,
            optional: false,
            source: Source::Swept(j),
        });
    }
    for (i, name) in header.iter().enumerate() {
        if i == variant_col {
            continue;
        }
        let (kind, optional) = match known_kind(name) {
            Some(k) => (k, NULLABLE.contains(&name.as_str())),
            None => (
                inferred[unknown.iter().position(|&u| u == i).unwrap_or(0)],
                true,
            ),
        };
        columns.push(Column {
            name: name.clone(),
            kind,
            optional,
            source: Source::Csv(i),
        });
    }
    Ok(columns)
}

/// A Parquet writer for `columns`: gzip, row groups of [`ROW_GROUP`] rows, delta-coded trial
/// numbers, byte-stream-split floats, and the CSV's column order in the file's metadata.
fn open_writer(
    out_path: &Path,
    columns: &[Column],
    header: &[String],
) -> Result<SerializedFileWriter<BufWriter<File>>, Error> {
    let fields = columns
        .iter()
        .map(|c| column_type(c).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| parquet_error(out_path, e))?;
    let schema = Type::group_type_builder("trials")
        .with_fields(fields)
        .build()
        .map_err(|e| parquet_error(out_path, e))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::GZIP(Default::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_column_dictionary_enabled(ColumnPath::from("trial"), false)
        .set_column_encoding(ColumnPath::from("trial"), Encoding::DELTA_BINARY_PACKED)
        .set_column_dictionary_enabled(ColumnPath::from("seed"), false)
        .set_key_value_metadata(Some(vec![KeyValue::new(
            CSV_COLUMNS_KEY.to_string(),
            header.join(","),
        )]));
    for c in columns.iter().filter(|c| c.kind == Kind::Float) {
        let path = ColumnPath::from(c.name.as_str());
        props = props
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_encoding(path, Encoding::BYTE_STREAM_SPLIT);
    }
    let file = File::create(out_path).map_err(|e| Error::io(out_path, e))?;
    SerializedFileWriter::new(
        BufWriter::new(file),
        Arc::new(schema),
        Arc::new(props.build()),
    )
    .map_err(|e| parquet_error(out_path, e))
}

/// One empty buffer of values (and definition levels) per column.
fn empty_group(columns: &[Column]) -> Vec<(Values, Vec<i16>)> {
    columns
        .iter()
        .map(|c| {
            let v = match c.kind {
                Kind::Int | Kind::UInt => Values::Int(Vec::with_capacity(ROW_GROUP)),
                Kind::Float => Values::Float(Vec::with_capacity(ROW_GROUP)),
                Kind::Double => Values::Double(Vec::with_capacity(ROW_GROUP)),
                Kind::Text => Values::Text(Vec::with_capacity(ROW_GROUP)),
            };
            (v, Vec::new())
        })
        .collect()
}

/// Appends one CSV field to its column's buffer; `None` when it is not of the column's type.
/// An empty field of an optional column is a null (definition level 0).
fn push_field(c: &Column, field: &[u8], values: &mut Values, levels: &mut Vec<i16>) -> Option<()> {
    if c.optional {
        if field.is_empty() {
            levels.push(0);
            return Some(());
        }
        levels.push(1);
    }
    match values {
        Values::Int(v) => v.push(match c.kind {
            // Unsigned values are stored in the same 64 bits (Parquet's UINT_64).
            Kind::UInt => parse::<u64>(field)? as i64,
            _ => parse::<i64>(field)?,
        }),
        // Rounded to the nearest 32-bit float.
        Values::Float(v) => v.push(parse::<f64>(field)? as f32),
        Values::Double(v) => v.push(parse::<f64>(field)?),
        Values::Text(v) => v.push(ByteArray::from(field.to_vec())),
    }
    Some(())
}

/// The error for a field that is not of its column's type.
fn not_a_number(csv_path: &Path, row: u64, c: &Column, field: &[u8]) -> Error {
    damaged(
        csv_path,
        row,
        format!(
            "`{}` in column {} is not {}",
            String::from_utf8_lossy(field),
            c.name,
            match c.kind {
                Kind::Int | Kind::UInt => "a whole number",
                _ => "a number",
            }
        ),
    )
}

/// Writes the buffered values as one row group and empties the buffers.
fn write_group(
    writer: &mut SerializedFileWriter<BufWriter<File>>,
    group: &mut [(Values, Vec<i16>)],
    path: &Path,
) -> Result<(), Error> {
    let err = |e| parquet_error(path, e);
    let mut rg = writer.next_row_group().map_err(err)?;
    for (values, levels) in group.iter_mut() {
        let mut col = rg
            .next_column()
            .map_err(err)?
            .ok_or_else(|| Error::BadInput(format!("{}: schema mismatch", path.display())))?;
        let levels_arg = (!levels.is_empty()).then_some(levels.as_slice());
        match values {
            Values::Int(v) => {
                col.typed::<Int64Type>()
                    .write_batch(v, levels_arg, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::Float(v) => {
                col.typed::<FloatType>()
                    .write_batch(v, levels_arg, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::Double(v) => {
                col.typed::<DoubleType>()
                    .write_batch(v, levels_arg, None)
                    .map_err(err)?;
                v.clear();
            }
            Values::Text(v) => {
                col.typed::<ByteArrayType>()
                    .write_batch(v, levels_arg, None)
                    .map_err(err)?;
                v.clear();
            }
        }
        levels.clear();
        col.close().map_err(err)?;
    }
    rg.close().map_err(err)?;
    Ok(())
}

/// The rows of `trials.parquet` at `path` as CSV text (header first), exactly as `trials.csv`
/// would hold them but for the 32-bit floats; this is how `merge` joins Parquet shards.
pub fn parquet_rows(path: &Path) -> Result<Box<dyn Read>, Error> {
    Ok(Box::new(ParquetRows::open(path)?))
}

/// What `manifest.json` records of `trials.parquet`: the SHA-256 and length of the file, and its
/// `rows` trial rows.
pub fn parquet_record(path: &Path, rows: u64) -> Result<crate::output::FileRecord, Error> {
    let found = crate::output::file_record(path).map_err(|e| Error::io(path, e))?;
    Ok(crate::output::FileRecord { rows, ..found })
}

/// Reads `trials.parquet` as the CSV text of `trials.csv`, one row group at a time.
struct ParquetRows {
    path: PathBuf,
    reader: SerializedFileReader<File>,
    /// For each CSV column, its index in the Parquet schema.
    order: Vec<usize>,
    next_group: usize,
    buf: Vec<u8>,
    pos: usize,
}

impl ParquetRows {
    fn open(path: &Path) -> Result<ParquetRows, Error> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let reader = SerializedFileReader::new(file).map_err(|e| parquet_error(path, e))?;
        let meta = reader.metadata().file_metadata();
        let csv_columns: Vec<String> = meta
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == CSV_COLUMNS_KEY))
            .and_then(|k| k.value.clone())
            .ok_or_else(|| {
                Error::BadInput(format!(
                    "{}: not a trials.parquet written by hothouse (no {CSV_COLUMNS_KEY})",
                    path.display()
                ))
            })?
            .split(',')
            .map(str::to_string)
            .collect();
        let schema = meta.schema_descr();
        let order = csv_columns
            .iter()
            .map(|name| {
                (0..schema.num_columns())
                    .find(|&i| schema.column(i).name() == name)
                    .ok_or_else(|| {
                        Error::BadInput(format!("{}: no column `{name}`", path.display()))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&csv_columns)
            .map_err(|e| Error::csv(path, e))?;
        let buf = w
            .into_inner()
            .map_err(|e| Error::csv(path, e.into_error()))?;
        Ok(ParquetRows {
            path: path.to_path_buf(),
            reader,
            order,
            next_group: 0,
            buf,
            pos: 0,
        })
    }

    /// Turns the next row group into CSV text; `false` at the end.
    fn fill(&mut self) -> Result<bool, Error> {
        if self.next_group >= self.reader.num_row_groups() {
            return Ok(false);
        }
        let path = &self.path;
        let group = self
            .reader
            .get_row_group(self.next_group)
            .map_err(|e| parquet_error(path, e))?;
        self.next_group += 1;
        let rows = group
            .get_row_iter(None)
            .map_err(|e| parquet_error(path, e))?;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(std::mem::take(&mut self.buf));
        let mut record: Vec<String> = Vec::with_capacity(self.order.len());
        for row in rows {
            let row = row.map_err(|e| parquet_error(path, e))?;
            let fields: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
            record.clear();
            for &i in &self.order {
                record.push(match fields.get(i) {
                    Some(Field::Long(x)) => x.to_string(),
                    Some(Field::ULong(x)) => x.to_string(),
                    Some(Field::Double(x)) => num(*x),
                    // The exact value of the stored float, which converts back to it.
                    Some(Field::Float(x)) => num(f64::from(*x)),
                    Some(Field::Str(s)) => s.clone(),
                    Some(Field::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                });
            }
            w.write_record(&record).map_err(|e| Error::csv(path, e))?;
        }
        self.buf = w
            .into_inner()
            .map_err(|e| Error::csv(path, e.into_error()))?;
        Ok(true)
    }
}

impl Read for ParquetRows {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            if !self.fill().map_err(std::io::Error::other)? {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
