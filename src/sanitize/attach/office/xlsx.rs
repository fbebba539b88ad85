//! xlsx/xlsm: each sheet, in workbook order, under its name; each row on
//! a line with its cells at their columns, separated by tabs. Shared and
//! inline strings come out as text (phonetic guides left out), numbers as
//! Excel shows them at General width, dates and times as `2026-11-23
//! 10:30` when the cell's format is a date format, percentages with `%`.

use std::borrow::Cow;
use std::collections::HashMap;

use super::super::budget::{Budget, Failure};
use super::super::xml::{self, Node};
use super::super::zipsafe::SafeZip;
use super::{Sink, Words};

/// Column gaps wider than this collapse to one tab.
const MAX_GAP: usize = 32;

pub fn text(
    zip: &mut SafeZip<'_>,
    budget: &Budget,
    words: Words,
    max: usize,
) -> Result<String, Failure> {
    let workbook = zip
        .read_text("xl/workbook.xml", budget)?
        .unwrap_or_default();
    let mut sheets: Vec<(String, String)> = Vec::new();
    let mut date1904 = false;
    xml::walk(&workbook, budget, |node| {
        if let Node::Open(e) = node {
            match e.name {
                "sheet" => sheets.push((
                    e.attr("name").unwrap_or_default().to_string(),
                    e.attr("id").unwrap_or_default().to_string(),
                )),
                "workbookPr" => {
                    date1904 = matches!(e.attr("date1904"), Some("1" | "true"));
                }
                _ => {}
            }
        }
    })?;
    let targets = relationships(zip, budget)?;
    let strings = shared_strings(zip, budget)?;
    let styles = Styles::read(zip, budget)?;
    let mut sink = Sink::new(max, budget);
    for (name, id) in &sheets {
        let Some(target) = targets.get(id) else {
            continue;
        };
        let Some(xml_text) = zip.read_text(target, budget)? else {
            continue;
        };
        sink.heading(&format!("{}: {name}", words.sheet));
        let cells = Cells {
            strings: &strings,
            styles: &styles,
            date1904,
        };
        cells.sheet(&xml_text, budget, &mut sink)?;
    }
    sink.finish()
}

/// Relationship id → part path inside the zip.
fn relationships(
    zip: &mut SafeZip<'_>,
    budget: &Budget,
) -> Result<HashMap<String, String>, Failure> {
    let rels = zip
        .read_text("xl/_rels/workbook.xml.rels", budget)?
        .unwrap_or_default();
    let mut map = HashMap::new();
    xml::walk(&rels, budget, |node| {
        if let Node::Open(e) = node
            && e.name == "Relationship"
            && let (Some(id), Some(target)) = (e.attr("Id"), e.attr("Target"))
        {
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("xl/{target}"),
            };
            map.insert(id.to_string(), path);
        }
    })?;
    Ok(map)
}

fn shared_strings(zip: &mut SafeZip<'_>, budget: &Budget) -> Result<Vec<String>, Failure> {
    let Some(xml_text) = zip.read_text("xl/sharedStrings.xml", budget)? else {
        return Ok(Vec::new());
    };
    let mut strings = Vec::new();
    let mut current = String::new();
    let mut in_text = false;
    let mut in_phonetic = false;
    xml::walk(&xml_text, budget, |node| match node {
        Node::Open(e) => match e.name {
            "si" => current.clear(),
            "t" => in_text = true,
            "rPh" => in_phonetic = true,
            _ => {}
        },
        Node::Close(name) => match name {
            "si" => strings.push(std::mem::take(&mut current)),
            "t" => in_text = false,
            "rPh" => in_phonetic = false,
            _ => {}
        },
        Node::Text(t) if in_text && !in_phonetic => current.push_str(t),
        Node::Text(_) => {}
    })?;
    Ok(strings)
}

/// How a cell style shows numbers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Number,
    Percent,
    Date,
}

struct Styles {
    /// Per cell style index (`s`), how its number format shows values.
    cell_formats: Vec<Shown>,
}

