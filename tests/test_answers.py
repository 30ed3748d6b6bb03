"""The answers model: strict types, every problem in one pass with its location and a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.wizard_cli import REPO, run_wizard, wizard_env, write_json
from wizard.answers import effective_answers, load_answers, parse_answers, schema_text
from wizard.catalog import load_catalog
from wizard.problems import InputError

CATALOG = load_catalog()


def problems(data: object) -> list[str]:
    with pytest.raises(InputError) as exc:
        parse_answers(data, CATALOG, "test.json")
    return [str(p) for p in exc.value.problems]


def base(**over: object) -> dict[str, object]:
    data: dict[str, object] = {"version": 1, "environment": {"kind": "venv", "path": "~/envs/llm"}}
    data.update(over)
    return data


def test_issue_shape_is_accepted_with_defaults() -> None:
    a = parse_answers(
        {
            "version": 1,
            "environment": {"kind": "venv", "path": "~/envs/llm", "python": "3.11"},
            "profile": "classic-ml",
            "frameworks": ["pytorch", "transformers"],
            "packages": ["rich>=13"],
            "accelerator": "auto",
            "index": {"url": None, "extra_urls": [], "find_links": [], "offline": False},
            "options": {"upgrade_pip": True, "verify": True},
        },
        CATALOG,
        "x",
    )
    assert a.frameworks == ["pytorch", "transformers"] and a.options.upgrade_pip is True
    minimal = parse_answers(base(), CATALOG, "x")
    assert minimal.accelerator == "auto" and minimal.index.offline is False and minimal.options.verify is True


def test_all_problems_in_one_pass_with_locations_and_hints() -> None:
    found = problems(
        {
            "version": 1,
            "environment": {"kind": "venv"},
            "frameworks": ["numpy", "tensorflw"],
            "packages": ["--index-url=http://x", "ok>=1", "bad req!"],
            "accelerator": "gpu",
            "options": {"upgrade_pip": "yes", "verfy": True},
            "index": {"url": "ftp://h/simple"},
            "profle": "x",
        }
    )
    text = "\n".join(found)
    for expected in [
        "$.frameworks[1]: unknown framework 'tensorflw' (did you mean 'tensorflow'?)",
        "$.packages[0]: '--index-url=http://x' is a pip option",
        "$.packages[2]: 'bad req!' is not a valid PEP 508 requirement",
        "$.accelerator: 'gpu' is not one of",
        "$.options.upgrade_pip: expected true or false, got a string",
        "$.options.verfy: unknown key (did you mean 'verify'?)",
        "$.index.url: unsupported URL scheme ftp:",
        "$.profle: unknown key (did you mean 'profile'?)",
        "$.environment.path: required for kind 'venv'",
    ]:
        assert expected in text, text
    assert not any("ok>=1" in f for f in found)


@pytest.mark.parametrize(
    "data, where",
    [
        (base(version="1"), "$.version"),
        (base(version=2), "newer than this wizard"),
        ({"environment": {"kind": "venv", "path": "x"}}, "$.version: required key is missing"),
        (base(environment={"kind": "venv", "path": "x", "python": "2.7"}), "too old"),
        (base(environment={"kind": "venv", "path": "x", "python": "3.8"}), "too old"),
        (base(environment={"kind": "venv", "path": "x", "python": "banana"}), "$.environment.python"),
        (base(environment={"kind": "conda"}), "needs a name or a path"),
        (base(environment={"kind": "conda", "name": "bad name;"}), "$.environment.name"),
        (base(frameworks="numpy"), "$.frameworks: expected an array, got a string"),
        (base(frameworks=["numpy", "numpy"]), "listed twice"),
        (base(frameworks=[1]), "$.frameworks[0]: expected a string, got an integer"),
        (base(packages=["-e ."]), "pip option"),
        (base(packages=["x @ https://evil.example/x.whl"]), "direct URL"),
        (base(packages=["rich; rm -rf ~"]), "$.packages[0]"),
        (base(packages=["rich && echo"]), "a shell would read"),
        (base(profile="classic"), "did you mean 'classic-ml'?"),
        (
            base(index={"url": "https://u:pw@h/simple", "offline": True, "find_links": ["/w"]}),
            "offline installs contact no index",
        ),
        (base(index={"offline": True}), "need at least one find_links"),
        (base(index={"extra_urls": ["notaurl"]}), "$.index.extra_urls[0]"),
        (base(options={"verify": 1}), "$.options.verify: expected true or false, got an integer"),
        (base(environment="venv"), "$.environment: expected an object"),
        ([], "expected"),
    ],
)
def test_each_bad_answer_is_located(data: object, where: str) -> None:
    assert any(where in p for p in problems(data)), problems(data)


def test_credentials_are_masked_in_problems_and_dropped_when_saved() -> None:
    found = problems(base(index={"url": "gopher://alice:hunter2@h/simple"}))
    assert "hunter2" not in "\n".join(found) and "$.index.url: unsupported URL scheme gopher:" in "\n".join(found)
    a = parse_answers(
        base(index={"url": "https://alice:hunter2@h/simple", "extra_urls": ["https://${U}:${T}@m/simple"]}), CATALOG, "x"
    )
    saved = json.dumps(effective_answers(a))
    assert "hunter2" not in saved and "https://h/simple" in saved and "${U}:${T}@m" in saved


def test_schema_file_is_the_generated_schema(tmp_path: Path) -> None:
    assert (REPO / "assets" / "answers.schema.json").read_text() == schema_text()
    r = run_wizard("schema", env=wizard_env({}, tmp_path))
    assert r.code == 0 and json.loads(r.stdout)["title"] == "LLM setup wizard answers"


@pytest.mark.parametrize("example", sorted((REPO / "assets" / "examples").glob("*.json")), ids=lambda p: p.name)
def test_examples_are_valid(example: Path) -> None:
    load_answers(example, CATALOG)


def test_required_examples_exist() -> None:
    names = {p.name for p in (REPO / "assets" / "examples").glob("*.json")}
    assert {"classic-ml.json", "llm-finetune.json", "offline-wheelhouse.json"} <= names


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    (tmp / "empty.json").write_text("  \n")
    (tmp / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    big = tmp / "big.json"
    with big.open("w") as fh:
        fh.write('{"version": 1, "packages": [' + ",".join(['"x"'] * 2_000_000) + "]}")
    (tmp / "broken.json").write_text('{"version": 1,\n "environment": {"kind": "venv",}\n}')
    (tmp / "list.json").write_text("[1, 2]")
    (tmp / "latin1.json").write_bytes('{"version": 1, "profile": "é"}'.encode("latin-1"))
    return {
        "missing": (tmp / "nope.json", "not found"),
        "empty": (tmp / "empty.json", "is empty"),
        "binary": (tmp / "binary.json", "binary"),
        "big": (big, "the limit is"),
        "broken": (tmp / "broken.json", "line 2, column"),
        "list": (tmp / "list.json", "expected a JSON object"),
        "latin1": (tmp / "latin1.json", "not UTF-8"),
        "folder": (tmp, "is a folder"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "binary", "big", "broken", "list", "latin1", "folder"])
def test_bad_files_exit_2_without_traceback_or_side_effects(case: str, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    path, message = _bad_files(files)[case]
    before = sorted(p.name for p in files.iterdir())
    r = run_wizard("--answers", str(path), env=wizard_env({}, tmp_path / "state"))
    assert r.code == 2 and message in r.stderr and str(path) in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert sorted(p.name for p in files.iterdir()) == before and not (tmp_path / "state").exists()


def test_invalid_answers_in_json_mode_give_one_error_event(tmp_path: Path) -> None:
    a = write_json(tmp_path / "a.json", base(frameworks=["tensorflw"], accelerator="gpu"))
    r = run_wizard("--answers", str(a), "--json", env=wizard_env({}, tmp_path / "state"))
    assert r.code == 2
    [event] = r.events()
    assert event["event"] == "error" and {p["path"] for p in event["problems"]} == {"$.frameworks[0]", "$.accelerator"}
