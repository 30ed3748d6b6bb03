"""Shared fixtures. Helpers live in tests/support/; fixtures here stay thin wrappers around them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.index_server import IndexServer
from support.pipenv import clean_pip_env
from support.wheels import Wheelhouse, standard_wheelhouse

__all__ = ["clean_pip_env"]


# -- loopback package index ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """The standard wizlab-* wheels (see support.wheels.standard_wheelhouse), built once per session."""
    root = tmp_path_factory.mktemp("wheelhouse")
    return Wheelhouse(root, standard_wheelhouse(root))


@pytest.fixture(scope="session")
def index_server(wheelhouse: Wheelhouse) -> Iterator[IndexServer]:
    """A PEP 503 index on 127.0.0.1 over the wheelhouse; use ``index_server.url`` as --index-url."""
    with IndexServer(wheelhouse.dir) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_index_server(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give each test that uses index_server an empty request log, and undo its faults after it."""
    if "index_server" not in request.fixturenames:
        yield
        return
    server: IndexServer = request.getfixturevalue("index_server")
    server.reset_faults()
    server.clear_requests()
    yield
    server.reset_faults()


@pytest.fixture(autouse=True)
def _state_dir_for_tests(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process runs keep their state (logs, the interpreter probe cache) out of the user's state dir."""
    import os

    if "WIZARD_STATE_DIR" not in os.environ:
        monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path_factory.getbasetemp() / "wizard-state"))


# -- pip subprocess environment -----------------------------------------------------------------


@pytest.fixture
def pip_env() -> dict[str, str]:
    """clean_pip_env(): os.environ without PIP_* and without pip config files, for pip subprocesses."""
    return clean_pip_env()


# -- test tiers -----------------------------------------------------------------------------------

# A test that asks for one of these runs real pip against a real venv: `pytest -m "not integration"` skips it.
_INTEGRATION_FIXTURES = {"index_server", "wheelhouse", "pip_env", "pip_venv"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