impl Styles {
    fn read(zip: &mut SafeZip<'_>, budget: &Budget) -> Result<Styles, Failure> {
        let xml_text = zip.read_text("xl/styles.xml", budget)?.unwrap_or_default();
        let mut custom: HashMap<u32, Shown> = HashMap::new();
        let mut format_ids: Vec<u32> = Vec::new();
        let mut in_cell_xfs = false;
        xml::walk(&xml_text, budget, |node| match node {
            Node::Open(e) => match e.name {
                "numFmt" => {
                    if let Some(id) = e.attr("numFmtId").and_then(|v| v.parse().ok()) {
                        custom.insert(id, classify(e.attr("formatCode").unwrap_or_default()));
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    format_ids.push(e.attr("numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0))
                }
                _ => {}
            },
            Node::Close("cellXfs") => in_cell_xfs = false,
            _ => {}
        })?;
        let cell_formats = format_ids
            .into_iter()
            .map(|id| match custom.get(&id) {
                Some(shown) => *shown,
                None => builtin(id),
            })
            .collect();
        Ok(Styles { cell_formats })
    }

    fn shown(&self, style: Option<usize>) -> Shown {
        style
            .and_then(|s| self.cell_formats.get(s).copied())
            .unwrap_or(Shown::Number)
    }
}

/// Built-in number formats (ECMA-376 18.8.30, with the Japanese ones).
fn builtin(id: u32) -> Shown {
    match id {
        9 | 10 => Shown::Percent,
        14..=22 | 27..=36 | 45..=47 | 50..=58 => Shown::Date,
        _ => Shown::Number,
    }
}

/// A custom format code is a date format when, outside quoted text,
/// escapes and bracketed sections, it uses date or time letters.
fn classify(code: &str) -> Shown {
    let mut plain = String::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let mut inner = String::new();
                for q in chars.by_ref() {
                    if q == ']' {
                        break;
                    }
                    inner.push(q);
                }
                if matches!(
                    inner.to_ascii_lowercase().as_str(),
                    "h" | "hh" | "m" | "mm" | "s" | "ss"
                ) {
                    plain.push('h');
                }
            }
            c => plain.push(c.to_ascii_lowercase()),
        }
    }
    if plain.contains("general") {
        Shown::Number
    } else if plain
        .chars()
        .any(|c| matches!(c, 'y' | 'm' | 'd' | 'h' | 's' | 'e' | 'g'))
    {
        Shown::Date
    } else if plain.contains('%') {
        Shown::Percent
    } else {
        Shown::Number
    }
}

struct Cells<'a> {
    strings: &'a [String],
    styles: &'a Styles,
    date1904: bool,
}

/// The cell being read.
#[derive(Default)]
struct Cell {
    column: Option<usize>,
    kind: String,
    style: Option<usize>,
    value: String,
    inline: String,
}

