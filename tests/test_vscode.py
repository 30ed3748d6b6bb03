"""options.vscode_folder: the interpreter setting merged into .vscode/settings.json, never a file with comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.lifecycle import PYTHON, make_env
from support.wizard_cli import run_wizard, write_json
from wizard.vscode import KEY, set_interpreter, setting_line, unset_interpreter

JSONC = '{\n    // my font\n    "editor.fontSize": 14,\n}\n'


def test_a_new_settings_file_is_made_and_a_plain_one_merged(tmp_path: Path) -> None:
    path, written = set_interpreter(tmp_path, "/envs/a/bin/python")
    assert written and json.loads(path.read_text()) == {KEY: "/envs/a/bin/python"}
    path.write_text('{"editor.fontSize": 14, "python.defaultInterpreterPath": "/old"}')
    set_interpreter(tmp_path, "/envs/a/bin/python")
    assert json.loads(path.read_text()) == {"editor.fontSize": 14, KEY: "/envs/a/bin/python"}


def test_a_file_with_comments_is_left_as_it_is(tmp_path: Path) -> None:
    settings = tmp_path / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(JSONC)
    path, written = set_interpreter(tmp_path, "/envs/a/bin/python")
    assert not written and path == settings and settings.read_text() == JSONC
    assert setting_line("/envs/a/bin/python") == '"python.defaultInterpreterPath": "/envs/a/bin/python"'


def test_unset_removes_only_the_wizards_own_value(tmp_path: Path) -> None:
    path, _ = set_interpreter(tmp_path, "/envs/a/bin/python")
    path.write_text(json.dumps({"x": 1, KEY: "/someone/else"}))
    assert "left" in unset_interpreter(path, "/envs/a/bin/python") and json.loads(path.read_text())[KEY] == "/someone/else"
    path.write_text(json.dumps({"x": 1, KEY: "/envs/a/bin/python"}))
    unset_interpreter(path, "/envs/a/bin/python")
    assert json.loads(path.read_text()) == {"x": 1}


@pytest.mark.integration
@pytest.mark.skipif(PYTHON is None, reason="needs pyenv's Python 3.13")
def test_a_run_points_vscode_at_the_env_and_remove_takes_it_back(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / ".vscode").mkdir(parents=True)
    (project / ".vscode" / "settings.json").write_text('{"editor.fontSize": 14}')
    made = make_env(
        tmp_path, index_server.url, pip_env, options={"upgrade_pip": False, "verify": False, "vscode_folder": str(project)}
    )
    python = str(made.path / "bin" / "python")
    assert json.loads((project / ".vscode" / "settings.json").read_text()) == {"editor.fontSize": 14, KEY: python}

    commented = tmp_path / "commented"
    (commented / ".vscode").mkdir(parents=True)
    (commented / ".vscode" / "settings.json").write_text(JSONC)
    a = write_json(
        tmp_path / "again.json",
        {
            **json.loads(made.answers.read_text()),
            "options": {"upgrade_pip": False, "verify": False, "vscode_folder": str(commented)},
        },
    )
    r = run_wizard("--answers", str(a), "--machine", str(made.machine), "--json", env=made.env)
    assert r.code == 0, r.stderr
    [d] = r.of("diagnosis")
    assert d["rule"] == "vscode-settings-kept" and d["command"] == setting_line(python)
    assert (commented / ".vscode" / "settings.json").read_text() == JSONC
    assert (
        "VS Code: Command Palette"
        in run_wizard("--answers", str(made.answers), "--machine", str(made.machine), env=made.env).stdout
    )

    r = run_wizard("remove", "--env", str(made.path), "--yes", env=made.env)
    assert r.code == 0, r.stderr
    assert json.loads((project / ".vscode" / "settings.json").read_text()) == {"editor.fontSize": 14}
