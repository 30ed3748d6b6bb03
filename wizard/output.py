"""Headless renderers of the event stream: JSON lines, plain timestamped lines, or rich progress."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from wizard.events import Check, Diagnosis, Done, Error, Event, Output, PlanReady, Progress, Report, StepFinished, StepStarted
from wizard.report import render_markdown


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def _editor_lines(done: Done) -> list[str]:
    """After a successful run: how to choose the environment's interpreter in VS Code and PyCharm."""
    if done.exit_code != 0 or not done.environment:
        return []
    from wizard.vscode import how_to_pick

    return ["Use it in an editor:", *(f"  {line}" for line in how_to_pick(done.environment))]


def render_plan(plan: dict[str, Any]) -> list[str]:
    """The plan as text: environment, decisions with their reasons, steps with their commands."""
    env = plan["environment"]
    lines = [
        f"Environment: {env['kind']} at {env['path']} (Python {env['python_version']}"
        + (", exists: reused)" if env["reuse"] else ")"),
        f"Frameworks: {', '.join(plan['frameworks']) or '(none)'}",
        f"Disk needed: about {_size(plan['disk_needed_bytes'])}",
    ]
    if plan["decisions"]:
        lines.append("Decisions:")
        for d in plan["decisions"]:
            where = f" from {d['index_url']}" if d["index_url"] else ""
            lines.append(f"  - {d['framework']}: {d['variant']}{where}. {d['why']}")
    lines.append("Steps:")
    import shlex

    for i, s in enumerate(plan["steps"], 1):
        lines.append(f"  {i}. {s['title']}: {s['why']}")
        lines.append(f"     $ {shlex.join([*(f'{k}={v}' for k, v in s.get('env', {}).items()), *s['argv']])}")
    lines += [f"Note: {n}" for n in plan["notes"]]
    return lines + render_resolution(plan.get("resolution"))


def render_resolution(resolution: list[dict[str, Any]] | None) -> list[str]:
    """What pip resolved: every package with its exact version, and the download size where known."""
    if resolution is None:
        return []
    sizes = [p["size"] for p in resolution if p["size"]]
    total = f", {_size(sum(sizes))} to download from local files" if sizes else ""
    lines = [f"Resolved by pip: {len(resolution)} packages{total}"]
    for p in sorted(resolution, key=lambda p: (not p["requested"], p["name"])):
        lines.append(
            f"  {p['name']}=={p['version']}"
            + (f" ({_size(p['size'])})" if p["size"] else "")
            + ("" if p["requested"] else " (dependency)")
        )
    return lines


def render_diagnosis(d: Diagnosis) -> list[str]:
    """A diagnosis as text: the cause, each piece of evidence, the fix and its command."""
    return [
        f"{'✗' if d.severity == 'error' else '⚠'} diagnosis: {d.cause}",
        *(f"    evidence: {e}" for e in d.evidence),
        f"    fix: {d.fix}",
        *([f"    $ {d.command}"] if d.command else []),
    ]


_HELD_SIGNALS = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)}


