"""Hostile and odd input, at the level where each is handled: secrets in every URL shape, files
that are not files, nesting, paths no filesystem can hold, damaged state, one module for children.
Fast: nothing here builds a venv or runs pip (tests/test_hostile_runs.py does)."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from support.wizard_cli import REPO, answers, run_wizard, start_wizard, wizard_env, write_json
from wizard import atomic, envs
from wizard.answers import effective_answers, parse_answers
from wizard.catalog import load_catalog
from wizard.events import Output
from wizard.plan import Step
from wizard.problems import InputError, RequestError
from wizard.redact import expand_env_refs, has_credentials, redact_text, redact_url
from wizard.runner import MAX_LINE_CHARS, RunLog, Runner

SECRET = "Zq9secretTOKEN"

# -- secrets: every URL shape -----------------------------------------------------------------------

URL_SHAPES = {
    "userinfo": f"https://alice:{SECRET}@idx.example/simple/",
    "password with @": f"https://alice:p@{SECRET}@idx.example/simple/",
    "password with /": f"https://alice:ab/{SECRET}@idx.example/simple/",
    "password with # and ?": f"https://alice:a#b?{SECRET}@idx.example/simple/",
    "token in query": f"https://idx.example/simple/?token={SECRET}",
    "token in fragment": f"https://idx.example/simple/#access_token={SECRET}",
    "bare query token": f"https://idx.example/simple/?{SECRET}",
    "user only": f"https://{SECRET}@idx.example/simple/",
}
MALFORMED = {
    "missing scheme": f"alice:{SECRET}@idx.example/simple/",
    "one slash": f"https:/alice:{SECRET}@idx.example/simple/",
    "backslashes": f"https:\\\\alice:{SECRET}@idx.example\\simple",
    "slash in password, bad port": f"https://alice:x/{SECRET}@idx.example/simple/",
    "scheme only": f"ftp://alice:{SECRET}@idx.example/",
}


@pytest.mark.parametrize("url", URL_SHAPES.values(), ids=URL_SHAPES.keys())
def test_every_url_shape_is_masked_in_text_and_dropped_when_saved(url: str) -> None:
    line = f"Looking in indexes: {url}, then Downloading {url}x.whl (2 kB)"
    assert SECRET not in redact_text(line)
    assert SECRET not in redact_url(url) and SECRET not in redact_url(url, drop=True)
    assert has_credentials(url)


@pytest.mark.parametrize("url", [*URL_SHAPES.values(), *MALFORMED.values()], ids=[*URL_SHAPES, *MALFORMED])
def test_validation_messages_and_saved_answers_never_hold_the_secret(url: str, tmp_path: Path) -> None:
    data = answers(tmp_path / "env", index={"url": url})
    try:
        saved = json.dumps(effective_answers(parse_answers(data, load_catalog(), "a.json")))
    except InputError as exc:
        saved = exc.render() + json.dumps([p.to_dict() for p in exc.problems])
    assert SECRET not in saved


def test_env_ref_values_with_reserved_characters_stay_in_their_place_and_are_masked_later(monkeypatch) -> None:
    monkeypatch.setenv("IDX_TOKEN", "p/w?x#y@z")
    monkeypatch.setenv("IDX_PATH", "tok/3n?")
    url = expand_env_refs("https://bob:${IDX_TOKEN}@idx.example/${IDX_PATH}/simple/")
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    assert (parts.hostname, unquote(parts.password or "")) == ("idx.example", "p/w?x#y@z")
    shown = redact_text(f"Looking in indexes: https://bob:****@idx.example/{parts.path}  raw tok/3n? p/w?x#y@z")
    assert "tok/3n" not in shown and "p/w?x#y@z" not in shown


def test_masking_is_linear_in_the_length_of_the_text() -> None:
    """The old regex took ~4 s on 40,000 letters; 2 MB of hostile shapes must take well under a second."""
    shapes = ["a" * 1_000_000, "a://" * 250_000, "x" * 500_000 + "://" + "@" * 500_000, "h://u:p@" * 120_000]
    start = time.monotonic()
    for text in shapes:
        redact_text(text)
    assert time.monotonic() - start < 2.0


def test_output_lines_are_bounded_and_a_flood_cannot_stall_the_runner(tmp_path: Path) -> None:
    code = "import sys; sys.stdout.write('x' * 5_000_000); sys.stdout.write('\\nafter\\n')"
    events: list = []
    start = time.monotonic()
    result = Runner(RunLog(tmp_path / "run.log"), events.append).run(
        Step("s", "pip", "t", "w", (sys.executable, "-c", code)), 1, 1
    )
    lines = [e.line for e in events if isinstance(e, Output)]
    assert result.status == "ok" and time.monotonic() - start < 10
    assert lines[-1] == "after" and all(len(line) <= MAX_LINE_CHARS + 40 for line in lines) and len(lines) == 2


# -- files that are not files, and nesting --------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    r = run_wizard(*args, env=wizard_env(dict(os.environ), tmp_path / "state"), timeout=30)
    assert "Traceback" not in r.stderr, r.stderr
    return r.code, r.stderr


def _machine(tmp_path: Path, **over: object) -> Path:
    m = {"os": "linux", "arch": "x86_64", "pythons": [{"path": sys.executable, "version": "3.11.9"}], **over}
    return write_json(tmp_path / "machine.json", m)


@pytest.mark.parametrize("flag", ["--answers", "--machine"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge", "deep-500", "deep-1000", "folder"])
def test_answers_and_machine_files_that_are_not_small_regular_json_are_refused(flag: str, kind: str, tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "huge":
        path.write_text('{"version": 1, "x": "' + "a" * 2_000_000 + '"}')
    elif kind.startswith("deep"):
        n = int(kind.split("-")[1])
        path.write_text('{"version": 1, "environment": ' + "[" * n + "]" * n + "}")
    else:
        path.mkdir()
    good_answers = write_json(tmp_path / "a.json", answers(tmp_path / "env"))
    args = (
        ["--answers", str(path), "--machine", str(_machine(tmp_path))]
        if flag == "--answers"
        else ["--answers", str(good_answers), "--machine", str(path)]
    )
    start = time.monotonic()
    code, err = _cli(tmp_path, *args, "--dry-run")
    assert code == 2 and str(path) in err and time.monotonic() - start < 20
    if kind.startswith("deep"):
        assert "line 1, column" in err and "nested more than" in err
    assert not (tmp_path / "env").exists()


@pytest.mark.parametrize(
    "over, where",
    [
        ({"nvidia": {"driver": "550.54.14", "cuda": "12.x", "gpus": []}}, "$.nvidia.cuda"),
        ({"pythons": [{"path": "/usr/bin/python3", "version": "three"}]}, "$.pythons[0].version"),
        (
            {
                "pythons": [
                    {"path": "/usr/bin/python3", "version": "3.12.4", "bundled_pip": None},
                    {"path": "/x", "version": "3..1"},
                ]
            },
            "$.pythons[1].version",
        ),
        ({"nvidia": {"gpus": [{"name": "X", "compute_capability": "eight"}]}}, "$.nvidia.gpus[0].compute_capability"),
    ],
)
def test_machine_file_values_the_planner_cannot_use_are_refused_at_their_place(over: dict, where: str, tmp_path: Path) -> None:
    a = write_json(tmp_path / "a.json", answers(tmp_path / "env"))
    code, err = _cli(tmp_path, "--answers", str(a), "--machine", str(_machine(tmp_path, **over)), "--dry-run")
    assert code == 2 and where in err


def test_no_usable_interpreter_is_a_refusal_not_a_traceback(tmp_path: Path) -> None:
    m = _machine(tmp_path, pythons=[{"path": "/usr/bin/python3.8", "version": "3.8.18"}])
    code, err = _cli(
        tmp_path, "--answers", str(write_json(tmp_path / "a.json", answers(tmp_path / "env"))), "--machine", str(m), "--dry-run"
    )
    assert code == 2 and "Python" in err


# -- paths no folder can have ------------------------------------------------------------------------------

BAD_PATHS = {
    "unset variable": "${WIZ_NOT_SET}/env",
    "set variable": "${HOME}/../other",
    "dollar name": "$HOME/env",
    "unknown user": "~nosuchuser_wiz/env",
    "component too long": "/tmp/" + "n" * 300 + "/env",
    "lone surrogate": "/tmp/env-\ud800",
    "NUL": "/tmp/env\x00x",
}


@pytest.mark.parametrize("path", BAD_PATHS.values(), ids=BAD_PATHS.keys())
def test_environment_paths_that_cannot_be_taken_literally_are_refused_with_their_place(path: str, tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(json.dumps({"version": 1, "environment": {"kind": "venv", "path": path}}), "utf-8")
    code, err = _cli(tmp_path, "--answers", str(a), "--machine", str(_machine(tmp_path)))
    assert code == 2 and "$.environment.path" in err


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied"),
        OSError(errno.ENAMETOOLONG, "File name too long"),
        NotADirectoryError(errno.ENOTDIR, "Not a directory"),
    ],
)
def test_a_folder_the_os_will_not_describe_is_refused(error: OSError, monkeypatch, tmp_path: Path) -> None:
    """As root the permission case cannot be made real, so the OS's answer is stood in for."""

    def refuse(*_a, **_k):
        raise error

    monkeypatch.setattr(envs.os, "lstat", refuse)
    with pytest.raises(RequestError, match="cannot look at"):
        envs.classify(tmp_path / "locked" / "env")


