//! SCIM filter and PATCH path grammar (RFC 7644 §3.4.2.2 and §3.5.2), plus
//! an in-memory evaluator for parsed filters.
//!
//! This module owns:
//! - parsing `filter=` query expressions into a [`Filter`] tree, including
//!   the Microsoft Entra ID forms that stray from the RFC grammar (a value
//!   path followed by `.subAttr op value`);
//! - parsing PATCH operation `path` values into a [`PatchPath`];
//! - the input limits that keep both parsers safe on hostile input (length,
//!   nesting depth, number of comparisons), reported as [`FilterError`]s
//!   whose messages name a 1-based character position;
//! - evaluating a [`Filter`] against a JSON resource held in memory.
//!
//! It leaves out everything that needs schema or storage knowledge: which
//! attributes are case-exact (the caller answers through a callback),
//! translating filters into storage queries, applying PATCH operations,
//! sorting, paging, attribute projection, and mapping [`FilterError`] to a
//! SCIM error response (`invalidFilter` / `invalidPath`). Date-time values
//! are compared as strings, which orders correctly only when both sides use
//! the same RFC 3339 layout.

use std::str::FromStr;

use serde_json::{Number, Value};

/// Inputs longer than this many bytes are rejected before any parsing.
const MAX_INPUT_BYTES: usize = 4096;
/// Parentheses, `not` and value-path brackets each add one level.
const MAX_DEPTH: usize = 32;
/// Attribute expressions (comparisons and `pr`) allowed in one input.
const MAX_COMPARISONS: usize = 200;
/// Bounds how much of the caller's input an error message repeats.
const SNIPPET_CHARS: usize = 20;

const CORE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// An attribute path: `[schema ":"] attr ["." subAttr]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Schema URN as written, e.g.
    /// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"; None
    /// when unqualified.
    pub schema: Option<String>,
    /// Attribute name as written (compare case-insensitively), e.g.
    /// "emails", "name", "$ref".
    pub attr: String,
    /// Sub-attribute as written, e.g. "givenName" in "name.givenName".
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// True when the attribute name equals `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.attr.eq_ignore_ascii_case(name)
    }

    fn bare(attr: String) -> Self {
        AttrPath {
            schema: None,
            attr,
            sub_attr: None,
        }
    }
}

/// A comparison operator of the filter grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CompareOp {
    /// The operator as written in a filter, in lower case ("eq", "ne", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];
}

/// The literal on the right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string, escapes already decoded.
    String(String),
}

/// A parsed SCIM filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both sides hold.
    And(Box<Filter>, Box<Filter>),
    /// Either side holds.
    Or(Box<Filter>, Box<Filter>),
    /// `not ( ... )`.
    Not(Box<Filter>),
    /// `attr pr`.
    Present(AttrPath),
    /// `attr op value`.
    Compare(AttrPath, CompareOp, CompValue),
    /// `emails[type eq "work"]`: the AttrPath names the multi-valued
    /// attribute (sub_attr None); the inner filter's paths are relative to
    /// one element.
    ValuePath(AttrPath, Box<Filter>),
}

/// A PATCH `path`: attrPath, or valuePath with an optional trailing
/// sub-attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (its sub_attr is set for `name.givenName`; None when a
    /// value filter is present).
    pub attr: AttrPath,
    /// `[type eq "work"]`
    pub value_filter: Option<Filter>,
    /// `.value` after the brackets.
    pub sub_attr: Option<String>,
}

/// Why a filter or PATCH path was rejected.
///
/// `what` is "filter" or "path", naming which grammar was being parsed.
/// Positions are 1-based character offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The input is longer than the byte limit.
    #[error("{what}: input is {len} bytes, more than the limit of {max}")]
    TooLong {
        /// "filter" or "path".
        what: &'static str,
        /// Length of the input in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// The input is empty or only whitespace.
    #[error("{what}: input is empty; expected an expression such as userName eq \"bjensen\"")]
    Empty {
        /// "filter" or "path".
        what: &'static str,
    },
    /// Something other than what the grammar allows at this point.
    #[error("{what}: expected {expected} at position {position}, found {found}")]
    Unexpected {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset.
        position: usize,
        /// What the grammar allows here.
        expected: String,
        /// A short description of what is there instead.
        found: String,
    },
    /// A `(` or `[` is never closed.
    #[error(
        "{what}: expected '{close}' at position {position} to close the \
         '{open}' at position {opened_at}, found end of input"
    )]
    Unclosed {
        /// "filter" or "path".
        what: &'static str,
        /// The opening bracket.
        open: char,
        /// The closing bracket that is missing.
        close: char,
        /// 1-based character offset of the opening bracket.
        opened_at: usize,
        /// 1-based character offset where the closer was expected.
        position: usize,
    },
    /// A `)` or `]` without a matching opener.
    #[error("{what}: '{found}' at position {position} has no matching '{open}'")]
    Unmatched {
        /// "filter" or "path".
        what: &'static str,
        /// The stray closing bracket.
        found: char,
        /// The opener it would need.
        open: char,
        /// 1-based character offset of the stray bracket.
        position: usize,
    },
    /// A string literal has no closing quote.
    #[error("{what}: the string starting at position {position} has no closing '\"'")]
    UnterminatedString {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the opening quote.
        position: usize,
    },
    /// A backslash escape in a string literal is not valid JSON.
    #[error("{what}: invalid escape at position {position}: {reason}")]
    InvalidEscape {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the backslash.
        position: usize,
        /// What is wrong and what is accepted.
        reason: &'static str,
    },
    /// A numeric literal is malformed or out of range.
    #[error("{what}: invalid number {text} at position {position}: {reason}")]
    InvalidNumber {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the number.
        position: usize,
        /// The number as written, quoted and shortened.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// An attribute path does not follow `[urn ":"] name ["." name]`.
    #[error("{what}: invalid attribute path {text} at position {position}: {reason}")]
    InvalidAttrPath {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the path.
        position: usize,
        /// The path as written, quoted and shortened.
        text: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A value filter inside another value filter's brackets.
    #[error("{what}: value filters cannot be nested; unexpected '[' at position {position}")]
    NestedValuePath {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the inner '['.
        position: usize,
    },
    /// Parentheses, `not` and brackets nest deeper than the limit.
    #[error("{what}: nesting deeper than {max} levels at position {position}")]
    TooDeep {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the level that broke the limit.
        position: usize,
        /// The depth limit.
        max: usize,
    },
    /// More attribute expressions than the limit.
    #[error(
        "{what}: more than {max} comparisons; the limit is exceeded at \
         position {position}"
    )]
    TooManyComparisons {
        /// "filter" or "path".
        what: &'static str,
        /// 1-based character offset of the first comparison over the limit.
        position: usize,
        /// The comparison limit.
        max: usize,
    },
}

/// Parses a SCIM `filter` expression.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(input, "filter")?;
    let filter = parser.parse_or()?;
    parser.expect_end("'and', 'or' or end of filter")?;
    Ok(filter)
}

/// Parses a PATCH operation `path`.
pub fn parse_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(input, "path")?;
    let path = parser.parse_patch_path()?;
    parser.expect_end("end of path")?;
    Ok(path)
}

/// In-memory evaluation of `filter` against a JSON resource (an object).
///
/// `case_exact` says whether string comparisons on an attribute respect
/// case. Inside a value path it receives the full path, e.g.
/// `emails.value` for `emails[value eq "x"]`.
pub fn evaluate(filter: &Filter, resource: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
    Evaluator { case_exact }.eval(filter, resource, None)
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/// Characters that may form an attribute path, keyword or bare literal.
/// Splitting the input into runs of these keeps keyword matching from
/// accepting prefixes such as "orange" for "or".
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$' | '.' | ':' | '+')
}

/// Quotes at most [`SNIPPET_CHARS`] characters of input for a message.
fn snippet(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars().take(SNIPPET_CHARS) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out.push('\'');
    out
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    comparisons: usize,
    in_brackets: bool,
    what: &'static str,
}