@contextmanager
def _signals_held() -> Iterator[None]:
    """Signals that arrive meanwhile wait until the block ends (their handlers then run)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Printer:
    """A renderer that outlives its terminal: once writing fails (the SSH link dropped, the reader of
    the pipe went away), it stops printing and the run goes on to write its report and files."""

    dead = False

    def __call__(self, event: Event) -> None:
        if self.dead:
            return
        try:
            self.show(event)
        except (OSError, ValueError):
            self.dead = True

    def show(self, event: Event) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class JsonPrinter(_Printer):
    """One JSON object per line on stdout, nothing else there. Each line is written whole or not
    at all: no signal handler can run, and no thread can write, in the middle of one."""

    def __init__(self, out: TextIO = sys.stdout):
        self.out = out
        self._lock = threading.Lock()

    def show(self, event: Event) -> None:
        line = json.dumps(event.to_dict(), default=str) + "\n"
        with self._lock, _signals_held():
            self.out.write(line)
            self.out.flush()


class PlainPrinter(_Printer):
    """Timestamped lines, for logs and pipes (no terminal attached)."""

    def __init__(self, out: TextIO = sys.stdout):
        self.out = out
        self._last_progress = 0.0
        self._failed_checks = 0  # in the current step: a verify step that ran is not "ok" when a check failed

    def _say(self, text: str) -> None:
        self.out.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
        self.out.flush()

    def show(self, e: Event) -> None:
        if isinstance(e, PlanReady):
            for line in render_plan(e.plan):
                self._say(line)
        elif isinstance(e, StepStarted):
            self._say(f"▶ step {e.index}/{e.total}: {e.title}")
        elif isinstance(e, Output):
            self._say(f"  {e.line}")
        elif isinstance(e, Progress):
            now = time.monotonic()
            if now - self._last_progress >= 2 or (e.total and e.done >= e.total):
                self._last_progress = now
                self._say(f"  downloaded {_size(e.done)}" + (f" of {_size(e.total)}" if e.total else ""))
        elif isinstance(e, StepFinished):
            extra = f": {e.reason}" if e.reason else ""
            failed, self._failed_checks = self._failed_checks, 0
            if failed and e.status == "ok":  # the probe ran, but its checks did not all pass
                self._say(f"✗ {e.step}: {failed} check{'s' * (failed > 1)} failed, in {e.seconds:.1f}s")
            else:
                self._say(f"{'✓' if e.status in ('ok', 'skipped') else '✗'} {e.step} {e.status} in {e.seconds:.1f}s{extra}")
        elif isinstance(e, Check):
            self._failed_checks += not e.ok
            self._say(f"{'✓' if e.ok else '✗'} check {e.check}: {e.detail}")
        elif isinstance(e, Diagnosis):
            for line in render_diagnosis(e):
                self._say(line)
        elif isinstance(e, Report):
            self.out.write(render_markdown(e.report))
        elif isinstance(e, Done):
            self._say(f"done: {e.summary} (exit code {e.exit_code})")
            for what, path in e.files.items():
                self._say(f"  {what}: {path}")
            for line in _editor_lines(e):
                self._say(line)
        elif isinstance(e, Error):
            self._say(f"error: {e.message}" + (f"\n  hint: {e.hint}" if e.hint else ""))


class RichPrinter(_Printer):
    """In a terminal: overall steps, bytes of the current download, a spinner while pip installs."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as Bars,
        )

        self.console = Console(highlight=False)
        self.bars = Bars(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.overall: Any = None
        self.current: Any = None
        self.download: Any = None
        self.failed_checks = 0

    def show(self, e: Event) -> None:
        from rich.markup import escape

        b = self.bars
        if isinstance(e, PlanReady):
            for line in render_plan(e.plan):
                self.console.print(escape(line))
            b.start()
            self.overall = b.add_task("steps", total=len(e.plan["steps"]))
        elif isinstance(e, StepStarted):
            self.current = b.add_task(escape(f"{e.index}/{e.total} {e.title}"), total=None)
        elif isinstance(e, Output):
            if self.current is not None:
                b.update(self.current, description=escape(e.line[:70]))
        elif isinstance(e, Progress):
            if self.download is None:
                self.download = b.add_task("download", total=e.total or None)
            b.update(self.download, completed=e.done, total=e.total or None)
            if e.total and e.done >= e.total:
                b.remove_task(self.download)
                self.download = None
        elif isinstance(e, StepFinished):
            if self.current is not None:
                b.remove_task(self.current)
                self.current = None
            if self.download is not None:
                b.remove_task(self.download)
                self.download = None
            mark = {"ok": "[green]✓[/]", "skipped": "[cyan]↷[/]", "failed": "[red]✗[/]", "cancelled": "[yellow]■[/]"}[e.status]
            failed, self.failed_checks = self.failed_checks, 0
            if failed and e.status == "ok":  # the probe ran, but its checks did not all pass
                self.console.print(f"[red]✗[/] {escape(e.step)}: {failed} check{'s' * (failed > 1)} failed, in {e.seconds:.1f}s")
            else:
                self.console.print(
                    f"{mark} {escape(e.step)} {e.status} in {e.seconds:.1f}s" + (f": {escape(e.reason)}" if e.reason else "")
                )
            if self.overall is not None:
                b.advance(self.overall)
        elif isinstance(e, Check):
            self.failed_checks += not e.ok
            self.console.print(f"{'[green]✓[/]' if e.ok else '[red]✗[/]'} {escape(e.check)}: {escape(e.detail)}")
        elif isinstance(e, Diagnosis):
            first, *rest = render_diagnosis(e)
            self.console.print(f"[{'red' if e.severity == 'error' else 'yellow'}]{escape(first)}[/]")
            for line in rest:
                self.console.print(escape(line))
        elif isinstance(e, Report):
            self.console.print(escape(render_markdown(e.report)))
        elif isinstance(e, Done):
            self.close()
            style = "green" if e.exit_code == 0 else "red"
            self.console.print(f"[{style}]{escape(e.summary)}[/] (exit code {e.exit_code})")
            for what, path in e.files.items():
                self.console.print(f"  {what}: {escape(path)}")
            for line in _editor_lines(e):
                self.console.print(escape(line))
        elif isinstance(e, Error):
            self.console.print(f"[red]error:[/] {escape(e.message)}" + (f"\n  hint: {escape(e.hint)}" if e.hint else ""))

    def close(self) -> None:
        try:
            self.bars.stop()
        except (OSError, ValueError):
            self.dead = True


def make_printer(json_mode: bool) -> JsonPrinter | PlainPrinter | RichPrinter:
    if json_mode:
        return JsonPrinter()
    return RichPrinter() if sys.stdout.isatty() else PlainPrinter()
