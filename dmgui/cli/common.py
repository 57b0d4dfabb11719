"""What the ``dmgui`` subcommands share: signals, inputs, outputs, progress."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Iterator

from dmgui.core.args import UsageError
from dmgui.core.files import (
    FileProblem,
    check_distinct,
    describe_os_error,
    resolve_output,
)


def say(line: str) -> None:
    """One line on stderr, if the process has one (never onto the standard output)."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing partial files), then exit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while the block runs, so
    the same clean-up as for Ctrl+C (SIGINT) runs for them too."""
    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def load_scenario(path: str | None):
    """The scenario to simulate and its file's identity (never written over)."""
    from dmgui.core.model.scenario import ScenarioError, read_scenario
    from dmgui.core.resources import default_scenario_path

    try:
        return read_scenario(path or default_scenario_path())
    except ScenarioError as err:
        raise UsageError(str(err)) from None


def check_outputs(names: dict[str, str | None], scenario_id) -> dict:
    """Resolve every output before the run: fail now, not after an hour's work."""
    try:
        outputs = {flag: resolve_output(name) for flag, name in names.items() if name}
        check_distinct(outputs, {"the scenario": scenario_id})
    except FileProblem as err:
        raise UsageError(str(err)) from None
    return outputs


@contextlib.contextmanager
def reported_as_usage_error(name: str) -> Iterator[None]:
    """A failed write (a full disk, /dev/full, a closed pipe) is one line, exit 2."""
    try:
        yield
    except FileProblem as err:
        raise UsageError(str(err)) from None
    except OSError as err:
        raise UsageError(describe_os_error(name, err)) from None


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second.

    Shown when ``enabled`` is True, or when it is None and stderr is a terminal.
    """

    def __init__(self, total_s: int, enabled: bool | None = None, width: int = 30) -> None:
        self.total = max(total_s, 1)
        self.width = width
        stderr = sys.stderr  # None when the process started with it closed
        self.enabled = (stderr is not None and stderr.isatty()) if enabled is None \
            else bool(enabled and stderr is not None)
        self._start = self._last = time.monotonic()
        self._done = 0
        self._shown = False

    def update(self, done_s: int) -> None:
        """Report ``done_s`` of the total as simulated."""
        self._done = done_s
        now = time.monotonic()
        if self.enabled and (now - self._last >= 0.1 or done_s >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self._done / self.total, 1.0)
        filled = int(frac * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        sys.stderr.write(f"\rsimulating [{bar}] {frac:6.1%} "
                         f"{self._done}/{self.total} s  {now - self._start:5.1f}s elapsed")
        sys.stderr.flush()
        self._shown = True

    def close(self) -> None:
        """End the bar's line."""
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
