"""`options.vscode_folder`: point VS Code at the environment through `.vscode/settings.json`.

settings.json is JSON with comments. The wizard edits it only when it is plain JSON (an object),
which it can read and write back without losing anything; otherwise it leaves the file as it is
and says which line to add. Where to pick the interpreter by hand, in VS Code and PyCharm, is
`how_to_pick`.
"""

from __future__ import annotations

import json
from pathlib import Path

from wizard.atomic import write_text

KEY = "python.defaultInterpreterPath"


def settings_file(folder: Path) -> Path:
    return Path(folder).expanduser().absolute() / ".vscode" / "settings.json"


def setting_line(python: str) -> str:
    return f"{json.dumps(KEY)}: {json.dumps(python)}"


def _read(path: Path) -> dict | None:
    """The settings as a dict, or None when the file is not plain JSON (comments, trailing commas)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def set_interpreter(folder: Path, python: str) -> tuple[Path, bool]:
    """(settings.json, True) when the setting is there; False: left untouched (comments, not an object, not
    writable), and the caller shows `setting_line`."""
    path = settings_file(folder)
    if not path.exists():
        data: dict | None = {}
    else:
        data = _read(path)
    if data is None:
        return path, False
    if data.get(KEY) != python:
        try:
            write_text(path, json.dumps({**data, KEY: python}, indent=4) + "\n")
        except OSError:
            return path, False
    return path, True


def unset_interpreter(path: Path, python: str) -> str:
    """Remove the setting the wizard wrote (only while it still names this environment's Python)."""
    data = _read(path)
    if data is None or data.get(KEY) != python:
        return f"left {path} as it is (it no longer holds the wizard's setting, or has comments)"
    write_text(path, json.dumps({k: v for k, v in data.items() if k != KEY}, indent=4) + "\n")
    return f"removed {KEY} from {path}"


def how_to_pick(env: str) -> list[str]:
    """The Done screen's and the headless summary's lines on choosing this environment's interpreter in an editor."""
    from wizard.envs import env_python

    python = env_python(Path(env))
    return [
        f'VS Code: Command Palette → "Python: Select Interpreter" → Enter interpreter path → {python}',
        f"PyCharm: Settings → Project → Python Interpreter → Add Interpreter → Add Local Interpreter → "
        f"Virtualenv Environment → Existing → {python}",
    ]