impl Parser {
    fn new(input: &str, what: &'static str) -> Result<Self, FilterError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(FilterError::TooLong {
                what,
                len: input.len(),
                max: MAX_INPUT_BYTES,
            });
        }
        if input.trim_ascii().is_empty() {
            return Err(FilterError::Empty { what });
        }
        Ok(Parser {
            chars: input.chars().collect(),
            pos: 0,
            depth: 0,
            comparisons: 0,
            in_brackets: false,
            what,
        })
    }

    // -- scanning helpers --------------------------------------------------

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn word_end(&self, from: usize) -> usize {
        let mut end = from;
        while self.chars.get(end).copied().is_some_and(is_word_char) {
            end += 1;
        }
        end
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.chars
            .get(start..end)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn word_is(&self, start: usize, end: usize, keyword: &str) -> bool {
        let Some(word) = self.chars.get(start..end) else {
            return false;
        };
        word.len() == keyword.len()
            && word
                .iter()
                .zip(keyword.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    }

    fn next_non_ws(&self, from: usize) -> Option<char> {
        self.chars
            .get(from..)?
            .iter()
            .copied()
            .find(|c| !c.is_ascii_whitespace())
    }

    /// Consumes `keyword` after optional whitespace; on a mismatch nothing
    /// is consumed so the caller reports the error where the token starts.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let saved = self.pos;
        self.skip_ws();
        let end = self.word_end(self.pos);
        if self.word_is(self.pos, end, keyword) {
            self.pos = end;
            true
        } else {
            self.pos = saved;
            false
        }
    }

    // -- errors and limits -------------------------------------------------

    fn found_here(&self) -> String {
        match self.peek() {
            None => "end of input".to_owned(),
            Some('"') => "a quoted string".to_owned(),
            Some(c) if is_word_char(c) => snippet(&self.text(self.pos, self.word_end(self.pos))),
            Some(c) => snippet(&c.to_string()),
        }
    }

    fn unexpected(&self, expected: impl Into<String>) -> FilterError {
        FilterError::Unexpected {
            what: self.what,
            position: self.pos + 1,
            expected: expected.into(),
            found: self.found_here(),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::TooDeep {
                what: self.what,
                position: at + 1,
                max: MAX_DEPTH,
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn count_comparison(&mut self, at: usize) -> Result<(), FilterError> {
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(FilterError::TooManyComparisons {
                what: self.what,
                position: at + 1,
                max: MAX_COMPARISONS,
            });
        }
        Ok(())
    }

    fn expect_end(&mut self, expected: &str) -> Result<(), FilterError> {
        self.skip_ws();
        let position = self.pos + 1;
        let what = self.what;
        match self.peek() {
            None => Ok(()),
            Some(')') => Err(FilterError::Unmatched {
                what,
                found: ')',
                open: '(',
                position,
            }),
            Some(']') => Err(FilterError::Unmatched {
                what,
                found: ']',
                open: '[',
                position,
            }),
            Some(_) => Err(self.unexpected(expected)),
        }
    }

    /// Checks for the closer of a group opened at `open_at`, reporting an
    /// unclosed group at end of input and a grammar error otherwise.
    fn expect_close(&mut self, open: char, close: char, open_at: usize) -> Result<(), FilterError> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c == close => {
                self.pos += 1;
                Ok(())
            }
            None => Err(FilterError::Unclosed {
                what: self.what,
                open,
                close,
                opened_at: open_at + 1,
                position: self.pos + 1,
            }),
            Some(_) => Err(self.unexpected(format!("'and', 'or' or '{close}'"))),
        }
    }

    // -- logical expressions -------------------------------------------------

    /// Iterates rather than recursing over `or`/`and` chains so that long
    /// flat filters cost no stack.
    fn parse_or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_and()?;
        while self.eat_keyword("or") {
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary()?;
        while self.eat_keyword("and") {
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('(') => self.parse_group(),
            Some(c) if is_word_char(c) => {
                let end = self.word_end(start);
                // An attribute may be called "not"; only "not (" negates.
                if self.word_is(start, end, "not") && self.next_non_ws(end) == Some('(') {
                    self.parse_not(start, end)
                } else {
                    self.parse_attr_expr()
                }
            }
            _ => Err(self.unexpected("an attribute path, '(' or 'not'")),
        }
    }

    fn parse_not(&mut self, start: usize, end: usize) -> Result<Filter, FilterError> {
        self.enter(start)?;
        self.pos = end;
        self.skip_ws();
        let inner = self.parse_group()?;
        self.leave();
        Ok(Filter::Not(Box::new(inner)))
    }

    fn parse_group(&mut self) -> Result<Filter, FilterError> {
        let open_at = self.pos;
        self.enter(open_at)?;
        self.pos += 1;
        let inner = self.parse_or()?;
        self.expect_close('(', ')', open_at)?;
        self.leave();
        Ok(inner)
    }

    // -- attribute expressions ---------------------------------------------

    fn parse_attr_expr(&mut self) -> Result<Filter, FilterError> {
        let start = self.pos;
        let path = self.parse_attr_path()?;
        if self.peek() == Some('[') {
            return self.parse_value_path_expr(path, start);
        }
        let label = snippet(&self.text(start, self.pos));
        self.parse_condition(path, start, &label)
    }

    /// Parses `pr` or `op value` after an attribute path.
    fn parse_condition(
        &mut self,
        path: AttrPath,
        path_start: usize,
        label: &str,
    ) -> Result<Filter, FilterError> {
        self.skip_ws();
        let op_start = self.pos;
        let op_end = self.word_end(op_start);
        if self.word_is(op_start, op_end, "pr") {
            self.pos = op_end;
            self.count_comparison(path_start)?;
            return Ok(Filter::Present(path));
        }
        let op = CompareOp::ALL
            .into_iter()
            .find(|op| self.word_is(op_start, op_end, op.as_str()));
        let Some(op) = op else {
            return Err(self.unexpected(format!(
                "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after {label}"
            )));
        };
        self.pos = op_end;
        let value = self.parse_value(op)?;
        self.count_comparison(path_start)?;
        Ok(Filter::Compare(path, op, value))
    }

    /// Parses `[valFilter]` and, for Entra, a trailing `.subAttr condition`
    /// which is folded into the bracket filter as an extra `and` term.
    fn parse_value_path_expr(
        &mut self,
        path: AttrPath,
        start: usize,
    ) -> Result<Filter, FilterError> {
        self.check_value_path_owner(&path, start)?;
        let mut inner = self.parse_brackets()?;
        if self.peek() == Some('.') {
            self.pos += 1;
            let sub_start = self.pos;
            let sub = self.parse_sub_attr()?;
            let label = snippet(&self.text(sub_start, self.pos));
            let tail = self.parse_condition(AttrPath::bare(sub), sub_start, &label)?;
            inner = Filter::And(Box::new(inner), Box::new(tail));
        }
        Ok(Filter::ValuePath(path, Box::new(inner)))
    }

    fn check_value_path_owner(&self, path: &AttrPath, start: usize) -> Result<(), FilterError> {
        if self.in_brackets {
            return Err(FilterError::NestedValuePath {
                what: self.what,
                position: self.pos + 1,
            });
        }
        if path.sub_attr.is_some() {
            return Err(FilterError::InvalidAttrPath {
                what: self.what,
                position: start + 1,
                text: snippet(&self.text(start, self.pos)),
                reason: "a value filter '[...]' must follow an attribute without a sub-attribute",
            });
        }
        Ok(())
    }

    fn parse_brackets(&mut self) -> Result<Filter, FilterError> {
        let open_at = self.pos;
        self.enter(open_at)?;
        self.pos += 1;
        self.in_brackets = true;
        let inner = self.parse_or()?;
        self.expect_close('[', ']', open_at)?;
        self.in_brackets = false;
        self.leave();
        Ok(inner)
    }

    fn parse_attr_path(&mut self) -> Result<AttrPath, FilterError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = self.text(start, end);
        self.pos = end;
        split_attr_path(&text).map_err(|reason| FilterError::InvalidAttrPath {
            what: self.what,
            position: start + 1,
            text: snippet(&text),
            reason,
        })
    }

    fn parse_sub_attr(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = self.text(start, end);
        self.pos = end;
        match check_name(&text) {
            Ok(()) => Ok(text),
            Err(reason) => Err(FilterError::InvalidAttrPath {
                what: self.what,
                position: start + 1,
                text: snippet(&text),
                reason,
            }),
        }
    }

    // -- PATCH paths ---------------------------------------------------------

    fn parse_patch_path(&mut self) -> Result<PatchPath, FilterError> {
        self.skip_ws();
        let start = self.pos;
        if !self.peek().is_some_and(is_word_char) {
            return Err(self.unexpected("an attribute path"));
        }
        let attr = self.parse_attr_path()?;
        if self.peek() != Some('[') {
            return Ok(PatchPath {
                attr,
                value_filter: None,
                sub_attr: None,
            });
        }
        self.check_value_path_owner(&attr, start)?;
        let value_filter = Some(self.parse_brackets()?);
        let mut sub_attr = None;
        if self.peek() == Some('.') {
            self.pos += 1;
            sub_attr = Some(self.parse_sub_attr()?);
        }
        Ok(PatchPath {
            attr,
            value_filter,
            sub_attr,
        })
    }

    // -- literals ------------------------------------------------------------

    fn parse_value(&mut self, op: CompareOp) -> Result<CompValue, FilterError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('"') => self.parse_string().map(CompValue::String),
            Some(c) if c == '-' || c.is_ascii_digit() => self.parse_number(),
            Some(c) if is_word_char(c) => {
                let end = self.word_end(start);
                let value = if self.word_is(start, end, "true") {
                    CompValue::Bool(true)
                } else if self.word_is(start, end, "false") {
                    CompValue::Bool(false)
                } else if self.word_is(start, end, "null") {
                    CompValue::Null
                } else {
                    return Err(self.value_expected(op));
                };
                self.pos = end;
                Ok(value)
            }
            _ => Err(self.value_expected(op)),
        }
    }

    fn value_expected(&self, op: CompareOp) -> FilterError {
        self.unexpected(format!(
            "a value (a quoted string, number, true, false or null) after '{}'",
            op.as_str()
        ))
    }

    fn parse_number(&mut self) -> Result<CompValue, FilterError> {
        let start = self.pos;
        let end = self.word_end(start);
        let text = self.text(start, end);
        let error = |reason| FilterError::InvalidNumber {
            what: self.what,
            position: start + 1,
            text: snippet(&text),
            reason,
        };
        if !is_json_number(&text) {
            return Err(error(
                "numbers must use JSON syntax such as 42, -1 or 2.5e3",
            ));
        }
        // as_f64 also catches values like 1e400 that parse but do not fit.
        let number = Number::from_str(&text)
            .ok()
            .filter(|number| number.as_f64().is_some())
            .ok_or_else(|| error("the number is out of range"))?;
        self.pos = end;
        Ok(CompValue::Number(number))
    }

    fn parse_string(&mut self) -> Result<String, FilterError> {
        let open_at = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.unterminated(open_at)),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => out.push(self.parse_escape(open_at)?),
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn unterminated(&self, open_at: usize) -> FilterError {
        FilterError::UnterminatedString {
            what: self.what,
            position: open_at + 1,
        }
    }

    fn parse_escape(&mut self, open_at: usize) -> Result<char, FilterError> {
        let backslash = self.pos;
        self.pos += 1;
        let c = self.peek().ok_or_else(|| self.unterminated(open_at))?;
        self.pos += 1;
        let simple = match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => return self.parse_unicode_escape(backslash),
            _ => {
                return Err(self.bad_escape(
                    backslash,
                    "use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX",
                ));
            }
        };
        Ok(simple)
    }

    fn bad_escape(&self, backslash: usize, reason: &'static str) -> FilterError {
        FilterError::InvalidEscape {
            what: self.what,
            position: backslash + 1,
            reason,
        }
    }

    /// Decodes the digits of `\uXXXX`, joining a UTF-16 surrogate pair when
    /// the first escape is a high surrogate.
    fn parse_unicode_escape(&mut self, backslash: usize) -> Result<char, FilterError> {
        let high = self.parse_hex4(backslash)?;
        let code = match high {
            0xD800..=0xDBFF => {
                let low = self.parse_low_surrogate(backslash)?;
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.bad_escape(
                    backslash,
                    "a low surrogate must follow a high surrogate \\uD800-\\uDBFF",
                ));
            }
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.bad_escape(backslash, "not a Unicode scalar value"))
    }

    fn parse_low_surrogate(&mut self, backslash: usize) -> Result<u32, FilterError> {
        let reason = "a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF";
        if self.peek() != Some('\\') || self.chars.get(self.pos + 1) != Some(&'u') {
            return Err(self.bad_escape(backslash, reason));
        }
        self.pos += 2;
        let low = self.parse_hex4(backslash)?;
        if (0xDC00..=0xDFFF).contains(&low) {
            Ok(low)
        } else {
            Err(self.bad_escape(backslash, reason))
        }
    }

    fn parse_hex4(&mut self, backslash: usize) -> Result<u32, FilterError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16)).ok_or_else(|| {
                self.bad_escape(backslash, "\\u must be followed by four hex digits")
            })?;
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }
}

