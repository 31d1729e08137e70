//! Splitting a migration script into statements.
//!
//! Drivers differ in whether they accept several statements in one call, and an error in the
//! middle of a multi-statement string cannot say which statement failed. So every backend runs a
//! script statement by statement, split here by a tokenizer that knows each dialect's literals,
//! quoted identifiers, comments and compound bodies, so a `;` inside any of them never splits.

use std::ops::Range;

use crate::Dialect;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's exact text: from its first token to its last, without leading or trailing
    /// whitespace and comments and without the terminating `;` (or `DELIMITER` string).
    pub sql: String,
    /// 1-based position of the statement in its script.
    pub ordinal: usize,
    /// 1-based line of the script on which the statement starts.
    pub line: usize,
    /// Byte range of [`Statement::sql`] in the script.
    pub span: Range<usize>,
}

impl Statement {
    /// The statement's first line, shortened, for error messages: see [`first_line_shortened`].
    pub fn first_line_shortened(&self) -> String {
        first_line_shortened(&self.sql)
    }
}

/// The first line of a statement, shortened to at most 80 characters, for error messages: the
/// one rule for every message that quotes a statement. Leading blank and `--` comment lines are
/// skipped; ` …` marks that more lines follow, a final `…` that the line was cut.
pub fn first_line_shortened(sql: &str) -> String {
    const MAX: usize = 80;
    let mut rest = sql.trim_start();
    while rest.starts_with("--") {
        rest = rest
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    let first = rest.lines().next().unwrap_or("").trim_end();
    if first.chars().count() <= MAX {
        let more = !rest[first.len()..].trim().is_empty();
        if more {
            format!("{first} …")
        } else {
            first.to_owned()
        }
    } else {
        let cut: String = first.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// A script the tokenizer cannot split: something opened and never closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// A literal, quoted identifier, comment or body runs to the end of the script.
    #[error("unterminated {what} starting on line {line}")]
    Unterminated {
        /// What was left open, e.g. "string literal" or "dollar-quoted string $body$".
        what: String,
        /// The 1-based line where it starts.
        line: usize,
    },
    /// A mysql-client `DELIMITER` line without a usable delimiter.
    #[error("invalid DELIMITER line {line}: {reason}")]
    Delimiter {
        /// The 1-based line of the `DELIMITER` command.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Splits `sql` into its statements for `dialect`.
///
/// Statements end at `;` (or at the delimiter set by a mysql-client `DELIMITER` line on MySQL)
/// outside literals, quoted identifiers, comments and compound bodies (SQLite `CREATE TRIGGER …
/// BEGIN … END`, PostgreSQL `BEGIN ATOMIC … END` and parentheses, as in `CREATE RULE … DO
/// ALSO (…; …)`). Pieces with nothing but whitespace and comments
/// are not statements.
pub fn split_statements(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    Splitter::new(sql, dialect).run()
}

/// Per-statement state.
#[derive(Default)]
struct Current {
    /// Byte offset of the first significant token.
    start: Option<usize>,
    /// Byte offset just past the last significant token.
    end: usize,
    /// Upper-cased text of the first three tokens (empty for non-words), to recognize
    /// `CREATE [TEMP] TRIGGER`.
    lead: Vec<String>,
    /// The previous significant token, upper-cased if it was a word.
    previous_word: Option<String>,
    /// Nesting of compound bodies and `CASE` inside them.
    depth: usize,
    /// Line where the outermost body began.
    body_line: usize,
    /// Open parentheses (PostgreSQL): `CREATE RULE … DO (a; b)` holds several commands.
    parens: usize,
}

struct Splitter<'a> {
    src: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    delimiter: String,
    current: Current,
    out: Vec<Statement>,
    /// Line counting is incremental: `line_at` is the line of byte `line_pos`.
    line_pos: usize,
    line_at: usize,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Splitter<'a> {
    fn new(src: &'a str, dialect: Dialect) -> Self {
        Splitter {
            src,
            bytes: src.as_bytes(),
            dialect,
            pos: 0,
            delimiter: ";".to_owned(),
            current: Current::default(),
            out: Vec::new(),
            line_pos: 0,
            line_at: 1,
        }
    }

    fn is_ident_char(&self, b: u8) -> bool {
        is_ident_start(b) || (b == b'$' && self.dialect != Dialect::Sqlite)
    }

    /// The 1-based line of byte `offset`; offsets must not decrease between calls by much, so
    /// this walks forward from the last answer (or restarts when asked about an earlier one).
    fn line_of(&mut self, offset: usize) -> usize {
        if offset < self.line_pos {
            self.line_pos = 0;
            self.line_at = 1;
        }
        self.line_at += self.bytes[self.line_pos..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line_pos = offset;
        self.line_at
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn unterminated(&mut self, what: impl Into<String>, start: usize) -> SplitError {
        SplitError::Unterminated {
            what: what.into(),
            line: self.line_of(start),
        }
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        while self.pos < self.bytes.len() {
            if self.current.depth == 0
                && self.current.parens == 0
                && self.bytes[self.pos..].starts_with(self.delimiter.as_bytes())
            {
                self.pos += self.delimiter.len();
                self.finish_statement();
                continue;
            }
            self.token()?;
        }
        if self.current.depth > 0 {
            let line = self.current.body_line;
            return Err(SplitError::Unterminated {
                what: "BEGIN … END body".to_owned(),
                line,
            });
        }
        self.finish_statement();
        Ok(self.out)
    }

    fn finish_statement(&mut self) {
        let current = std::mem::take(&mut self.current);
        if let Some(start) = current.start {
            let line = self.line_of(start);
            self.out.push(Statement {
                sql: self.src[start..current.end].to_owned(),
                ordinal: self.out.len() + 1,
                line,
                span: start..current.end,
            });
        }
    }

    /// Records a significant token spanning `start..self.pos`.
    fn significant(&mut self, start: usize, word: Option<String>) {
        let current = &mut self.current;
        if current.start.is_none() {
            current.start = Some(start);
        }
        current.end = self.pos;
        if current.lead.len() < 3 {
            current.lead.push(word.clone().unwrap_or_default());
        }
        current.previous_word = word;
    }

    /// Consumes one token at `self.pos`.
    fn token(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        let b = self.bytes[start];
        let dialect = self.dialect;
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                self.pos += 1;
            }
            b'\'' => {
                let backslash = dialect == Dialect::Mysql;
                self.quoted(b'\'', backslash, "string literal")?;
                self.significant(start, None);
            }
            b'"' => {
                // MySQL (without ANSI_QUOTES, as sqlx runs it): a string with backslash escapes.
                let backslash = dialect == Dialect::Mysql;
                self.quoted(b'"', backslash, "double-quoted identifier or string")?;
                self.significant(start, None);
            }
            b'`' if dialect != Dialect::Postgres => {
                self.quoted(b'`', false, "backquoted identifier")?;
                self.significant(start, None);
            }
            b'[' if dialect == Dialect::Sqlite => {
                match self.bytes[start + 1..].iter().position(|&c| c == b']') {
                    Some(len) => self.pos = start + 1 + len + 1,
                    None => return Err(self.unterminated("[bracketed identifier]", start)),
                }
                self.significant(start, None);
            }
            b'-' if self.peek(1) == Some(b'-') && self.dash_dash_is_comment() => {
                self.line_comment();
            }
            b'#' if dialect == Dialect::Mysql => {
                self.line_comment();
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.block_comment()?;
                // MySQL runs `/*! … */` (version comments, as mysqldump writes) and reads
                // `/*+ … */` (optimizer hints): they are code, not comments.
                if dialect == Dialect::Mysql
                    && matches!(self.bytes.get(start + 2), Some(b'!') | Some(b'+'))
                {
                    self.significant(start, None);
                }
            }
            b'$' if dialect == Dialect::Postgres => {
                if let Some(tag_len) = self.dollar_tag(start) {
                    self.dollar_quoted(start, tag_len)?;
                } else {
                    // `$1` parameters and stray `$`s.
                    self.pos += 1;
                    while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_digit() {
                        self.pos += 1;
                    }
                }
                self.significant(start, None);
            }
            _ if is_ident_start(b) => self.word(start)?,
            _ => {
                // Any other character, one at a time (whole UTF-8 sequences for non-ASCII
                // are handled by `word`, which takes bytes >= 0x80).
                if dialect == Dialect::Postgres {
                    match b {
                        b'(' => self.current.parens += 1,
                        b')' => self.current.parens = self.current.parens.saturating_sub(1),
                        _ => {}
                    }
                }
                self.pos += 1;
                self.significant(start, None);
            }
        }
        Ok(())
    }

    /// `--` starts a comment everywhere, except that MySQL needs whitespace, a control
    /// character or the end of input after it (`1--1` is arithmetic there).
    fn dash_dash_is_comment(&self) -> bool {
        if self.dialect != Dialect::Mysql {
            return true;
        }
        match self.peek(2) {
            None => true,
            Some(c) => c <= b' ' || c == 0x7f,
        }
    }

    fn line_comment(&mut self) {
        match self.bytes[self.pos..].iter().position(|&c| c == b'\n') {
            Some(len) => self.pos += len + 1,
            None => self.pos = self.bytes.len(),
        }
    }

    fn block_comment(&mut self) -> Result<(), SplitError> {
        let start = self.pos;
        let nested = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos..].starts_with(b"/*") && (nested || depth == 0) {
                depth += 1;
                self.pos += 2;
            } else if self.bytes[self.pos..].starts_with(b"*/") {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    return Ok(());
                }
            } else {
                self.pos += 1;
            }
        }
        Err(self.unterminated("/* comment", start))
    }

    /// A literal or identifier between `quote`s; a doubled quote stands for one, and with
    /// `backslash` a backslash escapes the next character.
    fn quoted(&mut self, quote: u8, backslash: bool, what: &str) -> Result<(), SplitError> {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            if backslash && c == b'\\' {
                self.pos += 2;
            } else if c == quote {
                if self.peek(1) == Some(quote) {
                    self.pos += 2;
                } else {
                    self.pos += 1;
                    return Ok(());
                }
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.bytes.len();
        Err(self.unterminated(what, start))
    }

    /// The length of a `$tag$` opening at `start` (PostgreSQL), if there is one.
    fn dollar_tag(&self, start: usize) -> Option<usize> {
        let rest = &self.bytes[start + 1..];
        let first = *rest.first()?;
        if first == b'$' {
            return Some(2);
        }
        if !(first.is_ascii_alphabetic() || first == b'_' || first >= 0x80) {
            return None;
        }
        let len = rest
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80))?;
        (rest[len] == b'$').then_some(len + 2)
    }

    fn dollar_quoted(&mut self, start: usize, tag_len: usize) -> Result<(), SplitError> {
        let tag = &self.bytes[start..start + tag_len];
        let body = start + tag_len;
        match self.bytes[body..]
            .windows(tag_len)
            .position(|window| window == tag)
        {
            Some(offset) => {
                self.pos = body + offset + tag_len;
                Ok(())
            }
            None => {
                let what = format!("dollar-quoted string {}", &self.src[start..body]);
                Err(self.unterminated(what, start))
            }
        }
    }

    fn word(&mut self, start: usize) -> Result<(), SplitError> {
        self.pos += 1;
        // The mysql client finds its delimiter anywhere outside quotes and comments, also
        // glued to a word (`END$$`).
        while self.pos < self.bytes.len()
            && self.is_ident_char(self.bytes[self.pos])
            && !self.bytes[self.pos..].starts_with(self.delimiter.as_bytes())
        {
            self.pos += 1;
        }
        let text = &self.src[start..self.pos];

        // PostgreSQL escape strings: E'…' with backslash escapes.
        if self.dialect == Dialect::Postgres
            && text.eq_ignore_ascii_case("e")
            && self.peek(0) == Some(b'\'')
        {
            self.quoted(b'\'', true, "escape string literal")?;
            self.significant(start, None);
            return Ok(());
        }

        if self.dialect == Dialect::Mysql
            && self.current.start.is_none()
            && text.eq_ignore_ascii_case("delimiter")
            && matches!(self.peek(0), Some(b' ' | b'\t'))
            && self.at_line_start(start)
        {
            return self.delimiter_line(start);
        }

        let upper = text.to_ascii_uppercase();
        self.keyword(&upper, start);
        self.significant(start, Some(upper));
        Ok(())
    }

    /// Whether only spaces and tabs precede `offset` on its line.
    fn at_line_start(&self, offset: usize) -> bool {
        self.bytes[..offset]
            .iter()
            .rev()
            .find(|&&c| c != b' ' && c != b'\t')
            .is_none_or(|&c| c == b'\n')
    }

    /// The mysql client's `DELIMITER <string>` command: the rest of the line after the string
    /// is ignored, as the client does.
    fn delimiter_line(&mut self, start: usize) -> Result<(), SplitError> {
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let begin = self.pos;
        while self.pos < self.bytes.len() && !self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let delimiter = &self.src[begin..self.pos];
        if delimiter.is_empty() {
            let line = self.line_of(start);
            return Err(SplitError::Delimiter {
                line,
                reason: "the delimiter is missing",
            });
        }
        if delimiter.contains('\\') {
            let line = self.line_of(start);
            return Err(SplitError::Delimiter {
                line,
                reason: "a delimiter cannot contain a backslash",
            });
        }
        self.delimiter = delimiter.to_owned();
        self.line_comment();
        Ok(())
    }

    /// Tracks compound bodies, inside which `;` does not end the statement.
    fn keyword(&mut self, upper: &str, start: usize) {
        let current = &self.current;
        let opens_body = match self.dialect {
            Dialect::Sqlite => {
                upper == "BEGIN" && current.depth == 0 && {
                    let lead: Vec<&str> = current.lead.iter().map(String::as_str).collect();
                    matches!(
                        lead.as_slice(),
                        ["CREATE", "TRIGGER", ..] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER", ..]
                    )
                }
            }
            Dialect::Postgres => {
                upper == "ATOMIC" && current.previous_word.as_deref() == Some("BEGIN")
            }
            Dialect::Mysql => false,
        };
        if opens_body {
            if self.current.depth == 0 {
                self.current.body_line = self.line_of(start);
            }
            self.current.depth += 1;
        } else if self.current.depth > 0 {
            match upper {
                "CASE" => self.current.depth += 1,
                "END" => self.current.depth -= 1,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests;
