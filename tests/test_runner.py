"""The runner on real child processes: live events, log, ANSI and credential scrubbing, group kill."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import psutil

from wizard.events import Event, Output, Progress, StepFinished, StepStarted
from wizard.plan import Step
from wizard.runner import RunLog, Runner


def _step(code: str, sid: str = "s") -> Step:
    return Step(sid, "pip", "title", "why", (sys.executable, "-c", code))


def _run(code: str, tmp_path: Path) -> tuple[list[Event], str]:
    events: list[Event] = []
    log = RunLog(tmp_path / "run.log")
    Runner(log, events.append).run(_step(code), 1, 1)
    log.close()
    return events, (tmp_path / "run.log").read_text()


def test_lines_progress_ansi_and_credentials(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "print('\\x1b[31mCollecting thing\\x1b[0m')\n"
        "print('Progress 10 of 100')\n"
        "sys.stdout.write('part 1\\rpart 2\\n')\n"
        "print('Looking in indexes: https://bob:pa55@mirror/simple', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    events, log = _run(code, tmp_path)
    assert isinstance(events[0], StepStarted) and events[0].pid
    lines = [e.line for e in events if isinstance(e, Output)]
    assert lines == ["Collecting thing", "part 1", "part 2", "Looking in indexes: https://****@mirror/simple"]
    assert [(e.done, e.total) for e in events if isinstance(e, Progress)] == [(10, 100)]
    finished = events[-1]
    assert isinstance(finished, StepFinished) and finished.status == "failed" and finished.exit_code == 3
    assert "pa55" not in log and "\x1b" not in log and "=== [s] failed (exit 3)" in log


def test_stdin_is_devnull(tmp_path: Path) -> None:
    events, _ = _run("import sys; print(repr(sys.stdin.read()))", tmp_path)
    assert [e.line for e in events if isinstance(e, Output)] == ["''"]


def test_env_refs_are_expanded_only_in_the_childs_environment_never_in_argv(tmp_path: Path, monkeypatch) -> None:
    """A path holding ${VAR} stays literal (the check and the use see the same string); an index
    URL's ${VAR} reaches the child through its private environment, and its value is masked in
    whatever the child prints."""
    monkeypatch.setenv("WIZ_SECRET", "xyzzy/?#")
    events: list[Event] = []
    log = RunLog(tmp_path / "run.log")
    code = (
        "import os, sys, urllib.parse as u; url = os.environ['PIP_INDEX_URL']; print(sys.argv[1]); print(url); "
        "print(u.unquote(u.urlsplit(url).password) == os.environ['WIZ_SECRET'], u.urlsplit(url).hostname)"
    )
    step = Step(
        "s",
        "pip",
        "t",
        "w",
        (sys.executable, "-c", code, "${WIZ_SECRET}"),
        env=(("PIP_INDEX_URL", "https://u:${WIZ_SECRET}@h/simple"),),
    )
    Runner(log, events.append).run(step, 1, 1)
    log.close()
    assert [e.line for e in events if isinstance(e, Output)] == ["${WIZ_SECRET}", "https://****@h/simple", "True h"]
    assert "xyzzy" not in (tmp_path / "run.log").read_text()


def test_cancel_kills_the_child_and_its_children(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    events: list[Event] = []
    log = RunLog(tmp_path / "run.log")
    runner = Runner(log, events.append)
    ready = threading.Event()

    def watch(e: Event) -> None:
        events.append(e)
        if isinstance(e, Output) and e.line == "ready":
            ready.set()

    runner.emit = watch
    t = threading.Thread(target=runner.run, args=(_step(code), 1, 1))
    t.start()
    assert ready.wait(30)
    pgid = next(e.pid for e in events if isinstance(e, StepStarted))
    members = [p for p in psutil.process_iter() if _pgid(p) == pgid]
    assert len(members) == 2
    start = time.monotonic()
    runner.cancel()
    t.join(15)
    assert not t.is_alive() and time.monotonic() - start < 10
    assert isinstance(events[-1], StepFinished) and events[-1].status == "cancelled"
    time.sleep(0.2)
    assert not [p for p in psutil.process_iter() if _pgid(p) == pgid]


def test_missing_program_is_a_failed_step_not_a_crash(tmp_path: Path) -> None:
    events: list[Event] = []
    log = RunLog(tmp_path / "run.log")
    result = Runner(log, events.append).run(Step("s", "pip", "t", "w", (str(tmp_path / "nope"),)), 1, 1)
    assert result.status == "failed" and "cannot start" in result.tail[-1]


def _pgid(p: psutil.Process) -> int | None:
    """The process group of a live process (a zombie has exited; only its entry waits to be reaped)."""
    try:
        return None if p.status() == psutil.STATUS_ZOMBIE else os.getpgid(p.pid)
    except (ProcessLookupError, psutil.Error):
        return None