/// Splits `[urn ":"] name ["." name]`. URNs contain dots (`2.0`), so the
/// schema is cut off at the last ':' before looking for a sub-attribute.
fn split_attr_path(text: &str) -> Result<AttrPath, &'static str> {
    let is_urn = text
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    let (schema, rest) = match text.rsplit_once(':') {
        Some((schema, rest)) if is_urn => {
            if schema.len() <= 4 {
                return Err("a schema URN needs a namespace after 'urn:'");
            }
            (Some(schema.to_owned()), rest)
        }
        Some(_) => return Err("only a schema URN starting with 'urn:' may contain ':'"),
        None => (None, text),
    };
    let (attr, sub_attr) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub)),
        None => (rest, None),
    };
    check_name(attr)?;
    if let Some(sub) = sub_attr {
        check_name(sub)?;
    }
    Ok(AttrPath {
        schema,
        attr: attr.to_owned(),
        sub_attr: sub_attr.map(str::to_owned),
    })
}

/// ATTRNAME = ALPHA *( "-" / "_" / DIGIT / ALPHA ), or `$ref`.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    let mut chars = name.chars();
    match chars.next() {
        None => Err("an attribute name is missing"),
        Some(c) if !c.is_ascii_alphabetic() => Err("an attribute name must start with a letter"),
        Some(_) if chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => Ok(()),
        Some(_) => Err("an attribute name may contain only letters, digits, '-' and '_'"),
    }
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
fn is_json_number(text: &str) -> bool {
    let mut bytes = text.bytes().peekable();
    if bytes.peek() == Some(&b'-') {
        bytes.next();
    }
    match bytes.next() {
        Some(b'0') => {}
        Some(b'1'..=b'9') => {
            take_digits(&mut bytes);
        }
        _ => return false,
    }
    if bytes.peek() == Some(&b'.') {
        bytes.next();
        if !take_digits(&mut bytes) {
            return false;
        }
    }
    if matches!(bytes.peek(), Some(b'e' | b'E')) {
        bytes.next();
        if matches!(bytes.peek(), Some(b'+' | b'-')) {
            bytes.next();
        }
        if !take_digits(&mut bytes) {
            return false;
        }
    }
    bytes.next().is_none()
}

/// Consumes a run of ASCII digits; true when there was at least one.
fn take_digits(bytes: &mut std::iter::Peekable<std::str::Bytes<'_>>) -> bool {
    let mut any = false;
    while bytes.next_if(u8::is_ascii_digit).is_some() {
        any = true;
    }
    any
}

// ---------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------

struct Evaluator<'a> {
    case_exact: &'a dyn Fn(&AttrPath) -> bool,
}

