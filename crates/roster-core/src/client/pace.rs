//! How many creates run at once without `/Bulk`: additive increase, multiplicative
//! decrease, as TCP does. An overloaded server (5xx, 429) halves it, down to one at
//! a time; a full round of successes adds one, up to a ceiling.

/// The number of requests allowed in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pace {
    current: usize,
    ceiling: usize,
    successes: usize,
}

impl Pace {
    /// Starts at `start` (at least 1) and never grows past four times that.
    pub(crate) fn new(start: usize) -> Self {
        let start = start.max(1);
        Self {
            current: start,
            ceiling: start * 4,
            successes: 0,
        }
    }

    /// Requests allowed in flight now.
    pub(crate) fn current(&self) -> usize {
        self.current
    }

    /// A request succeeded: after as many successes as are allowed in flight, one
    /// more is allowed.
    pub(crate) fn succeeded(&mut self) {
        self.successes += 1;
        if self.successes >= self.current && self.current < self.ceiling {
            self.current += 1;
            self.successes = 0;
        }
    }

    /// The server said it is overloaded: half as many, at least one.
    pub(crate) fn overloaded(&mut self) {
        self.current = (self.current / 2).max(1);
        self.successes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_on_overload_and_grows_back_one_round_at_a_time() {
        let mut p = Pace::new(4);
        p.overloaded();
        assert_eq!(p.current(), 2);
        p.overloaded();
        p.overloaded();
        assert_eq!(p.current(), 1);
        p.succeeded();
        assert_eq!(p.current(), 2);
        p.succeeded();
        assert_eq!(p.current(), 2, "a round is as many successes as in flight");
        p.succeeded();
        assert_eq!(p.current(), 3);
        for _ in 0..1000 {
            p.succeeded();
        }
        assert_eq!(p.current(), 16, "never past four times the start");
        assert_eq!(Pace::new(0).current(), 1);
    }
}
