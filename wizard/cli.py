"""Command line: `python -m wizard` (full screen), `--answers FILE` (headless), and the subcommands."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import __version__
from wizard.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from wizard.problems import InputError, RequestError

if TYPE_CHECKING:
    from wizard.engine import Prepared

EPILOG = """\
examples:
  python -m wizard                                   open the full-screen wizard
  python -m wizard --answers assets/examples/classic-ml.json
                                                     set up unattended, no screen
  python -m wizard --answers my.json --dry-run       validate and show the plan; change nothing
  python -m wizard --answers my.json --json          one JSON event per line on stdout
  python -m wizard --answers my.json --machine assets/machines/rtx4090-driver550.json --dry-run
                                                     plan for another machine
  python -m wizard detect                            show what this machine has
  python -m wizard doctor --env ~/envs/llm           check an existing environment; change nothing
  python -m wizard schema > answers.schema.json      the answers file's JSON Schema
  python -m wizard catalog check                     what PyPI and PyTorch's indexes have that the catalog lacks
  python -m wizard --catalog my-catalog.json --answers my.json
                                                     plan with a newer catalog file of your own

exit codes: 0 success, 1 an install or verification step failed (or a file could not be written),
            2 invalid input, a request no build can satisfy, or another run holds the environment,
            130 interrupted (Ctrl-C, SIGTERM, SIGHUP)
"""

EXPORT_FORMATS = ("pylock", "requirements", "answers", "environment-yml", "dockerfile")  # wizard.export.RENDERERS

USAGE_HINT = """\
The full-screen wizard needs a terminal. To set up without one, write an answers file and run:

  python -m wizard --answers FILE            (see assets/examples/ and `python -m wizard schema`)

A minimal answers file:
  {"version": 1, "environment": {"kind": "venv", "path": "~/envs/llm"}, "profile": "classic-ml"}
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m wizard",
        description="Set up a verified Python environment for LLM work.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--answers", type=Path, metavar="FILE", help="run headless with the choices in this answers file")
    p.add_argument("--prefill", type=Path, metavar="FILE", help="open the full-screen wizard with these answers filled in")
    p.add_argument("--machine", type=Path, metavar="FILE", help="plan for the machine this file describes instead of detecting")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="use this catalog file (a newer one) instead of the shipped one")
    p.add_argument("--dry-run", action="store_true", help="validate and print the plan; create and install nothing")
    p.add_argument("--locked", type=Path, metavar="PYLOCK", help="with --answers: install exactly what this pylock.toml records")
    p.add_argument("--json", action="store_true", help="print one JSON event per line on stdout")
    p.add_argument(
        "--verify",
        action="store_true",
        help="verify even when the environment has not changed since its verification last passed",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("schema", help="print the answers file's JSON Schema")
    d = sub.add_parser("detect", help="detect this machine's hardware and Python interpreters")
    d.add_argument("--json", action="store_true", dest="detect_json", help="print a machine file (usable with --machine)")
    d.add_argument("--target", type=Path, default=None, help="measure free disk space here (default: home)")
    sub.add_parser("frameworks", help="list the catalog's profiles and frameworks")
    cat = sub.add_parser("catalog", help="keep the catalog current (docs/catalog.md)")
    cat_sub = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    chk = cat_sub.add_parser(
        "check",
        help="list the torch releases, variants and Pythons the indexes have and the "
        "catalog lacks (exit 0: current, 1: behind, 2: an index could not be read)",
    )
    chk.add_argument("--json", action="store_true", dest="catalog_json", help="print one JSON object")
    chk.add_argument(
        "--index",
        metavar="URL",
        help="PyTorch's index root, holding <variant>/ indexes (default: https://download.pytorch.org/whl/)",
    )
    chk.add_argument("--pypi", metavar="URL", default=None, help="PyPI's simple index (default: https://pypi.org/simple/)")
    doc = sub.add_parser(
        "doctor",
        help="run the checks and diagnoses on an existing environment, changing nothing "
        "(exit 0: all pass, 1: something failed, 2: not an environment)",
        description="Run the checks and diagnoses on an existing environment, changing nothing. "
        "Doctor RUNS PROGRAMS FROM THAT FOLDER (its Python, and every package it imports): point it "
        "only at environments you trust. A folder that is not a venv or conda environment is refused "
        "before anything runs; the whole run stops after an hour.",
    )
    doc.add_argument("--env", type=Path, required=True, metavar="PATH", help="the environment's folder")
    doc.add_argument("--json", action="store_true", dest="doctor_json", help="print one JSON event per line on stdout")
    doc.add_argument(
        "--machine",
        type=Path,
        dest="doctor_machine",
        metavar="FILE",
        help="use the described machine (its GPUs) instead of detecting",
    )
    _lifecycle_parsers(sub)
    return p


def _lifecycle_parsers(sub: argparse._SubParsersAction) -> None:
    """export, list, remove: the environment's life after setup (wizard.export, .registry, .remove)."""
    e = sub.add_parser("export", help="write an environment as a lock, requirements, answers, environment.yml or Dockerfile")
    e.add_argument("--env", type=Path, required=True, metavar="PATH", help="the environment's folder")
    e.add_argument("--format", required=True, choices=EXPORT_FORMATS, dest="export_format")
    e.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (atomically) instead of to stdout")
    e.add_argument("--force", action="store_true", help="replace FILE when it exists")
    ls = sub.add_parser("list", help="the environments the wizard made on this machine")
    ls.add_argument("--json", action="store_true", dest="list_json", help="one JSON object per environment and line")
    rm = sub.add_parser(
        "remove",
        help="delete an environment the wizard made, its Jupyter kernel, VS Code setting "
        "and list entry (exit 2: refused, nothing deleted)",
    )
    rm.add_argument("--env", type=Path, required=True, metavar="PATH", help="the environment's folder")
    rm.add_argument("--dry-run", action="store_true", dest="remove_dry_run", help="show what would be deleted; delete nothing")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _cmd_export(args: argparse.Namespace) -> int:
    from wizard.export import export, write_export

    text = export(args.env, args.export_format)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_export(text, args.output, args.force)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    import json

    from wizard.registry import listing, render

    rows = listing()
    if args.list_json:
        for row in rows:
            print(json.dumps({"event": "environment", **row}))
    else:
        print("\n".join(render(rows)))
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace) -> int:
    from wizard.remove import execute, plan_removal

    removal = plan_removal(args.env)
    print("Will remove:" if not args.remove_dry_run else "Would remove:", *(f"  - {line}" for line in removal.lines()), sep="\n")
    if args.remove_dry_run:
        print("Dry run: nothing was deleted.")
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            raise RequestError("remove asks for confirmation, and there is no terminal to ask in", "add --yes")
        if input("Remove these? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was deleted.")
            return EXIT_OK
    for line in execute(removal):
        print(line)
    return EXIT_OK


