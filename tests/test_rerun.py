"""A rerun of a finished setup whose environment has not changed since verification passed skips
verification and says when it passed; a package removed or added by hand makes it verify again;
--verify always verifies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import msgspec
import pytest

from support.index_server import IndexServer
from support.wizard_cli import answers, pyenv_python, run_wizard, wizard_env, write_json
from wizard.machine import Machine
from wizard.pythons import probe_interpreter

PY = pyenv_python("3.12") or pyenv_python("3.13")
pytestmark = [pytest.mark.integration, pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")]


def _status(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert r.code == 0, r.stdout + r.stderr
    return {e["step"]: e["status"] for e in r.of("step_finished")}


def test_unchanged_env_skips_verification_and_a_hand_made_change_verifies_again(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    info = probe_interpreter(PY or "", "pyenv")
    assert info is not None
    machine = write_json(
        tmp_path / "m.json", msgspec.to_builtins(Machine(os="linux", arch="x86_64", disk_free_bytes=100 << 30, pythons=[info]))
    )
    target = tmp_path / "env"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-gamma"], index={"url": index_server.url}))
    env = wizard_env(pip_env, tmp_path / "state")

    def run(*extra: str):  # type: ignore[no-untyped-def]
        return run_wizard("--answers", str(a), "--machine", str(machine), "--json", *extra, env=env)

    assert _status(run())["verify"] == "ok"
    again = run()
    assert _status(again) == {"create-venv": "skipped", "install": "skipped", "verify": "skipped", "pip-check": "skipped"}
    reason = next(e["reason"] for e in again.of("step_finished") if e["step"] == "verify")
    assert "verification passed on" in reason and "UTC" in reason
    assert _status(run("--verify"))["verify"] == "ok"  # forced

    pip = [str(target / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "uninstall", "-y", "-q", "wizlab-gamma"], check=True, env=pip_env, stdin=subprocess.DEVNULL)
    removed = _status(run())
    assert removed["install"] == "ok" and removed["verify"] == "ok"  # the requirement is missing: reinstalled, verified
    assert _status(run())["verify"] == "skipped"

    subprocess.run(
        [*pip, "install", "-q", "--index-url", index_server.url, "wizlab-big"], check=True, env=pip_env, stdin=subprocess.DEVNULL
    )
    added = _status(run())
    assert added["install"] == "skipped" and added["verify"] == "ok"  # nothing to install, but something changed
