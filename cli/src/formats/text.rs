//! Text: one number per line, or one column of a comma/tab/semicolon table.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{FormatError, ReadOptions, Sink, Source};
use crate::sample::Real;

/// Which field of a text line holds the value.
#[derive(Clone, Debug)]
enum Field {
    /// The line has one field.
    Only,
    /// 0-based index of the field.
    Index(usize),
}

pub(super) struct TextSource {
    path: PathBuf,
    lines: io::Lines<BufReader<File>>,
    line_no: usize,
    field: Field,
    frames: u64,
    skip_header: bool,
}

/// Splits a line into fields on commas, tabs or semicolons.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split([',', '\t', ';'])
        .map(|f| f.trim().trim_matches('"').trim())
}

/// Lines that carry no data: blank or `#` comments.
fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

impl TextSource {
    /// Reads the file once to find the column and count the values (so that the output length
    /// is known before the convolution starts), then reopens it for the values.
    pub(super) fn new(path: &Path, file: File, options: &ReadOptions) -> Result<Self> {
        let read_err = || format!("cannot read `{}`", path.display());
        let mut lines = BufReader::new(file).lines();
        // The first data line decides the column and whether it is a header.
        let (mut first, mut first_line) = (None, 0);
        for line in lines.by_ref() {
            let line = line.with_context(read_err)?;
            first_line += 1;
            if !is_blank(&line) {
                first = Some(line);
                break;
            }
        }
        let Some(first) = first else {
            bail!(FormatError::Empty {
                path: path.to_path_buf()
            });
        };
        let names: Vec<String> = fields(&first).map(str::to_string).collect();
        let header = names.iter().any(|f| f.parse::<f64>().is_err());
        let field = match (&options.column, names.len()) {
            (_, 1) => Field::Only,
            (None, columns) => bail!(FormatError::Columns {
                path: path.to_path_buf(),
                line: first_line,
                columns
            }),
            (Some(col), columns) => {
                let index = col
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i < columns)
                    .or_else(|| names.iter().position(|n| n == col).filter(|_| header));
                match index {
                    Some(i) => Field::Index(i),
                    None => bail!(FormatError::Column {
                        path: path.to_path_buf(),
                        column: col.clone(),
                        available: if header {
                            names.join(", ")
                        } else {
                            format!("0..{}", columns - 1)
                        },
                    }),
                }
            }
        };
        let mut frames = u64::from(!header);
        for line in lines {
            if !is_blank(&line.with_context(read_err)?) {
                frames += 1;
            }
        }
        let file = File::open(path).with_context(read_err)?;
        Ok(TextSource {
            path: path.to_path_buf(),
            lines: BufReader::new(file).lines(),
            line_no: 0,
            field,
            frames,
            skip_header: header,
        })
    }

    fn value(&self, line: &str) -> Result<f64, FormatError> {
        let text = match self.field {
            Field::Only => {
                let mut f = fields(line);
                let first = f.next().unwrap_or("");
                let rest = f.count();
                if rest > 0 {
                    return Err(FormatError::Columns {
                        path: self.path.clone(),
                        line: self.line_no,
                        columns: rest + 1,
                    });
                }
                first
            }
            Field::Index(i) => fields(line).nth(i).unwrap_or(""),
        };
        text.parse::<f64>().map_err(|_| FormatError::Number {
            path: self.path.clone(),
            line: self.line_no,
            text: text.to_string(),
        })
    }
}

impl<T: Real> Source<T> for TextSource {
    fn channels(&self) -> usize {
        1
    }
    fn frames(&self) -> u64 {
        self.frames
    }
    fn sample_rate(&self) -> Option<u32> {
        None
    }
    fn read(&mut self, max: usize, out: &mut [Vec<T>]) -> Result<usize> {
        let out = &mut out[0];
        out.clear();
        while out.len() < max {
            let Some(line) = self.lines.next() else { break };
            let line = line.with_context(|| format!("cannot read `{}`", self.path.display()))?;
            self.line_no += 1;
            if is_blank(&line) {
                continue;
            }
            if self.skip_header {
                self.skip_header = false;
                continue;
            }
            out.push(T::from_f64(self.value(&line)?));
        }
        Ok(out.len())
    }
}

/// Writes one frame per line, channels separated by commas, each value in the shortest form
/// that reads back to the same number.
pub struct TextSink<W: Write> {
    w: W,
}

impl<W: Write> TextSink<W> {
    /// A text writer on `w`.
    pub fn new(w: W) -> Self {
        TextSink { w }
    }
}

impl<T: Real, W: Write> Sink<T> for TextSink<W> {
    fn write(&mut self, channels: &[Vec<T>], frames: usize) -> Result<()> {
        for i in 0..frames {
            for (c, ch) in channels.iter().enumerate() {
                let sep = if c + 1 == channels.len() { "\n" } else { "," };
                write!(self.w, "{}{sep}", ch[i]).context("writing text")?;
            }
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        self.w.flush().context("writing text")
    }
}
