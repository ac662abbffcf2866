//! Row-major index arithmetic shared by the N-D engines.

/// Row-major strides (in elements) of an array of this shape.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * shape[a + 1];
    }
    s
}

/// Visits every multi-index of the box `start .. start + len`, last axis fastest. A box with
/// no axes has exactly one (empty) index; a box with an empty axis has none.
pub(crate) struct Odometer {
    start: Vec<usize>,
    end: Vec<usize>,
    idx: Vec<usize>,
    done: bool,
}

impl Odometer {
    pub(crate) fn new(start: &[usize], len: &[usize]) -> Odometer {
        Odometer {
            start: start.to_vec(),
            end: start.iter().zip(len).map(|(s, l)| s + l).collect(),
            idx: start.to_vec(),
            done: len.contains(&0),
        }
    }

    /// The odometer after `skip` advances: at the `skip`-th index of the box in row-major
    /// order (done when the box has no more).
    pub(crate) fn starting_at(start: &[usize], len: &[usize], skip: usize) -> Odometer {
        let mut o = Odometer::new(start, len);
        let total: usize = len.iter().product();
        if skip >= total {
            o.done = true;
            return o;
        }
        let mut rest = skip;
        for a in (0..len.len()).rev() {
            o.idx[a] = start[a] + rest % len[a];
            rest /= len[a];
        }
        o
    }

    /// The index the odometer is at, `None` once every index was visited.
    pub(crate) fn current(&self) -> Option<&[usize]> {
        (!self.done).then_some(&self.idx[..])
    }

    pub(crate) fn advance(&mut self) {
        for a in (0..self.idx.len()).rev() {
            self.idx[a] += 1;
            if self.idx[a] < self.end[a] {
                return;
            }
            self.idx[a] = self.start[a];
        }
        self.done = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odometer_visits_the_box_in_row_major_order() {
        let mut o = Odometer::new(&[1, 0], &[2, 3]);
        let mut seen = Vec::new();
        while let Some(i) = o.current() {
            seen.push(i.to_vec());
            o.advance();
        }
        assert_eq!(
            seen,
            [[1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]].map(|a| a.to_vec())
        );
        let mut zero_d = Odometer::new(&[], &[]);
        assert_eq!(zero_d.current(), Some(&[][..]));
        zero_d.advance();
        assert_eq!(zero_d.current(), None);
        assert_eq!(Odometer::new(&[0, 0], &[2, 0]).current(), None);
        let mut from_4th = Odometer::starting_at(&[1, 0], &[2, 3], 4);
        assert_eq!(from_4th.current(), Some(&[2, 1][..]));
        from_4th.advance();
        assert_eq!(from_4th.current(), Some(&[2, 2][..]));
        assert_eq!(Odometer::starting_at(&[1, 0], &[2, 3], 6).current(), None);
        assert_eq!(strides(&[2, 3, 4]), [12, 4, 1]);
    }
}