impl<'a> Cells<'a> {
    fn sheet(&self, xml_text: &str, budget: &Budget, sink: &mut Sink) -> Result<(), Failure> {
        // Shared strings are borrowed, not copied into every cell that
        // refers to them: a million cells naming one long string cost a
        // million references, not a million copies.
        let mut row: Vec<(usize, Cow<'a, str>)> = Vec::new();
        let mut cell = Cell::default();
        let mut in_value = false;
        let mut in_inline_text = false;
        let mut in_phonetic = false;
        xml::walk(xml_text, budget, |node| match node {
            Node::Open(e) => match e.name {
                "row" => row.clear(),
                "c" => {
                    cell = Cell {
                        column: e.attr("r").and_then(column_of),
                        kind: e.attr("t").unwrap_or("n").to_string(),
                        style: e.attr("s").and_then(|s| s.parse().ok()),
                        ..Cell::default()
                    };
                }
                "v" => in_value = true,
                "t" => in_inline_text = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Node::Close(name) => match name {
                "v" => in_value = false,
                "t" => in_inline_text = false,
                "rPh" => in_phonetic = false,
                "c" if sink.is_full() => {}
                "c" => {
                    let text = self.display(&cell);
                    if !text.is_empty() {
                        let column = cell
                            .column
                            .unwrap_or_else(|| row.last().map_or(0, |(c, _)| c + 1));
                        row.push((column, text));
                    }
                }
                "row" => {
                    if !row.is_empty() {
                        emit_row(sink, &row);
                    }
                    row.clear();
                }
                _ => {}
            },
            Node::Text(t) if in_value => cell.value.push_str(t),
            Node::Text(t) if in_inline_text && !in_phonetic => cell.inline.push_str(t),
            Node::Text(_) => {}
        })?;
        Ok(())
    }

    fn display(&self, cell: &Cell) -> Cow<'a, str> {
        let value = cell.value.trim();
        match cell.kind.as_str() {
            "s" => value
                .parse::<usize>()
                .ok()
                .and_then(|i| self.strings.get(i))
                .map_or(Cow::Borrowed(""), |s| Cow::Borrowed(s.as_str())),
            "inlineStr" => Cow::Owned(cell.inline.clone()),
            "b" => Cow::Borrowed(if value == "1" { "TRUE" } else { "FALSE" }),
            "str" | "e" => Cow::Owned(value.to_string()),
            _ if value.is_empty() => Cow::Borrowed(""),
            _ => Cow::Owned(
                match (self.styles.shown(cell.style), value.parse::<f64>()) {
                    (Shown::Date, Ok(serial)) => excel_date(serial, self.date1904),
                    (Shown::Percent, Ok(number)) => format!("{}%", general(number * 100.0)),
                    (_, Ok(number)) => general(number),
                    (_, Err(_)) => value.to_string(),
                },
            ),
        }
    }
}

fn emit_row(sink: &mut Sink, row: &[(usize, Cow<'_, str>)]) {
    let mut sorted: Vec<&(usize, Cow<'_, str>)> = row.iter().collect();
    sorted.sort_by_key(|(column, _)| *column);
    let mut next = 0usize;
    for (i, (column, text)) in sorted.into_iter().enumerate() {
        let wanted = column.saturating_sub(next);
        let tabs = match (wanted > MAX_GAP, i == 0) {
            (true, first) => usize::from(!first),
            (false, true) => wanted,
            (false, false) => wanted.max(1),
        };
        for _ in 0..tabs {
            sink.push("\t");
        }
        sink.push(text);
        next = *column;
    }
    sink.end_line();
}

/// `AB12` → column 27 (zero-based); `None` for nonsense.
fn column_of(reference: &str) -> Option<usize> {
    let mut column = 0usize;
    let mut letters = 0;
    for c in reference.chars().take_while(|c| c.is_ascii_alphabetic()) {
        letters += 1;
        if letters > 3 {
            return None;
        }
        column = column * 26 + usize::from(c.to_ascii_uppercase() as u8 - b'A' + 1);
    }
    (letters > 0).then(|| column - 1)
}

/// A number as Excel's General format shows it: at most 15 significant
/// digits, no trailing zeros.
pub fn general(number: f64) -> String {
    if !number.is_finite() {
        return "#NUM!".to_string();
    }
    let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// An Excel serial date as `YYYY-MM-DD`, `YYYY-MM-DD hh:mm` or `hh:mm`.
pub fn excel_date(serial: f64, date1904: bool) -> String {
    if !(0.0..2_958_466.0).contains(&serial) {
        return general(serial);
    }
    let days = serial.trunc() as i64;
    let seconds = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    // Serial 60 is Excel's fictitious 1900-02-29; serials before it count
    // one day less from the Unix epoch (serial 25569 = 1970-01-01).
    let unix_days = if date1904 {
        days - 24_107
    } else if days < 60 {
        days - 25_568
    } else {
        days - 25_569
    };
    let when = mail_parser::DateTime::from_timestamp(unix_days * 86_400 + seconds);
    let time = format!("{:02}:{:02}", when.hour, when.minute);
    if days == 0 && !date1904 {
        time
    } else if seconds == 0 {
        format!("{:04}-{:02}-{:02}", when.year, when.month, when.day)
    } else {
        format!("{:04}-{:02}-{:02} {time}", when.year, when.month, when.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_read_as_excel_shows_them() {
        assert_eq!(general(0.1 + 0.2), "0.3");
        assert_eq!(general(1234.0), "1234");
        assert_eq!(general(-2.5), "-2.5");
        assert_eq!(excel_date(46349.0, false), "2026-11-23");
        assert_eq!(excel_date(46349.4375, false), "2026-11-23 10:30");
        assert_eq!(excel_date(0.75, false), "18:00");
        assert_eq!(excel_date(1.0, false), "1900-01-01");
        assert_eq!(excel_date(61.0, false), "1900-03-01");
        assert_eq!(column_of("AB12"), Some(27));
        assert_eq!(column_of("A1"), Some(0));
        assert!(classify("yyyy\"年\"m\"月\"d\"日\"") == Shown::Date);
        assert!(classify("[$-411]ggge\"年\"m\"月\"d\"日\"") == Shown::Date);
        assert!(classify("#,##0\"円\"") == Shown::Number);
        assert!(classify("0.0%") == Shown::Percent);
        assert!(classify("[Red]#,##0") == Shown::Number);
    }
}
