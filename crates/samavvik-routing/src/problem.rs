//! One thing wrong with a directory file, and how a list of them is
//! finished for the system owner.
//!
//! Its own module because both reading an entry (`raw`) and checking across
//! entries (`check`) produce problems, and loading a `Directory` reports them.

use std::fmt;

use serde::Serialize;

/// One thing wrong with a directory file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Problem {
    /// The file's name as given to [`check`](crate::check()), for messages.
    pub source: String,
    /// 1-based line of the offending value, when it has one.
    pub line: Option<usize>,
    /// What is wrong, in bokmål, for the system owner.
    pub message: String,
}

impl Problem {
    pub(crate) fn at(line: usize, message: String) -> Self {
        Problem {
            source: String::new(),
            line: Some(line),
            message,
        }
    }

    pub(crate) fn whole_file(message: String) -> Self {
        Problem {
            source: String::new(),
            line: None,
            message,
        }
    }
}

impl fmt::Display for Problem {
    /// `file:line: message`, the form editors and terminals link to.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

/// Puts `problems` in reading order and names the file in each.
pub(crate) fn finish(mut problems: Vec<Problem>, source_name: &str) -> Vec<Problem> {
    // Sorted by line so the list reads top to bottom; the sort is stable,
    // so problems on one line keep the order they were found in.
    problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
    for p in &mut problems {
        p.source = source_name.to_owned();
    }
    problems
}
