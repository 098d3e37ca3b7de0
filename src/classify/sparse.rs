//! Compressed sparse row (CSR) matrix: the training design matrix.
//!
//! Values are `f32` because the matrix dominates training memory (200k messages × ~25 non-zeros)
//! and TF-IDF weights need no more precision; all arithmetic on them is done in `f64`.

/// A row-major sparse matrix with `f32` values and `u32` column indices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseRows {
    row_starts: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f32>,
    n_columns: usize,
}

impl SparseRows {
    /// An empty matrix with `n_columns` columns.
    pub fn new(n_columns: usize) -> Self {
        SparseRows {
            row_starts: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
            n_columns,
        }
    }

    /// An empty matrix with room for `rows` rows and `entries` entries: built row by row to a
    /// known bound, it never regrows (each regrowth copies the matrix so far into fresh pages).
    /// Capacity past what is filled is never touched, so it costs address space, not memory.
    pub fn with_capacity(n_columns: usize, rows: usize, entries: usize) -> Self {
        let mut row_starts = Vec::with_capacity(rows + 1);
        row_starts.push(0);
        SparseRows {
            row_starts,
            columns: Vec::with_capacity(entries),
            values: Vec::with_capacity(entries),
            n_columns,
        }
    }

    /// Appends a row given as `(column, value)` pairs with strictly increasing columns.
    pub fn push_row(&mut self, entries: &[(u32, f64)]) {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        debug_assert!(entries
            .iter()
            .all(|&(column, _)| (column as usize) < self.n_columns));
        for &(column, value) in entries {
            self.columns.push(column);
            self.values.push(value as f32);
        }
        self.row_starts.push(self.columns.len());
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.row_starts.len() - 1
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.n_columns
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.columns.len()
    }

    /// Columns and values of row `row`.
    pub fn row(&self, row: usize) -> (&[u32], &[f32]) {
        let span = self.row_starts[row]..self.row_starts[row + 1];
        (&self.columns[span.clone()], &self.values[span])
    }

    /// Row `row` as `(column, value)` pairs in `f64`, the form classifiers take.
    pub fn row_features(&self, row: usize) -> Vec<(u32, f64)> {
        let (columns, values) = self.row(row);
        columns
            .iter()
            .zip(values)
            .map(|(&column, &value)| (column, f64::from(value)))
            .collect()
    }

    /// The matrix as a dense `ndarray` (for tests and the linfa reference model only).
    pub fn to_dense(&self) -> ndarray::Array2<f64> {
        let mut dense = ndarray::Array2::zeros((self.n_rows(), self.n_columns));
        for row in 0..self.n_rows() {
            let (columns, values) = self.row(row);
            for (&column, &value) in columns.iter().zip(values) {
                dense[(row, column as usize)] = f64::from(value);
            }
        }
        dense
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_including_empty_ones() {
        let mut m = SparseRows::new(4);
        m.push_row(&[(0, 1.0), (3, 0.5)]);
        m.push_row(&[]);
        m.push_row(&[(2, 2.0)]);
        assert_eq!(m.n_rows(), 3);
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.row(0), (&[0u32, 3][..], &[1.0f32, 0.5][..]));
        assert_eq!(m.row(1), (&[][..], &[][..]));
        let dense = m.to_dense();
        assert_eq!(dense[(2, 2)], 2.0);
        assert_eq!(dense.sum(), 3.5);
    }
}
