"""Real installs through the full-screen wizard: a Pilot run and a real terminal (tmux), each
making a real venv and installing from the loopback index with real pip."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Log

from screens.install import InstallScreen
from screens.review import ReviewScreen
from support.index_server import IndexServer
from support.wizard_cli import host_machine_file, pyenv_python, run_wizard, wizard_env
from wizard.advice import replay_command
from wizard.answers import effective_answers, load_answers
from wizard.catalog import load_catalog
from wizard.machine import load_machine
from wizard.pythons import probe_interpreter

from .harness import REPO, SIZE, enter_until, make_app, on_screen, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.integration]
BASE_PYTHON = pyenv_python("3.13") or sys._base_executable  # 3.13 bundles pip 24.2: raw download progress


@pytest.fixture(scope="module")
def real_machine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A machine file naming a real interpreter of this box, so nothing is detected."""
    info = probe_interpreter(BASE_PYTHON, "test")
    if info is None or not info.venv_ok:
        pytest.skip(f"{BASE_PYTHON} cannot make a venv")
    return host_machine_file(tmp_path_factory.mktemp("machine") / "machine.json", [info], "TUI test machine file")


@pytest.fixture
def clean_env(pip_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's environment as the pip children must see it: no PIP_* from the machine."""
    env = wizard_env(pip_env, tmp_path / "state")
    for key in [k for k in os.environ if k.upper().startswith("PIP_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _answers(path: Path, env_path: Path, server: IndexServer, python: str | None = None) -> Path:
    environment = {"kind": "venv", "path": str(env_path), **({"python": python} if python else {})}
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "environment": environment,
                "packages": ["wizlab-gamma", "wizlab-big"],
                "index": {"url": server.url},
                "options": {"upgrade_pip": False, "verify": True},
            }
        ),
        "utf-8",
    )
    return path


@pytest.mark.asyncio
async def test_pilot_install_is_refused_by_the_preflight_before_anything_changes(
    index_server: IndexServer, real_machine: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "refused"
    prefill = tmp_path / "a.json"
    prefill.write_text(
        json.dumps(
            {
                "version": 1,
                "environment": {"kind": "venv", "path": str(target)},
                "packages": ["wizlab-future"],
                "index": {"url": index_server.url},
            }
        ),
        "utf-8",
    )
    app = make_app(prefill, real_machine)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.session.prepared is not None)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, InstallScreen)
        await wait_for(pilot, lambda: screen.done is not None, timeout=60)
        assert screen.done.exit_code == 2
        assert any(
            "pip cannot install wizlab-future" in line and "Requires-Python >=4" in line for line in screen.query_one(Log).lines
        )
        assert "Nothing was created or installed" in str(screen.query_one("#outcome").content)
    assert not target.exists()


@pytest.mark.asyncio
async def test_pilot_real_install_then_headless_replay_makes_the_same_plan(
    index_server: IndexServer, real_machine: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "llm"
    prefill = _answers(tmp_path / "a.json", target, index_server)
    app = make_app(prefill, real_machine)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.session.prepared is not None)
        shown_plan = app.session.prepared.plan.to_dict()
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, InstallScreen)
        await wait_for(pilot, lambda: screen.done is not None, timeout=180)
        lines = screen.query_one(Log).lines
        assert screen.done.exit_code == 0, "\n".join(lines)
        assert any("Successfully installed" in line for line in lines)
        assert not any("\x1b" in line for line in lines)
        await pilot.press("enter")
        assert on_screen(app, "VerifyScreen")() and "checks passed" in str(app.screen.query_one("#summary").content)
        await pilot.press("enter", "enter")
    assert app.return_value == 0
    saved = target / ".wizard" / "answers.json"
    assert json.loads(saved.read_text()) == effective_answers(load_answers(prefill, load_catalog()))
    ok = subprocess.run([str(target / "bin" / "python"), "-c", "import wizlab_gamma"], stdin=subprocess.DEVNULL)
    assert ok.returncode == 0

    replay = run_wizard("--answers", str(saved), "--machine", str(real_machine), "--dry-run", "--json", env=clean_env)
    assert replay.code == 0, replay.stderr
    headless_plan = replay.of("plan")[0]["plan"]
    # The only difference: the environment now exists, so the replay would reuse it (and needs no disk for it).
    assert headless_plan["environment"].pop("reuse") is True and shown_plan["environment"].pop("reuse") is False
    assert headless_plan.pop("disk_needed_bytes") < shown_plan.pop("disk_needed_bytes")
    assert headless_plan == shown_plan


