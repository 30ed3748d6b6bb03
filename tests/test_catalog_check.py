"""`catalog check` against the loopback index: PyPI's PEP 691 page for torch and PyTorch-style
per-variant indexes, serving what the catalog knows, then a newer torch, a new variant, a new Python."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.wheels import build_wheel
from wizard.catalog import load_catalog
from wizard.catalog_check import newer_torch_note
from wizard.cli import main
from wizard.index_pages import IndexFile, parse_listing

LINUX = "manylinux_2_28_x86_64"


def torch_wheels(folder: Path, version: str, pythons: list[str]) -> None:
    """torch-<version>-cp3XY-cp3XY-<platform>.whl for each Python ('3.14t' for free-threaded)."""
    folder.mkdir(parents=True, exist_ok=True)
    plain = build_wheel(folder / ".build", "torch", version)
    for py in pythons:
        tag = "cp" + py.rstrip("t").replace(".", "")
        shutil.copy(plain, folder / f"torch-{version}-{tag}-{tag}{'t' if py.endswith('t') else ''}-{LINUX}.whl")


def current_index(root: Path) -> None:
    """What the catalog already knows: torch 2.15 on PyPI (3.11-3.15, 3.14t, 3.15t), cu130 and cu132."""
    torch_wheels(root, "2.15.0", ["3.11", "3.12", "3.13", "3.14", "3.15", "3.14t", "3.15t"])
    for variant in ("cu130", "cu132"):
        torch_wheels(root / variant, "2.15.0", ["3.12", "3.14"])
    torch_wheels(root / "rocm7.2", "2.14.0", ["3.12"])


def run_check(server: IndexServer, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:
    code = main(["catalog", "check", "--json", "--pypi", server.url, "--index", f"{server.base}/whl/", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_current_catalog_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current_index(tmp_path)
    with IndexServer(tmp_path) as server:
        code, out = run_check(server, capsys)
        assert (code, out) == (0, {"current": True, "findings": []})
        assert "/simple/torch/" in server.requests and "/whl/cu130/torch/" in server.requests


def test_a_newer_torch_a_new_variant_and_a_new_python_are_each_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current_index(tmp_path)
    torch_wheels(tmp_path, "2.16.0", ["3.12", "3.16"])  # newer torch, with a Python the catalog lacks
    torch_wheels(tmp_path / "cu130", "2.16.0", ["3.12"])
    torch_wheels(tmp_path / "cu134", "2.15.0", ["3.12"])  # a variant the catalog does not list
    torch_wheels(tmp_path / "rocm7.2", "2.15.0", ["3.12"])  # torch 2.15 on ROCm 7.2: not in the catalog
    with IndexServer(tmp_path) as server:
        code, out = run_check(server, capsys)
    assert code == 1 and out["current"] is False
    found = {(f["kind"], f["what"]): f["detail"] for f in out["findings"]}
    assert "variants on PyTorch's index: cu130" in found[("release", "torch 2.16")]
    assert "torch 2.16 has wheels for it" in found[("python", "Python 3.16")]
    assert "holds torch 2.15" in found[("variant", "cu134")]
    assert ("variant", "torch 2.15 rocm7.2") in found
    assert len(found) == 4, found


def test_the_text_report_and_an_unreachable_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current_index(tmp_path)
    torch_wheels(tmp_path, "2.16.0", ["3.12"])
    with IndexServer(tmp_path) as server:
        assert main(["catalog", "check", "--pypi", server.url, "--index", f"{server.base}/whl/"]) == 1
        assert "release  torch 2.16: on PyPI for Python 3.12" in capsys.readouterr().out
        server.fail_500 = True
        assert main(["catalog", "check", "--pypi", server.url, "--index", f"{server.base}/whl/"]) == 2
        assert "answered HTTP 500" in capsys.readouterr().err


def test_a_users_catalog_file_is_validated_and_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"frameworks": {}, "profiles": {}, "builds": {"pythons": {"versions": []}}}))
    assert main(["--catalog", str(bad), "frameworks"]) == 2
    assert "$.builds.pythons.source: required key is missing" in capsys.readouterr().err
    mine = json.loads((Path(__file__).parents[1] / "assets" / "catalog.json").read_text())
    mine["frameworks"]["numpy"]["summary"] = "Arrays, from my own catalog"
    (tmp_path / "mine.json").write_text(json.dumps(mine))
    try:
        assert main(["--catalog", str(tmp_path / "mine.json"), "frameworks"]) == 0
        assert "Arrays, from my own catalog" in capsys.readouterr().out
    finally:
        import wizard.catalog

        wizard.catalog._user_catalog.clear()


def test_a_newer_torch_on_the_index_becomes_a_plan_note() -> None:
    files = [
        IndexFile("torch-2.15.0-cp312-cp312-manylinux_2_28_x86_64.whl"),
        IndexFile("torch-2.16.1-cp312-cp312-manylinux_2_28_x86_64.whl"),
    ]
    note = newer_torch_note(load_catalog(), files)
    assert note is not None and "torch 2.16, newer than the catalog's 2.15" in note
    assert newer_torch_note(load_catalog(), files[:1]) is None


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"files": {}}',
        '{"files": [{"size": 1}]}',
        '{"files": [{"filename": 3}]}',
        '{"files": [{"filename": "a.whl", "requires-python": 3}]}',
    ],
)
def test_a_json_page_that_is_not_pep_691_is_a_reason_not_a_traceback(body: str) -> None:
    with pytest.raises(ValueError, match=r"JSON|files"):
        parse_listing("application/vnd.pypi.simple.v1+json", body)


def test_pep_691_and_pep_503_pages_give_the_same_files() -> None:
    json_page = '{"files": [{"filename": "torch-2.16.0-cp314-cp314-manylinux_2_28_x86_64.whl", "requires-python": ">=3.11"}]}'
    html_page = (
        '<a href="../f/torch-2.16.0-cp314-cp314-manylinux_2_28_x86_64.whl#sha256=00" data-requires-python="&gt;=3.11">t</a>'
    )
    assert parse_listing("application/vnd.pypi.simple.v1+json", json_page) == parse_listing("text/html", html_page)


def test_a_real_runs_preflight_notes_a_torch_newer_than_the_catalog_on_its_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.wizard_cli import answers, write_json
    from wizard import engine

    monkeypatch.setattr("wizard.resolve.resolve_plan", lambda plan, skip: ())  # the resolution itself is tested in test_preflight
    current_index(tmp_path / "idx")
    a = write_json(tmp_path / "a.json", answers(tmp_path / "env", frameworks=["pytorch"], accelerator="cpu"))
    with IndexServer(tmp_path / "idx") as server:
        a.write_text(a.read_text().replace('"accelerator"', f'"index": {{"url": "{server.url}"}}, "accelerator"'))
        prepared = engine.prepare_files(a, Path("assets/machines/cpu-only-linux.json"))
        assert not [n for n in engine.preflight(prepared).notes if "newer than the catalog" in n]
        torch_wheels(tmp_path / "idx", "2.16.0", ["3.12"])
        notes = engine.preflight(prepared).notes
        assert [n for n in notes if "torch 2.16, newer than the catalog's 2.15" in n], notes
        assert "/simple/torch/" in server.requests


def test_the_torch_listing_is_advice_that_holds_nothing_up(tmp_path: Path) -> None:
    import socket
    import time

    from wizard.catalog_check import newer_torch_soon

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    assert newer_torch_soon(load_catalog(), f"http://127.0.0.1:{port}/simple/", wait_s=1.0)() is None
    assert time.monotonic() - start < 1.5
    current_index(tmp_path)
    torch_wheels(tmp_path, "2.16.0", ["3.12"])
    with IndexServer(tmp_path) as server:
        private = server.url.replace("http://", "http://user:secret@")
        assert newer_torch_soon(load_catalog(), private)() is None and not server.requests  # credentials: never fetched
        assert newer_torch_soon(load_catalog(), "file:///srv/simple/")() is None
        assert "torch 2.16" in (newer_torch_soon(load_catalog(), server.url)() or "")
