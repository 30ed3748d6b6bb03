"""The three-host fleet play (ansible/examples/playbook.yml through the real ansible-playbook): first
run vs rerun. Goal: the rerun costs less than a tenth of the first run.

The hosts are those of tests/test_ansible.py: `local` connection, a CPU box, an RTX 4090 on 550 and
a GTX 1080 Ti on 580 (machine files), each installing PyTorch (the stand-in CPU torch of
tests/support/fake_torch.py, as a wheel) and one small package from the loopback index; the CPU box
verifies (an unchanged rerun skips that too), the GPU boxes do not (a CPU torch would fail there).
The stand-in torch is 2.14, the release the catalog plans for these GPUs.

    python benchmarks/bench_fleet.py [--python /path/to/python3.12]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import msgspec  # noqa: E402

from support.ansible_fleet import Host, collections_dir, run_playbook, write_inventory  # noqa: E402
from support.fake_torch import FakeTorch, fake_torch_files  # noqa: E402
from support.index_server import IndexServer  # noqa: E402
from support.pipenv import clean_pip_env  # noqa: E402
from support.wheels import build_wheel, standard_wheelhouse  # noqa: E402
from support.wizard_cli import pyenv_python  # noqa: E402
from wizard.pythons import probe_interpreter  # noqa: E402

MACHINES = {"cpu-box": "cpu-only-linux.json", "ada-4090": "rtx4090-driver550.json", "pascal-1080ti": "gtx1080ti-driver580.json"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=pyenv_python("3.12") or sys.executable, help="interpreter the environments are made with")
    args = ap.parse_args()
    info = probe_interpreter(args.python, "pyenv")
    if info is None:
        print(f"cannot use {args.python}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        house = root / "wheels"
        standard_wheelhouse(house)
        build_wheel(house, "torch", "2.14.0+cpu", modules=fake_torch_files(FakeTorch(version="2.14.0+cpu")))
        with IndexServer(house) as server:
            hosts = [
                Host(
                    h,
                    m,
                    {
                        "version": 1,
                        "environment": {"kind": "venv", "path": str(root / "envs" / h)},
                        "frameworks": ["pytorch"],
                        "packages": ["wizlab-alpha"],
                        "index": {"url": server.url},
                        "options": {"upgrade_pip": False, "verify": h == "cpu-box"},
                    },
                )
                for h, m in MACHINES.items()
            ]
            inventory = write_inventory(root / "play", hosts, [msgspec.to_builtins(info)], root / "reports")
            collections = collections_dir(root / "collections")
            env = clean_pip_env()
            first = run_playbook(inventory, collections, env)
            again = run_playbook(inventory, collections, env)
        for name, r in (("first run", first), ("rerun", again)):
            if r.code != 0:
                print(r.output[-3000:], file=sys.stderr)
                print(f"{name} failed (exit code {r.code})", file=sys.stderr)
                return 1
        changed = {h: r["changed"] for h, r in again.recap().items()}
        shutil.rmtree(root / "envs", ignore_errors=True)
    ratio = again.seconds / first.seconds
    print(
        json.dumps(
            {
                "first_s": round(first.seconds, 2),
                "rerun_s": round(again.seconds, 2),
                "ratio": round(ratio, 3),
                "rerun_changed": changed,
            }
        )
    )
    print(f"three-host play: first run {first.seconds:.1f}s, rerun {again.seconds:.1f}s, ratio {ratio:.3f} (goal < 0.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
