//! Registry errors: every problem points at a file and a 1-based line so operators can fix
//! the configuration without reading code.

use std::fmt;

/// One problem found while loading or validating a registry. `line` is 0 when the problem
/// concerns a whole file or directory (for example, it could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for RegistryError {}

/// All problems found in one load, sorted by file (in load order) and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryErrors(pub Vec<RegistryError>);

impl RegistryErrors {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, RegistryError> {
        self.0.iter()
    }
}

impl fmt::Display for RegistryErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryErrors {}

impl<'a> IntoIterator for &'a RegistryErrors {
    type Item = &'a RegistryError;
    type IntoIter = std::slice::Iter<'a, RegistryError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
