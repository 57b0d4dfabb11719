"""The ``dmgui`` command.

``dmgui [SCENARIO]`` opens the desktop app; ``dmgui simulate ...`` runs headless on
:mod:`dmgui.core`. Bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from dmgui import __version__
from dmgui.core.args import (
    EXIT_BAD_INPUT,
    OneLineParser,
    UsageError,
    parse_duration,
    parse_seed,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``dmgui`` and its subcommands."""
    parser = OneLineParser(prog="dmgui", description="A desktop lab for Hyper-V Dynamic Memory.")
    parser.add_argument("--version", action="version", version=f"dmgui {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    sim = sub.add_parser("simulate", help="run a scenario headless and report")
    sim.add_argument("scenario", nargs="?", help="scenario JSON (default: built-in home server)")
    sim.add_argument("--duration", type=parse_duration, default=parse_duration("2h"),
                     help="simulated time, e.g. 2h, 90m, 1d (default 2h)")
    sim.add_argument("--seed", type=parse_seed, default=None,
                     help="seed of the random workloads (default: the scenario's)")
    sim.add_argument("--sample", type=parse_duration, default=parse_duration("10s"),
                     help="CSV sample interval (default 10s)")
    sim.add_argument("--csv", metavar="OUT.csv", help="write sampled per-VM rows here")
    sim.add_argument("--json", metavar="OUT.json", help="write the run summary here")
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
        print(f"dmgui: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("dmgui: interrupted", file=sys.stderr)
        return 130


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
        summary_table,
        write_summary,
    )
    from dmgui.core.resources import default_scenario_path
    from dmgui.core.scenario import ScenarioError, load_scenario
    from dmgui.core.summary import SummaryAccumulator
    from dmgui.core.tuning import keep_freed_memory

    keep_freed_memory()

    try:
        scenario = load_scenario(args.scenario or default_scenario_path())
    except (ScenarioError, FileNotFoundError) as err:
        raise UsageError(str(err)) from None
    if args.json:
        _check_writable(args.json)
    sim = Simulation(scenario, seed=args.seed)
    acc = SummaryAccumulator(sim.names)
    csv_out = _open_csv(args.csv, sim.names, CsvSampleWriter)
    bar = ProgressBar(args.duration, enabled=args.progress)
    try:
        for block in sim.run(args.duration, block_s=_block_seconds(len(sim.names))):
            acc.add(block)
            if csv_out:
                csv_out.write(sample_rows(block, args.sample))
            bar.update(sim.time)
    except BaseException:
        if csv_out:
            csv_out.abort()
        raise
    finally:
        bar.close()
    if csv_out:
        csv_out.close()
    summary = {"scenario": scenario.name, "seed": sim.seed, **acc.result()}
    if args.json:
        _write_or_fail(write_summary, args.json, summary)
    if not args.json and not args.csv:
        sys.stdout.write(summary_table(summary))
    return 0


def _block_seconds(n_vms: int) -> int:
    """Ticks per engine block: about 600,000 VM-ticks, between 1 minute and 1 hour
    (bounded memory, few page faults, little per-block overhead)."""
    return int(min(3600, max(60, 600_000 // max(n_vms, 1))))


def _check_writable(path: str) -> None:
    """Fail before a long run, not after it, when ``path`` cannot be written."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    if os.path.isdir(target):
        raise UsageError(f"cannot write {path}: it is a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write {path}: no folder {folder}")
    if not os.access(folder if not os.path.exists(target) else target, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def _open_csv(path: str | None, names: list[str], writer_cls: type):
    if not path:
        return None
    try:
        return writer_cls(path, names)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None


def _write_or_fail(writer, path: str, data: object) -> None:
    try:
        writer(path, data)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror or err}") from None


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second.

    Shown when ``enabled`` is True, or when it is None and stderr is a terminal.
    """

    def __init__(self, total_s: int, enabled: bool | None = None, width: int = 30) -> None:
        self.total = max(total_s, 1)
        self.width = width
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
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