def _report_problem(exc: InputError | RequestError, json_mode: bool) -> int:
    from wizard.events import Error

    if isinstance(exc, InputError):
        event = Error(f"{exc.source}: invalid input", None, [p.to_dict() for p in exc.problems])
        text = exc.render()
    else:
        event = Error(exc.message, exc.hint)
        text = f"error: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else "")
    if json_mode:
        from wizard.output import JsonPrinter

        JsonPrinter()(event)
    print(text, file=sys.stderr)
    return EXIT_INVALID


def _cmd_frameworks() -> int:
    from wizard.catalog import load_catalog

    c = load_catalog()
    print("Profiles:")
    for pid, prof in c.profiles.items():
        print(f"  {pid:<14} {prof.summary} [{', '.join(prof.frameworks)}]")
    print("Frameworks:")
    for fid, fw in c.frameworks.items():
        print(f"  {fid:<14} {fw.summary} (Python {fw.python})")
    return EXIT_OK


def _cmd_catalog_check(args: argparse.Namespace) -> int:
    import json

    from wizard.catalog import load_catalog
    from wizard.catalog_check import PYPI_SIMPLE, check, check_index_url

    catalog = load_catalog()
    table = catalog.builds.tables["pytorch"]
    index = args.index or table.index_url.format(tag="")  # type: ignore[union-attr]
    pypi = args.pypi or PYPI_SIMPLE
    for option, url in (("--index", index), ("--pypi", pypi)):
        check_index_url(url, option)
    found = check(catalog, pypi, index)
    if args.catalog_json:
        print(json.dumps({"current": not found, "findings": [f.to_dict() for f in found]}))
    elif found:
        print("The catalog is behind:")
        print("\n".join(f"  {f.kind:<8} {f.what}: {f.detail}" for f in found))
        print("See docs/catalog.md for how each becomes a data change in assets/catalog.json.")
    else:
        print("The catalog knows every torch release, variant and Python the indexes publish.")
    return EXIT_FAILED if found else EXIT_OK


def _cmd_detect(args: argparse.Namespace) -> int:
    import msgspec

    from wizard.detect import detect_machine

    machine = detect_machine(args.target)
    if args.detect_json:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(machine).decode(), indent=2) + "\n")
    else:
        from wizard.advice import machine_warnings
        from wizard.catalog import load_catalog
        from wizard.detect_render import render_machine

        # With the same setup warnings the Hardware screen shows.
        print(render_machine(machine, machine_warnings(machine, load_catalog())))
    return EXIT_OK


CANCEL_SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


