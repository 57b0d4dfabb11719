"""The ``dmgui`` command.

``dmgui [SCENARIO]`` opens the desktop app; ``dmgui simulate ...`` runs headless on
:mod:`dmgui.core`. Bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator, Sequence

from dmgui import __version__
from dmgui.core.args import (
    EXIT_BAD_INPUT,
    OneLineParser,
    UsageError,
    parse_duration,
    parse_path,
    parse_seed,
)
from dmgui.core.files import (
    FileProblem,
    check_distinct,
    describe_os_error,
    resolve_output,
    write_text,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``dmgui`` and its subcommands."""
    parser = OneLineParser(prog="dmgui", description="A desktop lab for Hyper-V Dynamic Memory.")
    parser.add_argument("--version", action="version", version=f"dmgui {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    sim = sub.add_parser("simulate", help="run a scenario headless and report")
    sim.add_argument("scenario", nargs="?", type=parse_path,
                     help="scenario JSON (default: built-in home server)")
    sim.add_argument("--duration", type=parse_duration, default=parse_duration("2h"),
                     help="simulated time, e.g. 2h, 90m, 1d (default 2h)")
    sim.add_argument("--seed", type=parse_seed, default=None,
                     help="seed of the random workloads (default: the scenario's)")
    sim.add_argument("--sample", type=parse_duration, default=parse_duration("10s"),
                     help="CSV sample interval (default 10s)")
    sim.add_argument("--csv", metavar="OUT.csv", type=parse_path,
                     help="write sampled per-VM rows here ('-' for the standard output)")
    sim.add_argument("--json", metavar="OUT.json", type=parse_path,
                     help="write the run summary here ('-' for the standard output)")
    progress = sim.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show the progress bar on stderr")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show the progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dmgui`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not (argv[:1] == ["simulate"] or argv[:1] in (["-h"], ["--help"], ["--version"])):
        return _run_gui(argv)
    try:
        return run_simulate(build_parser().parse_args(argv))
    except UsageError as err:
        _say(f"dmgui: error: {err}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("dmgui: interrupted")
        return 130
    except Terminated as stop:
        _say(f"dmgui: stopped by {signal.Signals(stop.signum).name}")
        return 128 + stop.signum


def _say(line: str) -> None:
    """One line on stderr, if the process has one (never onto the standard output)."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (removing partial files), then exit."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
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


def _run_gui(argv: list[str]) -> int:
    try:
        from dmgui.qt.app import run_app
    except ImportError as err:
        print(f"dmgui: error: the desktop app cannot start ({err}); "
              "'dmgui simulate' runs headless", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_app(argv)


def run_simulate(args: argparse.Namespace) -> int:
    """``dmgui simulate``: run the scenario, write CSV/JSON, print a summary table."""
    from dmgui.core.engine import Simulation
    from dmgui.core.report import (
        CsvSampleWriter,
        sample_rows,
        summary_json_text,
        summary_table,
    )
    from dmgui.core.summary import SummaryAccumulator
    from dmgui.core.tuning import keep_freed_memory

    keep_freed_memory()
    with _stop_on_signals():
        scenario, scenario_id = _load_scenario(args.scenario)
        # Without --csv/--json the summary table goes to the standard output: the
        # same checks (the standard output may be the scenario, opened for append).
        table = None if (args.csv or args.json) else "-"
        outputs = _check_outputs({"--csv": args.csv, "--json": args.json,
                                  "the summary table": table}, scenario_id)
        sim = Simulation(scenario, seed=args.seed)
        acc = SummaryAccumulator(sim.names)
        bar = ProgressBar(args.duration, enabled=args.progress)
        with _reported_as_usage_error(args.csv):
            csv_out = CsvSampleWriter(outputs["--csv"], sim.names) if args.csv else None
        try:
            for block in sim.run(args.duration, block_s=_block_seconds(len(sim.names))):
                acc.add(block)
                if csv_out:
                    with _reported_as_usage_error(args.csv):
                        csv_out.write(sample_rows(block, args.sample))
                bar.update(sim.time)
            if csv_out:
                with _reported_as_usage_error(args.csv):
                    csv_out.close()
        except BaseException:
            if csv_out:
                csv_out.abort()
            raise
        finally:
            bar.close()
        summary = {"scenario": scenario.name, "seed": sim.seed, **acc.result()}
        if args.json:
            with _reported_as_usage_error(args.json):
                write_text(outputs["--json"], summary_json_text(summary))
        if table:
            with _reported_as_usage_error("the standard output"):
                write_text(outputs["the summary table"], summary_table(summary))
    return 0


def _load_scenario(path: str | None):
    """The scenario to simulate and its file's identity (never written over)."""
    from dmgui.core.resources import default_scenario_path
    from dmgui.core.scenario import ScenarioError, read_scenario

    try:
        return read_scenario(path or default_scenario_path())
    except ScenarioError as err:
        raise UsageError(str(err)) from None


def _check_outputs(names: dict[str, str | None], scenario_id) -> dict:
    """Resolve every output before the run: fail now, not after an hour's work."""
    try:
        outputs = {flag: resolve_output(name) for flag, name in names.items() if name}
        check_distinct(outputs, {"the scenario": scenario_id})
    except FileProblem as err:
        raise UsageError(str(err)) from None
    return outputs


@contextlib.contextmanager
def _reported_as_usage_error(name: str) -> Iterator[None]:
    """A failed write (a full disk, /dev/full, a closed pipe) is one line, exit 2."""
    try:
        yield
    except FileProblem as err:
        raise UsageError(str(err)) from None
    except OSError as err:
        raise UsageError(describe_os_error(name, err)) from None


def _block_seconds(n_vms: int) -> int:
    """Ticks per engine block: about 600,000 VM-ticks, between 1 minute and 1 hour
    (bounded memory, few page faults, little per-block overhead)."""
    return int(min(3600, max(60, 600_000 // max(n_vms, 1))))


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
