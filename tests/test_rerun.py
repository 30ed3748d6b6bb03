"""A rerun of a finished setup whose environment has not changed since verification passed skips
verification and says when it passed; a package removed or added by hand makes it verify again;
--verify always verifies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.wizard_cli import answers, host_machine_file, pyenv_python, run_wizard, wizard_env, write_json
from wizard.pythons import probe_interpreter

PY = pyenv_python("3.12") or pyenv_python("3.13")
pytestmark = [pytest.mark.integration, pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")]


def _status(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert r.code == 0, r.stdout + r.stderr
    return {e["step"]: e["status"] for e in r.of("step_finished")}


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A machine file naming pyenv's interpreter, so runs skip detection."""
    info = probe_interpreter(PY or "", "pyenv")
    assert info is not None
    return host_machine_file(tmp_path / "m.json", [info])


def test_unchanged_env_skips_verification_and_a_hand_made_change_verifies_again(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path, machine: Path
) -> None:
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


def test_without_verification_an_unchanged_rerun_probes_nothing_and_a_change_is_probed(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path, machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard import engine
    from wizard.events import StepFinished

    target = tmp_path / "env"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target, packages=["wizlab-gamma"], index={"url": index_server.url}, options={"upgrade_pip": False, "verify": False}
        ),
    )
    env = wizard_env(pip_env, tmp_path / "state")
    assert run_wizard("--answers", str(a), "--machine", str(machine), "--json", env=env).code == 0
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    probed: list[tuple[str, ...]] = []
    real = engine._satisfied
    monkeypatch.setattr(engine, "_satisfied", lambda py, reqs: probed.append(reqs) or real(py, reqs))

    def rerun() -> dict[str, str]:
        events: list[object] = []
        assert engine.Execution(engine.prepare_files(a, machine), events.append).run() == 0
        return {e.step: e.status for e in events if isinstance(e, StepFinished)}

    assert rerun()["install"] == "skipped" and probed == []  # as the last successful run left it: nothing to ask
    pip = [str(target / "bin" / "python"), "-m", "pip"]
    subprocess.run([*pip, "uninstall", "-y", "-q", "wizlab-gamma"], check=True, env=pip_env, stdin=subprocess.DEVNULL)
    assert rerun()["install"] == "ok" and probed  # changed by hand: the requirements are checked, and it reinstalls
    probed.clear()
    assert rerun()["install"] == "skipped" and probed == []
