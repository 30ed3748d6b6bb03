"""Where the wizard's data lives: shipped assets, the user's state directory, an env's .wizard folder."""

from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def assets_dir() -> Path:
    """The assets folder: `wizard/assets` in an installed wheel, `assets/` beside the package in a checkout."""
    installed = _HERE / "assets"
    return installed if installed.is_dir() else _HERE.parent / "assets"


def asset(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)


def state_dir() -> Path:
    """The user's state directory, for logs of runs that created no environment."""
    override = os.environ.get("WIZARD_STATE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("llm-setup-wizard", appauthor=False))


def env_meta_dir(env: Path) -> Path:
    """`<env>/.wizard`: answers, report and logs of the runs on that environment."""
    return env / ".wizard"


def nearest_existing(path: Path) -> Path:
    """The path itself or its nearest existing parent (disk usage needs an existing path)."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p
