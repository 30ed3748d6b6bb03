#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: llm-setup-wizard contributors
# MIT License (see LICENSE in the repository)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: llm_wizard
short_description: Set up a verified Python environment for LLM work with llm-setup-wizard
version_added: "0.1.0"
description:
  - Runs C(llm-wizard --answers FILE --json) headless on the managed host. The wizard plans for the
    host's own hardware (GPUs, driver, Pythons), so every host gets the build it needs, creates the
    environment, installs, verifies, and writes its answers, report and log into the environment.
  - A rerun skips every step that is already done; the task then reports C(changed=false).
  - The module speaks only the wizard's command line (JSON events and exit codes), so any installed
    wizard version works.
  - It runs as an action on the controller, which sends the answers to the host and starts the
    wizard there through the connection; the wizard is the only process started on the host, which
    needs no Python for Ansible, only a POSIX C(sh).
author:
  - llm-setup-wizard contributors (@llm-setup-wizard)
requirements:
  - llm-setup-wizard installed on the managed host (see the role C(llmwizard.fleet.workstation)).
options:
  answers:
    description:
      - The answers file's content, as a dictionary (see C(llm-wizard schema)).
      - Literal credentials in URLs are masked in the task's results and output. Prefer C(${VAR})
        references in URLs, with the values in O(secrets).
      - Exactly one of O(answers) and O(answers_file) is required.
    type: dict
  answers_file:
    description:
      - Path of an answers file on the managed host.
    type: path
  machine_file:
    description:
      - A machine file on the managed host (C(llm-wizard detect --json) writes one), passed as
        C(--machine); the wizard then plans for that machine instead of detecting this one.
    type: path
  wizard:
    description:
      - The command that runs the wizard on the host, split into words like a shell would, for example
        C(/opt/llm/venv/bin/llm-wizard) or C(python3 -m wizard). Each word is passed on quoted, so
        nothing in it is expanded but a leading C(~).
    type: str
    default: llm-wizard
  secrets:
    description:
      - Environment variables holding secrets for the wizard, such as the values of C(${VAR})
        references in index URLs. Never logged; every value is masked wherever it would appear in
        the output, so put only secrets here and other variables in the task's C(environment).
    type: dict
    default: {}
attributes:
  check_mode:
    description: Runs C(--dry-run) and returns the plan; nothing is created or installed.
    support: full
  diff_mode:
    description: Shows the plan, as the wizard would print it.
    support: full
notes:
  - Bad answers fail the task with every validation problem in the message, and change nothing.
  - A failed install or verification fails the task with the wizard's diagnosis (cause and fix).
  - In check mode the wizard does not probe an existing environment, so C(changed) says only whether
    the environment would be created.
"""

EXAMPLES = r"""
- name: Each GPU box gets the PyTorch build its driver and GPU need
  llmwizard.fleet.llm_wizard:
    answers:
      version: 1
      environment: {kind: venv, path: /opt/llm/env}
      profile: llm-finetune
  register: setup

- name: Replay an answers file that is already on the host
  llmwizard.fleet.llm_wizard:
    answers_file: /etc/llm-wizard/answers.json
    wizard: /opt/llm/venv/bin/llm-wizard

- name: A private index, its token from the vault, never in the output
  llmwizard.fleet.llm_wizard:
    answers:
      version: 1
      environment: {kind: venv, path: ~/envs/llm}
      frameworks: [pytorch, transformers]
      index: {url: "https://${IDX_USER}:${IDX_TOKEN}@pypi.example.org/simple/"}
    secrets:
      IDX_USER: ci
      IDX_TOKEN: "{{ vault_index_token }}"
"""

RETURN = r"""
exit_code:
  description: The wizard's exit code (0 ready, 1 a step or check failed, 2 invalid input, 130 interrupted).
  returned: always
  type: int
  sample: 0
plan:
  description: The wizard's plan for this host, credentials masked.
  returned: when the answers were valid
  type: dict
  contains:
    environment:
      description: Kind, path, Python and whether an existing environment is reused.
      type: dict
    decisions:
      description: Which build of each framework this host gets, and why.
      type: list
      elements: dict
    steps:
      description: Each step's id, kind, title, why and command.
      type: list
      elements: dict
steps:
  description: Each step of the plan with its status (ok, failed, skipped, cancelled; planned in check mode).
  returned: when the answers were valid
  type: list
  elements: dict
  sample: [{"id": "create-venv", "kind": "create", "title": "Create a virtual environment with Python 3.12",
            "status": "skipped", "exit_code": null, "seconds": 0.0,
            "reason": "the environment exists; the wizard made it"}]
checks:
  description: The verification checks (name, ok, detail).
  returned: always
  type: list
  elements: dict
diagnoses:
  description: Causes found behind failed or suspicious checks, each with evidence and a fix.
  returned: always
  type: list
  elements: dict
files:
  description: Paths on the host of the saved answers, the report (JSON and Markdown) and the run's log.
  returned: when the wizard ran
  type: dict
  sample: {"answers": "/opt/llm/env/.wizard/answers.json", "report_json": "/opt/llm/env/.wizard/report.json",
           "report_md": "/opt/llm/env/.wizard/report.md", "log": "/opt/llm/env/.wizard/logs/20261130-071200.log"}
environment:
  description: The environment's folder, when the run touched it.
  returned: when the wizard ran
  type: str
summary:
  description: The wizard's one-line outcome.
  returned: when the wizard ran
  type: str
problems:
  description: The validation problems (path, message, hint) of invalid answers.
  returned: on invalid answers
  type: list
  elements: dict
"""
