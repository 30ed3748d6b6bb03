"""The integration-test helpers work for real: hand-built wheels, the loopback index, real pip.

Other integration tests trust these helpers, so this file proves them with a real venv and a real
pip subprocess against the local index, with the machine's pip configuration shut out.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from support.index_server import IndexServer
from support.wheels import BIG_PADDING, Wheelhouse, build_wheel, standard_wheelhouse

PY313 = Path("/root/.pyenv/versions/3.13.0/bin/python3")
# Never go through a proxy to reach 127.0.0.1, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _run(argv: Sequence[str | Path], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _make_venv(base_python: Path | str, venv: Path, env: dict[str, str]) -> Path:
    proc = _run([base_python, "-m", "venv", venv], env)
    assert proc.returncode == 0, proc.stderr
    return _venv_python(venv)


def _pip(python: Path, *args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # --retries 0: pip retries a 500 five times with backoff (~7 s) by default.
    return _run([python, "-m", "pip", *args, "--retries", "0", "--no-color"], env)


def _fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real venv from the running interpreter, shared: tests only add distinct packages to it."""
    from support.pipenv import clean_pip_env

    return _make_venv(sys.executable, tmp_path_factory.mktemp("venv") / "v", clean_pip_env())


# -- wheels --------------------------------------------------------------------------------------


def test_wheels_have_valid_record_and_metadata(wheelhouse: Wheelhouse) -> None:
    assert sorted(wheelhouse.wheels) == [
        "wizlab-alpha",
        "wizlab-beta",
        "wizlab-big",
        "wizlab-broken",
        "wizlab-conflict",
        "wizlab-future",
        "wizlab-gamma",
    ]
    assert [p.name for p in wheelhouse.wheels["wizlab-alpha"]] == [
        "wizlab_alpha-1.0-py3-none-any.whl",
        "wizlab_alpha-1.1-py3-none-any.whl",
    ]
    for paths in wheelhouse.wheels.values():
        for path in paths:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
                rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
                assert sorted(r[0] for r in rows) == sorted(names)
                for arcname, digest, size in rows:
                    if arcname == record_name:
                        assert (digest, size) == ("", "")
                        continue
                    data = zf.read(arcname)
                    expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    assert (digest, int(size)) == (f"sha256={expected}", len(data))
    with zipfile.ZipFile(wheelhouse.wheel("wizlab-beta")) as zf:
        meta = zf.read("wizlab_beta-1.0.dist-info/METADATA").decode()
        assert "Name: wizlab-beta\nVersion: 1.0\n" in meta and "Requires-Dist: wizlab-alpha>=1.0\n" in meta
        assert "Root-Is-Purelib: true" in zf.read("wizlab_beta-1.0.dist-info/WHEEL").decode()
        assert zf.read("wizlab_beta/__init__.py").decode() == '__version__ = "1.0"\n'
    with zipfile.ZipFile(wheelhouse.wheel("wizlab-future")) as zf:
        assert "Requires-Python: >=4\n" in zf.read("wizlab_future-1.0.dist-info/METADATA").decode()
    assert wheelhouse.wheel("wizlab-big").stat().st_size > BIG_PADDING  # random padding does not compress


def test_wheels_are_deterministic(wheelhouse: Wheelhouse, tmp_path: Path) -> None:
    again = standard_wheelhouse(tmp_path)
    for name, paths in wheelhouse.wheels.items():
        assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again[name]]


def test_build_wheel_normalizes_names_and_takes_overrides(tmp_path: Path) -> None:
    path = build_wheel(tmp_path, "Odd.Name_pkg", "0.1", modules={"odd_mod.py": "X = 1\n"}, extra_files={"odd_mod.dat": b"\x00"})
    assert path.name == "odd_name_pkg-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path) as zf:
        assert zf.read("odd_name_pkg-0.1.dist-info/top_level.txt") == b"odd_mod\n"
        assert "odd_mod.dat" in zf.namelist()


# -- the index server over HTTP ------------------------------------------------------------------


def test_index_pages_and_files(index_server: IndexServer, wheelhouse: Wheelhouse) -> None:
    status, _, body = _fetch(index_server.url)
    assert status == 200 and b'<a href="wizlab-gamma/">' in body

    status, _, body = _fetch(index_server.url + "wizlab-alpha/")
    page = body.decode()
    for wheel in wheelhouse.wheels["wizlab-alpha"]:
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert f'href="../../files/{wheel.name}#sha256={sha}"' in page
    _, _, body = _fetch(index_server.url + "wizlab-future/")
    assert b'data-requires-python="&gt;=4"' in body

    status, _, _ = _fetch(index_server.url + "Wizlab_Alpha/")  # urllib follows the redirect
    assert status == 200 and "/simple/wizlab-alpha/" in index_server.requests
    assert _fetch(index_server.url + "nope/")[0] == 404

    big = wheelhouse.wheel("wizlab-big")
    status, headers, body = _fetch(f"{index_server.base}/files/{big.name}")
    assert status == 200 and int(headers["Content-Length"]) == len(body) == big.stat().st_size