impl Evaluator<'_> {
    /// `parent` is the multi-valued attribute whose element is `resource`
    /// while evaluating inside a value path.
    fn eval(&self, filter: &Filter, resource: &Value, parent: Option<&AttrPath>) -> bool {
        match filter {
            Filter::And(a, b) => self.eval(a, resource, parent) && self.eval(b, resource, parent),
            Filter::Or(a, b) => self.eval(a, resource, parent) || self.eval(b, resource, parent),
            Filter::Not(inner) => !self.eval(inner, resource, parent),
            Filter::Present(path) => is_path_present(resource, path),
            Filter::Compare(path, op, value) => {
                let exact = (self.case_exact)(&qualified(path, parent));
                compare_path(resource, path, *op, value, exact)
            }
            Filter::ValuePath(path, inner) => attribute(resource, path).is_some_and(|value| {
                elements(value)
                    .iter()
                    .any(|element| self.eval(inner, element, Some(path)))
            }),
        }
    }
}

/// Gives the case-exactness callback the full path of an attribute that is
/// written relative to a value-path element.
fn qualified(path: &AttrPath, parent: Option<&AttrPath>) -> AttrPath {
    match parent {
        Some(parent) if path.schema.is_none() && path.sub_attr.is_none() => AttrPath {
            schema: parent.schema.clone(),
            attr: parent.attr.clone(),
            sub_attr: Some(path.attr.clone()),
        },
        _ => path.clone(),
    }
}

fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Treats a single value like a one-element array so callers need only one
/// code path for single- and multi-valued attributes.
fn elements(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

/// Core-schema attributes live at the top level of a resource; extension
/// attributes live in an object keyed by the extension's URN.
fn attribute<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let base = match &path.schema {
        Some(schema)
            if !schema.eq_ignore_ascii_case(CORE_USER_SCHEMA)
                && !schema.eq_ignore_ascii_case(CORE_GROUP_SCHEMA) =>
        {
            get_ci(resource, schema)?
        }
        _ => resource,
    };
    get_ci(base, &path.attr)
}

fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn is_path_present(resource: &Value, path: &AttrPath) -> bool {
    let Some(value) = attribute(resource, path) else {
        return false;
    };
    match &path.sub_attr {
        None => is_present(value),
        Some(sub) => elements(value)
            .iter()
            .filter_map(|element| get_ci(element, sub))
            .any(is_present),
    }
}

/// The non-null scalar values a comparison looks at. Complex values
/// compared without a sub-attribute stand for their `value` sub-attribute,
/// which is how `members eq "id"` and `manager eq "id"` are meant.
fn comparable_values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(value) = attribute(resource, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for element in elements(value) {
        let picked = match &path.sub_attr {
            Some(sub) => get_ci(element, sub),
            None if element.is_object() => get_ci(element, "value"),
            None => Some(element),
        };
        if let Some(picked) = picked {
            out.extend(elements(picked).iter().filter(|v| !v.is_null()));
        }
    }
    out
}

fn compare_path(
    resource: &Value,
    path: &AttrPath,
    op: CompareOp,
    expected: &CompValue,
    exact: bool,
) -> bool {
    let values = comparable_values(resource, path);
    match (op, expected) {
        (CompareOp::Eq, CompValue::Null) => values.is_empty(),
        (CompareOp::Ne, CompValue::Null) => !values.is_empty(),
        // A missing attribute is not equal to anything.
        (CompareOp::Ne, _) if values.is_empty() => true,
        _ => values
            .iter()
            .any(|actual| compare_value(actual, op, expected, exact)),
    }
}

fn compare_value(actual: &Value, op: CompareOp, expected: &CompValue, exact: bool) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::String(e)) if exact => compare_str(a, op, e),
        (Value::String(a), CompValue::String(e)) => {
            compare_str(&a.to_lowercase(), op, &e.to_lowercase())
        }
        (Value::Bool(a), CompValue::Bool(e)) => compare_bool(*a, op, *e),
        // Entra sometimes stores booleans as "True"/"False".
        (Value::String(a), CompValue::Bool(e)) => {
            parse_bool(a).is_some_and(|a| compare_bool(a, op, *e))
        }
        (Value::Number(a), CompValue::Number(e)) => compare_number(a, op, e),
        _ => false,
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn compare_str(a: &str, op: CompareOp, e: &str) -> bool {
    match op {
        CompareOp::Eq => a == e,
        CompareOp::Ne => a != e,
        CompareOp::Co => a.contains(e),
        CompareOp::Sw => a.starts_with(e),
        CompareOp::Ew => a.ends_with(e),
        CompareOp::Gt => a > e,
        CompareOp::Ge => a >= e,
        CompareOp::Lt => a < e,
        CompareOp::Le => a <= e,
    }
}

fn compare_bool(a: bool, op: CompareOp, e: bool) -> bool {
    match op {
        CompareOp::Eq => a == e,
        CompareOp::Ne => a != e,
        _ => false,
    }
}

