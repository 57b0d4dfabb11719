"""The ``dmgui`` command.

``dmgui [SCENARIO]`` opens the desktop app; ``dmgui simulate``, ``dmgui plan``,
``dmgui advise``, ``dmgui export`` and ``dmgui import`` run headless on
:mod:`dmgui.core`. Bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
from collections.abc import Sequence

from dmgui import __version__
from dmgui.cli import advise, export, import_cmd, plan, simulate
from dmgui.cli.common import Terminated, say
from dmgui.core.args import EXIT_BAD_INPUT, OneLineParser, UsageError, parse_duration

__all__ = ["build_parser", "main", "parse_duration"]

#: Subcommands and the function that runs each.
COMMANDS = {"simulate": simulate.run_simulate, "plan": plan.run_plan,
            "advise": advise.run_advise, "export": export.run_export,
            "import": import_cmd.run_import}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``dmgui`` and its subcommands."""
    parser = OneLineParser(prog="dmgui", description="A desktop lab for Hyper-V Dynamic Memory.")
    parser.add_argument("--version", action="version", version=f"dmgui {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)
    simulate.add_parser(sub)
    plan.add_parser(sub)
    advise.add_parser(sub)
    export.add_parser(sub)
    import_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dmgui`` console script; returns the exit status."""
    # A process-pool worker of a frozen (PyInstaller) dmgui runs its task and exits here.
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not (argv[:1] and argv[0] in COMMANDS
            or argv[:1] in (["-h"], ["--help"], ["--version"])):
        return _run_gui(argv)
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        say(f"dmgui: error: {err}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        say("dmgui: interrupted")
        return 130
    except Terminated as stop:
        say(f"dmgui: stopped by {signal.Signals(stop.signum).name}")
        return 128 + stop.signum


def _run_gui(argv: list[str]) -> int:
    try:
        from dmgui.qt.app import run_app
    except ImportError as err:
        print(f"dmgui: error: the desktop app cannot start ({err}); "
              "'dmgui simulate' runs headless", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_app(argv)
