//! Text: one number per line, or one column of a table separated by commas, semicolons, tabs or
//! runs of spaces (numpy.savetxt's default).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{FormatError, ReadOptions, Sink, Source};
use crate::sample::Sample;

/// What separates the fields of a line, decided by the first data line.
#[derive(Clone, Copy, Debug)]
enum Separator {
    Comma,
    Semicolon,
    Tab,
    /// Runs of spaces or tabs.
    Whitespace,
}

impl Separator {
    fn of(line: &str) -> Separator {
        if line.contains(',') {
            Separator::Comma
        } else if line.contains(';') {
            Separator::Semicolon
        } else if line.contains('\t') {
            Separator::Tab
        } else {
            Separator::Whitespace
        }
    }

    fn fields(self, line: &str) -> Box<dyn Iterator<Item = &str> + '_> {
        fn clean(f: &str) -> &str {
            f.trim().trim_matches('"').trim()
        }
        match self {
            Separator::Comma => Box::new(line.split(',').map(clean)),
            Separator::Semicolon => Box::new(line.split(';').map(clean)),
            Separator::Tab => Box::new(line.split('\t').map(clean)),
            Separator::Whitespace => Box::new(line.split_whitespace().map(clean)),
        }
    }
}

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
    separator: Separator,
    frames: u64,
    skip_header: bool,
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
        let separator = Separator::of(&first);
        let names: Vec<String> = separator.fields(&first).map(str::to_string).collect();
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
            separator,
            frames,
            skip_header: header,
        })
    }

    fn value(&self, line: &str) -> Result<f64, FormatError> {
        let text = match self.field {
            Field::Only => {
                let mut f = self.separator.fields(line);
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
            Field::Index(i) => self.separator.fields(line).nth(i).unwrap_or(""),
        };
        text.parse::<f64>().map_err(|_| FormatError::Number {
            path: self.path.clone(),
            line: self.line_no,
            text: text.to_string(),
        })
    }
}

impl<T: Sample> Source<T> for TextSource {
    fn channels(&self) -> usize {
        1
    }
    fn frames(&self) -> Option<u64> {
        Some(self.frames)
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

/// Writes one frame per line, channels separated by `separator` (a tab for `.tsv`, a comma
/// otherwise), each value in the shortest form that reads back to the same number.
pub struct TextSink<W: Write> {
    w: W,
    separator: u8,
}

impl<W: Write> TextSink<W> {
    /// A text writer on `w`.
    pub fn new(w: W, separator: u8) -> Self {
        TextSink { w, separator }
    }
}

impl<T: Sample, W: Write> Sink<T> for TextSink<W> {
    fn write(&mut self, channels: &[&[T]]) -> Result<()> {
        let frames = channels.first().map_or(0, |c| c.len());
        let result: std::io::Result<()> = (|| {
            for i in 0..frames {
                for (c, ch) in channels.iter().enumerate() {
                    if c > 0 {
                        self.w.write_all(&[self.separator])?;
                    }
                    ch[i].write_text(&mut self.w)?;
                }
                self.w.write_all(b"\n")?;
            }
            Ok(())
        })();
        result.context("writing text")
    }
    fn finish(&mut self) -> Result<()> {
        self.w.flush().context("writing text")
    }
}
