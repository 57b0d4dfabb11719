"""``dmgui advise``: recommended memory settings per Dynamic Memory VM, proved by a
re-plan (issue 9 §2)."""

from __future__ import annotations

import argparse
import json

from dmgui.cli.common import (
    check_outputs,
    load_scenario,
    reported_as_usage_error,
    stop_on_signals,
)
from dmgui.cli.plan import run_on_executor
from dmgui.core.args import parse_duration, parse_path, parse_seed
from dmgui.core.files import write_text
from dmgui.core.planning import options
from dmgui.core.planning.advisor import AdviceResult, advise
from dmgui.core.planning.criterion import Criterion
from dmgui.core.planning.planner import DEFAULT_MAX_VMS, PlanRequest

_FIELDS = (("startup_mb", "Startup"), ("minimum_mb", "Minimum"), ("maximum_mb", "Maximum"),
           ("buffer_percent", "Buffer"), ("weight", "Weight"))


def add_parser(sub) -> None:
    """Add the ``advise`` subcommand to ``sub`` (the subparsers action)."""
    p = sub.add_parser("advise", help="recommended Dynamic Memory settings, proved by a "
                       "re-plan")
    p.add_argument("scenario", nargs="?", type=parse_path,
                   help="scenario JSON (default: built-in home server)")
    p.add_argument("--vm", metavar="NAME", help="the template VM whose density proves "
                   "the advice (may be left out when the scenario has one VM)")
    p.add_argument("--horizon", type=parse_duration, default=parse_duration("24h"),
                   help="simulated time, e.g. 24h (default), 2h")
    p.add_argument("--criterion", type=options.parse_criterion, default=Criterion.OK,
                   help="what fits means: ok (default), no-paging or starts")
    p.add_argument("--tolerance", type=options.parse_tolerance, default=0.01,
                   help="share of a VM's running time that may fail (default 1%%)")
    p.add_argument("--seed", type=parse_seed, default=None,
                   help="seed of the random workloads (default: the scenario's)")
    p.add_argument("--max-vms", type=options.parse_count, default=DEFAULT_MAX_VMS,
                   help=f"most VMs the proof's plans try (default {DEFAULT_MAX_VMS})")
    p.add_argument("--json", metavar="OUT.json", type=parse_path,
                   help="write the advice as JSON here ('-' for the standard output)")
    p.add_argument("--workers", type=options.parse_workers, default=None,
                   help="simulations run at once on this machine (default: the cores)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on the Dask cluster whose scheduler is at ADDRESS")
    p.add_argument("--no-progress", dest="progress", action="store_false", default=True,
                   help="no progress lines on stderr")


def run_advise(args: argparse.Namespace) -> int:
    """``dmgui advise``: measure, advise, prove, then print or write the advice."""
    with stop_on_signals():
        scenario, scenario_id = load_scenario(args.scenario)
        request = PlanRequest(template=args.vm, criterion=args.criterion,
                              tolerance=args.tolerance, horizon_s=args.horizon,
                              seed=args.seed, max_vms=args.max_vms)
        outputs = check_outputs({"--json": args.json,
                                 "the advice": None if args.json else "-"}, scenario_id)
        result = run_on_executor(args, lambda executor, progress: advise(
            scenario, request, executor, progress))
        if "--json" in outputs:
            with reported_as_usage_error("--json"):
                write_text(outputs["--json"], json.dumps(result.to_dict(), indent=2) + "\n")
        if "the advice" in outputs:
            with reported_as_usage_error("the standard output"):
                write_text(outputs["the advice"], advice_text(result))
    return 0


def advice_text(result: AdviceResult) -> str:
    """The advice for a person: per VM, each changed setting with its reason."""
    lines = [f"Density of {result.template} under '{result.criterion.value}': "
             f"{_n(result.density_before)} as written, {_n(result.density_after)} "
             "with the advice given below."]
    lines += result.notes
    for a in result.advice:
        head = a.vm if a.given else f"{a.vm} (not given: {a.withheld_because})"
        lines.append("")
        lines.append(head)
        for key, label in _FIELDS:
            old, new = getattr(a.current, key), getattr(a.advised, key)
            mark = "  " if old == new else "→ "
            unit = " %" if key == "buffer_percent" else ("" if key == "weight" else " MB")
            lines.append(f"  {mark}{label:<8} {old:>7}{unit:<3} → {new:>7}{unit:<3} "
                         f"{a.reasons.get(key, '')}")
    return "\n".join(lines) + "\n"


def _n(value: int | None) -> str:
    return "does not fit" if value is None else f"{value} VMs"
