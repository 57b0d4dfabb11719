"""``dmgui export``: a PowerShell script that applies each VM's memory settings
(issue 10 §3; the script is built by :mod:`dmgui.core.formats.powershell_export`)."""

from __future__ import annotations

import argparse
import os

from dmgui.cli.common import (
    check_outputs,
    load_scenario,
    reported_as_usage_error,
    stop_on_signals,
)
from dmgui.core.args import parse_path
from dmgui.core.files import write_text
from dmgui.core.formats.powershell_export import powershell_script
from dmgui.core.model import limits
from dmgui.core.model.names import check_display_name, one_line


def add_parser(sub) -> None:
    """Add the ``export`` subcommand to ``sub`` (the subparsers action)."""
    p = sub.add_parser("export", help="a PowerShell script that applies each VM's "
                       "memory settings (Set-VMMemory)")
    p.add_argument("scenario", type=parse_path, help="scenario JSON")
    p.add_argument("--powershell", metavar="OUT.ps1", type=parse_path, required=True,
                   help="write the script here ('-' for the standard output)")
    p.add_argument("--host", metavar="NAME", type=_parse_host, default=None,
                   help="the Hyper-V host the script works on by default (default: "
                   "the scenario's host name)")


def _parse_host(text: str) -> str:
    if len(text) > limits.MAX_HOST_NAME:
        raise argparse.ArgumentTypeError(
            f"invalid host name: {len(text)} characters (at most {limits.MAX_HOST_NAME})")
    try:
        return check_display_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"invalid host name '{one_line(text)}': "
                                         f"{err}") from None


def run_export(args: argparse.Namespace) -> int:
    """``dmgui export``: read the scenario, check the output, write the script."""
    with stop_on_signals():
        scenario, scenario_id = load_scenario(args.scenario)
        outputs = check_outputs({"--powershell": args.powershell}, scenario_id)
        name = None if args.powershell == "-" else os.path.basename(args.powershell)
        script = powershell_script(scenario, args.host, script_name=name)
        with reported_as_usage_error("--powershell"):
            write_text(outputs["--powershell"], script)
    return 0
