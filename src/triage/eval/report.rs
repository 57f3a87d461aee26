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
        writeln!(
            f,
            "needs review          {} ({:.1} % of lines; {} of {} errors)",
            self.needs_review,
            self.review_share * 100.0,
            self.errors_flagged,
            self.misclassified.len()
        )?;
        writeln!(f)?;
        writeln!(f, "9-1-1 reply (category or safety net)")?;
        writeln!(f, "  emergency recall      {:.3}", self.reply_recall)?;
        writeln!(f, "  false-emergency rate  {:.3}", self.reply_false_rate)?;
        writeln!(
            f,
            "  by the safety net     {} (\"posible emergencia\")",
            self.net_only
        )?;
        writeln!(f)?;
        writeln!(f, "expected calibration error  {:.3}", self.ece)?;
        writeln!(
            f,
            "calibration (confidence bin, lines, mean confidence, accuracy)"
        )?;
        for b in self.calibration.iter().filter(|b| b.count > 0) {
            writeln!(
                f,
                "  {:.1}–{:.1} {:>7} {:>9.3} {:>9.3}",
                b.lower, b.upper, b.count, b.mean_confidence, b.accuracy
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "slices (lines, accuracy, macro-F1, emergencies, 9-1-1 recall, false-emergency)"
        )?;
        for s in &self.slices {
            writeln!(
                f,
                "  {:<9} {:<13} {:>5} {:>7.3} {:>7.3} {:>5} {:>7.3} {:>7.3}",
                s.dimension,
                s.value,
                s.total,
                s.accuracy,
                s.macro_f1,
                s.emergencies,
                s.reply_recall,
                s.reply_false_rate
            )?;
        }
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
