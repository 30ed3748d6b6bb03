"""Facts read from an environment's files instead of starting its interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard import envs


def test_pip_version_is_read_from_its_dist_info_without_starting_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(envs.proc, "run", lambda argv, *a, **k: started.append(argv))
    site = tmp_path / "env" / "lib" / "python3.12" / "site-packages"
    (site / "pip-25.3.dist-info").mkdir(parents=True)
    (site / "pipx-1.0.dist-info").mkdir()  # another project whose name starts with "pip"
    assert envs.pip_version(tmp_path / "env" / "bin" / "python") == "25.3" and started == []
    (site / "pip-25.3.dist-info").rmdir()
    assert envs.pip_version(tmp_path / "env" / "bin" / "python") is None and started  # not found there: the interpreter is asked
