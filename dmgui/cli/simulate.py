"""``dmgui simulate``: run a scenario headless, write CSV/JSON, print a summary."""

from __future__ import annotations

import argparse

from dmgui.cli.common import (
    ProgressBar,
    check_outputs,
    load_scenario,
    reported_as_usage_error,
    stop_on_signals,
)
from dmgui.core.args import UsageError, parse_duration, parse_path, parse_seed
from dmgui.core.files import FileProblem, check_distinct, read_input, write_text

DEFAULT_DURATION_S = parse_duration("2h")


def add_parser(sub) -> None:
    """Add the ``simulate`` subcommand to ``sub`` (the subparsers action)."""
    sim = sub.add_parser("simulate", help="run a scenario headless and report")
    sim.add_argument("scenario", nargs="?", type=parse_path,
                     help="scenario JSON (default: built-in home server)")
    sim.add_argument("--duration", type=parse_duration, default=None,
                     help="simulated time, e.g. 2h, 90m, 1d (default 2h; with --compare, "
                          "the log's length: its last sample's time rounded down to a "
                          "second, plus one, so every sample is compared)")
    sim.add_argument("--seed", type=parse_seed, default=None,
                     help="seed of the random workloads (default: the scenario's)")
    sim.add_argument("--sample", type=parse_duration, default=parse_duration("10s"),
                     help="CSV sample interval (default 10s)")
    sim.add_argument("--csv", metavar="OUT.csv", type=parse_path,
                     help="write sampled per-VM rows here ('-' for the standard output)")
    sim.add_argument("--json", metavar="OUT.json", type=parse_path,
                     help="write the run summary here ('-' for the standard output)")
    sim.add_argument("--compare", metavar="PERFMON.csv", type=parse_path,
                     help="compare the simulated Assigned Memory with this perfmon log's "
                          "Physical Memory (per VM matched by name, and the host total; "
                          "the log's first sample is t = 0): adds \"calibration\" to "
                          "the JSON summary and a table after the summary table")
    sim.add_argument("--compare-host", metavar="HOST",
                     help="with --compare: only this host's VMs of the log (when a VM "
                          "name is on several hosts)")
    progress = sim.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show the progress bar on stderr")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show the progress bar")


def run_simulate(args: argparse.Namespace) -> int:
    """``dmgui simulate``: run the scenario, write CSV/JSON, print a summary table."""
    from dmgui.core.formats.calibration import calibration_table, default_duration
    from dmgui.core.formats.report import (
        CsvSampleWriter,
        sample_rows,
        summary_json_text,
        summary_table,
    )
    from dmgui.core.sim import compiled
    from dmgui.core.sim.engine import Simulation
    from dmgui.core.sim.summary import SummaryAccumulator
    from dmgui.core.sim.tuning import keep_freed_memory

    keep_freed_memory()
    with stop_on_signals():
        if args.compare_host is not None and args.compare is None:
            raise UsageError("--compare-host needs --compare")
        scenario, scenario_id = load_scenario(args.scenario)
        log, log_id = _read_log(args.compare) if args.compare is not None else (None, None)
        duration = args.duration
        if duration is None:
            duration = default_duration(log) if log is not None else DEFAULT_DURATION_S
        # Without --csv/--json the summary table goes to the standard output: the
        # same checks (the standard output may be the scenario, opened for append).
        table = None if (args.csv or args.json) else "-"
        outputs = check_outputs({"--csv": args.csv, "--json": args.json,
                                  "the summary table": table}, scenario_id)
        if log is not None:
            try:
                check_distinct(outputs, {"the --compare": log_id})
            except FileProblem as err:
                raise UsageError(str(err)) from None
        compiled.warm_up()  # the compiled engine loop when Numba is installed
        sim = Simulation(scenario, seed=args.seed)
        acc = SummaryAccumulator(sim.names)
        calibration = (_calibration(sim.names, log, args.compare_host)
                       if log is not None else None)
        bar = ProgressBar(duration, enabled=args.progress)
        with reported_as_usage_error(args.csv):
            csv_out = CsvSampleWriter(outputs["--csv"], sim.names) if args.csv else None
        try:
            for block in sim.run(duration, block_s=_block_seconds(len(sim.names))):
                acc.add(block)
                if calibration is not None:
                    calibration.add(block)
                if csv_out:
                    with reported_as_usage_error(args.csv):
                        csv_out.write(sample_rows(block, args.sample))
                bar.update(sim.time)
            if csv_out:
                with reported_as_usage_error(args.csv):
                    csv_out.close()
        except BaseException:
            if csv_out:
                csv_out.abort()
            raise
        finally:
            bar.close()
        summary = {"scenario": scenario.name, "seed": sim.seed, **acc.result()}
        if calibration is not None:
            summary["calibration"] = calibration.result()
        if args.json:
            with reported_as_usage_error(args.json):
                write_text(outputs["--json"], summary_json_text(summary))
        if table:
            with reported_as_usage_error("the standard output"):
                text = summary_table(summary)
                if calibration is not None:
                    text += calibration_table(summary["calibration"])
                write_text(outputs["the summary table"], text)
    return 0


def _read_log(path: str):
    """The ``--compare`` perfmon log and its file's identity; a bad file is one line."""
    from dmgui.core.formats.perfmon import read_perfmon
    from dmgui.core.formats.text import ImportProblem

    try:
        file = read_input(path)
        return read_perfmon(file.data, path), file.id
    except (FileProblem, ImportProblem) as err:
        raise UsageError(str(err)) from None


def _calibration(names: list[str], log, host: str | None):
    """The comparer of ``--compare``; a log that matches nothing is one line."""
    from dmgui.core.formats.calibration import Calibration, CalibrationProblem

    try:
        return Calibration(names, log, host)
    except CalibrationProblem as err:
        raise UsageError(str(err)) from None


def _block_seconds(n_vms: int) -> int:
    """Ticks per engine block: about 600,000 VM-ticks, between 1 minute and 1 hour
    (bounded memory, few page faults, little per-block overhead)."""
    return int(min(3600, max(60, 600_000 // max(n_vms, 1))))