def test_a_parent_that_is_a_file_is_refused_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    a = write_json(tmp_path / "a.json", answers(tmp_path / "afile" / "env"))
    code, err = _cli(tmp_path, "--answers", str(a), "--machine", str(_machine(tmp_path)))
    assert code == 2 and "afile" in err


def test_doctor_refuses_a_bad_path_and_a_folder_that_is_not_an_environment_before_running_anything(tmp_path: Path) -> None:
    trap = tmp_path / "notenv" / "bin" / "python"
    trap.parent.mkdir(parents=True)
    trap.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\n")
    trap.chmod(0o755)
    for env in (tmp_path / "notenv", "~nosuchuser_wiz/env"):
        code, _ = _cli(tmp_path, "doctor", "--env", str(env))
        assert code == 2
    assert not (tmp_path / "ran").exists()
    help_text = run_wizard("doctor", "--help", env=wizard_env(dict(os.environ), tmp_path / "s")).stdout
    assert "RUNS PROGRAMS FROM THAT FOLDER" in help_text


# -- damaged state -------------------------------------------------------------------------------------------

DAMAGED_STATES = {
    "truncated": '{"created": true, "created_by": "llm-setup-wiz',
    "a list": "[1, 2]",
    "steps a list": '{"created": true, "created_by": "llm-setup-wizard", "steps": ["a"], "python_version": "3.11"}',
    "version a number": '{"created": true, "created_by": "llm-setup-wizard", "steps": {}, "python_version": 3.11}',
    "created a string": '{"created": "yes", "created_by": "llm-setup-wizard", "steps": {}}',
    "binary": "\x00\xff\xfe",
}


