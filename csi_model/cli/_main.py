"""The ``csi-model`` parser (the subcommands in their order) and :func:`main` (exit statuses)."""
from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from typing import Sequence

from .._atomic import signals_as_interrupt
from ._common import (EXIT_INTERNAL_ERROR, EXIT_STATUSES, EXIT_USER_ERROR, FORMATTER, PROG, Parser,
                      epilog)

#: The subcommands (modules of csi_model.cli), in the order ``csi-model --help`` lists them.
SUBCOMMANDS = ("fit", "measure", "demo", "models", "pls", "index", "compare", "paper", "report")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argparse parser of ``csi-model`` (also used by the docs).

    ``only`` (a subcommand name): build that subcommand's parser alone, which is all that
    parsing ``csi-model only ...`` needs (:func:`main` does this: building all nine parsers
    took ~0.05 s of every command); its ``--help`` is the same.

    Examples
    --------
    >>> parser = build_parser()
    >>> args = parser.parse_args(["fit", "survey.csv", "--model", "acsi", "--bootstrap", "500"])
    >>> args.survey, args.model, args.bootstrap
    ('survey.csv', 'acsi', 500)
    """
    # --debug is accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback of any error")

    parser = Parser(
        prog=PROG, formatter_class=FORMATTER, parents=[common],
        description="Customer satisfaction index (ACSI / ECSI / telecom CSI) research with "
                    "structural equation models. One subcommand per step; each has --help.",
        epilog=epilog("""
            examples:
              csi-model demo                                  # the telecom model on the demo survey
              csi-model models                                # the bundled models
              csi-model models telecom                        # one model's lavaan syntax
              csi-model fit survey.csv --model telecom --missing-codes 99 --json result.json
              csi-model fit survey.sav --model my_model.lav --estimator MLR --out results/
              csi-model measure survey.csv --model telecom --json measurement.json
            """) + "\n\nexit status:\n" + "\n".join(f"  {code:<4} {text}"
                                                  for code, text in EXIT_STATUSES))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        if only is None or name == only:
            importlib.import_module(f"{__package__}.{name}").add_parser(sub, common)
    return parser


def _subcommand(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs (its first argument not starting with '-'; the options
    before it, --debug and --help, take no value), or None if it names none."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in SUBCOMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``csi-model`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Examples
    --------
    >>> main(["models", "acsi"])                       # doctest: +ELLIPSIS
    # The American Customer Satisfaction Index model ...
    LOY  ~ SAT + COMP
    0

    A user error prints one line on stderr (``csi-model: error: ...``) and returns 2:

    >>> main(["fit", "no_such_survey.csv", "--model", "acsi"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        parser = build_parser(_subcommand(argv))
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:          # --help / --version: argparse already printed
            return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USER_ERROR
        debug = bool(getattr(args, "debug", False))
        with _third_party_logs_silenced(debug), signals_as_interrupt():
            return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        if debug:
            raise
        # a second Ctrl-C (or SIGTERM) while we leave must not turn exit status 130 into a
        # death by signal: the outputs are already rolled back
        _ignore_interrupts()
        _err("interrupted.")
        return 130
    except BrokenPipeError:
        # The reader went away (``csi-model demo | head``): stop quietly, like other tools.
        _silence_stdout()
        return 141
    except (ValueError, OSError) as exc:
        # CSIModelError is a ValueError: bad model, bad data, bad argument; an OSError is a
        # file that cannot be read or written (not found, permission, disk full).
        if debug:
            raise
        _err(_user_message(exc))
        return EXIT_USER_ERROR
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a CLI
        if debug:
            raise
        _err(f"unexpected {type(exc).__name__}: {_first_line(exc)} "
             f"This is probably a bug in csi_model; run again with --debug to see the "
             "traceback, and report it.")
        return EXIT_INTERNAL_ERROR


@contextlib.contextmanager
def _third_party_logs_silenced(debug: bool):
    """Keep log lines of other libraries (semopy's ``WARNING:root:...``) off the user's screen.

    semopy logs through the root logger, which configures itself to print to stderr when it
    has no handler; a NullHandler on the root stops that. What semopy reports is checked
    by csi_model itself (start values, convergence, positive definiteness) and shown as
    csi_model's warnings. With --debug the log lines are shown.
    """
    if debug:
        yield
        return
    root = logging.getLogger()
    handler = logging.NullHandler()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _ignore_interrupts() -> None:
    import signal
    with contextlib.suppress(Exception):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _silence_stdout() -> None:
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _err(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _user_message(exc: BaseException) -> str:
    from ..exceptions import ModelSyntaxError
    if isinstance(exc, ModelSyntaxError):
        return str(exc).rstrip()           # keep the line and the caret under the error
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: '{exc.filename}'."
    return _first_line(exc)

