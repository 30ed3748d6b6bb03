"""Print what is installed in this interpreter, as JSON: the distributions (first on sys.path wins,
as importlib sees them) and the facts a lock needs about the interpreter. Runs in the target
environment: plain Python 3.9+."""
import importlib.metadata as md
import json
import platform
import re
import sys

seen = {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key not in seen:
        seen[key] = {"name": key, "version": dist.version}
print(json.dumps({"python": platform.python_version(), "implementation": sys.implementation.name,
                  "sys_platform": sys.platform, "platform_machine": platform.machine(),
                  "packages": sorted(seen.values(), key=lambda p: p["name"])}))
