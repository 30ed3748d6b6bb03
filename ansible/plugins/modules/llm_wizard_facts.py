#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: llm-setup-wizard contributors
# MIT License (see LICENSE in the repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: llm_wizard_facts
short_description: The host's GPUs, driver and Pythons, as llm-setup-wizard detects them
version_added: "0.1.0"
description:
  - Runs C(llm-wizard detect --json) on the managed host and returns the machine it describes as
    the fact C(llm_machine), so a play can branch on GPUs, drivers and Pythons.
  - Changes nothing on the host.
author:
  - llm-setup-wizard contributors (@llm-setup-wizard)
requirements:
  - llm-setup-wizard installed on the managed host.
options:
  wizard:
    description:
      - The command that runs the wizard on the host, split into words (never run through a shell).
    type: str
    default: llm-wizard
  target:
    description:
      - Measure the free disk space at this folder (default the home folder).
    type: path
attributes:
  check_mode:
    description: Detection only reads; it runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  facts:
    description: Sets C(ansible_facts.llm_machine).
    support: full
"""

EXAMPLES = r"""
- name: What does each host have?
  llmwizard.fleet.llm_wizard_facts:

- name: Only NVIDIA hosts on an old driver
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} has driver {{ ansible_facts.llm_machine.nvidia.driver }}"
  when: ansible_facts.llm_machine.nvidia and ansible_facts.llm_machine.nvidia.driver is version('580', '<')
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: dict
  contains:
    llm_machine:
      description:
        - The wizard's machine file for this host (the format C(--machine) reads).
        - os, arch, wsl, cpu, memory_bytes, disk_free_bytes, nvidia (driver, cuda, gpus with name and
          compute capability, or null), rocm, mps, pythons (path, version, venv_ok, ...), sources.
      returned: always
      type: dict
      sample: {"os": "linux", "arch": "x86_64", "nvidia": {"driver": "550.54.14", "cuda": "12.4",
               "gpus": [{"name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"}]}}
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmwizard.fleet.plugins.module_utils.wizard_cli import wizard_argv


def main():
    module = AnsibleModule(
        argument_spec=dict(wizard=dict(type="str", default="llm-wizard"), target=dict(type="path")),
        supports_check_mode=True,
    )
    argv = wizard_argv(module, module.params["wizard"]) + ["detect", "--json"]
    if module.params["target"]:
        argv += ["--target", module.params["target"]]
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="llm-wizard detect failed with exit code %d: %s" % (rc, err.strip()[-2000:]), exit_code=rc)
    try:
        machine = json.loads(out)
    except ValueError:
        module.fail_json(msg="llm-wizard detect --json printed something that is not JSON: %s" % out[:200])
    module.exit_json(changed=False, ansible_facts=dict(llm_machine=machine))


if __name__ == "__main__":
    main()