@pytest.mark.parametrize("text", DAMAGED_STATES.values(), ids=DAMAGED_STATES.keys())
def test_damaged_state_is_unknown_state_said_so_not_a_traceback(text: str, tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / ".wizard").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("version = 3.11.9\n")
    (env / ".wizard" / "state.json").write_text(text, "utf-8", errors="surrogateescape")
    assert envs.read_state(env) is None and envs.state_damage(env)
    code, err = _cli(
        tmp_path, "--answers", str(write_json(tmp_path / "a.json", answers(env))), "--machine", str(_machine(tmp_path))
    )
    assert code == 2 and "damaged" in err


# -- writes ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(failing: str, monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "answers.json"
    atomic.write_text(target, "good")

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(atomic.os, "fdopen", lambda fd, *a, **k: _FullFile(fd))
    else:
        monkeypatch.setattr(atomic.os, failing, full)
    with pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "good" and [p.name for p in tmp_path.iterdir()] == ["answers.json"]


class _FullFile:
    def __init__(self, fd: int) -> None:
        os.close(fd)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def write(self, _text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_the_log_moves_across_filesystems(monkeypatch, tmp_path: Path) -> None:
    log = RunLog(tmp_path / "state" / "run.log")
    log.write("before")
    real_replace = os.replace

    def cross_device(src, dst):
        if str(src).endswith("run.log"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    log.move_to(tmp_path / "env" / ".wizard" / "logs" / "run.log")
    log.write("after")
    log.close()
    assert (tmp_path / "env" / ".wizard" / "logs" / "run.log").read_text() == "before\nafter\n"
    assert not (tmp_path / "state" / "run.log").exists()


def test_a_log_that_cannot_be_written_is_recorded_not_raised(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "run.log")
    log._fh.close()  # as when the disk went away under it
    log.write("x")
    assert log.error and "cannot write the log" in log.error


# -- one module for every child ------------------------------------------------------------------------------------


def test_subprocess_is_used_only_by_the_process_module() -> None:
    """Every child gets its own process group, stdin from /dev/null, a timeout and cancellation
    from wizard/proc.py; the probes run inside the target interpreter and are exempt."""
    users = []
    for folder in ("wizard", "screens"):
        for path in (REPO / folder).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            if rel == "wizard/proc.py" or rel.startswith("wizard/probes/"):
                continue
            if re.search(
                r"^\s*(import subprocess|from subprocess import)|\bos\.(system|popen|exec|spawn)", path.read_text("utf-8"), re.M
            ):
                users.append(rel)
    assert users == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_detection_acts_at_once(sig: int, tmp_path: Path) -> None:
    """An interpreter on PATH that hangs (a broken NFS mount, a wrapper waiting for input): the probe
    would wait out its timeout; a signal ends it at once, with exit 130."""
    slow = tmp_path / "bin" / "python3"
    probed = tmp_path / "probed"  # the wizard is in the middle of detection once the probe has started
    slow.parent.mkdir()
    slow.write_text(f"#!/bin/sh\n: > '{probed}'\nsleep 30\n")
    slow.chmod(0o755)
    env = {**wizard_env(dict(os.environ), tmp_path / "state"), "PATH": f"{slow.parent}:{os.environ['PATH']}"}
    p = start_wizard("detect", env=env)
    deadline = time.monotonic() + 20
    while not probed.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert probed.exists(), p.communicate(timeout=30)
    # At once, the very moment the probe starts: a KeyboardInterrupt raised then, in the middle of
    # the other probes' imports, once left an import lock held and the wizard hung (cli._interrupt).
    start = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130 and time.monotonic() - start < 3 and "Traceback" not in err


def test_the_disk_check_on_a_rerun_does_not_count_the_venv_that_exists(tmp_path: Path) -> None:
    from wizard.engine import prepare
    from wizard.machine import Machine, PythonInfo

    version = "{}.{}.{}".format(*sys.version_info[:3])
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text(f"version = {version}\n")
    envs.write_state(env, {"created": True, "python_version": version, "steps": {}})
    machine = Machine(
        os="linux",
        arch="x86_64",
        disk_free_bytes=5_000_000,
        pythons=[PythonInfo(path=sys.executable, version=version, bundled_pip="24.0")],
    )
    a = parse_answers(answers(env), load_catalog(), "test")
    plan = prepare(a, machine).plan
    assert plan.target.reuse and plan.disk_needed_bytes == 0
    with pytest.raises(RequestError, match="not enough disk space"):
        prepare(parse_answers(answers(tmp_path / "new"), load_catalog(), "test"), machine)


VALID_SHAPES = {k: v for k, v in URL_SHAPES.items() if k not in ("password with /", "password with # and ?")}
VALID_SHAPES["${VAR} reference"] = "https://alice:${WIZ_HOSTILE_TOKEN}@idx.example/simple/"


@pytest.mark.parametrize("installer", ["pip", "uv"])
@pytest.mark.parametrize("url", VALID_SHAPES.values(), ids=VALID_SHAPES.keys())
def test_urls_with_secrets_reach_either_installer_through_its_environment_never_argv(
    url: str, installer: str, tmp_path: Path, monkeypatch
) -> None:
    """A child's argv is readable by every local user (`ps`); pip and uv each get the URL in the
    variable they read, and the plan shows it masked."""
    from wizard.engine import prepare
    from wizard.machine import load_machine

    monkeypatch.setenv("WIZ_HOSTILE_TOKEN", SECRET)

    data = answers(
        tmp_path / "env",
        index={"url": url, "extra_urls": [url]},
        packages=["wizlab-alpha"],
        options={"upgrade_pip": True, "verify": True, "installer": installer},
    )
    plan = prepare(parse_answers(data, load_catalog(), "a.json"), load_machine(REPO / "assets/machines/cpu-only-linux.json")).plan
    prefix = "UV_" if installer == "uv" else "PIP_"
    installs = [s for s in plan.steps if (s.kind in ("create", "pip") and s.requirements != ("pip",)) or s.id == "upgrade-pip"]
    assert installs
    for step in plan.steps:
        assert all(SECRET not in a and "${" not in a for a in step.argv), step.id
        assert SECRET not in json.dumps(step.to_dict())
    for step in installs:
        if step.kind == "create" and installer == "pip":
            continue  # python -m venv reads no index
        names = dict(step.env)
        assert f"{prefix}INDEX_URL" in names and f"{prefix}EXTRA_INDEX_URL" in names, step.id