# -- a real terminal ------------------------------------------------------------------------------

TMUX = shutil.which("tmux")


class Tmux:
    """One tmux server on its own socket, running one command in an 80×24 window."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.socket = f"wizard-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self._tmux("new-session", "-d", "-s", "w", "-x", "80", "-y", "24", command)

    def _tmux(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run(
            [TMUX, "-L", self.socket, "-f", os.devnull, *args],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        ).stdout

    def screen(self, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "w")

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in " ".join(shown.split()):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def press(self, key: str) -> None:
        self._tmux("send-keys", "-t", "w", key)

    def close(self) -> None:
        subprocess.run(
            [TMUX or "tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, stdin=subprocess.DEVNULL
        )


@pytest.fixture
def tmux_env(clean_env: dict[str, str]) -> Iterator[dict[str, str]]:
    if TMUX is None:
        pytest.skip("tmux is not installed (.ci/run installs it)")
    # COLUMNS and LINES (pytest-xdist's workers set them to 80 and 24) would fix the app's size: a
    # terminal's own size is what it must follow.
    kept = {k: v for k, v in clean_env.items() if k not in ("COLUMNS", "LINES")}
    yield {**kept, "TERM": "xterm-256color", "ESCDELAY": "25"}


def _wizard(args: str, rc_file: Path) -> str:
    """The wizard as a person starts it, with its exit code written where the test can read it."""
    return f"cd {REPO} && TERM=xterm-256color {sys.executable} -m wizard {args}; echo $? > {rc_file}; sleep 30"


def test_real_terminal_enter_through_every_screen(
    index_server: IndexServer, real_machine: Path, tmux_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "llm"
    # A version request, as the wizard saves a picked interpreter: the replay below detects this box.
    version = ".".join(load_machine(real_machine).pythons[0].version.split(".")[:2])
    prefill = _answers(tmp_path / "a.json", target, index_server, python=version)
    rc = tmp_path / "rc"
    term = Tmux(_wizard(f"--machine {real_machine} --prefill {prefill}", rc), tmux_env)
    try:
        for step, ready in (
            ("Step 1 of 9: Welcome", "Set up a new environment"),
            ("Step 2 of 9: Hardware", "Python"),
            ("Step 3 of 9: Python environment", "A new folder will be created here."),
        ):
            term.wait_for(step)
            term.wait_for(ready)
            term.press("Enter")
        term.wait_for("Step 4 of 9: Options")
        term.wait_for("Accelerator")
        term.press("Tab")  # from Next round to the accelerator list
        term.press("Down")  # auto → cpu, and the screen says what that means
        term.wait_for("PyTorch gets the cpu build here")
        term.press("Enter")
        for step, ready in (("Step 5 of 9: Frameworks", "2 extra package(s)"), ("Step 6 of 9: Review", "Decisions")):
            term.wait_for(step)
            term.wait_for(ready)
            term.press("Enter")
        term.wait_for("Step 7 of 9: Install")
        term.wait_for("is ready", timeout=180)
        term.press("Enter")
        term.wait_for("checks passed")
        term.press("Enter")
        shown = term.wait_for("Step 9 of 9: Done")
        assert "--answers" in shown and "llm-wizard" in shown
        term.press("Enter")
        term.wait_for("Replay:")  # the summary stays in the terminal after the screen closes
        assert f"source {target}/bin/activate" in term.screen().replace("\n", "")  # wrapped at 80 columns
        deadline = time.monotonic() + 20
        while not (rc.exists() and rc.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        term.close()
    assert rc.read_text().strip() == "0"
    assert (target / "bin" / "python").exists()
    saved = json.loads((target / ".wizard" / "answers.json").read_text())
    expected = effective_answers(load_answers(prefill, load_catalog()))
    assert saved == {**expected, "accelerator": "cpu"}

    # The replay command the Done screen showed, verbatim, from a fresh shell elsewhere, with the
    # system PATH only: the environment exists, so every finished step is skipped.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fresh = {k: v for k, v in tmux_env.items() if k != "PATH"} | {"PATH": "/usr/bin:/bin"}
    command = replay_command(str(target / ".wizard" / "answers.json"))
    replay = subprocess.run(
        ["bash", "-c", f"cd {elsewhere} && {command}"],
        env=fresh,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "skipped" in replay.stdout


def _colours(screen: str) -> list[tuple[int, ...]]:
    """Foreground and background colours in SGR sequences: (n,) from the 256 palette, (r, g, b) for truecolor."""
    found: list[tuple[int, ...]] = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        found += [(int(n),) for n in re.findall(r"(?:^|;)[34]8;5;(\d+)", params)]
        found += [tuple(map(int, rgb)) for rgb in re.findall(r"(?:^|;)[34]8;2;(\d+);(\d+);(\d+)", params)]
    return found


def _grey(colour: tuple[int, ...]) -> bool:
    if len(colour) == 3:
        return colour[0] == colour[1] == colour[2]
    n = colour[0]
    if n < 16:
        return n in (0, 7, 8, 15)
    if n >= 232:
        return True
    n -= 16
    return n // 36 == n // 6 % 6 == n % 6


def test_real_terminal_no_color_and_too_small(real_machine: Path, tmux_env: dict[str, str], tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    term = Tmux(f"NO_COLOR=1 {_wizard(f'--machine {real_machine}', rc)}", {**tmux_env, "NO_COLOR": "1"})
    try:
        term.wait_for("Step 1 of 9: Welcome")
        colours = _colours(term.screen(escapes=True))
        assert colours and all(_grey(c) for c in colours), colours
        term._tmux("resize-window", "-t", "w", "-x", "70", "-y", "20")
        term.wait_for("terminal too small (needs 80×24)")
        term.press("C-q")
        deadline = time.monotonic() + 20
        while not (rc.exists() and rc.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        term.close()
    assert rc.read_text().strip() == "130"


def test_hanging_up_the_terminal_ends_pip_and_everything_it_started(
    index_server: IndexServer, real_machine: Path, tmux_env: dict[str, str], tmp_path: Path
) -> None:
    """An SSH link that drops sends SIGHUP; pip runs in its own session, so the wizard must end it, and
    it does so in order (the run is recorded as cancelled), then leaves (no process is left behind)."""
    import psutil

    target = tmp_path / "llm"
    prefill = _answers(tmp_path / "a.json", target, index_server)
    index_server.slow_seconds = 0.5  # wizlab-big then takes ~12 s to download
    term = Tmux(_wizard(f"--machine {real_machine} --prefill {prefill}", tmp_path / "rc"), tmux_env)
    try:
        for step in ("Step 1 of 9", "Step 2 of 9", "Step 3 of 9", "Step 4 of 9", "Step 5 of 9"):
            term.wait_for(step)
            term.press("Enter")
        term.wait_for("Decisions")
        term.press("Enter")
        term.wait_for("Step 2 of 4: Install extra packages")

        def running(*words: str) -> list[psutil.Process]:
            return [p for p in psutil.process_iter(["cmdline"]) if all(w in " ".join(p.info["cmdline"] or []) for w in words)]

        def pips() -> list[psutil.Process]:
            return running("pip", str(target))

        def wizards() -> list[psutil.Process]:
            return running("-m wizard", str(prefill))

        deadline = time.monotonic() + 20
        while not pips() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pips(), "pip never started"
    finally:
        term.close()  # the terminal goes away: SIGHUP
    deadline = time.monotonic() + 15
    while (pips() or wizards()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pips(), "pip outlived the wizard"
    assert not wizards(), "the wizard outlived its terminal"
    report = target / ".wizard" / "report.json"
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert json.loads(report.read_text())["outcome"] == "cancelled"
