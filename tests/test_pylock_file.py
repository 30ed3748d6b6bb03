"""The lock file itself, without pip: written, read back, turned into requirements, checked against a machine."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import msgspec
import pytest

from wizard.answers import Answers, Environment
from wizard.catalog import load_catalog
from wizard.machine import Machine, Nvidia, NvidiaGpu, PythonInfo
from wizard.plan import Plan
from wizard.planner import make_plan
from wizard.problems import InputError, RequestError
from wizard.pylock import Lock, LockedPackage, read_lock, requirements_text, to_toml
from wizard.reproduce import check_fits, locked_plan

TORCH = LockedPackage(
    "torch",
    "2.13.0+cu130",
    "torch-2.13.0+cu130-cp313-cp313-manylinux_2_28_x86_64.whl",
    "a" * 64,
    url="https://download.pytorch.org/whl/cu130/torch-2.13.0%2Bcu130-cp313-cp313-manylinux_2_28_x86_64.whl",
    index="https://download.pytorch.org/whl/cu130",
)
LOCAL = LockedPackage("tool", "1.0", "tool-1.0.tar.gz", "b" * 64, path='/srv/wheels "odd"/tool-1.0.tar.gz', sdist=True)
PRIVATE = LockedPackage(
    "rich",
    "14.0.0",
    "rich-14.0.0-py3-none-any.whl",
    "c" * 64,
    url="https://mirror.example/files/rich-14.0.0-py3-none-any.whl",
    index="https://${USER}:${TOKEN}@mirror.example/simple/",
)
LOCK = Lock(
    "3.13.1",
    "linux",
    "x86_64",
    (PRIVATE, LOCAL, TORCH),
    ("https://download.pytorch.org/whl/cu130", "https://${USER}:${TOKEN}@mirror.example/simple/"),
    (),
    {"pytorch": "cu130"},
)
MACHINE = Machine(
    os="linux",
    arch="x86_64",
    disk_free_bytes=10**12,
    pythons=[PythonInfo(path="/usr/bin/python3.13", version="3.13.1")],
    nvidia=Nvidia(driver="580.65.06", cuda="13.0", gpus=[NvidiaGpu(name="RTX 5090", compute_capability="12.0")]),
)


def test_written_and_read_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(to_toml(LOCK))
    assert read_lock(path) == LOCK
    assert LOCK.cuda_major() == 13 and replace(LOCK, packages=(PRIVATE,)).cuda_major() is None


def test_requirements_pin_every_file_by_hash_with_its_indexes_and_folders() -> None:
    text = requirements_text(LOCK, "header")
    lines = text.splitlines()
    assert lines[:4] == [
        "# header",
        "--index-url https://download.pytorch.org/whl/cu130",
        "--extra-index-url https://${USER}:${TOKEN}@mirror.example/simple/",
        '--find-links /srv/wheels "odd"',
    ]
    assert "torch==2.13.0+cu130 \\\n    --hash=sha256:" + "a" * 64 in text


@pytest.mark.parametrize(
    ("text", "where"),
    [("lock-version = '2.0'", "$.lock-version"), ("not toml [", "$"), ('lock-version = "1.0"', "$.tool.llm-setup-wizard")],
)
def test_a_bad_lock_is_input_error_naming_the_place(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_lock(path)
    assert err.value.problems[0].path == where


def _plan(python: str = "3.13") -> Plan:
    return make_plan(Answers(version=1, environment=Environment(path="/tmp/never/env", python=python)), MACHINE, load_catalog())


def test_fits_the_same_platform_python_and_a_driver_new_enough() -> None:
    check_fits(LOCK, _plan(), MACHINE, load_catalog(), "pylock.toml")  # no exception
    old = msgspec.structs.replace(MACHINE, nvidia=Nvidia(driver="550.54.14", cuda="12.4", gpus=MACHINE.nvidia.gpus))
    with pytest.raises(RequestError, match="needs driver ≥ 580"):
        check_fits(LOCK, _plan(), old, load_catalog(), "pylock.toml")
    with pytest.raises(RequestError, match="no NVIDIA driver"):
        check_fits(LOCK, _plan(), msgspec.structs.replace(MACHINE, nvidia=None), load_catalog(), "pylock.toml")
    with pytest.raises(RequestError, match="taken on linux arm64"):
        check_fits(replace(LOCK, platform_machine="aarch64"), _plan(), MACHINE, load_catalog(), "pylock.toml")


def test_the_locked_plan_installs_the_lock_once_between_creating_and_verifying() -> None:
    plan = locked_plan(_plan(), LOCK, Path("/state/locked/x.txt"))
    assert [s.id for s in plan.steps] == ["create-venv", "upgrade-pip", "install-locked", "verify", "pip-check"]
    install = plan.steps[2]
    assert list(install.argv[-3:]) == ["--require-hashes", "-r", "/state/locked/x.txt"]
    assert install.requirements == ("rich==14.0.0", "tool==1.0", "torch==2.13.0+cu130")


def test_the_lock_takes_what_the_resolution_says_and_asks_pip_only_for_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from wizard import pylock
    from wizard.answers import Index
    from wizard.plan import ResolvedPackage, Target

    facts = {"python": "3.13.1", "sys_platform": "linux", "platform_machine": "x86_64"}
    installed = [{"name": n, "version": v} for n, v in (("pip", "25.3"), ("numpy", "2.4.6"), ("rich", "14.0.0"), ("tool", "1.0"))]
    monkeypatch.setattr(pylock, "installed", lambda python: {**facts, "packages": installed})
    asked: list[list[str]] = []

    def pip_report(python: str, options: object, pins: list[str]) -> list[dict[str, object]]:
        asked.append(pins)
        return [
            {
                "metadata": {"name": "tool", "version": "1.0"},
                "download_info": {
                    "url": "https://idx.example/files/tool-1.0-py3-none-any.whl",
                    "archive_info": {"hashes": {"sha256": "d" * 64}},
                },
            }
        ]

    monkeypatch.setattr(pylock, "_pip_report", pip_report)
    resolution = (
        ResolvedPackage(
            "numpy", "2.4.6", "https://idx.example/files/numpy-2.4.6-cp313-cp313-linux_x86_64.whl", 1, True, "install", "a" * 64
        ),
        ResolvedPackage("rich", "14.0.0", (tmp_path / "rich-14.0.0-py3-none-any.whl").as_uri(), 1, True, "install", "c" * 64),
        ResolvedPackage("tool", "0.9", "https://idx.example/files/tool-0.9-py3-none-any.whl", 1, True, "install", "e" * 64),
    )
    target = Target("venv", str(tmp_path / "env"), "/usr/bin/python3", "3.13.1", str(tmp_path / "env" / "bin" / "python"))
    plan = Plan(target, (), (), (), 0, resolution=resolution)
    lock = pylock.take_lock(plan, Index(url="https://idx.example/simple/"))
    assert asked == [["tool==1.0"]]  # another version was resolved than installed: pip says which file it is
    got = {p.name: p for p in lock.packages}
    assert set(got) == {"numpy", "rich", "tool"}  # pip, the installer, is never locked
    assert got["numpy"].sha256 == "a" * 64 and got["numpy"].index == "https://idx.example/simple/"
    assert got["rich"].path == str(tmp_path / "rich-14.0.0-py3-none-any.whl") and got["rich"].url is None
    assert got["tool"].sha256 == "d" * 64


def test_the_wheels_ensurepip_installs_are_resolved_from_the_interpreter_itself(tmp_path: Path) -> None:
    import hashlib
    import sys

    from wizard.plan import Step, Target
    from wizard.resolve import _bundled

    bundled = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "ensurepip" / "_bundled"
    wheels = sorted(bundled.glob("*.whl"))
    if not wheels:
        pytest.skip("this Python has no bundled ensurepip wheels")
    python = str(Path(sys.base_prefix) / "bin" / "python3")
    version = ".".join(map(str, sys.version_info[:3]))
    target = Target("venv", str(tmp_path / "env"), python, version, str(tmp_path / "env" / "bin" / "python"))
    venv = Step("create-venv", "create", "t", "w", (python, "-m", "venv", target.path))
    got = _bundled(Plan(target, (), (), (venv,), 0), frozenset())
    assert [f"{p.name}-{p.version}" for p in got] == ["-".join(w.name.split("-")[:2]) for w in wheels]
    assert got[0].sha256 == hashlib.sha256(wheels[0].read_bytes()).hexdigest() and got[0].url == wheels[0].as_uri()
    bare = Step("create-venv", "create", "t", "w", (python, "-m", "venv", "--without-pip", target.path))
    assert _bundled(Plan(target, (), (), (bare,), 0), frozenset()) == []  # nothing comes with the venv
    assert _bundled(Plan(target, (), (), (venv,), 0), frozenset({"create-venv"})) == []
