"""What a running simulation hands to a viewer: a block plus the context to read it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmgui.core.block import Block
from dmgui.core.memory import MemorySettings


@dataclass(frozen=True)
class Frame:
    """An immutable snapshot for viewers on another thread.

    Attributes
    ----------
    block:     the ticks simulated since the previous frame (may be empty after a reset).
    names:     VM names, in column order.
    settings:  each VM's memory settings at the end of the block.
    boot_time: [N] second each VM last started (NaN when Off).
    sim_time:  the simulated second the next tick will have.
    generation: increases on every reset or reconfiguration, so viewers know when
        columns changed meaning.
    """

    block: Block
    names: tuple[str, ...]
    settings: tuple[MemorySettings, ...]
    boot_time: np.ndarray
    sim_time: int
    generation: int = 0

    def __post_init__(self) -> None:
        self.boot_time.flags.writeable = False

    @property
    def uptime_s(self) -> np.ndarray:
        """[N] seconds since each VM started (NaN when Off)."""
        return self.sim_time - self.boot_time


def format_uptime(seconds: float) -> str:
    """Hyper-V Manager's Uptime cell: ``hh:mm:ss`` or ``d.hh:mm:ss``; blank if not running."""
    if seconds is None or not np.isfinite(seconds):
        return ""
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


def format_mb(value: float) -> str:
    """An Assigned Memory / Memory Demand cell: '1024 MB'."""
    return f"{int(round(value))} MB"
