"""CPU torch behind a mirror: index.torch_mirror replaces PyTorch's per-variant indexes, wheels in
find_links count when the index is unreachable, and a CPU request never resolves to a GPU build."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.pipenv import clean_pip_env
from support.wheels import build_wheel
from support.wizard_cli import pyenv_python
from wizard.answers import Answers, Environment, Index
from wizard.catalog import load_catalog
from wizard.engine import preflight, prepare
from wizard.machine import Machine, PythonInfo
from wizard.problems import RequestError
from wizard.pythons import probe_interpreter

CATALOG = load_catalog()
PY = pyenv_python("3.12") or pyenv_python("3.13")


def _machine(real: bool = False) -> Machine:
    info = probe_interpreter(PY, "pyenv") if real and PY else PythonInfo(path="/opt/py/bin/python3", version="3.12.3")
    assert info is not None
    return Machine(os="linux", arch="x86_64", disk_free_bytes=10**12, pythons=[info])


def _answers(tmp_path: Path, **index: object) -> Answers:
    return Answers(
        version=1,
        environment=Environment(kind="venv", path=str(tmp_path / "env")),
        frameworks=["pytorch"],
        accelerator="cpu",
        index=Index(**index),
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("own_index", [None, "https://pypi.example/simple"])
def test_the_mirror_serves_the_variant_the_plan_chose(tmp_path: Path, own_index: str | None) -> None:
    plan = prepare(_answers(tmp_path, url=own_index, torch_mirror="https://mirror.example/pytorch/whl/"), _machine()).plan
    (torch,) = plan.decisions
    assert torch.variant == "cpu" and torch.index_url == "https://mirror.example/pytorch/whl/cpu"
    step = next(s for s in plan.steps if s.id == "install-pytorch")
    assert step.argv[step.argv.index("--index-url") + 1] == "https://mirror.example/pytorch/whl/cpu"


@pytest.fixture
def isolated_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.upper().startswith("PIP_")]:
        monkeypatch.delenv(key)
    for key, value in clean_pip_env().items():
        monkeypatch.setenv(key, value)


@pytest.mark.integration
@pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")
def test_a_local_cpu_wheel_counts_when_the_mirror_is_unreachable(isolated_pip: None, tmp_path: Path) -> None:
    house = tmp_path / "house"
    build_wheel(house, "torch", "2.13.0+cpu")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    a = _answers(tmp_path, torch_mirror=f"http://127.0.0.1:{port}/whl/", find_links=[str(house)])
    got = {p.name: p for p in preflight(prepare(a, _machine(real=True))).resolution or ()}
    assert got["torch"].version == "2.13.0+cpu" and got["torch"].url.startswith("file://")


@pytest.mark.integration
@pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")
def test_a_cpu_request_that_an_index_answers_with_the_cuda_build_is_refused(isolated_pip: None, tmp_path: Path) -> None:
    house = tmp_path / "house"
    build_wheel(house, "torch", "2.13.0", requires=["nvidia-cublas-cu12"])
    build_wheel(house, "nvidia-cublas-cu12", "12.9.1")
    with IndexServer(house) as server:
        a = _answers(tmp_path, url=server.url)  # the user's own index, mirroring PyPI: Linux torch is the CUDA build
        with pytest.raises(RequestError) as err:
            preflight(prepare(a, _machine(real=True)))
    assert "GPU build" in err.value.message and "nvidia-cublas-cu12" in err.value.message
    assert err.value.hint and "torch_mirror" in err.value.hint
    assert not (tmp_path / "env").exists()
