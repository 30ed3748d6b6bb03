"""report.md: how to activate, sections only for frameworks that are there, and a rerun keeps the last report."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard.machine import Cpu, Machine
from wizard.report import doctor_report, render_markdown, write_report

MACHINE = Machine(os="linux", arch="x86_64", cpu=Cpu(model="test", cores=2), memory_bytes=8 << 30)


def _report(env: Path, packages: list[dict[str, str]]) -> dict[str, Any]:
    environment = {"path": str(env), "kind": "venv", "python_version": "3.12.7", "env_python": f"{env}/bin/python"}
    report = doctor_report(MACHINE, environment, [], [], datetime.now(timezone.utc), "ok", 0, Path("/log"))
    report["packages"] = packages
    return report


def test_the_report_says_how_to_activate_and_leaves_out_frameworks_not_installed(tmp_path: Path) -> None:
    text = render_markdown(_report(tmp_path / "e", [{"name": "numpy", "version": "2.3.0"}]))
    assert f"- Activate: `source {tmp_path}/e/bin/activate`" in text
    assert "collect_env" not in text and "Transformers environment" not in text
    with_torch = render_markdown(_report(tmp_path / "e", [{"name": "torch", "version": "2.13.0"}]))
    assert "## PyTorch environment (collect_env)" in with_torch and "Transformers environment" not in with_torch


def test_a_rerun_keeps_the_previous_report(tmp_path: Path) -> None:
    first = _report(tmp_path / "e", [{"name": "numpy", "version": "1.0"}])
    write_report(tmp_path, first)
    second = _report(tmp_path / "e", [{"name": "numpy", "version": "2.0"}])
    files = write_report(tmp_path, second)
    assert "numpy 2.0" in Path(files["report_md"]).read_text()
    assert "numpy 1.0" in (tmp_path / "report.prev.md").read_text()
    assert '"1.0"' in (tmp_path / "report.prev.json").read_text()