fn compare_number(a: &Number, op: CompareOp, e: &Number) -> bool {
    let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
        return false;
    };
    match op {
        CompareOp::Eq => a == e,
        CompareOp::Ne => a != e,
        CompareOp::Gt => a > e,
        CompareOp::Ge => a >= e,
        CompareOp::Lt => a < e,
        CompareOp::Le => a <= e,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn attr(name: &str) -> AttrPath {
        AttrPath::bare(name.to_owned())
    }

    fn sub(name: &str, sub_attr: &str) -> AttrPath {
        AttrPath {
            schema: None,
            attr: name.to_owned(),
            sub_attr: Some(sub_attr.to_owned()),
        }
    }

    fn qualified_path(schema: &str, name: &str, sub_attr: Option<&str>) -> AttrPath {
        AttrPath {
            schema: Some(schema.to_owned()),
            attr: name.to_owned(),
            sub_attr: sub_attr.map(str::to_owned),
        }
    }

    fn text(value: &str) -> CompValue {
        CompValue::String(value.to_owned())
    }

    fn int(value: i64) -> CompValue {
        CompValue::Number(Number::from(value))
    }

    fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare(path, op, value)
    }

    fn eq(name: &str, value: CompValue) -> Filter {
        cmp(attr(name), CompareOp::Eq, value)
    }

    fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }

    fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }

    fn not(a: Filter) -> Filter {
        Filter::Not(Box::new(a))
    }

    fn value_path(name: &str, inner: Filter) -> Filter {
        Filter::ValuePath(attr(name), Box::new(inner))
    }

    fn parse_err(input: &str) -> FilterError {
        match parse_filter(input) {
            Ok(filter) => panic!("{input:?} parsed as {filter:?}"),
            Err(err) => err,
        }
    }

    fn path_err(input: &str) -> FilterError {
        match parse_path(input) {
            Ok(path) => panic!("{input:?} parsed as {path:?}"),
            Err(err) => err,
        }
    }

    // -- filter parsing ------------------------------------------------------

    #[test]
    fn parses_simple_equality() {
        assert_eq!(
            parse_filter(r#"userName eq "bjensen""#),
            Ok(eq("userName", text("bjensen")))
        );
    }

    #[test]
    fn parses_core_urn_qualified_sub_attribute() {
        let expected = cmp(
            qualified_path(CORE_USER_SCHEMA, "name", Some("givenName")),
            CompareOp::Eq,
            text("Barbara"),
        );
        assert_eq!(
            parse_filter(
                r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara""#
            ),
            Ok(expected)
        );
    }

    #[test]
    fn parses_enterprise_manager_value() {
        let expected = cmp(
            qualified_path(ENTERPRISE, "manager", Some("value")),
            CompareOp::Eq,
            text("26118915"),
        );
        assert_eq!(
            parse_filter(&format!(r#"{ENTERPRISE}:manager.value eq "26118915""#)),
            Ok(expected)
        );
    }

    #[test]
    fn parses_enterprise_attribute_presence() {
        let expected = Filter::Present(qualified_path(ENTERPRISE, "employeeNumber", None));
        assert_eq!(
            parse_filter(&format!("{ENTERPRISE}:employeeNumber pr")),
            Ok(expected)
        );
    }

    #[test]
    fn parses_value_path_with_two_terms() {
        let expected = value_path(
            "emails",
            and(
                eq("type", text("work")),
                eq("primary", CompValue::Bool(true)),
            ),
        );
        assert_eq!(
            parse_filter(r#"emails[type eq "work" and primary eq true]"#),
            Ok(expected)
        );
    }

    #[test]
    fn parses_members_value_path() {
        assert_eq!(
            parse_filter(r#"members[value eq "abc"]"#),
            Ok(value_path("members", eq("value", text("abc"))))
        );
    }

    #[test]
    fn parses_entra_work_email_value_path() {
        let expected = value_path(
            "emails",
            and(eq("type", text("work")), eq("value", text("a@b.test"))),
        );
        assert_eq!(
            parse_filter(r#"emails[type eq "work"].value eq "a@b.test""#),
            Ok(expected)
        );
    }

    #[test]
    fn parses_entra_value_path_followed_by_presence() {
        let expected = value_path(
            "emails",
            and(eq("type", text("work")), Filter::Present(attr("value"))),
        );
        assert_eq!(
            parse_filter(r#"emails[type eq "work"].value pr"#),
            Ok(expected)
        );
    }

    #[test]
    fn parses_entra_value_path_inside_a_larger_filter() {
        let expected = and(
            value_path(
                "emails",
                and(eq("type", text("work")), eq("value", text("x"))),
            ),
            Filter::Present(attr("title")),
        );
        assert_eq!(
            parse_filter(r#"emails[type eq "work"].value eq "x" and title pr"#),
            Ok(expected)
        );
    }

    #[test]
    fn parses_legacy_members_equality_as_a_comparison() {
        assert_eq!(
            parse_filter(r#"members eq "id""#),
            Ok(eq("members", text("id")))
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let expected = or(eq("a", int(1)), and(eq("b", int(2)), eq("c", int(3))));
        assert_eq!(parse_filter("a eq 1 or b eq 2 and c eq 3"), Ok(expected));
    }

    #[test]
    fn chains_of_one_operator_group_to_the_left() {
        let a = || Filter::Present(attr("a"));
        let b = || Filter::Present(attr("b"));
        let c = || Filter::Present(attr("c"));
        assert_eq!(
            parse_filter("a pr and b pr and c pr"),
            Ok(and(and(a(), b()), c()))
        );
        assert_eq!(
            parse_filter("a pr or b pr or c pr"),
            Ok(or(or(a(), b()), c()))
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        let expected = and(or(eq("a", int(1)), eq("b", int(2))), eq("c", int(3)));
        assert_eq!(parse_filter("(a eq 1 or b eq 2) and c eq 3"), Ok(expected));
    }

    #[test]
    fn parses_not_with_and_without_a_space() {
        let expected = not(Filter::Present(attr("title")));
        assert_eq!(parse_filter("not (title pr)"), Ok(expected.clone()));
        assert_eq!(parse_filter("not(title pr)"), Ok(expected));
    }

    #[test]
    fn parses_not_combined_with_other_terms() {
        let expected = and(
            Filter::Present(attr("userName")),
            not(or(
                eq("title", text("x")),
                eq("active", CompValue::Bool(false)),
            )),
        );
        assert_eq!(
            parse_filter(r#"userName pr and not (title eq "x" or active eq false)"#),
            Ok(expected)
        );
    }

    #[test]
    fn treats_an_attribute_called_not_as_an_attribute() {
        assert_eq!(parse_filter(r#"not eq "x""#), Ok(eq("not", text("x"))));
    }

    #[test]
    fn keywords_and_operators_ignore_case() {
        let expected = or(
            and(eq("userName", text("x")), Filter::Present(attr("title"))),
            not(eq("active", CompValue::Bool(true))),
        );
        assert_eq!(
            parse_filter(r#"userName EQ "x" And title PR Or NOT (active Eq TRUE)"#),
            Ok(expected)
        );
    }

    #[test]
    fn accepts_runs_of_ascii_whitespace() {
        let expected = and(eq("userName", text("x")), Filter::Present(attr("title")));
        assert_eq!(
            parse_filter(" \t userName \t eq\n\r \"x\"   and\ttitle  pr  "),
            Ok(expected)
        );
    }

    #[test]
    fn parses_every_comparison_operator() {
        for op in CompareOp::ALL {
            let input = format!("a {} 1", op.as_str().to_uppercase());
            assert_eq!(parse_filter(&input), Ok(cmp(attr("a"), op, int(1))));
        }
    }

    #[test]
    fn decodes_json_string_escapes() {
        let input = r#"a eq "q\"b\\s\/d\b\f\n\r\t\u00e9\ud83d\ude00""#;
        assert_eq!(
            parse_filter(input),
            Ok(eq("a", text("q\"b\\s/d\u{8}\u{c}\n\r\t\u{e9}\u{1f600}")))
        );
    }

    #[test]
    fn parses_literal_keywords_in_any_case() {
        assert_eq!(
            parse_filter("a eq True"),
            Ok(eq("a", CompValue::Bool(true)))
        );
        assert_eq!(
            parse_filter("a eq FALSE"),
            Ok(eq("a", CompValue::Bool(false)))
        );
        assert_eq!(parse_filter("a eq Null"), Ok(eq("a", CompValue::Null)));
    }

    #[test]
    fn parses_json_numbers() {
        assert_eq!(parse_filter("a eq -1"), Ok(eq("a", int(-1))));
        assert_eq!(parse_filter("a eq 0"), Ok(eq("a", int(0))));
        let Ok(Filter::Compare(_, _, CompValue::Number(n))) = parse_filter("a gt 2.5e3") else {
            panic!("2.5e3 did not parse as a number");
        };
        assert_eq!(n.as_f64(), Some(2500.0));
        let Ok(Filter::Compare(_, _, CompValue::Number(n))) = parse_filter("a lt -0.25E-2") else {
            panic!("-0.25E-2 did not parse as a number");
        };
        assert_eq!(n.as_f64(), Some(-0.0025));
    }

    #[test]
    fn accepts_dollar_ref_as_an_attribute_name() {
        assert_eq!(
            parse_filter(r#"members.$ref eq "x""#),
            Ok(cmp(sub("members", "$ref"), CompareOp::Eq, text("x")))
        );
        assert_eq!(parse_filter("$ref pr"), Ok(Filter::Present(attr("$ref"))));
    }

    #[test]
    fn compare_op_names_are_lower_case_keywords() {
        let names: Vec<&str> = CompareOp::ALL.iter().map(|op| op.as_str()).collect();
        assert_eq!(
            names,
            ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
        );
    }

    #[test]
    fn attr_path_is_ignores_ascii_case() {
        assert!(attr("userName").is("USERNAME"));
        assert!(!attr("userName").is("user"));
    }

    // -- filter errors -------------------------------------------------------

    #[test]
    fn rejects_empty_and_blank_input() {
        assert_eq!(parse_err(""), FilterError::Empty { what: "filter" });
        assert_eq!(parse_err(" \t\r\n "), FilterError::Empty { what: "filter" });
        assert_eq!(path_err("  "), FilterError::Empty { what: "path" });
    }

    #[test]
    fn rejects_trailing_garbage_and_names_its_position() {
        let err = parse_err(r#"userName eq "a" foo"#);
        assert_eq!(
            err.to_string(),
            "filter: expected 'and', 'or' or end of filter at position 17, found 'foo'"
        );
    }

    #[test]
    fn rejects_a_value_after_pr() {
        let err = parse_err(r#"userName pr "x""#);
        assert_eq!(
            err.to_string(),
            "filter: expected 'and', 'or' or end of filter at position 13, found a quoted string"
        );
    }

    #[test]
    fn rejects_an_unterminated_string() {
        let err = parse_err(r#"userName eq "abc"#);
        assert_eq!(
            err,
            FilterError::UnterminatedString {
                what: "filter",
                position: 13
            }
        );
        assert_eq!(
            err.to_string(),
            "filter: the string starting at position 13 has no closing '\"'"
        );
    }

    #[test]
    fn rejects_a_string_ending_in_a_backslash() {
        assert_eq!(
            parse_err(r#"a eq "abc\"#),
            FilterError::UnterminatedString {
                what: "filter",
                position: 6
            }
        );
    }

    #[test]
    fn rejects_a_missing_value() {
        assert_eq!(
            parse_err("userName eq").to_string(),
            "filter: expected a value (a quoted string, number, true, false or null) \
             after 'eq' at position 12, found end of input"
        );
    }

    #[test]
    fn rejects_a_bare_word_as_a_value() {
        assert_eq!(
            parse_err("userName eq yes").to_string(),
            "filter: expected a value (a quoted string, number, true, false or null) \
             after 'eq' at position 13, found 'yes'"
        );
    }

    #[test]
    fn rejects_an_unknown_operator() {
        assert_eq!(
            parse_err(r#"userName like "x""#).to_string(),
            "filter: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le \
             or pr) after 'userName' at position 10, found 'like'"
        );
    }

    #[test]
    fn rejects_an_attribute_without_an_operator() {
        assert_eq!(
            parse_err("userName").to_string(),
            "filter: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le \
             or pr) after 'userName' at position 9, found end of input"
        );
    }

    #[test]
    fn rejects_a_dangling_logical_operator() {
        assert_eq!(
            parse_err("userName pr and").to_string(),
            "filter: expected an attribute path, '(' or 'not' at position 16, \
             found end of input"
        );
    }

    #[test]
    fn rejects_an_unclosed_parenthesis() {
        let err = parse_err("(userName pr");
        assert_eq!(
            err.to_string(),
            "filter: expected ')' at position 13 to close the '(' at position 1, \
             found end of input"
        );
    }

    #[test]
    fn rejects_an_unmatched_closing_parenthesis() {
        assert_eq!(
            parse_err("userName pr)").to_string(),
            "filter: ')' at position 12 has no matching '('"
        );
    }

    #[test]
    fn rejects_garbage_before_a_closing_parenthesis() {
        assert_eq!(
            parse_err("(userName pr foo)").to_string(),
            "filter: expected 'and', 'or' or ')' at position 14, found 'foo'"
        );
    }

    #[test]
    fn rejects_an_unclosed_bracket() {
        assert_eq!(
            parse_err(r#"emails[type eq "work""#),
            FilterError::Unclosed {
                what: "filter",
                open: '[',
                close: ']',
                opened_at: 7,
                position: 22
            }
        );
    }

    #[test]
    fn rejects_an_unmatched_closing_bracket() {
        assert_eq!(
            parse_err("title pr]").to_string(),
            "filter: ']' at position 9 has no matching '['"
        );
    }

    #[test]
    fn rejects_nested_value_paths() {
        assert_eq!(
            parse_err(r#"emails[type[value eq "x"] pr]"#).to_string(),
            "filter: value filters cannot be nested; unexpected '[' at position 12"
        );
    }

    #[test]
    fn rejects_a_value_path_on_a_sub_attribute() {
        assert_eq!(
            parse_err(r#"name.givenName[value eq "x"]"#).to_string(),
            "filter: invalid attribute path 'name.givenName' at position 1: a value \
             filter '[...]' must follow an attribute without a sub-attribute"
        );
    }

    #[test]
    fn rejects_invalid_escapes() {
        let cases = [
            (
                r#"a eq "\x""#,
                "use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX",
            ),
            (r#"a eq "\u12""#, "\\u must be followed by four hex digits"),
        ];
        for (input, reason) in cases {
            assert_eq!(
                parse_err(input),
                FilterError::InvalidEscape {
                    what: "filter",
                    position: 7,
                    reason
                },
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_lone_surrogates_without_panicking() {
        let high = "a high surrogate must be followed by a low surrogate \\uDC00-\\uDFFF";
        let low = "a low surrogate must follow a high surrogate \\uD800-\\uDBFF";
        let cases = [
            (r#"a eq "\ud800""#, high),
            (r#"a eq "\uD800\u0041""#, high),
            (r#"a eq "\ud800\ud800""#, high),
            (r#"a eq "\udc00""#, low),
        ];
        for (input, reason) in cases {
            assert_eq!(
                parse_err(input),
                FilterError::InvalidEscape {
                    what: "filter",
                    position: 7,
                    reason
                },
                "{input}"
            );
        }
        assert_eq!(
            parse_err(r#"a eq "\udc00""#).to_string(),
            "filter: invalid escape at position 7: a low surrogate must follow a high \
             surrogate \\uD800-\\uDBFF"
        );
    }

    #[test]
    fn rejects_malformed_numbers() {
        let syntax = "numbers must use JSON syntax such as 42, -1 or 2.5e3";
        for (input, number) in [
            ("a eq 01", "'01'"),
            ("a eq 1.", "'1.'"),
            ("a eq 1e", "'1e'"),
            ("a eq -", "'-'"),
            ("a eq 1.2.3", "'1.2.3'"),
            ("a eq 12abc", "'12abc'"),
            ("a eq 1e+", "'1e+'"),
        ] {
            assert_eq!(
                parse_err(input),
                FilterError::InvalidNumber {
                    what: "filter",
                    position: 6,
                    text: number.to_owned(),
                    reason: syntax
                },
                "{input}"
            );
        }
        assert_eq!(
            parse_err("a eq 1e400").to_string(),
            "filter: invalid number '1e400' at position 6: the number is out of range"
        );
    }

    #[test]
    fn rejects_invalid_attribute_paths() {
        let cases = [
            ("1abc pr", "an attribute name must start with a letter"),
            (
                "a.b.c pr",
                "an attribute name may contain only letters, digits, '-' and '_'",
            ),
            (
                "foo:bar pr",
                "only a schema URN starting with 'urn:' may contain ':'",
            ),
            ("urn:x pr", "a schema URN needs a namespace after 'urn:'"),
            ("urn:ietf:params: pr", "an attribute name is missing"),
            ("name. pr", "an attribute name is missing"),
            (
                "a+b pr",
                "an attribute name may contain only letters, digits, '-' and '_'",
            ),
        ];
        for (input, reason) in cases {
            let err = parse_err(input);
            let FilterError::InvalidAttrPath {
                position,
                reason: got,
                ..
            } = err
            else {
                panic!("{input}: {err:?}");
            };
            assert_eq!((position, got), (1, reason), "{input}");
        }
    }

    #[test]
    fn error_messages_repeat_at_most_twenty_characters_of_input() {
        let input = format!(r#"userName eq "a" {}"#, "x".repeat(100));
        assert_eq!(
            parse_err(&input).to_string(),
            format!(
                "filter: expected 'and', 'or' or end of filter at position 17, found '{}…'",
                "x".repeat(20)
            )
        );
    }

    #[test]
    fn every_syntax_error_message_names_a_position() {
        let inputs = [
            r#"userName eq "a" foo"#,
            r#"userName eq "abc"#,
            "userName eq",
            r#"userName like "x""#,
            "(userName pr",
            "userName pr)",
            r#"emails[type eq "work""#,
            r#"emails[type[value eq "x"] pr]"#,
            r#"a eq "\ud800""#,
            "a eq 1.2.3",
            "1abc pr",
        ];
        for input in inputs {
            let message = parse_err(input).to_string();
            assert!(message.starts_with("filter: "), "{message}");
            assert!(message.contains(" at position "), "{message}");
        }
    }

    // -- limits --------------------------------------------------------------

    #[test]
    fn rejects_input_longer_than_4096_bytes() {
        let input = format!(r#"userName eq "{}""#, "a".repeat(4986));
        assert_eq!(input.len(), 5000);
        let err = parse_err(&input);
        assert_eq!(
            err,
            FilterError::TooLong {
                what: "filter",
                len: 5000,
                max: 4096
            }
        );
        assert_eq!(
            err.to_string(),
            "filter: input is 5000 bytes, more than the limit of 4096"
        );
        assert_eq!(
            path_err(&"a".repeat(5000)),
            FilterError::TooLong {
                what: "path",
                len: 5000,
                max: 4096
            }
        );
    }

    #[test]
    fn accepts_input_of_exactly_4096_bytes() {
        let input = format!(r#"userName eq "{}""#, "a".repeat(4082));
        assert_eq!(input.len(), 4096);
        assert_eq!(
            parse_filter(&input),
            Ok(eq("userName", text(&"a".repeat(4082))))
        );
    }

    #[test]
    fn rejects_100_nested_parentheses() {
        let input = format!("{}userName pr{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(
            parse_err(&input).to_string(),
            "filter: nesting deeper than 32 levels at position 33"
        );
    }

    #[test]
    fn accepts_32_nested_parentheses() {
        let input = format!("{}userName pr{}", "(".repeat(32), ")".repeat(32));
        assert_eq!(parse_filter(&input), Ok(Filter::Present(attr("userName"))));
    }

    #[test]
    fn counts_not_and_brackets_towards_the_depth_limit() {
        let input = format!("{}a pr{}", "not (".repeat(100), ")".repeat(100));
        // Each "not (" is two levels, so the 17th `not` breaks the limit.
        assert_eq!(
            parse_err(&input),
            FilterError::TooDeep {
                what: "filter",
                position: 81,
                max: 32
            }
        );
        let brackets = format!("{}emails[value pr]{}", "(".repeat(31), ")".repeat(31));
        assert!(parse_filter(&brackets).is_ok());
        let too_deep = format!("{}emails[value pr]{}", "(".repeat(32), ")".repeat(32));
        assert_eq!(
            parse_err(&too_deep),
            FilterError::TooDeep {
                what: "filter",
                position: 39,
                max: 32
            }
        );
    }

    #[test]
    fn rejects_300_comparisons() {
        let input = vec!["a pr"; 300].join(" or ");
        let err = parse_err(&input);
        assert_eq!(
            err,
            FilterError::TooManyComparisons {
                what: "filter",
                position: 1601,
                max: 200
            }
        );
        assert_eq!(
            err.to_string(),
            "filter: more than 200 comparisons; the limit is exceeded at position 1601"
        );
    }

    #[test]
    fn accepts_200_comparisons() {
        let input = vec!["a pr"; 200].join(" and ");
        assert!(parse_filter(&input).is_ok());
    }

    // -- PATCH paths ---------------------------------------------------------

    fn plain(attr: AttrPath) -> PatchPath {
        PatchPath {
            attr,
            value_filter: None,
            sub_attr: None,
        }
    }

    #[test]
    fn parses_simple_patch_paths() {
        assert_eq!(parse_path("title"), Ok(plain(attr("title"))));
        assert_eq!(
            parse_path("name.familyName"),
            Ok(plain(sub("name", "familyName")))
        );
    }

    #[test]
    fn parses_value_path_patch_paths_with_sub_attributes() {
        assert_eq!(
            parse_path(r#"emails[type eq "work"].value"#),
            Ok(PatchPath {
                attr: attr("emails"),
                value_filter: Some(eq("type", text("work"))),
                sub_attr: Some("value".to_owned()),
            })
        );
        assert_eq!(
            parse_path(r#"addresses[type eq "work"].streetAddress"#),
            Ok(PatchPath {
                attr: attr("addresses"),
                value_filter: Some(eq("type", text("work"))),
                sub_attr: Some("streetAddress".to_owned()),
            })
        );
    }

    #[test]
    fn parses_value_path_patch_paths_without_sub_attributes() {
        assert_eq!(
            parse_path(r#"emails[type eq "other"]"#),
            Ok(PatchPath {
                attr: attr("emails"),
                value_filter: Some(eq("type", text("other"))),
                sub_attr: None,
            })
        );
        assert_eq!(
            parse_path(r#"members[value eq "2819c223"]"#),
            Ok(PatchPath {
                attr: attr("members"),
                value_filter: Some(eq("value", text("2819c223"))),
                sub_attr: None,
            })
        );
    }

    #[test]
    fn parses_urn_qualified_patch_paths() {
        assert_eq!(
            parse_path(&format!("{ENTERPRISE}:employeeNumber")),
            Ok(plain(qualified_path(ENTERPRISE, "employeeNumber", None)))
        );
        assert_eq!(
            parse_path(&format!("{ENTERPRISE}:manager")),
            Ok(plain(qualified_path(ENTERPRISE, "manager", None)))
        );
        assert_eq!(
            parse_path("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName"),
            Ok(plain(qualified_path(
                CORE_USER_SCHEMA,
                "name",
                Some("givenName")
            )))
        );
    }

    #[test]
    fn rejects_trailing_garbage_in_a_path() {
        assert_eq!(
            path_err("title x").to_string(),
            "path: expected end of path at position 7, found 'x'"
        );
        assert_eq!(
            path_err(r#"emails[type eq "work"].value eq "x""#).to_string(),
            "path: expected end of path at position 30, found 'eq'"
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        assert_eq!(
            path_err(r#"emails[type eq "work"]."#).to_string(),
            "path: invalid attribute path '' at position 24: an attribute name is missing"
        );
        assert_eq!(
            path_err(r#"emails[type eq "work""#),
            FilterError::Unclosed {
                what: "path",
                open: '[',
                close: ']',
                opened_at: 7,
                position: 22
            }
        );
        assert_eq!(
            path_err(r#"emails[type[value eq "x"] pr]"#),
            FilterError::NestedValuePath {
                what: "path",
                position: 12
            }
        );
        assert_eq!(
            path_err(r#"[type eq "x"]"#).to_string(),
            "path: expected an attribute path at position 1, found '['"
        );
    }

    // -- evaluation ----------------------------------------------------------

    fn user() -> Value {
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                ENTERPRISE
            ],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "Bjensen-EXT",
            "userName": "bjensen@example.com",
            "name": {
                "givenName": "Barbara",
                "familyName": "Jensen",
                "formatted": "Ms. Barbara J Jensen III"
            },
            "displayName": "École Jensen",
            "title": "",
            "nickName": null,
            "active": true,
            "loginCount": 10,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [],
            "addresses": [{}],
            "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
            ENTERPRISE: {
                "employeeNumber": "701984",
                "costCenter": "4130",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
            }
        })
    }

    fn exact_ids(path: &AttrPath) -> bool {
        path.is("id") || path.is("externalId")
    }

    fn matches(filter: &str, resource: &Value) -> bool {
        match parse_filter(filter) {
            Ok(parsed) => evaluate(&parsed, resource, &exact_ids),
            Err(err) => panic!("{filter}: {err}"),
        }
    }

    #[test]
    fn user_name_matches_ignoring_case() {
        assert!(matches(r#"userName eq "BJensen@Example.COM""#, &user()));
        assert!(!matches(r#"userName eq "bjensen""#, &user()));
    }

    #[test]
    fn external_id_is_case_exact_through_the_callback() {
        assert!(matches(r#"externalId eq "Bjensen-EXT""#, &user()));
        assert!(!matches(r#"externalId eq "bjensen-ext""#, &user()));
        assert!(matches(r#"externalId ne "bjensen-ext""#, &user()));
    }

    #[test]
    fn attribute_names_match_json_keys_ignoring_case() {
        assert!(matches(r#"USERNAME eq "bjensen@example.com""#, &user()));
        assert!(matches(r#"NAME.GIVENNAME eq "barbara""#, &user()));
    }

    #[test]
    fn string_comparisons_lowercase_unicode_when_not_case_exact() {
        assert!(matches(r#"displayName sw "ÉCOLE""#, &user()));
        assert!(matches(r#"displayName co "cole j""#, &user()));
        assert!(matches(r#"displayName ew "JENSEN""#, &user()));
    }

    #[test]
    fn strings_order_lexicographically() {
        assert!(matches(
            r#"meta.created gt "2010-01-01T00:00:00Z""#,
            &user()
        ));
        assert!(!matches(
            r#"meta.created lt "2010-01-01T00:00:00Z""#,
            &user()
        ));
        assert!(matches(
            r#"meta.created ge "2010-01-23T04:56:22Z""#,
            &user()
        ));
        assert!(matches(r#"name.familyName le "JENSEN""#, &user()));
    }

    #[test]
    fn entra_work_email_value_path_matches() {
        assert!(matches(
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            &user()
        ));
        assert!(!matches(
            r#"emails[type eq "work"].value eq "babs@jensen.org""#,
            &user()
        ));
        assert!(matches(r#"emails[type eq "home"].value pr"#, &user()));
    }

    #[test]
    fn value_path_needs_one_element_to_satisfy_every_term() {
        assert!(matches(
            r#"emails[type eq "work" and primary eq true]"#,
            &user()
        ));
        assert!(!matches(
            r#"emails[type eq "home" and primary eq true]"#,
            &user()
        ));
    }

    #[test]
    fn multi_valued_comparisons_match_any_element() {
        assert!(matches(r#"emails.type eq "home""#, &user()));
        assert!(matches(r#"emails eq "babs@jensen.org""#, &user()));
        assert!(!matches(r#"emails eq "nobody@example.com""#, &user()));
    }

    #[test]
    fn case_exact_callback_sees_the_full_path_inside_a_value_path() {
        let filter = parse_filter(r#"emails[value eq "BJENSEN@example.com"]"#);
        let Ok(filter) = filter else {
            panic!("{filter:?}");
        };
        let email_value_exact =
            |p: &AttrPath| p.is("emails") && p.sub_attr.as_deref() == Some("value");
        assert!(!evaluate(&filter, &user(), &email_value_exact));
        assert!(evaluate(&filter, &user(), &|_| false));
    }

    #[test]
    fn enterprise_employee_number_is_found_under_its_urn() {
        let filter = format!(r#"{ENTERPRISE}:employeeNumber eq "701984""#);
        assert!(matches(&filter, &user()));
        assert!(!matches(r#"employeeNumber eq "701984""#, &user()));
        let upper = format!("{}:EMPLOYEENUMBER pr", ENTERPRISE.to_uppercase());
        assert!(matches(&upper, &user()));
    }

    #[test]
    fn core_schema_urn_reads_the_top_level() {
        assert!(matches(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "Barbara""#,
            &user()
        ));
    }

    #[test]
    fn manager_compares_its_value_sub_attribute() {
        let id = "26118915-6090-4610-87e4-49d8ca9f808d";
        assert!(matches(
            &format!(r#"{ENTERPRISE}:manager eq "{id}""#),
            &user()
        ));
        assert!(matches(
            &format!(r#"{ENTERPRISE}:manager.value eq "{id}""#),
            &user()
        ));
        assert!(!matches(
            &format!(r#"{ENTERPRISE}:manager eq "other""#),
            &user()
        ));
    }

    #[test]
    fn group_members_match_by_value() {
        let group = json!({
            "displayName": "Admins",
            "members": [{"value": "a1", "$ref": "Users/a1"}, {"value": "b2"}]
        });
        assert!(matches(r#"members eq "b2""#, &group));
        assert!(matches(r#"members[value eq "a1"]"#, &group));
        assert!(matches(r#"members.$ref ew "/a1""#, &group));
        assert!(!matches(r#"members eq "c3""#, &group));
    }

    #[test]
    fn presence_ignores_null_empty_strings_and_empty_containers() {
        let user = user();
        assert!(matches("userName pr", &user));
        assert!(matches("name.givenName pr", &user));
        assert!(matches("emails pr", &user));
        assert!(matches("emails.value pr", &user));
        assert!(matches("active pr", &user));
        assert!(!matches("title pr", &user));
        assert!(!matches("nickName pr", &user));
        assert!(!matches("phoneNumbers pr", &user));
        assert!(!matches("addresses.streetAddress pr", &user));
        assert!(!matches("name.middleName pr", &user));
        assert!(!matches("x509Certificates pr", &user));
        assert!(!matches("name.givenName pr", &json!({"name": {}})));
    }

    #[test]
    fn not_negates_its_operand() {
        assert!(matches("not (title pr)", &user()));
        assert!(!matches("not (userName pr)", &user()));
        assert!(matches(
            r#"userName pr and not (emails[type eq "other"])"#,
            &user()
        ));
    }

    #[test]
    fn logical_operators_combine_results() {
        assert!(matches(r#"title pr or userName sw "bj""#, &user()));
        assert!(!matches(r#"title pr and userName sw "bj""#, &user()));
    }

    #[test]
    fn active_matches_a_json_boolean() {
        assert!(matches("active eq true", &user()));
        assert!(!matches("active eq false", &user()));
        assert!(matches("active ne false", &user()));
        assert!(!matches("active gt false", &user()));
    }

    #[test]
    fn active_matches_a_boolean_stored_as_a_string() {
        let entra = json!({"userName": "x", "active": "True"});
        assert!(matches("active eq true", &entra));
        assert!(!matches("active eq false", &entra));
        assert!(matches("active ne false", &entra));
        assert!(!matches("active eq true", &json!({"active": "yes"})));
    }

    #[test]
    fn null_comparisons_treat_missing_and_null_alike() {
        assert!(matches("nickName eq null", &user()));
        assert!(matches("x509Certificates eq null", &user()));
        assert!(!matches("userName eq null", &user()));
        assert!(matches("userName ne null", &user()));
        assert!(!matches("nickName ne null", &user()));
    }

    #[test]
    fn ne_on_a_missing_attribute_is_true() {
        assert!(matches(r#"nickName ne "babs""#, &user()));
        assert!(matches(r#"profileUrl ne "x""#, &user()));
        assert!(!matches(r#"profileUrl eq "x""#, &user()));
    }

    #[test]
    fn numbers_compare_numerically() {
        assert!(matches("loginCount eq 10", &user()));
        assert!(matches("loginCount eq 1e1", &user()));
        assert!(matches("loginCount gt 9.5", &user()));
        assert!(matches("loginCount le 10", &user()));
        assert!(!matches("loginCount lt 10", &user()));
        assert!(!matches("loginCount co 1", &user()));
    }

    #[test]
    fn mismatched_types_never_match() {
        assert!(!matches("userName eq 5", &user()));
        assert!(!matches(r#"loginCount eq "10""#, &user()));
        assert!(!matches(r#"name eq "Barbara""#, &user()));
        assert!(!matches(r#"active eq "true""#, &user()));
    }

    // -- robustness ----------------------------------------------------------

    /// xorshift64*: deterministic, dependency-free randomness for the fuzz
    /// test so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }

        fn char_from(&mut self, alphabet: &[char]) -> char {
            alphabet
                .get(self.below(alphabet.len()))
                .copied()
                .unwrap_or('a')
        }
    }

    const SEEDS: [&str; 10] = [
        r#"userName eq "bjensen""#,
        r#"emails[type eq "work" and primary eq true]"#,
        r#"emails[type eq "work"].value eq "a@b.test""#,
        r#"not (title pr) or (a eq 1 and b ne -2.5e3)"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "id""#,
        r#"members[value eq "abc"]"#,
        r#"a eq "\ud83d\ude00\n\"""#,
        r#"addresses[type eq "work"].streetAddress"#,
        "name.givenName",
        "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
    ];

    fn mutate(rng: &mut Rng, seed: &str, alphabet: &[char]) -> String {
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..=rng.below(4) {
            let at = rng.below(chars.len() + 1).min(chars.len());
            match rng.below(5) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, rng.char_from(alphabet)),
                2 if at < chars.len() => {
                    if let Some(c) = chars.get_mut(at) {
                        *c = rng.char_from(alphabet);
                    }
                }
                3 => {
                    let tail: Vec<char> = chars.iter().skip(at).take(8).copied().collect();
                    chars.splice(at..at, tail);
                }
                _ => chars.truncate(at),
            }
        }
        chars.into_iter().collect()
    }

    fn exercise(input: &str, resource: &Value) {
        match parse_filter(input) {
            Ok(filter) => {
                evaluate(&filter, resource, &exact_ids);
            }
            Err(err) => assert!(err.to_string().chars().count() < 300, "{err}"),
        }
        if let Err(err) = parse_path(input) {
            assert!(err.to_string().chars().count() < 300, "{err}");
        }
    }

    #[test]
    fn random_and_mutated_inputs_never_panic() {
        let alphabet: Vec<char> = "aeEnotrpqu019.:-_$+ \t\"\\[]()/\u{e9}\u{1f600}\u{0}\u{7f}"
            .chars()
            .collect();
        let resource = user();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let len = rng.below(64);
            let random: String = (0..len).map(|_| rng.char_from(&alphabet)).collect();
            exercise(&random, &resource);
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            exercise(&String::from_utf8_lossy(&bytes), &resource);
        }
        for _ in 0..3000 {
            let seed = SEEDS.get(rng.below(SEEDS.len())).copied().unwrap_or("");
            exercise(&mutate(&mut rng, seed, &alphabet), &resource);
        }
    }
}
