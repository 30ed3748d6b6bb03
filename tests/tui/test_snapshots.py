"""Every screen at 80×24 on the fixed machine file, deterministic (fixed clock, no cursor blink,
fixed paths). The README shows copies of these SVGs from assets/screenshots/.

Update after reviewing each changed SVG by eye: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.clock import MockClock
from textual.pilot import Pilot

from screens.app import WizardApp
from screens.install import InstallScreen

from .harness import REPO, Gates, make_app, start_at, wait_for

PREFILL = Path("tests/data/tui-answers.json")  # relative: the screens show paths as they were given
MACHINE = Path("tests/data/tui-machine.json")
SNAP_ROOT = Path("/tmp/llm-wizard-snapshots")  # the answers' environment lives here; it is never created
Step = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def _fixed_places(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("WIZARD_STATE_DIR", str(SNAP_ROOT / "state"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("PATH", str(SNAP_ROOT / "no-tools"))  # the same screens whether or not this box has conda
    monkeypatch.setattr("wizard.advice.wizard_command", lambda: ["llm-wizard"])  # not this checkout's path
    # The pip step runs the wizard's own interpreter, whose name depends on how the venv was made.
    monkeypatch.setattr("sys.executable", str(REPO / ".venv" / "bin" / "python"))
    shutil.rmtree(SNAP_ROOT / "envs", ignore_errors=True)


class Scene:
    """An app with a gated runner and a fixed clock, and the key presses that reach one screen."""

    def __init__(self, broken: bool = False) -> None:
        self.gates = Gates(broken)
        self.clock = MockClock()
        self.app: WizardApp = make_app(PREFILL, MACHINE, execution_factory=self.gates.factory, clock=self.clock)

    def through(self, screen: str, then: Step | None = None) -> Step:
        """Enter on each screen until `screen` (for the install: until its run has started)."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await start_at(pilot, self.app, "ReviewScreen" if screen == "InstallScreen" else screen)
            if screen in ("ReviewScreen", "InstallScreen"):
                await wait_for(pilot, lambda: self.app.session.prepared is not None)
            if screen == "InstallScreen":
                await pilot.press("enter")
            if then is not None:
                await then(pilot)

        return run_before


async def _mid_install(scene: Scene, pilot: Pilot[Any]) -> None:
    scene.gates.release("create-venv", "upgrade-pip")
    await wait_for(pilot, lambda: "74.3 MB" in str(pilot.app.screen.query_one("#download-text").content))
    scene.clock.set_time(83.0)
    await pilot.pause(0.1)


async def _finished(scene: Scene, pilot: Pilot[Any]) -> None:
    scene.clock.set_time(312.0)
    scene.gates.release_all()
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InstallScreen) and pilot.app.screen.done is not None)


def test_welcome(snap_compare: Any) -> None:
    assert snap_compare(Scene().app)


def test_hardware(snap_compare: Any) -> None:
    scene = Scene()
    assert snap_compare(scene.app, run_before=scene.through("HardwareScreen"))


def test_environment(snap_compare: Any) -> None:
    scene = Scene()
    assert snap_compare(scene.app, run_before=scene.through("EnvironmentScreen"))


def test_options(snap_compare: Any) -> None:
    scene = Scene()

    async def show_accelerators(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#accelerator").focus()
        await pilot.pause()

    assert snap_compare(scene.app, run_before=scene.through("OptionsScreen", show_accelerators))


def test_frameworks(snap_compare: Any) -> None:
    scene = Scene()

    async def show_pytorch(pilot: Pilot[Any]) -> None:
        lst = pilot.app.screen.query_one("#frameworks")
        lst.focus()
        lst.highlighted = lst.get_option_index("pytorch")
        await pilot.pause()

    assert snap_compare(scene.app, run_before=scene.through("FrameworksScreen", show_pytorch))


def test_review(snap_compare: Any) -> None:
    scene = Scene()
    assert snap_compare(scene.app, run_before=scene.through("ReviewScreen"))


def test_install(snap_compare: Any) -> None:
    scene = Scene()
    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", lambda p: _mid_install(scene, p)))


def test_install_cancel_confirmation(snap_compare: Any) -> None:
    scene = Scene()

    async def ask(pilot: Pilot[Any]) -> None:
        await _mid_install(scene, pilot)
        await pilot.press("ctrl+c")

    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", ask))


def test_install_finished(snap_compare: Any) -> None:
    scene = Scene()
    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", lambda p: _finished(scene, p)))


def test_verify(snap_compare: Any) -> None:
    scene = Scene()

    async def verify(pilot: Pilot[Any]) -> None:
        await _finished(scene, pilot)
        await pilot.press("enter")

    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", verify))


def test_verify_with_a_diagnosis(snap_compare: Any) -> None:
    scene = Scene(broken=True)

    async def verify(pilot: Pilot[Any]) -> None:
        await _finished(scene, pilot)
        await pilot.press("enter")

    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", verify))


def test_done(snap_compare: Any) -> None:
    scene = Scene()

    async def done(pilot: Pilot[Any]) -> None:
        await _finished(scene, pilot)
        await pilot.press("enter", "enter")

    assert snap_compare(scene.app, run_before=scene.through("InstallScreen", done))


def test_error(snap_compare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("cannot read /sys/bus/pci/devices: Permission denied")

    monkeypatch.setattr(
        "screens.app._write_crash_log",  # its name holds the time of the crash
        lambda error: str(SNAP_ROOT / "state" / "logs" / "wizard-error-20260101-120000.log"),
    )
    app = make_app(PREFILL, None, detect=broken)

    async def crash(pilot: Pilot[Any]) -> None:
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "ErrorScreen")

    assert snap_compare(app, run_before=crash)


def test_terminal_too_small(snap_compare: Any) -> None:
    assert snap_compare(Scene().app, terminal_size=(70, 20))


# The README shows these copies; a changed snapshot must be copied there too (after review):
#   cp tests/tui/__snapshots__/test_snapshots/<test>.svg assets/screenshots/<name>.svg
SCREENSHOTS = {
    "welcome": "test_welcome",
    "hardware": "test_hardware",
    "environment": "test_environment",
    "options": "test_options",
    "frameworks": "test_frameworks",
    "review": "test_review",
    "install": "test_install",
    "install-cancel": "test_install_cancel_confirmation",
    "install-finished": "test_install_finished",
    "verify": "test_verify",
    "verify-diagnosis": "test_verify_with_a_diagnosis",
    "done": "test_done",
    "error": "test_error",
    "too-small": "test_terminal_too_small",
}


@pytest.mark.parametrize("name", sorted(SCREENSHOTS))
def test_readme_screenshots_are_the_snapshots(name: str) -> None:
    snapshot = REPO / "tests" / "tui" / "__snapshots__" / "test_snapshots" / f"{SCREENSHOTS[name]}.svg"
    shown = REPO / "assets" / "screenshots" / f"{name}.svg"
    assert shown.read_bytes() == snapshot.read_bytes(), f"cp {snapshot.relative_to(REPO)} {shown.relative_to(REPO)}"
