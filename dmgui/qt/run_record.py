"""The current run's rows, kept for File → Export Run as CSV...

The plots keep only the window they show (:mod:`dmgui.qt.plots.history`: at most
3600 rows, thinned for long windows, and not every CSV column), so the app keeps the
run a second way: the rows ``dmgui simulate --csv`` writes, sampled as it samples
them (:func:`~dmgui.core.formats.report.sample_rows`: every ``SAMPLE_S`` simulated
seconds, its default ``--sample 10s``) and written by its own
:class:`~dmgui.core.formats.report.CsvSampleWriter`, so the columns and the formatting
are the CLI's.

What is kept: the rows of the frames the window received since the run started (or
was reset, or the scenario opened), at most the newest ``MAX_SAMPLES`` sample times
(one simulated day). A VM added or deleted while running appears from or up to that
time (rows name their VM). When the display falls far behind (as fast as possible
on a busy machine) the engine merges frames and keeps their newest hour, so such a
run can have gaps; the plots have them too.

Qt-free (numpy only), like the plot history: tested without a display. Each frame's
sampled values are copied into small arrays, so no engine block is kept alive.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from dmgui.core.files import OutputTarget
from dmgui.core.formats.report import CsvSampleWriter, sample_rows, spreadsheet_safe
from dmgui.core.sim.block import Block
from dmgui.core.sim.frame import Frame

#: Seconds between kept rows: ``dmgui simulate``'s default ``--sample``.
SAMPLE_S = 10
#: Sample times kept: one simulated day at ``SAMPLE_S``.
MAX_SAMPLES = 86400 // SAMPLE_S


@dataclass(frozen=True, eq=False)
class SampledRows:
    """The sampled rows of one frame: [T] ``time`` and [T, VMs] of the values
    :func:`~dmgui.core.formats.report.format_rows` reads from a block."""

    names: tuple[str, ...]
    time: np.ndarray
    state: np.ndarray
    demand: np.ndarray
    assigned: np.ndarray
    guest_visible: np.ndarray
    pressure: np.ndarray
    status: np.ndarray
    paging: np.ndarray

    FIELDS = ("time", "state", "demand", "assigned", "guest_visible", "pressure",
              "status", "paging")

    @classmethod
    def of(cls, block: Block, names: tuple[str, ...]) -> SampledRows:
        """Copies of ``block``'s values (a sampled block still refers to its source)."""
        return cls(names, *(np.array(getattr(block, key)) for key in cls.FIELDS))

    def __len__(self) -> int:
        return int(self.time.size)

    def tail(self, count: int) -> SampledRows:
        """The newest ``count`` rows."""
        start = len(self) - count
        return SampledRows(self.names,
                           *(getattr(self, key)[start:] for key in self.FIELDS))


class RunRecord:
    """The current run's sampled rows, oldest first (see the module docstring).

    Parameters
    ----------
    sample_s:
        Simulated seconds between kept rows (rows whose time is a multiple).
    max_samples:
        Sample times kept; older ones are dropped.
    """

    def __init__(self, sample_s: int = SAMPLE_S,
                 max_samples: int = MAX_SAMPLES) -> None:
        if sample_s < 1 or max_samples < 1:
            raise ValueError("sample_s and max_samples must be at least 1")
        self.sample_s = sample_s
        self.max_samples = max_samples
        self.generation: int | None = None
        self._chunks: deque[SampledRows] = deque()
        self._samples = 0
        self._newest = -math.inf  # the newest simulated second received

    def __len__(self) -> int:
        """Sample times kept."""
        return self._samples

    @property
    def rows(self) -> int:
        """CSV rows kept (one per VM per sample time)."""
        return sum(len(chunk) * len(chunk.names) for chunk in self._chunks)

    def span(self) -> tuple[int, int] | None:
        """Simulated seconds of the first and last kept rows (None when empty)."""
        if not self._chunks:
            return None
        return int(self._chunks[0].time[0]), int(self._chunks[-1].time[-1])

    def add(self, frame: Frame) -> None:
        """Keep ``frame``'s sampled rows; a new generation (a reset) starts over."""
        if frame.generation != self.generation:
            self.generation = frame.generation
            self.clear()
        block = frame.block
        if len(block) == 0:
            return
        if block.time[0] <= self._newest:  # time went back without a new generation
            self.clear()
        self._newest = float(block.time[-1])
        sampled = sample_rows(block, self.sample_s)
        if len(sampled):
            self._chunks.append(SampledRows.of(sampled, frame.names))
            self._samples += len(sampled)
            self._trim()

    def clear(self) -> None:
        """Forget every row."""
        self._chunks.clear()
        self._samples = 0
        self._newest = -math.inf

    def write_csv(self, target: OutputTarget | str) -> int:
        """Write the rows as ``dmgui simulate --csv`` does, atomically; returns the
        number of rows. Raises :class:`~dmgui.core.files.FileProblem` or
        :class:`OSError`; the target is then as it was."""
        chunks = list(self._chunks)
        writer = CsvSampleWriter(target, [])
        try:
            for chunk in chunks:
                # Columns follow the frame's VMs: a VM added while running too.
                writer.names = [spreadsheet_safe(name) for name in chunk.names]
                writer.write(chunk)
            writer.close()
        except BaseException:
            writer.abort()
            raise
        return sum(len(chunk) * len(chunk.names) for chunk in chunks)

    def _trim(self) -> None:
        excess = self._samples - self.max_samples
        while excess > 0:
            oldest = self._chunks[0]
            if len(oldest) <= excess:
                self._chunks.popleft()
                excess -= len(oldest)
                self._samples -= len(oldest)
            else:
                self._chunks[0] = oldest.tail(len(oldest) - excess)
                self._samples -= excess
                excess = 0
