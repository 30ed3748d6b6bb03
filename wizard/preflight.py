"""Preflight: what pip cannot tell, refused before anything changes (exit 2, nothing created).

`check_disk` is pure and runs inside the planner, so `--dry-run` refuses too little disk as well.
`check_find_links` refuses find_links folders that do not exist (pip would only warn and ignore
them). Whether every requirement resolves, and to what, is pip's answer: wizard.resolve.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from wizard.answers import Answers
from wizard.plan import Decision
from wizard.problems import RequestError

ENV_OVERHEAD_MB = {"venv": 30, "conda": 200, "existing": 0}  # a fresh venv; conda's own Python and pip


def disk_needed(decisions: tuple[Decision, ...] | list[Decision], env_kind: str) -> int:
    """Bytes the setup needs: each chosen build's estimate plus the environment itself."""
    return (sum(d.size_mb for d in decisions) + ENV_OVERHEAD_MB.get(env_kind, 0)) * 1_000_000


def check_disk(needed: int, free: int | None, where: str) -> None:
    """Refuse with both numbers when the free space is known and too small."""
    if free is not None and needed > free:
        raise RequestError(
            f"not enough disk space at {where}: this setup needs about {needed / 1e9:.1f} GB, {free / 1e9:.1f} GB is free",
            "free some space or choose a path on another disk",
        )


def local_folder(link: str) -> Path | None:
    """The folder a find_links entry names (a path or a file:// URL), or None for a web page."""
    if link.startswith("file://"):
        return Path(unquote(urlsplit(link).path))
    return None if "://" in link else Path(link).expanduser()


def check_find_links(answers: Answers) -> None:
    missing = [str(f) for link in answers.index.find_links if (f := local_folder(link)) is not None and not f.is_dir()]
    if missing:
        raise RequestError(f"find_links folder not found: {', '.join(missing)}", "give folders that exist")
