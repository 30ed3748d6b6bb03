"""Exit 0 when every requirement in argv (or, with `-`, one per line on stdin) is installed and satisfied in this interpreter, else 1.

Runs in the target environment (Python 3.9+) with pip's vendored `packaging`; used to skip an
install step on a rerun without asking pip to resolve anything.
"""
import sys

try:
    import importlib.metadata as md
    from pip._vendor.packaging.requirements import Requirement
except Exception:
    sys.exit(1)

requirements = sys.stdin.read().splitlines() if sys.argv[1:] == ["-"] else sys.argv[1:]
for text in filter(None, requirements):
    req = Requirement(text)
    if req.marker is not None and not req.marker.evaluate():
        continue
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        sys.exit(1)
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        sys.exit(1)
sys.exit(0)
