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


MAX_NAME_BYTES = 255  # a path component's limit on every common filesystem


def path_problem(text: str) -> str | None:
    """Why `text` cannot name a folder on this machine, or None. A path is taken literally: `${VAR}`
    and `$VAR` are not expanded (so the check and the use see the same string); only ~ is."""
    if "\x00" in text:
        return "contains a NUL byte"
    if "$" in text:
        return "contains '$': environment variables are not expanded in paths; give the folder itself"
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "contains a lone surrogate character, which no file name can hold"
    if text.startswith("~") and os.path.expanduser(text) == text:
        user = text[1:].split("/", 1)[0]
        return f"~{user}: there is no user {user!r} on this machine" if user else "~: the home folder is unknown"
    long = next(
        (part for part in text.replace("\\", "/").split("/") if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES),
        None,
    )
    if long is not None:
        return f"the name {long[:20]}… is {len(long.encode('utf-8', 'surrogateescape'))} bytes; the limit is {MAX_NAME_BYTES}"
    return None


def user_path(text: str) -> Path:
    """A path a person gave (checked with path_problem first): ~ expanded, made absolute."""
    return Path(os.path.abspath(os.path.expanduser(text)))


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


def site_packages(env: Path) -> list[Path]:
    """An environment's site-packages folders (POSIX lib/pythonX.Y/, Windows Lib/)."""
    return sorted([*env.glob("lib/python*/site-packages"), *env.glob("Lib/site-packages")])
