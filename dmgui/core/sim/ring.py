"""Fixed-capacity ring buffers of time series, for plots that show a rolling window."""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last ``capacity`` rows of a [rows, columns] series, oldest first on read.

    Appending never allocates; reading returns a contiguous copy. Pure numpy, so the
    GUI's plots and the tests share one implementation.
    """

    def __init__(self, capacity: int, columns: int, dtype: type = np.float64) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.columns = columns
        self._data = np.zeros((capacity, columns), dtype)
        self._next = 0  # row written next
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        """Forget every row."""
        self._next = 0
        self._size = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append ``rows`` ([n, columns] or [n] for one column); keeps the newest."""
        rows = np.asarray(rows)
        if rows.ndim == 1:
            rows = rows.reshape(-1, 1) if self.columns == 1 else rows.reshape(1, -1)
        if rows.shape[1] != self.columns:
            raise ValueError(f"expected {self.columns} columns, got {rows.shape[1]}")
        rows = rows[-self.capacity:]
        n = rows.shape[0]
        first = min(n, self.capacity - self._next)
        self._data[self._next:self._next + first] = rows[:first]
        self._data[: n - first] = rows[first:]
        self._next = (self._next + n) % self.capacity
        self._size = min(self._size + n, self.capacity)

    def view(self) -> np.ndarray:
        """All stored rows, oldest first, as a new array."""
        if self._size < self.capacity:
            return self._data[: self._size].copy()
        return np.concatenate([self._data[self._next:], self._data[: self._next]])

    def column(self, j: int) -> np.ndarray:
        """Column ``j`` of :meth:`view`, without copying the other columns."""
        col = self._data[:, j]
        if self._size < self.capacity:
            return col[: self._size].copy()
        return np.concatenate([col[self._next:], col[: self._next]])
