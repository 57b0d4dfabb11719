"""``dmgui plan``: how many VMs fit, static vs Dynamic Memory (issue 9 §1)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time

from dmgui.cli.common import (
    check_outputs,
    load_scenario,
    reported_as_usage_error,
    stop_on_signals,
)
from dmgui.core.args import UsageError, parse_duration, parse_path, parse_seed
from dmgui.core.files import write_text
from dmgui.core.planning import options
from dmgui.core.planning.candidates import PlanError
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.planner import DEFAULT_MAX_VMS, PlanRequest, PlanResult, plan

CURVE_COLUMNS = ("mode", "vms", "fits", "failed_starts", "worst_paging_fraction",
                 "worst_low_fraction", "min_available_mb", "simulated_s")


def add_parser(sub) -> None:
    """Add the ``plan`` subcommand to ``sub`` (the subparsers action)."""
    p = sub.add_parser("plan", help="how many more VMs fit, static vs Dynamic Memory")
    p.add_argument("scenario", nargs="?", type=parse_path,
                   help="scenario JSON (default: built-in home server)")
    p.add_argument("--vm", metavar="NAME", help="the template VM that is copied "
                   "(may be left out when the scenario has one VM)")
    p.add_argument("--static-size", type=options.parse_static_size, default="peak",
                   help="static memory of the template in static mode: peak (default), "
                   "maximum, startup or a number of MB")
    p.add_argument("--criterion", type=options.parse_criterion, default=Criterion.OK,
                   help="what fits means: ok (default), no-paging or starts")
    p.add_argument("--tolerance", type=options.parse_tolerance, default=0.01,
                   help="share of a VM's running time that may fail (default 1%%)")
    p.add_argument("--horizon", type=parse_duration, default=parse_duration("24h"),
                   help="simulated time per count, e.g. 24h (default), 2h")
    p.add_argument("--seed", type=parse_seed, default=None,
                   help="seed of the random workloads (default: the scenario's)")
    p.add_argument("--max-vms", type=options.parse_count, default=DEFAULT_MAX_VMS,
                   help=f"most VMs to try (default {DEFAULT_MAX_VMS})")
    p.add_argument("--sweep", type=options.parse_sweep, action="append", default=[],
                   metavar="KEY=V1,V2", help="try the template with these values of "
                   "buffer, startup, minimum, maximum or weight (repeat for a grid)")
    p.add_argument("--json", metavar="OUT.json", type=parse_path,
                   help="write the plan as JSON here ('-' for the standard output)")
    p.add_argument("--csv", metavar="OUT.csv", type=parse_path,
                   help="write the curve as CSV here ('-' for the standard output)")
    p.add_argument("--workers", type=options.parse_workers, default=None,
                   help="simulations run at once on this machine (default: the cores)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on the Dask cluster whose scheduler is at ADDRESS "
                   "(needs dmgui[cluster])")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=True,
                   help="no progress lines on stderr")


def run_plan(args: argparse.Namespace) -> int:
    """``dmgui plan``: validate everything, plan, then write what was asked for."""
    with stop_on_signals():
        scenario, scenario_id = load_scenario(args.scenario)
        request = _request(args)
        summary = None if (args.csv or args.json) else "-"
        outputs = check_outputs({"--json": args.json, "--csv": args.csv,
                                 "the summary": summary}, scenario_id)
        result = run_on_executor(args, lambda executor, progress: plan(
            scenario, request, executor, progress))
        _write(result, outputs)
    return 0


def run_on_executor(args: argparse.Namespace, job):
    """Run ``job(executor, progress)`` on the executor the options ask for, with the
    progress line; a PlanError becomes a usage error (exit 2), and an unfinished run
    (an error, Ctrl+C, SIGTERM) stops its workers at once."""
    executor, close = _executor(args)
    progress = _Progress(args.progress)
    finished = False
    try:
        result = job(executor, progress.update)
        finished = True
    except PlanError as err:
        raise UsageError(str(err)) from None
    finally:
        progress.close()
        close(not finished)
    return result


def _request(args: argparse.Namespace) -> PlanRequest:
    sweep: dict[str, list[int]] = {}
    for key, values in args.sweep:
        if key in sweep:
            raise UsageError(f"--sweep {key} is given twice")
        sweep[key] = values
    return PlanRequest(template=args.vm, criterion=args.criterion,
                       tolerance=args.tolerance, horizon_s=args.horizon,
                       static_size=args.static_size, seed=args.seed,
                       max_vms=args.max_vms, sweep=sweep)


def _executor(args: argparse.Namespace):
    """The executor the options ask for and ``close(abort)``, which shuts it down
    (stopping its workers at once when ``abort``)."""
    from dmgui.core.planning.executors import (
        ExecutorError,
        dask_executor,
        local_executor,
        stop_executor,
    )

    if args.dask:
        if args.workers:
            raise UsageError("--workers and --dask do not go together")
        try:
            executor, close = dask_executor(args.dask)
        except ExecutorError as err:
            raise UsageError(str(err)) from None

        def close_dask(abort: bool) -> None:
            executor.shutdown(wait=False)  # its futures go with the client
            close()
        return executor, close_dask
    executor = local_executor(args.workers)
    return executor, lambda abort: stop_executor(executor, abort)


def _write(result: PlanResult, outputs: dict) -> None:
    if "--json" in outputs:
        with reported_as_usage_error("--json"):
            write_text(outputs["--json"], json.dumps(result.to_dict(), indent=2) + "\n")
    if "--csv" in outputs:
        with reported_as_usage_error("--csv"):
            write_text(outputs["--csv"], curve_csv(result))
    if "the summary" in outputs:
        with reported_as_usage_error("the standard output"):
            write_text(outputs["the summary"], summary_text(result))


def curve_csv(result: PlanResult) -> str:
    """The curve, one row per count tried."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CURVE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in result.to_dict()["curve"]:
        writer.writerow(row)
    return out.getvalue()


def summary_text(result: PlanResult) -> str:
    """The human summary: the headline, then one line per sweep point."""
    lines = [result.summary()]
    for row in result.sweep:
        keys = [k for k in row if k not in ("max_vms", "limited_by", "density_gain")]
        label = " ".join(f"{k}={row[k]}" for k in keys)
        gain = row["density_gain"]
        shown = "does not fit" if row["max_vms"] is None else f"{row['max_vms']} VMs"
        if gain is not None:
            shown += f" ({100 * gain:+.0f} %)"
        lines.append(f"  {label}: Dynamic Memory {shown}")
    return "\n".join(lines) + "\n"


class _Progress:
    """One status line on stderr while the plan runs (only on a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr is not None and sys.stderr.isatty()
        self._start = time.monotonic()
        self._shown = False

    def update(self, done: int, message: str) -> None:
        """After each simulation: how many so far and the latest result."""
        if self.enabled:
            elapsed = time.monotonic() - self._start
            sys.stderr.write(f"\rplanning: {done} simulations, {elapsed:5.1f}s  "
                             f"{message[:60]:<60}")
            sys.stderr.flush()
            self._shown = True

    def close(self) -> None:
        """End the status line."""
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
