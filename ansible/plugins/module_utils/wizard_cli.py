# -*- coding: utf-8 -*-
# Copyright: llm-setup-wizard contributors
# MIT License (see LICENSE in the repository)
"""The wizard's command line as the modules see it: its argv, its JSON events and its secrets.

The modules know the wizard only through its CLI (``--json`` events, exit codes), never by
importing it, so a host may run any installed version of the wizard.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shlex

# scheme://userinfo@ ; a userinfo made only of ${VAR} references names a secret, it holds none.
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/\s@]+)@")
_ENV_REFS_ONLY = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*\})?(:(\$\{[A-Za-z_][A-Za-z0-9_]*\})?)?$")


def wizard_argv(module, command):
    """The wizard command as an argv list (never a shell string); fails the task when it is absent."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        module.fail_json(msg="wizard: cannot split %r into words: %s" % (command, exc))
    if not argv:
        module.fail_json(msg="wizard: the command is empty")
    exe = argv[0] = os.path.expanduser(argv[0])
    if os.sep in exe:
        found = exe if os.access(exe, os.X_OK) else None
    else:
        found = module.get_bin_path(exe)
    if not found:
        module.fail_json(msg="the wizard command %r is not installed on this host (or not executable); install "
                             "llm-setup-wizard there (role llmwizard.fleet.workstation) or set wizard to its path" % exe)
    return [found] + argv[1:]


def credentials(value):
    """Every literal credential inside URLs anywhere in `value` (nested dicts, lists, strings):
    the whole userinfo and its password part, for the module's no_log_values."""
    found = set()
    if isinstance(value, dict):
        for item in value.values():
            found |= credentials(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= credentials(item)
    elif isinstance(value, str):
        for userinfo in _USERINFO.findall(value):
            if _ENV_REFS_ONLY.match(userinfo):
                continue
            found.add(userinfo)
            found.update(part for part in userinfo.split(":", 1)[1:] if part)
    return found


def parse_events(stdout):
    """The wizard's stdout under --json: one JSON object with an "event" key per line."""
    events = []
    for number, line in enumerate(stdout.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            raise ValueError("line %d of the wizard's output is not JSON: %s" % (number, line[:200]))
        if not isinstance(event, dict) or "event" not in event:
            raise ValueError("line %d of the wizard's output is not an event: %s" % (number, line[:200]))
        events.append(event)
    return events


def without_key(event, key="event"):
    return dict((k, v) for k, v in event.items() if k != key)