@contextmanager
def _cancel_on_signals(cancel: Callable[[], None]) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP (the SSH link dropped) cancel the run, children included, instead of
    killing the wizard mid-write; the run still writes its report. A signal ignored when the wizard
    started (`nohup`) stays ignored."""
    old = {s: signal.getsignal(s) for s in CANCEL_SIGNALS}
    for s, handler in old.items():
        if handler is not signal.SIG_IGN:
            signal.signal(s, lambda _signum, _frame: cancel())
    try:
        yield
    finally:
        for s, h in old.items():
            if h is not None:
                signal.signal(s, h)


def _interrupt(_signum: int, _frame: object) -> None:
    """Before a run has started (detection, planning): end the probes at once, then leave (exit 130)
    from the handler itself. Not by raising KeyboardInterrupt into whatever the main thread was
    doing: raised inside an import, it can leave that module's import lock held, and a probe thread
    importing the same module then waits forever (seen: `detect` hung on Ctrl-C during pynvml's
    import). Nothing has been created yet; files are only ever replaced whole (wizard.atomic)."""
    from wizard import proc

    proc.cancel_all(close=True)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os.write(2, b"interrupted\n")
    os._exit(EXIT_INTERRUPTED)


@contextmanager
def _interrupt_on_signals() -> Iterator[None]:
    old = {s: signal.getsignal(s) for s in CANCEL_SIGNALS}
    for s, handler in old.items():
        if handler is not signal.SIG_IGN:
            signal.signal(s, _interrupt)
    try:
        yield
    finally:
        for s, h in old.items():
            if h is not None:
                signal.signal(s, h)


def _cmd_doctor(args: argparse.Namespace) -> int:
    from wizard.doctor import Doctor, open_environment
    from wizard.output import make_printer

    env, python = open_environment(args.env)
    machine_file = args.doctor_machine or args.machine
    if machine_file is not None:
        from wizard.machine import load_machine

        machine = load_machine(machine_file)
    else:
        from wizard.detect import detect_machine

        machine = detect_machine(env, probe_pythons=False)
    printer = make_printer(args.doctor_json or args.json)
    doctor = Doctor(env, python, machine, printer)
    try:
        with _cancel_on_signals(doctor.cancel):
            return doctor.run()
    finally:
        printer.close()


def _run_headless(args: argparse.Namespace) -> int:
    from wizard.engine import Execution, prepare_files
    from wizard.events import Done, Event, PlanReady

    prepared = prepare_files(args.answers, args.machine)
    locked = _locked(prepared, args.locked) if args.locked is not None else None
    if locked is not None:
        prepared = locked[0]
    if args.dry_run:
        if args.json:
            from wizard.output import JsonPrinter

            JsonPrinter()(PlanReady(prepared.plan.to_dict()))
        else:
            from wizard.output import render_plan

            print("\n".join(render_plan(prepared.plan.to_dict())))
            print("Dry run: nothing was created or installed.")
        return EXIT_OK
    from wizard.output import make_printer

    printer = make_printer(args.json)
    ended: list[Done] = []

    def emit(event: Event) -> None:
        printer(event)
        if isinstance(event, Done):
            ended.append(event)

    run = Execution(prepared, emit, force_verify=args.verify)
    if locked is not None:
        from wizard.atomic import write_text

        _, (requirements, text), run.lock_text = locked
        write_text(requirements, text)
        run.check_indexes = False  # the lock names its own indexes; pip checks every file's hash
    try:
        with _cancel_on_signals(run.cancel):
            code = run.run()
    finally:
        printer.close()
    if not args.json and ended:  # how to use it and replay it, worded as the full-screen wizard's exit
        from wizard.advice import exit_summary

        print("\n".join(exit_summary(ended[-1], run.prepared.plan.target, prepared.machine.os)[1:]))
    return code


def _locked(prepared: Prepared, lock_file: Path) -> tuple[Prepared, tuple[Path, str], str]:
    """(the plan for the lock, (requirements file, its text), the lock's text); refuses (exit 2) first."""
    from dataclasses import replace

    from wizard.pylock import read_lock
    from wizard.reproduce import check_fits, locked_plan, requirements_file

    lock = read_lock(lock_file)
    check_fits(lock, prepared.plan, prepared.machine, prepared.catalog, str(lock_file))
    req = requirements_file(lock)
    return replace(prepared, plan=locked_plan(prepared.plan, lock, req[0])), req, lock_file.read_text("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    json_mode = bool(getattr(args, "json", False) or getattr(args, "doctor_json", False) or getattr(args, "catalog_json", False))
    try:
        if args.catalog is not None:
            from wizard.catalog import use_catalog_file

            use_catalog_file(args.catalog)
        if args.command == "catalog":
            return _cmd_catalog_check(args)
        if args.command == "schema":
            from wizard.answers import schema_text

            sys.stdout.write(schema_text())
            return EXIT_OK
        if args.command == "frameworks":
            return _cmd_frameworks()
        if args.command == "detect":
            with _interrupt_on_signals():
                return _cmd_detect(args)
        if args.command == "doctor":
            with _interrupt_on_signals():
                return _cmd_doctor(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "remove":
            with _interrupt_on_signals():
                return _cmd_remove(args)
        if args.answers is not None:
            if args.prefill is not None:
                parser.error("--answers and --prefill exclude each other")
            with _interrupt_on_signals():
                return _run_headless(args)
        if args.dry_run or args.json or args.locked:
            parser.error("--dry-run, --json and --locked need --answers FILE")
        return _run_tui(args)
    except (InputError, RequestError) as exc:
        return _report_problem(exc, json_mode)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_FAILED


def _run_tui(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(USAGE_HINT, file=sys.stderr, end="")
        return EXIT_INVALID
    try:
        from screens.app import run_app
    except ImportError:
        print(USAGE_HINT, file=sys.stderr, end="")
        return EXIT_INVALID
    return run_app(prefill=args.prefill, machine=args.machine)
