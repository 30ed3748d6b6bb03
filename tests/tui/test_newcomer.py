"""The snags a newcomer hit in the first hour, each driven by Pilot on the real app."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Log, Static

from screens.app import WizardApp
from screens.choices import ChoiceList, MultiChoiceList
from screens.options import Switch
from wizard.advice import replay_command
from wizard.engine import EXIT_OK, Prepared
from wizard.events import Done, Emit, Output, PlanReady, Progress, StepFinished, StepStarted

from .harness import (
    MACHINE,
    REPO,
    SIZE,
    Gates,
    enter_until,
    flat_text,
    make_app,
    on_screen,
    plain,
    screen_text,
    start_at,
    type_text,
    wait_for,
    write_answers,
)

pytestmark = pytest.mark.asyncio
CPU_ONLY = REPO / "assets" / "machines" / "cpu-only-linux.json"


@pytest.fixture(autouse=True)
def _state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))


class Downloading:
    """A run that floods the log, shows a download, finishes it, then goes quiet the way pip does,
    each phase held until the test moves it on."""

    def __init__(self) -> None:
        self.next = threading.Semaphore(0)
        self.stop = threading.Event()

    def factory(self, prepared: Prepared, emit: Emit) -> Downloading.Run:
        return Downloading.Run(self, prepared, emit)

    class Run:
        def __init__(self, outer: Downloading, prepared: Prepared, emit: Emit) -> None:
            self.outer, self.prepared, self.emit = outer, prepared, emit

        def cancel(self) -> None:
            self.outer.stop.set()
            self.outer.next.release(10)

        def hold(self) -> None:
            self.outer.next.acquire(timeout=30)

        def run(self) -> int:
            plan = self.prepared.plan
            self.emit(PlanReady(plan.to_dict()))
            self.emit(StepStarted("install", "Install", 1, 1, ["pip", "install"], 1))
            for i in range(60):
                self.emit(Output("install", f"Collecting package-{i}"))
            self.hold()
            self.emit(Output("install", "  Downloading big-1.0-py3-none-any.whl (828 kB)"))
            self.emit(Progress("install", 400_000, 828_000))
            self.hold()
            for i in range(60):
                self.emit(Output("install", f"  line during the download {i}"))
            self.emit(Progress("install", 828_000, 828_000))
            self.emit(Output("install", "Installing collected packages: a, b, c"))
            self.hold()
            for i in range(30):
                self.emit(Output("install", f"after scrolling up {i}"))
            self.hold()
            self.emit(StepFinished("install", "ok", 0, 3.0))
            self.emit(Done(EXIT_OK, "environment ready", plan.target.path, {}))
            return EXIT_OK


async def _at_install(pilot: Pilot[Any], app: WizardApp) -> None:
    await start_at(pilot, app, "ReviewScreen")
    await wait_for(pilot, lambda: app.session.prepared is not None)
    await pilot.press("enter")
    await wait_for(pilot, on_screen(app, "InstallScreen"))


async def test_the_log_follows_during_a_download_until_the_person_scrolls_up(tmp_path: Path) -> None:
    run = Downloading()
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")), execution_factory=run.factory)
    async with app.run_test(size=SIZE) as pilot:
        await _at_install(pilot, app)
        log = app.screen.query_one("#log", Log)
        await wait_for(pilot, lambda: log.line_count >= 60)
        assert log.scroll_y == log.max_scroll_y > 0
        run.next.release()  # the download bar appears: the log must keep following
        await wait_for(pilot, lambda: "400.0 kB of 828.0 kB" in screen_text(app))
        run.next.release()
        await wait_for(pilot, lambda: "line during the download 59" in log.lines[-2])
        await pilot.pause(0.1)
        assert log.scroll_y == log.max_scroll_y, (log.scroll_y, log.max_scroll_y)
        assert "line during the download 59" in screen_text(app)
        assert not app.screen.query_one("#download-row").visible  # the finished download's bar is gone
        assert "828.0 kB of 828.0 kB" not in screen_text(app)
        await wait_for(pilot, lambda: "installing 3 packages" in screen_text(app))  # pip's silent phase, named
        log.scroll_to(y=0, animate=False, immediate=True)  # the person scrolls up to read
        await pilot.pause()
        run.next.release()
        await wait_for(pilot, lambda: "after scrolling up 29" in log.lines[-1])
        await pilot.pause(0.1)
        assert log.scroll_y == 0  # left where they were reading
        log.scroll_end(animate=False, immediate=True)  # back at the end: following again
        await pilot.pause()
        run.next.release()
        await wait_for(pilot, lambda: app.session.run.done is not None)
        await pilot.pause(0.1)
        assert log.scroll_y == log.max_scroll_y


async def test_keys_do_nothing_while_the_terminal_is_too_small_except_quit(tmp_path: Path) -> None:
    gates = Gates()
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")), execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: app.session.prepared is not None)
        await pilot.resize_terminal(79, 24)
        await pilot.pause()
        await pilot.press("enter", "escape", "tab", "enter")
        await pilot.click("#primary")
        assert on_screen(app, "ReviewScreen")() and app.install_worker is None and not gates.executions
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("escape")  # big enough again: keys work
        assert on_screen(app, "FrameworksScreen")()
        await pilot.resize_terminal(70, 20)
        await pilot.press("ctrl+q")  # quit always gets through
    assert app.return_value == 130


async def test_finishing_leaves_the_summary_in_the_terminal(tmp_path: Path) -> None:
    env = tmp_path / "e"
    gates = Gates()
    gates.release_all()
    app = make_app(write_answers(tmp_path / "a.json", str(env)), execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: app.session.prepared is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.run.done is not None)
        await pilot.press("enter", "enter", "enter")
    assert app.return_value == 0
    summary = "\n".join(app.exit_lines)
    assert f"Activate:  source {env}/bin/activate" in summary
    assert f"Report:    {env}/.wizard/report.md" in summary
    assert f"Replay:    {replay_command(f'{env}/.wizard/answers.json')}" in summary


async def test_quitting_before_an_install_says_nothing_changed(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+q")
    assert app.exit_lines == ["The wizard closed before anything was installed; nothing was changed."]


async def test_a_picked_interpreter_is_saved_as_a_version_request(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "EnvironmentScreen")
        pythons = app.screen.query_one("#python", ChoiceList)
        pythons.focus()
        pythons.highlighted = pythons.get_option_index("py-1")
        await pilot.pause()
        picked = app.session.machine.pythons[1]
        await pilot.press("enter")
        await wait_for(pilot, on_screen(app, "OptionsScreen"))
        assert app.session.answers.environment.python == ".".join(picked.version.split(".")[:2])


async def test_a_typed_interpreter_path_stays_a_path(tmp_path: Path) -> None:
    app = make_app(
        write_answers(
            tmp_path / "a.json",
            str(tmp_path / "e"),
            environment={"kind": "venv", "path": str(tmp_path / "e"), "python": "/opt/python/bin/python3.12"},
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "EnvironmentScreen")
        assert "As in the answers: /opt/python/bin/python3.12" in screen_text(app)
        app.screen.keep_choices()
        assert app.session.answers.environment.python == "/opt/python/bin/python3.12"


async def test_conda_is_greyed_out_with_the_reason_when_there_is_no_conda(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "EnvironmentScreen")
        kinds = app.screen.query_one("#kind", ChoiceList)
        conda = kinds.get_option("conda")
        assert conda.disabled and "New conda (unavailable)" in str(conda.prompt)
        assert "Conda: needs conda, mamba or micromamba on PATH; none was found." in flat_text(app)
        kinds.focus()
        await pilot.press("down")
        assert app.screen.kind == "existing"  # the arrows pass over it


async def test_typing_in_the_folder_field_replaces_the_default(tmp_path: Path) -> None:
    app = make_app(None)
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "EnvironmentScreen")
        await pilot.press("tab", "tab")  # from the button round to the kind list, then the folder
        field = app.screen.query_one("#location", Input)
        assert field.has_focus and field.value == "~/envs/llm"
        await type_text(pilot, str(tmp_path / "mine"))
        assert field.value == str(tmp_path / "mine")


async def test_ticked_and_unticked_frameworks_differ_without_colour(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e"), profile=None, frameworks=["numpy"], packages=[]))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        lst = app.screen.query_one("#frameworks", MultiChoiceList)
        assert str(lst.get_option("numpy").prompt).startswith("✓ NumPy")
        assert str(lst.get_option("pandas").prompt).startswith("· pandas")


@pytest.mark.parametrize(("machine", "profile"), [(CPU_ONLY, "classic-ml"), (MACHINE, "llm-finetune")])
async def test_the_default_profile_suits_the_machine(machine: Path, profile: str) -> None:
    app = make_app(None, machine=machine)
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        assert app.session.answers.profile == profile
        assert app.screen.profile() == profile


async def test_escape_keeps_the_choices_of_the_screen_it_leaves(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e"), profile=None, frameworks=["numpy"], packages=[]))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "FrameworksScreen")
        lst = app.screen.query_one("#frameworks", MultiChoiceList)
        lst.focus()
        lst.highlighted = lst.get_option_index("pandas")
        await pilot.press("space")
        app.screen.query_one("#packages", Input).value = "rich>=13"
        await pilot.press("escape")
        assert on_screen(app, "OptionsScreen")()
        await pilot.press("escape")
        app.screen.query_one("#location", Input).value = str(tmp_path / "other")
        await pilot.press("escape")
        assert on_screen(app, "HardwareScreen")()
        await enter_until(pilot, app, "FrameworksScreen")
        assert app.screen.explicit == ["numpy", "pandas"]
        assert app.screen.query_one("#packages", Input).value == "rich>=13"
        assert app.session.answers.environment.path == str(tmp_path / "other")


async def test_the_options_change_the_plan(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "OptionsScreen")
        accelerators = app.screen.query_one("#accelerator", ChoiceList)
        accelerators.focus()
        accelerators.highlighted = accelerators.get_option_index("cpu")
        await pilot.pause()
        assert "PyTorch gets the cpu build here" in flat_text(app)
        for switch in ("verify", "upgrade_pip"):
            app.screen.query_one(f"#{switch}", Switch).focus()
            await pilot.press("space")
        assert "The venv's bundled pip installs everything" in flat_text(app)
        url = app.screen.query_one("#index-url", Input)
        url.value = "ftp://mirror"
        await pilot.pause()
        await pilot.press("enter")  # refused, with the model's own reason
        assert on_screen(app, "OptionsScreen")() and "✗" in str(app.screen.query_one("#consequence", Static).content)
        url.value = "https://mirror.example/simple"
        await pilot.press("enter")
        await enter_until(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: app.session.prepared is not None)
        plan = app.session.prepared.plan
        assert {d.framework: d.variant for d in plan.decisions}["pytorch"] == "cpu"
        assert [s.id for s in plan.steps if s.kind in ("verify", "check")] == []
        assert "upgrade-pip" not in [s.id for s in plan.steps]
        assert all("https://mirror.example/simple" in s.argv for s in plan.steps if s.kind == "pip")


async def test_review_shows_the_verify_step_in_words_and_explains_the_seeds(tmp_path: Path) -> None:
    app = make_app(write_answers(tmp_path / "a.json", str(tmp_path / "e")))
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: app.session.prepared is not None)
        text = plain(app.screen.query_one("#plan", Static).content)
        assert "SPEC: imports torch, transformers" in " ".join(text.split()) and '{"frameworks"' not in text
        assert "“The seeds” are" in text


async def test_after_a_cancel_every_message_is_true(tmp_path: Path) -> None:
    env = tmp_path / "llm"
    gates = Gates()
    app = make_app(write_answers(tmp_path / "a.json", str(env)), execution_factory=gates.factory)
    async with app.run_test(size=SIZE) as pilot:
        await start_at(pilot, app, "ReviewScreen")
        await wait_for(pilot, lambda: app.session.prepared is not None)
        await pilot.press("enter")
        gates.release("create-venv")
        await wait_for(pilot, lambda: len(app.session.run.finished) == 1)
        await pilot.press("ctrl+c", "y")
        await wait_for(pilot, lambda: app.session.run.done is not None)
        assert "1 of 7 done" in screen_text(app)  # the cancelled step is not counted as done
        outcome = str(app.screen.query_one("#outcome", Static).content)
        assert outcome.endswith("finished steps are skipped.")  # the whole advice is there
        assert "finished steps are skipped." in flat_text(app)
        await pilot.press("enter", "enter")
        assert on_screen(app, "DoneScreen")()
        text = flat_text(app)
        assert "Activate it" not in text and "Not ready to use" in text
