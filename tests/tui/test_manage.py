"""Manage environments from the Welcome screen: list, check with doctor, export, remove with a
confirmation, over the registry and a real venv; and one snapshot per new screen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from screens.dialogs import ConfirmScreen
from screens.manage import ExportScreen, ManageScreen
from wizard import envs, registry
from wizard.pylock import Lock, LockedPackage, to_toml

from .harness import REPO, flat_text, make_app, on_screen, wait_for

SNAP = Path("/tmp/llm-wizard-snapshots/manage")
FIXED = {
    "kind": "venv",
    "python": "3.13.0",
    "builds": {"pytorch": "cu128"},
    "last_outcome": "ok",
    "last_run": "2026-11-30T07:00:00+00:00",
    "last_verified": "2026-11-30T07:00:00+00:00",
}


def _wizard_env(path: Path, real: bool) -> Path:
    """A folder the wizard's state file calls its own: a real venv (doctor runs in it) or just its marks."""
    if real:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    else:
        path.mkdir(parents=True)
        (path / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.13.0\n")
    envs.write_state(path, {"created": True, "python_version": "3.13.0", "steps": {}})
    meta = path / ".wizard"
    (meta / "answers.json").write_text(json.dumps({"version": 1, "environment": {"kind": "venv", "path": str(path)}}))
    lock = Lock(
        "3.13.0",
        "linux",
        "x86_64",
        (
            LockedPackage(
                "wizlab-alpha",
                "1.1",
                "wizlab_alpha-1.1-py3-none-any.whl",
                "ab" * 32,
                url="https://example.org/files/wizlab_alpha-1.1-py3-none-any.whl",
                index="https://example.org/simple/",
            ),
        ),
        ("https://example.org/simple/",),
    )
    (meta / "pylock.toml").write_text(to_toml(lock))
    registry.update(str(path), FIXED)
    return path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.integration  # a real venv, and doctor's probe in it
@pytest.mark.asyncio
async def test_manage_lists_checks_exports_and_removes_with_confirmation(places: Path) -> None:
    env = _wizard_env(places / "envs" / "llm", real=True)
    registry.update(str(places / "envs" / "old"), FIXED)  # deleted by hand
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("m")
        await wait_for(pilot, on_screen(app, "ManageScreen"))
        table = app.screen.query_one("#environments", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert len(rows) == 2 and [r[3] for r in rows if r[0].endswith("old")] == ["gone"]  # the column may be off-screen

        await pilot.press("e")
        await wait_for(pilot, on_screen(app, "ExportScreen"))
        await pilot.press("down")  # requirements
        assert app.screen.query_one("#output", Input).value == "llm-requirements.txt"
        await pilot.press("enter")
        await wait_for(pilot, on_screen(app, "ManageScreen"))
        written = places / "llm-requirements.txt"
        assert "wizlab-alpha==1.1" in written.read_text() and "wrote llm-requirements.txt" in flat_text(app)

        await pilot.press("c")
        await wait_for(pilot, lambda: "doctor:" in flat_text(app), timeout=120)

        await pilot.press("r")
        await wait_for(pilot, on_screen(app, "ConfirmScreen"))
        assert isinstance(app.screen, ConfirmScreen) and str(env) in app.screen.question
        await pilot.press("enter")  # Enter keeps: the safe answer has focus
        await wait_for(pilot, on_screen(app, "ManageScreen"))
        assert env.is_dir()
        await pilot.press("r")
        await wait_for(pilot, on_screen(app, "ConfirmScreen"))
        await pilot.press("y")
        await wait_for(pilot, lambda: not env.exists())
        assert table.row_count == 1 and f"removed {env}" in flat_text(app)


@pytest.fixture
def snap_places(monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(SNAP, ignore_errors=True)
    monkeypatch.setenv("WIZARD_STATE_DIR", str(SNAP / "state"))
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NO_COLOR", raising=False)
    _wizard_env(SNAP / "envs" / "llm", real=False)
    registry.update(str(SNAP / "envs" / "old"), {**FIXED, "builds": {}})


def test_manage_screen(snap_places: None, snap_compare: Any) -> None:
    async def open_manage(pilot: Pilot[Any]) -> None:
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ManageScreen))

    assert snap_compare(make_app(None), run_before=open_manage, terminal_size=(80, 24))


def test_export_screen(snap_places: None, snap_compare: Any) -> None:
    async def open_export(pilot: Pilot[Any]) -> None:
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ManageScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))

    assert snap_compare(make_app(None), run_before=open_export, terminal_size=(80, 24))
