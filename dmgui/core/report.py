"""Writers for sampled per-VM rows (CSV) and run summaries (JSON)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TextIO

import numpy as np

from dmgui.core.block import Block
from dmgui.core.scenario import atomic_write_text
from dmgui.core.states import STATUS_LABELS, VmState

CSV_COLUMNS = (
    "time_s", "vm", "state", "demand_mb", "assigned_mb", "guest_visible_mb",
    "pressure", "memory_status", "paging_mb",
)
_STATE_LABELS = tuple(VmState(code).label for code in range(len(VmState)))


def sample_rows(block: Block, sample_s: int) -> Block:
    """The rows of ``block`` whose time is a multiple of ``sample_s``."""
    return block.rows(block.time % sample_s == 0)


class CsvSampleWriter:
    """Streams sampled rows to a CSV file: one row per VM per sample.

    Rows go to a temporary file next to the target, renamed into place by
    :meth:`close` so an interrupted run never leaves a half-written CSV.
    """

    def __init__(self, path: str | os.PathLike[str], names: list[str]) -> None:
        self.path = Path(path)
        self.names = list(names)
        # A device or pipe (/dev/stdout) is streamed into directly; a symlink's
        # target is replaced, not the link.
        self._direct = self.path.exists() and not self.path.is_file()
        if not self._direct:
            self.path = Path(os.path.realpath(self.path))
        self._tmp = self.path if self._direct else self.path.with_name(
            f".{self.path.name}.partial")
        self._file: TextIO = open(self._tmp, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)

    def write(self, block: Block) -> None:
        """Append every row of ``block`` (already sampled)."""
        self._csv.writerows(format_rows(block, self.names))

    def close(self) -> None:
        """Finish the file and move it into place."""
        self._file.flush()
        if self._direct:
            self._file.close()
            return
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file (the target, if it existed, is untouched)."""
        self._file.close()
        if not self._direct:
            self._tmp.unlink(missing_ok=True)


def format_rows(block: Block, names: list[str]) -> list[tuple[object, ...]]:
    """CSV rows (see :data:`CSV_COLUMNS`) for every tick and VM of ``block``."""
    rows = []
    for k, t in enumerate(block.time.tolist()):
        columns = zip(
            names, block.state[k].tolist(), block.demand[k].tolist(),
            block.assigned[k].tolist(), block.guest_visible[k].tolist(),
            block.pressure[k].tolist(), block.status[k].tolist(), block.paging[k].tolist(),
        )
        for name, state, demand, assigned, visible, pressure, status, paging in columns:
            rows.append((t, name, _STATE_LABELS[state], _mb(demand), _mb(assigned),
                         _mb(visible), int(pressure), STATUS_LABELS[status], _mb(paging)))
    return rows


def _mb(value: float) -> int:
    return int(round(value))


def summary_json_text(summary: dict[str, object]) -> str:
    """The summary as indented JSON text."""
    return json.dumps(summary, indent=2, allow_nan=False) + "\n"


def write_summary(path: str | os.PathLike[str], summary: dict[str, object]) -> None:
    """Write the JSON summary atomically."""
    atomic_write_text(Path(path), summary_json_text(summary))


def summary_table(summary: dict[str, object]) -> str:
    """A short human-readable table of the summary, for the terminal."""
    out = io.StringIO()
    head = f"{'VM':<24} {'mean asg':>9} {'max asg':>9} {'mean dem':>9} {'p95 pr':>7} "
    out.write(head + f"{'paging s':>9} {'warn s':>7}\n")
    for name, s in summary["vms"].items():
        out.write(f"{name[:24]:<24} {_cell(s['mean_assigned_mb']):>9} "
                  f"{_cell(s['max_assigned_mb']):>9} {_cell(s['mean_demand_mb']):>9} "
                  f"{_cell(s['p95_pressure']):>7} {s['seconds_paging']:>9} "
                  f"{s['seconds_warning']:>7}\n")
    host = summary["host"]
    out.write(f"host: min available {_cell(host['min_available_mb'])} MB, "
              f"mean average pressure {_cell(host['mean_average_pressure'])}\n")
    failures = [e for e in summary["events"] if e["kind"] in ("start_failed",
                "set_memory_refused", "smart_paging")]
    for e in failures:
        message = e["message"].replace("\n", " ")
        out.write(f"t={e['at_s']}s {e['vm']}: {e['kind']}: {message}\n")
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return f"{value:.0f}" if isinstance(value, float) else str(value)
