"""Interpreter probes are remembered by (path, resolved file, size, mtime): a known interpreter costs
no process, a changed one is probed again, and one that cannot make venvs is never remembered."""

from __future__ import annotations

import os
from pathlib import Path

from wizard import probe_cache
from wizard.pythons import probe_interpreter


def _fake_python(path: Path, venv_ok: bool) -> Path:
    """A 'python' that answers the probe and counts how often it was started."""
    ok = "true" if venv_ok else "false"
    path.write_text(
        f'#!/bin/sh\necho run >> "{path}.runs"\n'
        f'echo \'{{"version": "3.12.4", "is_venv": false, "venv_ok": {ok}, "bundled_pip": "24.0"}}\'\n'
    )
    path.chmod(0o755)
    return path


def _runs(path: Path) -> int:
    runs = Path(f"{path}.runs")
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_a_known_interpreter_is_not_started_again_until_it_changes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    probe_cache.forget_loaded()
    py = _fake_python(tmp_path / "python3", venv_ok=True)
    first = probe_interpreter(str(py))
    assert first is not None and first.version == "3.12.4" and _runs(py) == 1
    probe_cache.forget_loaded()  # a new process: read from the state dir
    again = probe_interpreter(str(py), "pyenv")
    assert again is not None and (again.version, again.venv_ok, again.bundled_pip, again.source) == (
        "3.12.4",
        True,
        "24.0",
        "pyenv",
    )
    assert _runs(py) == 1 and (tmp_path / "state" / probe_cache.CACHE_FILE).is_file()
    st = py.stat()
    os.utime(py, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # rebuilt/upgraded in place
    assert probe_interpreter(str(py)) is not None and _runs(py) == 2


def test_an_interpreter_without_venv_is_probed_every_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    probe_cache.forget_loaded()
    py = _fake_python(tmp_path / "python3", venv_ok=False)
    probe_interpreter(str(py))
    probe_interpreter(str(py))
    assert _runs(py) == 2  # `apt install python3.12-venv` changes no binary
