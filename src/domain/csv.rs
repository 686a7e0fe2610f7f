//! CSV (RFC 4180) as court clerks' spreadsheets read and write it.
//!
//! Reading ([`read`]): comma-separated, fields optionally in double quotes (a quote inside is
//! doubled, and a quoted field may hold commas and line breaks), lines ending in CRLF or LF,
//! UTF-8 with or without a byte-order mark. Each record carries the line it starts on, so a
//! report can point the clerk at it. Rows with nothing in them (blank lines, the `,,,,` a
//! spreadsheet leaves below a table) are skipped.
//!
//! Writing ([`field`]): every field of a file people open in a spreadsheet goes through one
//! function that neutralises formulas ("CSV injection") and quotes. Pure.

use std::fmt;

/// One record and the line of the file it starts on (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Why a file is not CSV at all, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Every non-empty record of `text`, in order.
pub fn read(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    // Inside a quoted field; just after its closing quote; nothing of this field read yet.
    let (mut quoted, mut closed, mut fresh) = (false, false, true);
    let mut chars = text.chars().peekable();
    let mut finish = |fields: &mut Vec<String>, record_line: usize| {
        if fields.iter().any(|f| !f.trim().is_empty()) {
            records.push(Record {
                line: record_line,
                fields: std::mem::take(fields),
            });
        }
        fields.clear();
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    closed = true;
                }
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if fresh => {
                quoted = true;
                fresh = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                (closed, fresh) = (false, true);
            }
            // CRLF: the LF ends the record.
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => {
                fields.push(std::mem::take(&mut field));
                finish(&mut fields, record_line);
                line += 1;
                record_line = line;
                (closed, fresh) = (false, true);
            }
            _ if closed => {
                return Err(CsvError {
                    line,
                    message:
                        "text after a closing quote; a quote inside a quoted field must be doubled (\"\")"
                            .into(),
                });
            }
            _ => {
                field.push(c);
                fresh = false;
            }
        }
    }
    if quoted {
        return Err(CsvError {
            line: record_line,
            message: "a quoted field is never closed".into(),
        });
    }
    if !fresh || !fields.is_empty() {
        fields.push(field);
        finish(&mut fields, record_line);
    }
    Ok(records)
}

/// What makes a spreadsheet take a cell for a formula when it comes first: `=`, `+`, `-`, `@`,
/// tab and CR — and their full-width forms `＝` `＋` `－` `＠`, which a Chinese input method types
/// in full-width mode and which Excel and WPS read as the ASCII ones.
const FORMULA_STARTERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// One field of a CSV file: text that starts like a formula gets a leading `'` (shown as text,
/// never run), then fields with a comma, quote or line break are quoted, quotes doubled.
pub fn field(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len() + 3);
    if raw.starts_with(FORMULA_STARTERS) {
        text.push('\'');
    }
    text.push_str(raw);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(usize, Vec<&'static str>)> {
        read(text)
            .unwrap()
            .into_iter()
            .map(|r| {
                let fields = r
                    .fields
                    .into_iter()
                    .map(|f| &*Box::leak(f.into_boxed_str()))
                    .collect();
                (r.line, fields)
            })
            .collect()
    }

    #[test]
    fn plain_rows_with_crlf_or_lf_and_a_bom() {
        assert_eq!(
            rows("\u{feff}name,id\r\n张三,1\r\n李四,2"),
            [
                (1, vec!["name", "id"]),
                (2, vec!["张三", "1"]),
                (3, vec!["李四", "2"])
            ]
        );
        assert_eq!(rows("a,b\nc,d\n"), [(1, vec!["a", "b"]), (2, vec!["c", "d"])]);
        assert_eq!(rows("a,,\n"), [(1, vec!["a", "", ""])]);
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks_and_lines_are_counted() {
        let text = "note,x\n\"一, 二\",\"他说\"\"好\"\"\"\n\"第一行\r\n第二行\",y\nlast,z\n";
        assert_eq!(
            rows(text),
            [
                (1, vec!["note", "x"]),
                (2, vec!["一, 二", "他说\"好\""]),
                (3, vec!["第一行\r\n第二行", "y"]),
                (5, vec!["last", "z"]),
            ]
        );
        assert_eq!(rows("\"\",a"), [(1, vec!["", "a"])]);
    }

    #[test]
    fn blank_rows_are_skipped_but_keep_the_line_count() {
        assert_eq!(
            rows("a,b\n\n,,\n  , \nc,d"),
            [(1, vec!["a", "b"]), (5, vec!["c", "d"])]
        );
        assert!(read("").unwrap().is_empty());
        assert!(read("\u{feff}").unwrap().is_empty());
    }

    #[test]
    fn a_quote_in_the_middle_of_a_plain_field_is_kept() {
        assert_eq!(rows("5\"2,x"), [(1, vec!["5\"2", "x"])]);
    }

    #[test]
    fn fields_that_start_like_formulas_are_neutralised_full_width_ones_too() {
        assert_eq!(field("张三"), "张三");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("+86"), "'+86");
        assert_eq!(field("a-b"), "a-b");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        for starter in ['＝', '＋', '－', '＠'] {
            let raw = format!("{starter}HYPERLINK(\"http://x\")");
            assert_eq!(
                field(&raw),
                format!("\"'{}\"", raw.replace('"', "\"\"")),
                "{starter}"
            );
        }
        assert_eq!(field("王＝五"), "王＝五", "only the first character matters");
        assert_eq!(field("a,b"), "\"a,b\"");
    }

    #[test]
    fn broken_quoting_is_reported_with_its_line() {
        assert_eq!(
            read("a\n\"open,b\nc").unwrap_err(),
            CsvError {
                line: 2,
                message: "a quoted field is never closed".into()
            }
        );
        let e = read("a\nb\n\"x\"y,z").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.to_string().starts_with("line 3: text after a closing quote"),
            "{e}"
        );
    }
}
