"""The whole wizard driven by Pilot with a runner the test gates, so every screen is asserted on."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Log, Static

from screens.app import WizardApp
from screens.dialogs import ConfirmScreen, ErrorScreen
from screens.review import ReviewScreen
from support.fake_conda import install_fake_conda
from wizard.advice import replay_command
from wizard.answers import load_answers
from wizard.catalog import load_catalog
from wizard.engine import Prepared
from wizard.events import Emit
from wizard.machine import Machine, load_machine

from .harness import (
    MACHINE,
    SIZE,
    Gates,
    flat_text,
    make_app,
    on_screen,
    plain,
    screen_text,
    start_at,
    wait_for,
    write_answers,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))


async def _to_install(pilot: Pilot[Any], app: WizardApp) -> None:
    """Enter through every screen before the review, then the review."""
    await start_at(pilot, app, "ReviewScreen")
    await wait_for(pilot, lambda: app.session.prepared is not None)
    await pilot.press("enter")
    assert app.install_worker is not None


async def test_enter_through_every_screen_performs_the_prefilled_setup(tmp_path: Path) -> None:
    env = tmp_path / "envs" / "llm"
    prefill = write_answers(tmp_path / "a.json", str(env))
    gates = Gates()
    app = make_app(prefill, execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.focused is not None and app.screen.focused.id == "primary"
        await pilot.press("enter")
        assert "RTX 4090" in screen_text(app) and "compute capability 8.9" in screen_text(app)
        assert app.screen.focused.id == "primary"
        await pilot.press("enter")
        assert "A new folder will be created here." in screen_text(app)
        await pilot.press("enter")
        assert on_screen(app, "OptionsScreen")()
        await pilot.press("enter")
        text = screen_text(app)
        assert "PyTorch" in text and "LLM fine-tuning" in text and "1 extra package" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.prepared is not None)
        text = screen_text(app)
        assert "Decisions" in text and "Disk needed" in text and "venv at" in text, text
        assert app.screen.prepared.plan.target.path == str(env)
        assert app.session.answers == load_answers(prefill, load_catalog())  # accepting every screen changed nothing
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Step 1 of 7: Create a virtual environment" in screen_text(app))
        # Enter and Escape do nothing while pip runs; the footer offers Cancel instead.
        await pilot.press("enter", "escape")
        assert on_screen(app, "InstallScreen")() and not gates.cancelled.is_set()
        assert "Cancel install" in screen_text(app) and "Next" not in screen_text(app)
        gates.release("create-venv", "upgrade-pip")
        await wait_for(pilot, lambda: "74.3 MB of 187.4 MB" in screen_text(app))
        assert "Downloading torch" in "\n".join(app.screen.query_one(Log).lines)
        assert "2 of 7 done" in screen_text(app)
        gates.release_all()
        await wait_for(pilot, lambda: app.screen.done is not None)
        assert "is ready" in flat_text(app) and app.screen.focused.id == "primary"
        await pilot.press("enter")
        assert on_screen(app, "VerifyScreen")()
        assert "All 5 checks passed." in screen_text(app)  # the stand-in's four probe checks and the kernel's one
        await pilot.press("enter")
        text = plain(app.screen.query_one("#done", Static).content)
        assert replay_command(f"{env}/.wizard/answers.json") in text
        assert f"source {env}/bin/activate" in text and f"{env}/.wizard/report.md" in text
        await pilot.press("enter")
    assert app.return_value == 0


async def test_escape_goes_back_and_keeps_choices(tmp_path: Path) -> None:
    prefill = write_answers(tmp_path / "a.json", str(tmp_path / "e"))
    app = make_app(prefill)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "enter")
        assert on_screen(app, "EnvironmentScreen")()
        await pilot.press("tab")  # from the primary button round to the kind list
        await pilot.press("escape")
        assert on_screen(app, "HardwareScreen")()
        await pilot.press("escape", "escape")
        assert on_screen(app, "WelcomeScreen")()  # Escape on the first screen stays there


async def test_cancel_needs_ctrl_c_and_confirmation_and_says_what_is_left(tmp_path: Path) -> None:
    env = tmp_path / "llm"
    gates = Gates()
    app = make_app(write_answers(tmp_path / "a.json", str(env)), execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        await _to_install(pilot, app)
        gates.release("create-venv")
        await wait_for(pilot, lambda: len(app.session.run.finished) == 1)
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the safe answer has focus: Enter keeps installing
        assert on_screen(app, "InstallScreen")() and not gates.cancelled.is_set()
        await pilot.press("ctrl+c", "tab", "enter")  # the confirm button cannot take focus either
        assert on_screen(app, "InstallScreen")() and not gates.cancelled.is_set()
        await pilot.press("ctrl+c", "y")
        await wait_for(pilot, lambda: getattr(app.screen, "done", None) is not None)
        assert gates.cancelled.is_set()
        text = " ".join(screen_text(app).split())
        assert "Cancelled during step 2" in text and "exists but is not complete" in text
        assert "run the wizard again" in text.lower()
        await pilot.press("escape")  # after the run, back to the review: plan again, try again
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.session.prepared is not None)
        await pilot.press("enter")
        assert len(gates.executions) == 2


async def test_ctrl_q_asks_during_an_install_and_cancels_it(tmp_path: Path) -> None:
    gates = Gates()
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")), execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        await _to_install(pilot, app)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.install_running and not gates.cancelled.is_set()
        await pilot.press("ctrl+q", "y")
        await wait_for(pilot, lambda: gates.cancelled.is_set())
    assert app.return_value == 130
    assert app.exit_lines[0] == "✗ interrupted (exit code 130)"  # the terminal is told what happened


async def test_ctrl_q_outside_an_install_quits_at_once(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+q")
    assert app.return_value == 130


async def test_hardware_paints_at_once_and_fills_in_when_detection_finishes(tmp_path: Path) -> None:
    release = threading.Event()
    machine = load_machine(MACHINE)

    def slow_detect() -> Machine:
        release.wait(10)
        return machine

    app = make_app(None, machine=None, detect=slow_detect)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        assert "Detecting the hardware" in screen_text(app)
        await pilot.press("enter")  # Next before detection finished: stays, says so
        assert on_screen(app, "HardwareScreen")()
        release.set()
        await wait_for(pilot, lambda: "RTX 4090" in screen_text(app))
        assert "Detected on this machine" in screen_text(app)
        await pilot.press("enter")
        assert on_screen(app, "EnvironmentScreen")()


async def test_a_detection_crash_becomes_an_error_screen_with_the_log_path(tmp_path: Path) -> None:
    def broken() -> None:
        raise RuntimeError("NVML exploded\nwith a second line")

    app = make_app(None, machine=None, detect=broken)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        text = screen_text(app)
        assert "RuntimeError: NVML exploded" in text and "Traceback" not in text
        logs = list((tmp_path / "state" / "logs").glob("wizard-error-*.log"))
        assert len(logs) == 1 and "Traceback" in logs[0].read_text()
        assert "wizard-error-" in text
        await pilot.press("enter")
    assert app.return_value == 1


async def test_an_install_crash_becomes_an_error_screen(tmp_path: Path) -> None:
    class Crashing:
        def __init__(self, prepared: Prepared, emit: Emit) -> None:
            pass

        def run(self) -> int:
            raise OSError("disk on fire")

        def cancel(self) -> None:
            pass

    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")), execution_factory=Crashing)
    async with app.run_test(size=SIZE) as pilot:
        await _to_install(pilot, app)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert "OSError: disk on fire" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "stopped unexpectedly" in screen_text(app))


async def test_location_is_checked_as_it_is_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_conda(tmp_path / "bin", tmp_path / "conda")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "new")))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "EnvironmentScreen")
        field = app.screen.query_one("#location", Input)

        async def typed(text: str) -> str:
            field.value = text
            await pilot.pause()
            return str(app.screen.query_one("#location-check", Static).content)

        assert "✗ This folder is not empty and is not an environment" in await typed(str(tmp_path / "full"))
        assert "✗ This is a file" in await typed(str(tmp_path / "file"))
        assert "✓ The new environment will be created here." in await typed(str(tmp_path / "empty"))
        assert "✗ required for kind 'venv'" in await typed("")
        await pilot.press("enter")  # invalid: Enter stays and puts the cursor in the field
        assert on_screen(app, "EnvironmentScreen")() and field.has_focus
        await pilot.press("shift+tab", "down", "down")  # back to the kind list; arrows choose: existing
        assert app.screen.kind == "existing"
        assert "✗ Not a virtual environment" in await typed(str(tmp_path / "empty"))
        assert "keeps its own Python" in screen_text(app)
        await pilot.press("up")  # still in the kind list: conda
        assert app.screen.kind == "conda"
        assert "Name or folder" in screen_text(app)
        assert "not a valid conda environment name" in await typed("bad name!")
        assert "✓ A new conda environment named llm will be created." in await typed("llm")


async def test_frameworks_that_cannot_run_here_are_disabled_with_the_reason(tmp_path: Path) -> None:
    machine = load_machine(MACHINE)
    only_310 = tmp_path / "m.json"
    import msgspec

    py310 = msgspec.structs.replace(machine.pythons[2], venv_ok=True, venv_hint=None)
    only_310.write_bytes(msgspec.json.encode(msgspec.structs.replace(machine, pythons=[py310])))
    app = make_app(
        write_answers(tmp_path / "a.json", str(tmp_path / "e"), profile=None, frameworks=["numpy"], packages=[]), machine=only_310
    )
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        lst = app.screen.query_one("#frameworks")
        assert "✗ JAX          unavailable" in str(lst.get_option("jax").prompt)
        assert "JAX cannot run on Python 3.10 (Pythons that work for this selection: 3.11" in app.screen.available["jax"].problem
        lst.focus()
        lst.highlighted = lst.get_option_index("jax")
        await pilot.pause()
        assert "Cannot be installed here: JAX cannot run on Python 3.10" in str(app.screen.query_one("#details", Static).content)
        await pilot.press("space")  # refused: stays unticked
        assert "jax" not in lst.selected and "jax" not in app.screen.explicit
        lst.highlighted = lst.get_option_index("transformers")
        await pilot.press("space")  # transformers needs pytorch: ticked with it, marked as needed
        assert "pytorch" in lst.selected and "needed" in str(lst.get_option("pytorch").prompt)
        lst.highlighted = lst.get_option_index("pytorch")
        await pilot.press("space")  # cannot drop what another framework needs
        assert "pytorch" in lst.selected and app.screen.explicit == ["numpy", "transformers"]
        packages = app.screen.query_one("#packages", Input)
        packages.value = "rich>=13,<14, uvicorn[standard,foo], -e ."
        await pilot.pause()
        assert "'-e .' is a pip option, not a requirement" in str(app.screen.query_one("#packages-check", Static).content)
        await pilot.press("enter")
        assert on_screen(app, "FrameworksScreen")()
        packages.value = "rich>=13,<14, uvicorn[standard,foo]"
        await pilot.pause()
        assert "✓ 2 extra package(s)" in str(app.screen.query_one("#packages-check", Static).content)
        await pilot.press("enter")
        await wait_for(pilot, on_screen(app, "ReviewScreen"))
        assert app.session.answers.frameworks == ["numpy", "transformers"]
        assert app.session.answers.packages == ["rich>=13,<14", "uvicorn[standard,foo]"]


async def test_a_plan_the_engine_refuses_shows_why_and_offers_back(tmp_path: Path) -> None:
    env = tmp_path / "e"
    app = make_app(write_answers(tmp_path / "a.json", str(env)))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        env.mkdir()  # the folder fills up after the environment screen approved it
        (env / "notes.txt").write_text("x")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "cannot be planned" in screen_text(app))
        assert "exists, is not empty and is not an environment" in str(app.screen.query_one("#plan", Static).content)
        assert app.screen.focused.id == "back"
        await pilot.press("enter")
        assert on_screen(app, "FrameworksScreen")()


async def test_a_python_no_interpreter_here_matches_is_refused_on_the_frameworks_screen(tmp_path: Path) -> None:
    app = make_app(
        write_answers(
            tmp_path / "a.json", str(tmp_path / "e"), environment={"kind": "venv", "path": str(tmp_path / "e"), "python": "3.9"}
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        await pilot.press("enter")
        await pilot.pause()
        assert on_screen(app, "FrameworksScreen")()
        assert "no detected Python matches '3.9'" in app.screen.available["pytorch"].problem


async def test_below_80x24_says_the_terminal_is_too_small() -> None:
    app = make_app(None)
    async with app.run_test(size=(79, 24)) as pilot:
        await pilot.pause()
        assert "terminal too small (needs 80×24)" in screen_text(app)
        assert "Welcome" not in screen_text(app)
        await pilot.resize_terminal(80, 23)
        await pilot.pause()
        assert "terminal too small" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "terminal too small" not in screen_text(app) and "Welcome" in screen_text(app)


async def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual turns NO_COLOR into a monochrome output filter; the real-terminal test checks the bytes."""
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.no_color and any(isinstance(f, (Monochrome, NoColor)) for f in app._filters)