def test_fault_switches(index_server: IndexServer, wheelhouse: Wheelhouse) -> None:
    alpha = wheelhouse.wheel("wizlab-alpha")
    index_server.missing = {alpha.name}
    assert _fetch(f"{index_server.base}/files/{alpha.name}")[0] == 404
    index_server.fail_500 = {"/simple/wizlab-beta/"}
    assert _fetch(index_server.url + "wizlab-beta/")[0] == 500
    assert _fetch(index_server.url + "wizlab-alpha/")[0] == 200
    index_server.fail_500 = True
    assert _fetch(index_server.url)[0] == 500
    index_server.fail_500 = False
    index_server.require_auth = ("wiz", "s3cret")
    status, headers, _ = _fetch(index_server.url)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    token = base64.b64encode(b"wiz:s3cret").decode()
    assert _fetch(index_server.url, {"Authorization": f"Basic {token}"})[0] == 200
    index_server.reset_faults()
    assert _fetch(f"{index_server.base}/files/{alpha.name}")[0] == 200


def test_slow_download_stops_promptly(wheelhouse: Wheelhouse) -> None:
    server = IndexServer(wheelhouse.dir)
    server.slow_seconds = 5.0
    big = wheelhouse.wheel("wizlab-big")
    received: list[int] = []

    def download() -> None:
        try:
            with _OPENER.open(f"{server.base}/files/{big.name}", timeout=20) as resp:
                received.append(len(resp.read()))
        except Exception:
            received.append(-1)

    reader = threading.Thread(target=download, daemon=True)
    reader.start()
    assert server.wait_for_request("/files/")
    time.sleep(0.1)
    started = time.monotonic()
    server.stop()
    reader.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not reader.is_alive() and received and received[0] < big.stat().st_size
    server.stop()  # idempotent


# -- real pip in a real venv ---------------------------------------------------------------------


def test_pip_installs_a_dependency_chain(venv_python: Path, index_server: IndexServer, pip_env: dict[str, str]) -> None:
    proc = _pip(venv_python, "install", "--no-compile", "--index-url", index_server.url, "wizlab-gamma", env=pip_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Looking in links" not in proc.stdout and "/opt/" not in proc.stdout  # machine config stayed out
    code = "import wizlab_alpha as a, wizlab_beta as b, wizlab_gamma as g; print(a.__version__, b.__version__, g.__version__)"
    versions = _run([venv_python, "-c", code], pip_env)
    assert versions.stdout.split() == ["1.1", "1.0", "2.0"]
    requests = index_server.requests
    for path in (
        "/simple/wizlab-gamma/",
        "/simple/wizlab-beta/",
        "/simple/wizlab-alpha/",
        "/files/wizlab_gamma-2.0-py3-none-any.whl",
        "/files/wizlab_alpha-1.1-py3-none-any.whl",
    ):
        assert path in requests


def test_broken_and_conflicting_wheels(venv_python: Path, index_server: IndexServer, pip_env: dict[str, str]) -> None:
    proc = _pip(
        venv_python,
        "install",
        "--no-compile",
        "--no-deps",
        "--index-url",
        index_server.url,
        "wizlab-broken",
        "wizlab-conflict",
        env=pip_env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = _run([venv_python, "-c", "import wizlab_broken"], pip_env)
    assert imported.returncode != 0 and "ImportError: wizlab-broken is broken on purpose" in imported.stderr
    check = _run([venv_python, "-m", "pip", "check"], pip_env)
    # "has requirement wizlab-alpha>=9" or "requires wizlab-alpha, which is not installed": either way, a conflict.
    assert check.returncode != 0 and re.search(r"^wizlab-conflict 1\.0 .*wizlab-alpha", check.stdout, re.MULTILINE)


def test_server_error_fails_pip(venv_python: Path, index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path) -> None:
    index_server.fail_500 = {"/files/"}
    proc = _pip(
        venv_python,
        "download",
        "--no-deps",
        "-d",
        tmp_path,
        "--index-url",
        index_server.url,
        "wizlab-alpha",
        env=pip_env,
    )
    assert proc.returncode != 0
    assert "/files/wizlab_alpha-1.1-py3-none-any.whl" in index_server.requests
    assert not list(tmp_path.iterdir())


def test_basic_auth(venv_python: Path, index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path) -> None:
    index_server.require_auth = ("wiz", "s3cret")
    args = ("download", "--no-deps", "-d", tmp_path, "wizlab-alpha==1.0", "--index-url")
    denied = _pip(venv_python, *args, index_server.url, env=pip_env)
    assert denied.returncode != 0 and not list(tmp_path.iterdir())
    allowed = _pip(venv_python, *args, index_server.url_with_auth("wiz", "s3cret"), env=pip_env)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["wizlab_alpha-1.0-py3-none-any.whl"]


def test_raw_progress_reports_content_length(
    index_server: IndexServer, wheelhouse: Wheelhouse, pip_env: dict[str, str], tmp_path: Path
) -> None:
    if not PY313.exists():
        pytest.skip(f"{PY313} missing: no interpreter here bundles pip >= 24.1 for --progress-bar raw")
    python = _make_venv(PY313, tmp_path / "v", pip_env)
    version = _run([python, "-m", "pip", "--version"], pip_env).stdout.split()[1]
    if tuple(int(x) for x in re.findall(r"\d+", version)[:2]) < (24, 1):
        pytest.skip(f"venv pip {version} < 24.1 has no --progress-bar raw (upgrading from PyPI is off limits)")
    proc = _pip(
        python,
        "download",
        "--no-deps",
        "-d",
        tmp_path / "dl",
        "--progress-bar",
        "raw",
        "--index-url",
        index_server.url,
        "wizlab-big",
        env=pip_env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    progress = [tuple(map(int, m)) for m in re.findall(r"^Progress (\d+) of (\d+)$", proc.stdout, re.MULTILINE)]
    size = wheelhouse.wheel("wizlab-big").stat().st_size
    assert progress and {total for _, total in progress} == {size}
    assert progress[-1][0] == size
