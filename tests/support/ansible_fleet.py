"""A fleet of "hosts" on this machine for the real ansible-playbook: the `local` connection, each
host with its own environment folder, state folder and machine file (a real GPU box's description
with this machine's real interpreters), all against the loopback index."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .wizard_cli import REPO

BIN = Path(sys.executable).parent
PLAYBOOK = REPO / "ansible" / "examples" / "playbook.yml"
_RECAP = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@dataclass
class Host:
    name: str
    machine_asset: str  # a file in assets/machines/
    answers: dict[str, Any]
    vars: dict[str, Any] = field(default_factory=dict)  # more host vars, replacing the defaults below


@dataclass
class PlayResult:
    code: int
    output: str
    seconds: float

    def recap(self) -> dict[str, dict[str, int]]:
        """PLAY RECAP per host: ok, changed, unreachable, failed."""
        return {
            m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
            for m in _RECAP.finditer(self.output)
        }


def machine_file(asset: str, pythons: list[dict[str, Any]], dest: Path) -> Path:
    """The asset machine (its GPUs, driver, OS) with this machine's interpreters, which the env is made with."""
    data = json.loads((REPO / "assets" / "machines" / asset).read_text("utf-8"))
    data["pythons"] = pythons
    dest.write_text(json.dumps(data), "utf-8")
    return dest


def collections_dir(root: Path) -> Path:
    """A collections path holding a copy of the repository's ansible/ as llmwizard.fleet (how ansible finds it)."""
    dest = root / "ansible_collections" / "llmwizard" / "fleet"
    if not dest.exists():  # a copy: through a symlink, ansible-core 2.19 loses track of the role's tasks
        shutil.copytree(REPO / "ansible", dest, ignore=shutil.ignore_patterns("__pycache__", "examples"))
    return root


def write_inventory(root: Path, hosts: list[Host], pythons: list[dict[str, Any]], reports: Path) -> Path:
    """An inventory of `local` hosts; each host's vars name its env, state folder and machine file."""
    (root / "host_vars").mkdir(parents=True, exist_ok=True)
    for h in hosts:
        home = root / "hosts" / h.name
        home.mkdir(parents=True, exist_ok=True)
        host_vars = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "llm_wizard_install": "none",
            "llm_wizard_command": str(BIN / "llm-wizard"),
            "llm_wizard_machine_file": str(machine_file(h.machine_asset, pythons, home / "machine.json")),
            "llm_wizard_environment": {"WIZARD_STATE_DIR": str(home / "state")},
            "llm_wizard_secrets": {},
            "llm_wizard_reports_dir": str(reports),
            "llm_wizard_answers": h.answers,
            **h.vars,
        }
        (root / "host_vars" / f"{h.name}.yml").write_text(json.dumps(host_vars), "utf-8")
    inventory = root / "hosts.yml"
    inventory.write_text(json.dumps({"workstations": {"hosts": {h.name: None for h in hosts}}}), "utf-8")
    return inventory


def run_ansible(
    tool: str, work: Path, collections: Path, base_env: dict[str, str], *args: str, timeout: float = 600
) -> PlayResult:
    """A real Ansible command line (ansible, ansible-playbook) in `work`, isolated from this machine's
    Ansible configuration; its text output captured."""
    config = work / "ansible.cfg"  # empty: no ansible.cfg or ~/.ansible.cfg of this machine applies
    config.write_text("[defaults]\n", "utf-8")
    env = {
        **base_env,
        "ANSIBLE_COLLECTIONS_PATH": str(collections),
        "ANSIBLE_LOCAL_TEMP": str(work / "tmp-local"),
        "ANSIBLE_REMOTE_TEMP": str(work / "tmp-remote"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_FORKS": "3",
        "LC_ALL": "C.UTF-8",
        "HOME": str(work),
    }
    start = time.monotonic()
    proc = subprocess.run(
        [str(BIN / tool), *args],
        env=env,
        cwd=work,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return PlayResult(proc.returncode, proc.stdout, time.monotonic() - start)


def run_playbook(inventory: Path, collections: Path, base_env: dict[str, str], *args: str) -> PlayResult:
    """The example playbook over `inventory`."""
    return run_ansible("ansible-playbook", inventory.parent, collections, base_env, "-i", str(inventory), str(PLAYBOOK), *args)
