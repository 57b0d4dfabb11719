"""The engine's hot loops compiled with Numba, when it is installed.

:meth:`dmgui.core.sim.engine.Simulation._balance` runs the balancer tick by tick
over a segment. With NumPy every tick costs a few dozen array operations, each
with microseconds of call overhead: at 1,000 VMs the overhead, not the arithmetic,
sets the speed, and a contended tick (weighted water-filling) is several times
slower than an uncontended one. :data:`balance_segment` is the same loop written
per VM and compiled, so a tick costs what its arithmetic costs; :data:`fold_segment`
does the same for the run summary's per-block statistics
(:class:`~dmgui.core.sim.summary.SummaryAccumulator`).

Both compute exactly what the NumPy code computes, bit for bit: the same operations
in the same order on the same float64 values, with NumPy's pairwise summation
wherever NumPy sums a row (:mod:`dmgui.core.sim.kernels`). Tests run both paths on
the same scenarios and compare every value (``tests/core/test_compiled_kernel.py``).

The kernels are used once :func:`warm_up` has compiled them (the first run after
an install: about 10 s; Numba caches the machine code next to this file, and later
processes load it in well under a second). Until then, and always when Numba is not
installed (or ``DMGUI_ENGINE=numpy`` is set, or the program is a frozen bundle, where
Numba's cache has no source files to key on), :data:`balance_segment` and
:data:`fold_segment` are ``None`` and the engine and the summary use NumPy. Because
both give the same values, a run may switch in the middle: the desktop app warms up
in a background thread while its engine already runs.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading

import numpy as np

__all__ = ["available", "balance_segment", "enabled", "fold_segment", "warm_up"]


def _wanted() -> bool:
    return os.environ.get("DMGUI_ENGINE", "").lower() != "numpy" and not getattr(
        sys, "frozen", False)


#: The compiled kernels, once :func:`warm_up` has run (``None`` until then).
balance_segment = None
fold_segment = None
_warm_lock = threading.Lock()


def available() -> bool:
    """Whether the kernels can be compiled here (Numba installed and wanted)."""
    return _wanted() and importlib.util.find_spec("numba") is not None


def enabled() -> bool:
    """Whether the compiled kernels are in use (after :func:`warm_up`)."""
    return balance_segment is not None


def warm_up() -> bool:
    """Compile the kernels, or load them from Numba's cache, and start using them.

    Idempotent and thread-safe; returns :func:`enabled`. Without Numba it does nothing.
    """
    global balance_segment, fold_segment
    if balance_segment is not None or not available():
        return balance_segment is not None
    with _warm_lock:
        if balance_segment is None:
            from dmgui.core.sim import kernels

            _exercise(kernels)
            fold_segment = kernels.fold
            balance_segment = kernels.balance
    return True


def _exercise(kernels) -> None:
    """Call each kernel once on a tiny contended segment (compiles or loads it), with
    the argument types the engine and the summary pass (one signature each)."""
    n = 3
    demand = np.array([[300.0, 500.0, 700.0], [900.0, 100.0, 800.0]])
    lo, hi = np.full(n, 256.0), np.full(n, 2048.0)
    a = np.array([512.0, 512.0, 512.0])
    order = np.arange(n)
    out = np.empty_like(demand)
    kernels.balance(demand, np.full(n, 0.6), lo, hi, np.full(n, 32.0), np.ones(n, bool),
                    a, a.copy(), np.zeros(n), 5.0, 1500.0, np.ones(n), order, out)
    z, yes = np.zeros(n), np.ones(n, bool)
    out.flags.writeable = demand.flags.writeable = False  # as a Block's arrays are
    kernels.fold(out, demand, 0, 2, yes, yes, yes, z, np.zeros(n * 4, np.int64), 4,
                 z.copy(), z.copy(), np.zeros(n, np.int64), z.copy(), z.copy(), z.copy(),
                 np.zeros(2))
