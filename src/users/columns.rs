//! Which grid columns show, and in what order: the administrator hides and
//! reorders them (narrow windows), and a saved view keeps its layout.

use serde::{Deserialize, Serialize};

use super::view::Column;

/// The grid's columns, left to right, and which are hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Stored", into = "Stored")]
pub struct ColumnLayout {
    /// Every column exactly once.
    order: Vec<Column>,
    hidden: Vec<Column>,
}

/// What is written to disk; read back through [`ColumnLayout::from`], which repairs
/// a list written by another version (a column missing, unknown or twice).
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    order: Vec<Column>,
    #[serde(default)]
    hidden: Vec<Column>,
}

impl From<Stored> for ColumnLayout {
    fn from(stored: Stored) -> Self {
        let mut order = Vec::with_capacity(Column::ALL.len());
        for column in stored.order.into_iter().chain(Column::ALL) {
            if !order.contains(&column) {
                order.push(column);
            }
        }
        let mut layout = Self {
            order,
            hidden: Vec::new(),
        };
        for column in stored.hidden {
            layout.set_shown(column, false);
        }
        layout
    }
}

impl From<ColumnLayout> for Stored {
    fn from(layout: ColumnLayout) -> Self {
        Self {
            order: layout.order,
            hidden: layout.hidden,
        }
    }
}

impl Default for ColumnLayout {
    fn default() -> Self {
        Self {
            order: Column::ALL.to_vec(),
            hidden: Vec::new(),
        }
    }
}

impl ColumnLayout {
    /// Every column, in the layout's order, shown or not.
    pub fn order(&self) -> &[Column] {
        &self.order
    }

    /// The columns that show, left to right.
    pub fn shown(&self) -> impl Iterator<Item = Column> + '_ {
        self.order.iter().copied().filter(|c| self.is_shown(*c))
    }

    /// Whether `column` shows.
    pub fn is_shown(&self, column: Column) -> bool {
        !self.hidden.contains(&column)
    }

    /// Whether `column` may be hidden: Email names the row, so it always shows.
    pub fn can_hide(column: Column) -> bool {
        column != Column::Email
    }

    /// Shows or hides `column` (Email always shows).
    pub fn set_shown(&mut self, column: Column, shown: bool) {
        self.hidden.retain(|c| *c != column);
        if !shown && Self::can_hide(column) {
            self.hidden.push(column);
        }
    }

    /// Moves `column` one place left (`-1`) or right (`+1`); at an end, nothing.
    pub fn shift(&mut self, column: Column, by: isize) {
        let Some(at) = self.order.iter().position(|c| *c == column) else {
            return;
        };
        let Some(to) = at
            .checked_add_signed(by)
            .filter(|to| *to < self.order.len())
        else {
            return;
        };
        self.order.swap(at, to);
    }

    /// Whether it is the layout a new window starts with.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_shows_and_moves_columns_but_never_hides_the_email() {
        let mut layout = ColumnLayout::default();
        layout.set_shown(Column::LastConnection, false);
        layout.set_shown(Column::Email, false);
        assert!(layout.is_shown(Column::Email));
        assert!(!layout.shown().any(|c| c == Column::LastConnection));
        layout.shift(Column::Groups, -1);
        assert_eq!(layout.order()[5..], [Column::Groups, Column::Licenses]);
        layout.shift(Column::Email, -1);
        assert_eq!(layout.order()[0], Column::Email, "already first");
        layout.set_shown(Column::LastConnection, true);
        layout.shift(Column::Groups, 1);
        assert!(layout.is_default());
    }

    #[test]
    fn a_layout_from_another_version_is_repaired_on_reading() {
        let read: ColumnLayout = serde_json::from_str(
            r#"{"order": ["Groups", "Groups", "Email"], "hidden": ["Email", "Name"]}"#,
        )
        .unwrap_or_default();
        assert_eq!(read.order().len(), Column::ALL.len());
        assert_eq!(read.order()[..2], [Column::Groups, Column::Email]);
        assert!(read.is_shown(Column::Email) && !read.is_shown(Column::Name));
        let again: ColumnLayout =
            serde_json::from_str(&serde_json::to_string(&read).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(again, read);
    }
}
