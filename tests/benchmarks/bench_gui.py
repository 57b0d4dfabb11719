"""GUI performance benchmark (offscreen): redraw rate, event-loop lateness, startup.

Run from the repository root::

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_gui.py [--seconds 30]

It measures, in one process and one run:

1. 64 running VMs at 60×: redraws per second of the plot panel (each tab in turn) and
   the lateness of a 10 ms probe timer on the GUI thread (p99), for ``--seconds``
   of wall time;
2. the same probe with the engine running "as fast as possible";
3. cold start of ``dmgui`` to the first painted main window, against a bare PySide6 +
   pyqtgraph window (median of ``--starts`` subprocess runs each).

The last line is machine-readable:
``fps=<n> lateness_p99_ms=<n> fastest_lateness_p99_ms=<n> startup_ratio=<n>``.
Targets (issue 3): fps >= 20, both p99 <= 100 ms, startup_ratio <= 3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dmgui.core.document import ScenarioDocument  # noqa: E402
from dmgui.core.model.scenario import parse_scenario  # noqa: E402
from dmgui.core.sim import compiled  # noqa: E402
from dmgui.qt.engine_worker import FASTEST, EngineController  # noqa: E402
from dmgui.qt.main_window import MainWindow  # noqa: E402

KINDS = (
    {"kind": "diurnal", "base_mb": 600, "peak_mb": 2400, "day_offset_s": 27000},
    {"kind": "bursty", "base_mb": 700, "burst_mb": 1400, "bursts_per_hour": 12},
    {"kind": "leak", "base_mb": 900, "leak_mb_per_hour": 400, "restart_every_hours": 1},
    {"kind": "boot_spike", "steady_mb": 600, "spike_mb": 1200, "decay_s": 300},
    {"kind": "media_streaming", "idle_mb": 500, "per_stream_mb": 400,
     "evening_start_hour": 0, "evening_end_hour": 23},
    {"kind": "constant", "mb": 800},
)

BARE_WINDOW = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
import pyqtgraph as pg
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                and obj.window() is win):
            QApplication.instance().removeEventFilter(self)
            QTimer.singleShot(0, QApplication.instance().quit)
        return False
app = QApplication(sys.argv[:1])
win = QMainWindow()
plot = pg.PlotWidget()
plot.plot([0, 1, 2], [0, 1, 0])
win.setCentralWidget(plot)
win.resize(1280, 860)
watch = FirstPaint()
app.installEventFilter(watch)
win.show()
app.exec()
"""


def scenario_64() -> dict:
    """64 Dynamic Memory VMs (a few static) on a host with some contention."""
    vms = []
    for i in range(64):
        dm = i % 8 != 7
        memory = ({"dynamic_memory_enabled": True, "startup_mb": 1024, "minimum_mb": 512,
                   "maximum_mb": 4096, "weight": 1000 + (i % 9) * 1000}
                  if dm else {"dynamic_memory_enabled": False, "startup_mb": 1024})
        vms.append({"name": f"VM{i:02d}", "autostart": True, "memory": memory,
                    "workload": KINDS[i % len(KINDS)]})
    return {"schema_version": 1, "name": "64 VMs",
            "host": {"name": "BENCH", "memory_mb": 98304, "reserve_mb": 2048,
                     "vm_overhead_mb": 32, "version": "2012R2"},
            "vms": vms}


class LatenessProbe(QObject):
    """A 10 ms timer on the GUI thread; records how late each timeout is."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval = interval_ms
        self.late: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.late.clear()
        self._clock.start()
        self._timer.start(self.interval)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.late.append(max(0.0, elapsed - self.interval))

    def p99(self) -> float:
        ordered = sorted(self.late)
        return ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


def pump(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def measure_run(app, window, speed: float, seconds: float):
    """Run the engine at ``speed`` showing each plot tab in turn.

    Returns (lowest redraws/s over the tabs, lateness p99 ms, simulated seconds,
    redraws/s per tab).
    """
    tabs = window.plots._tabs
    probe = LatenessProbe()
    window.engine.speed_requested.emit(speed)
    window.engine.run_requested.emit()
    pump(app, 1.0)  # settle
    start_sim = window.last_frame.sim_time
    probe.start()
    per_tab = seconds / tabs.count()
    fps = []
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        before_paint = window.plots.redraw_count
        t0 = time.monotonic()
        pump(app, per_tab)
        fps.append((window.plots.redraw_count - before_paint) / (time.monotonic() - t0))
    probe.stop()
    window.engine.pause_requested.emit()
    pump(app, 0.3)
    return min(fps), probe.p99(), window.last_frame.sim_time - start_sim, fps


def startup_times(runs: int) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")

    def timed(cmd: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=120)
        return time.perf_counter() - t0

    app_cmd = [sys.executable, "-m", "dmgui", "--exit-after-paint"]
    bare_cmd = [sys.executable, "-c", BARE_WINDOW]
    timed(app_cmd), timed(bare_cmd)  # warm the file cache once
    app_t = statistics.median(timed(app_cmd) for _ in range(runs))
    bare_t = statistics.median(timed(bare_cmd) for _ in range(runs))
    return app_t, bare_t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="wall seconds of the 60x run (default 30)")
    parser.add_argument("--fast-seconds", type=float, default=15.0,
                        help="wall seconds of the as-fast-as-possible run (default 15)")
    parser.add_argument("--starts", type=int, default=5, help="startup runs each")
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    # The app loads the compiled engine kernels in a background thread at start; here
    # they are loaded first, so the runs below measure the steady state.
    print(f"engine: {'compiled (Numba)' if compiled.warm_up() else 'NumPy'}")
    document = ScenarioDocument(parse_scenario(scenario_64()))
    engine = EngineController(document.scenario)
    window = MainWindow(document, engine)
    window.remember_geometry = False
    window.default_layout()
    window.show()
    engine.start()
    pump(app, 1.0)
    window.select_vm("VM03")

    fps, late, sim_s, per_tab = measure_run(app, window, 60.0, args.seconds)
    print(f"60x, 64 VMs, {args.seconds:.0f} s wall: {sim_s} simulated s; redraws/s per tab "
          f"(VM, Host, Overview) = {', '.join(f'{f:.1f}' for f in per_tab)}; "
          f"lateness p99 {late:.1f} ms")
    _, fast_late, fast_sim, fast_tabs = measure_run(app, window, FASTEST, args.fast_seconds)
    print(f"as fast as possible, {args.fast_seconds:.0f} s wall: {fast_sim} simulated s "
          f"({fast_sim / args.fast_seconds:.0f}x); redraws/s per tab "
          f"{', '.join(f'{f:.1f}' for f in fast_tabs)}; lateness p99 {fast_late:.1f} ms")
    window.close()
    app.processEvents()

    app_t, bare_t = startup_times(args.starts)
    ratio = app_t / bare_t
    print(f"startup to first paint (median of {args.starts}): dmgui {app_t * 1000:.0f} ms, "
          f"bare PySide6 + pyqtgraph window {bare_t * 1000:.0f} ms, ratio {ratio:.2f}")
    print(f"fps={fps:.1f} lateness_p99_ms={late:.1f} fastest_lateness_p99_ms={fast_late:.1f} "
          f"startup_ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
