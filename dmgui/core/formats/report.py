"""Writers for sampled per-VM rows (CSV) and run summaries (JSON)."""

from __future__ import annotations

import csv
import io
import json
import os

import numpy as np

from dmgui.core.files import AtomicFile, OutputTarget, resolve_output, write_text
from dmgui.core.model.states import STATUS_LABELS, VmState
from dmgui.core.sim.block import Block

CSV_COLUMNS = (
    "time_s", "vm", "state", "demand_mb", "assigned_mb", "guest_visible_mb",
    "pressure", "memory_status", "paging_mb",
)
_STATE_LABELS = tuple(VmState(code).label for code in range(len(VmState)))


def sample_rows(block: Block, sample_s: int) -> Block:
    """The rows of ``block`` whose time is a multiple of ``sample_s``."""
    return block.rows(block.time % sample_s == 0)


class CsvSampleWriter:
    """Streams sampled rows to a CSV output: one row per VM per sample.

    The rows go through an :class:`~dmgui.core.files.AtomicFile`: a temporary file
    next to the target, renamed into place by :meth:`close`, so an interrupted or
    failed run never leaves a half-written CSV (a stream is written directly).
    """

    def __init__(self, target: OutputTarget | str, names: list[str]) -> None:
        if isinstance(target, str):
            target = resolve_output(target)
        self.names = [spreadsheet_safe(name) for name in names]
        self._out = AtomicFile(target)
        self._text = io.TextIOWrapper(self._out.file, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text, lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)

    def write(self, block: Block) -> None:
        """Append every row of ``block`` (already sampled)."""
        self._csv.writerows(format_rows(block, self.names))

    def close(self) -> None:
        """Finish the file and move it into place."""
        self._text.flush()
        self._text.detach()
        self._out.commit()

    def abort(self) -> None:
        """Drop the partial file (the target, if it existed, is untouched)."""
        try:
            self._text.detach()
        except (OSError, ValueError):
            pass  # unflushable (a full disk): the AtomicFile drops it all below
        self._out.abort()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula.

    The usual rule against CSV formula injection (OWASP): a cell that starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets an
    apostrophe in front, which spreadsheets show as text and do not run.
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def format_rows(block: Block, names: list[str]) -> list[tuple[object, ...]]:
    """CSV rows (see :data:`CSV_COLUMNS`) for every tick and VM of ``block``.

    ``names`` are written as given (:class:`CsvSampleWriter` passes them through
    :func:`spreadsheet_safe` first).
    """
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
    """Write the JSON summary atomically (see :mod:`dmgui.core.files`)."""
    write_text(resolve_output(os.fspath(path)), summary_json_text(summary))


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
