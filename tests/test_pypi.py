"""From PyPI for real (network): the seeds' stack installs and the seeds' programs give their answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.wizard_cli import answers, run_wizard, wizard_env, write_json


@pytest.mark.network
def test_numpy_and_scikit_learn_from_pypi_predict_400000(pip_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "seeds"
    a = write_json(
        tmp_path / "a.json", answers(target, frameworks=["numpy", "scikit-learn"], options={"upgrade_pip": True, "verify": True})
    )
    r = run_wizard("--answers", str(a), "--json", env=wizard_env(pip_env, tmp_path / "state"), timeout=600)
    assert r.code == 0, r.stderr + r.stdout[-3000:]
    checks = {c["check"]: c for c in r.of("check")}
    assert checks["seeds: numpy array"]["ok"] and "[1 2 3 4 5]" in checks["seeds: numpy array"]["detail"]
    regression = checks["seeds: house-price regression"]
    assert regression["ok"] and abs(regression["data"]["prediction"] - 400000) < 1
    assert checks["pip check"]["ok"]
