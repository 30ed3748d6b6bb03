"""A stand-in `conda` executable for tests, named as such: it is not conda.

It understands the three commands the wizard uses. `create -y -p PREFIX python=X.Y ...` makes a real
venv at PREFIX with pyenv's X.Y interpreter and adds the conda-meta/ folder a conda environment has;
`info --json` names an envs directory under its root; `env remove -y -p PREFIX` deletes PREFIX. Every call is appended
to `calls.log` there.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

_SCRIPT = '''#!{python}
"""Stand-in conda written by tests/support/fake_conda.py. Not conda."""
import json, shutil, subprocess, sys
from pathlib import Path

ROOT, PYENV = Path({root!r}), Path({pyenv!r})
args = sys.argv[1:]
with (ROOT / "calls.log").open("a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["info", "--json"]:
    print(json.dumps({{"envs_dirs": [str(ROOT / "envs")], "root_prefix": str(ROOT)}}))
    sys.exit(0)
if args[:1] == ["create"] and "-p" in args:
    prefix = Path(args[args.index("-p") + 1])
    version = next(a.split("=", 1)[1] for a in args if a.startswith("python="))
    found = sorted(PYENV.glob(version + ".*"))
    if not found:
        sys.exit("PackagesNotFoundError: python=" + version + " (stand-in conda: no pyenv interpreter)")
    subprocess.run([str(found[-1] / "bin" / "python3"), "-m", "venv", str(prefix)], check=True)
    (prefix / "conda-meta").mkdir(exist_ok=True)
    (prefix / "conda-meta" / "history").write_text("# made by the stand-in conda\\n")
    sys.exit(0)
if args[:2] == ["env", "remove"] and "-p" in args:
    shutil.rmtree(args[args.index("-p") + 1])
    sys.exit(0)
sys.exit("stand-in conda: unsupported command: " + " ".join(args))
'''


def pyenv_versions() -> Path:
    return Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def install_fake_conda(bin_dir: Path, root: Path, name: str = "conda") -> Path:
    """Write the stand-in as `bin_dir/name`; its envs directory is `root/envs`. Returns its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    (root / "envs").mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(_SCRIPT.format(python=sys.executable, root=str(root), pyenv=str(pyenv_versions())))
    script.chmod(0o755)
    return script


def calls(root: Path) -> list[list[str]]:
    """The argument lists the stand-in was called with, in order."""
    log = root / "calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
