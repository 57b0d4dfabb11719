"""``dmgui import FILE... -o SCENARIO.json``: a scenario from a real host's files
(issue 10 §1 "Combine"; the merge is :mod:`dmgui.core.formats.combine`).

The files are PowerShell inventories (``Get-VM``, ``Get-VMMemory``, ``Get-VMHost``
through ``ConvertTo-Json`` or ``Export-Csv``), VM configuration XML files and perfmon
CSV logs, in any order. The output is checked first (it may not be one of the
inputs), then every input is read and merged; only then is the scenario written,
atomically. A short report (what was imported, each assumption, each VM left out)
goes to stderr, so ``-o -`` writes the scenario alone on the standard output. Bad
input of any kind is one line on stderr, exit 2, and nothing written.
"""

from __future__ import annotations

import argparse
import re

from dmgui.cli.common import reported_as_usage_error, say, stop_on_signals
from dmgui.core.args import UsageError, parse_path
from dmgui.core.files import (
    FileProblem,
    OutputTarget,
    check_distinct,
    resolve_output,
    write_text,
)
from dmgui.core.formats.combine import (
    ImportResult,
    combine,
    parse_version,
    read_host_files,
)
from dmgui.core.formats.text import ImportProblem
from dmgui.core.model import limits
from dmgui.core.model.names import check_display_name, one_line
from dmgui.core.model.scenario import scenario_to_json

_SIZE = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,6})?)\s*([a-z]*)", re.ASCII)
#: Units of a memory size, in MB; binary, as PowerShell's 1GB (spec §4.1).
_UNITS_MB = {"mb": 1, "m": 1, "mib": 1, "gb": 1024, "g": 1024, "gib": 1024,
             "tb": 1024**2, "t": 1024**2, "tib": 1024**2}


def parse_size_mb(text: str) -> int:
    """A host memory size with its unit, in whole MB: ``24GB``, ``24576MB``, ``1.5TB``
    (binary units, as PowerShell's ``24GB``; a bare number is refused as ambiguous)."""
    match = _SIZE.fullmatch(text.strip().lower())
    if match is not None and not match.group(2):
        raise argparse.ArgumentTypeError(f"memory size '{text.strip()}' needs a unit "
                                         "(e.g. 24GB or 24576MB)")
    if match is None or match.group(2) not in _UNITS_MB:
        raise argparse.ArgumentTypeError(f"invalid memory size '{one_line(text)[:40]}' "
                                         "(use e.g. 24GB, 24576MB or 1.5TB)")
    mb = float(match.group(1)) * _UNITS_MB[match.group(2)]
    if not mb.is_integer():
        raise argparse.ArgumentTypeError(f"memory size '{text.strip()}' is not a whole "
                                         "number of MB")
    if not 0 < mb <= limits.MAX_HOST_MEMORY_MB:
        raise argparse.ArgumentTypeError(f"memory size '{text.strip()}' must be more than "
                                         "0 and at most 24TB")
    return int(mb)


def _parse_version(text: str) -> str:
    try:
        parse_version(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _parse_name(text: str) -> str:
    try:
        if len(text) > limits.MAX_SCENARIO_NAME:
            raise ValueError(f"longer than {limits.MAX_SCENARIO_NAME} characters")
        return check_display_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"invalid scenario name '{one_line(text)[:80]}': "
                                         f"{err}") from None


def add_parser(sub) -> None:
    """Add the ``import`` subcommand to ``sub`` (the subparsers action)."""
    p = sub.add_parser("import", help="a scenario from a real host's PowerShell inventory, "
                       "VM configuration XML and perfmon CSV files")
    p.add_argument("files", nargs="+", metavar="FILE", type=parse_path,
                   help="Get-VM / Get-VMMemory / Get-VMHost output (ConvertTo-Json or "
                   "Export-Csv), VM configuration XML files, perfmon CSV logs")
    p.add_argument("-o", "--output", metavar="SCENARIO.json", type=parse_path,
                   required=True, help="write the scenario here ('-' for the standard "
                   "output)")
    p.add_argument("--host-memory", metavar="SIZE", type=parse_size_mb, default=None,
                   help="the host's memory, e.g. 24GB (default: Get-VMHost's "
                   "MemoryCapacity, else an estimate that is reported)")
    p.add_argument("--version", metavar="VERSION", type=_parse_version, default=None,
                   help="the host's Windows Server version: 2008R2SP1, 2008R2, 2012, "
                   "2012R2, 2016, 2019 or 2022 (default: from the configuration XML, "
                   "else 2012R2)")
    p.add_argument("--name", metavar="NAME", type=_parse_name, default=None,
                   help="the scenario's name (default: 'Imported from FIRST-FILE')")


def run_import(args: argparse.Namespace) -> int:
    """``dmgui import``: check the output, read and merge the files, write, report."""
    with stop_on_signals():
        target = _resolve(args.output)
        try:
            files = read_host_files(
                args.files, lambda read: check_distinct({"-o": target}, {"an input": read.id}))
            result = combine(files, host_memory_mb=args.host_memory,
                             version=args.version, name=args.name)
        except (FileProblem, ImportProblem) as err:
            raise UsageError(str(err)) from None
        with reported_as_usage_error(args.output):
            write_text(target, scenario_to_json(result.scenario))
    for line in report_lines(result, args.output):
        say(line)
    return 0


def _resolve(name: str) -> OutputTarget:
    try:
        return resolve_output(name)
    except FileProblem as err:
        raise UsageError(str(err)) from None


def report_lines(result: ImportResult, output: str) -> list[str]:
    """The report: what was written, then one line per assumption and per VM or
    record not imported."""
    scenario = result.scenario
    where = "the standard output" if output == "-" else one_line(output)
    vms = len(scenario.vms)
    lines = [f"imported {vms} VM{'s' if vms != 1 else ''} into {where}: "
             f"{len(result.traced)} with a measured trace, host {scenario.host.name} "
             f"with {scenario.host.memory_mb} MB, version {scenario.host.version.value}"]
    lines += [f"assumed: {line}" for line in result.assumptions]
    lines += [f"not imported: {line}" for line in result.problems]
    return [one_line(line) for line in lines]
