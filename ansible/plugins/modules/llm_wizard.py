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
      - The command that runs the wizard on the host, split into words like a shell would (it is
        never run through a shell), for example C(/opt/llm/venv/bin/llm-wizard) or C(python3 -m wizard).
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

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmwizard.fleet.plugins.module_utils.wizard_cli import (
    credentials, parse_events, without_key, wizard_argv)

# The wizard's exit codes (its README, "Exit codes").
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130
READ_ONLY_KINDS = ("verify", "check")   # steps that inspect the environment and change nothing


def render_plan(plan):
    """The plan as short text, for diff mode."""
    env = plan["environment"]
    reused = ", reused" if env["reuse"] else ""
    lines = ["environment: %s at %s (Python %s%s)" % (env["kind"], env["path"], env["python_version"], reused)]
    for d in plan["decisions"]:
        where = " from %s" % d["index_url"] if d["index_url"] else ""
        lines.append("decision: %s -> %s%s: %s" % (d["framework"], d["variant"], where, d["why"]))
    for i, s in enumerate(plan["steps"], 1):
        lines.append("step %d: %s\n    $ %s" % (i, s["title"], " ".join(s["argv"])))
    lines.extend("note: %s" % n for n in plan["notes"])
    return "\n".join(lines) + "\n"


def summarize(events, check_mode):
    """The task's result from the event stream."""
    by_kind = {}
    for e in events:
        by_kind.setdefault(e["event"], []).append(e)
    plan = by_kind["plan"][-1]["plan"] if "plan" in by_kind else None
    planned = plan["steps"] if plan else []
    if check_mode:
        steps = [dict(id=s["id"], kind=s["kind"], title=s["title"], status="planned") for s in planned]
        changed = bool(plan) and not plan["environment"]["reuse"]
    else:
        meta = dict((s["id"], s) for s in planned)
        steps = []
        for e in by_kind.get("step_finished", []):
            s = meta.get(e["step"], {})
            steps.append(dict(id=e["step"], kind=s.get("kind"), title=s.get("title"), status=e["status"],
                              exit_code=e["exit_code"], seconds=e["seconds"], reason=e["reason"]))
        changed = any(s["status"] != "skipped" and s["kind"] not in READ_ONLY_KINDS for s in steps)
    done = by_kind["done"][-1] if "done" in by_kind else {}
    result = dict(changed=changed, plan=plan, steps=steps,
                  checks=[without_key(e) for e in by_kind.get("check", [])],
                  diagnoses=[without_key(e) for e in by_kind.get("diagnosis", [])],
                  files=done.get("files", {}), environment=done.get("environment"), summary=done.get("summary"))
    return result, by_kind.get("error", [])


def invalid_message(errors, source):
    """Invalid answers or a request no build can satisfy: every problem, where it is."""
    if not errors:
        return "the wizard refused the answers (exit code 2) without saying why"
    error = errors[-1]
    if error.get("problems"):
        parts = ["%s: %s%s" % (p["path"], p["message"], " (%s)" % p["hint"] if p.get("hint") else "")
                 for p in error["problems"]]
        return "invalid answers in %s: %s" % (source, "; ".join(parts))
    return error["message"] + (" (hint: %s)" % error["hint"] if error.get("hint") else "")


def failure_message(result):
    """A failed run: the diagnosis' cause and fix; else the failed steps and checks."""
    errors = [d for d in result["diagnoses"] if d["severity"] == "error"] or result["diagnoses"]
    if errors:
        return " ".join("%s Fix: %s%s" % (d["cause"], d["fix"], " ($ %s)" % d["command"] if d.get("command") else "")
                        for d in errors)
    failed = ["step %s failed%s" % (s["id"], ": %s" % s["reason"] if s["reason"] else "")
              for s in result["steps"] if s["status"] == "failed"]
    failed += ["check %s failed: %s" % (c["check"], c["detail"]) for c in result["checks"] if not c["ok"]]
    return "; ".join(failed) or "the wizard failed (exit code 1)"


def main():
    module = AnsibleModule(
        argument_spec=dict(
            answers=dict(type="dict"),
            answers_file=dict(type="path"),
            machine_file=dict(type="path"),
            wizard=dict(type="str", default="llm-wizard"),
            secrets=dict(type="dict", default={}, no_log=True),
        ),
        mutually_exclusive=[("answers", "answers_file")],
        required_one_of=[("answers", "answers_file")],
        supports_check_mode=True,
    )
    p = module.params
    module.no_log_values.update(credentials(p["answers"]))
    argv = wizard_argv(module, p["wizard"])
    if p["answers"] is not None:
        source = "the answers parameter"
        answers_file = os.path.join(module.tmpdir, "answers.json")
        fd = os.open(answers_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(module.jsonify(p["answers"]))
    else:
        source = answers_file = p["answers_file"]
    argv += ["--answers", answers_file, "--json"]
    if p["machine_file"]:
        argv += ["--machine", p["machine_file"]]
    if module.check_mode:
        argv.append("--dry-run")
    env = dict((str(k), str(v)) for k, v in p["secrets"].items())
    rc, out, err = module.run_command(argv, environ_update=env)
    try:
        events = parse_events(out)
    except ValueError as exc:
        module.fail_json(msg=str(exc), exit_code=rc, stderr=err)
    result, errors = summarize(events, module.check_mode)
    result["exit_code"] = rc
    if result["plan"] and module._diff:
        result["diff"] = dict(prepared=render_plan(result["plan"]))
    if rc == EXIT_OK:
        module.exit_json(**result)
    if rc == EXIT_INVALID:
        result["problems"] = errors[-1].get("problems", []) if errors else []
        module.fail_json(msg=invalid_message(errors, source), **result)
    if rc == EXIT_FAILED:
        module.fail_json(msg=failure_message(result), **result)
    if rc == EXIT_INTERRUPTED:
        module.fail_json(msg="the wizard was interrupted", **result)
    module.fail_json(msg="the wizard exited with code %d: %s" % (rc, err.strip()[-2000:]), stderr=err, **result)


if __name__ == "__main__":
    main()
