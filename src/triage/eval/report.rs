//! Human-readable rendering of an [`EvalReport`], for engineers reading CI logs.

use std::fmt;

use super::EvalReport;
use crate::triage::Category;

/// Short column headers for the confusion matrix.
const SHORT: [&str; 6] = ["911", "089", "patrol", "worksh", "follow", "other"];

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "classifier {} on {} lines", self.version, self.total)?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<14} {:>9} {:>9} {:>9} {:>9}",
            "category", "precision", "recall", "F1", "support"
        )?;
        for m in &self.per_category {
            writeln!(
                f,
                "{:<14} {:>9.3} {:>9.3} {:>9.3} {:>9}",
                m.category.as_str(),
                m.precision,
                m.recall,
                m.f1,
                m.support
            )?;
        }
        writeln!(f)?;
        writeln!(f, "macro-F1              {:.3}", self.macro_f1)?;
        writeln!(f, "accuracy              {:.3}", self.accuracy)?;
        writeln!(f, "emergency recall      {:.3}", self.emergency_recall)?;
        writeln!(f, "false-emergency rate  {:.3}", self.false_emergency_rate)?;
        writeln!(f, "needs review          {}", self.needs_review)?;
        writeln!(f)?;
        writeln!(f, "confusion (rows = expected, columns = got)")?;
        write!(f, "{:<14}", "")?;
        for s in SHORT {
            write!(f, " {s:>7}")?;
        }
        writeln!(f)?;
        for c in Category::ALL {
            write!(f, "{:<14}", c.as_str())?;
            for n in self.confusion[c.index()] {
                write!(f, " {n:>7}")?;
            }
            writeln!(f)?;
        }
        if !self.by_hard.is_empty() {
            writeln!(f)?;
            writeln!(f, "hard cases (correct / total)")?;
            for (tag, (ok, total)) in &self.by_hard {
                writeln!(f, "  {tag:<28} {ok:>4} / {total}")?;
            }
        }
        writeln!(f)?;
        writeln!(f, "misclassified ({})", self.misclassified.len())?;
        for m in &self.misclassified {
            let review = if m.needs_review { " [review]" } else { "" };
            let hard = m
                .hard
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {}{hard}: {} → {}{review} [{}] {}",
                m.id,
                m.expected,
                m.got,
                m.rules.join(", "),
                m.text.replace('\n', " ")
            )?;
        }
        Ok(())
    }
}
