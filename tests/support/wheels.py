"""Build small, real, deterministic wheels by hand.

Integration tests run real pip against real wheels without network or build backends, so the
wheels are written directly with zipfile: a package, a .dist-info with METADATA, WHEEL,
top_level.txt and a RECORD whose hashes pip verifies on install.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import random
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# A fixed timestamp makes the archive bytes, and so the sha256 in the index, identical on every run.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def normalize_name(name: str) -> str:
    """PEP 503 normalized project name: what the simple index uses in its URLs."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_component(name: str) -> str:
    """Project name as it appears in a wheel filename and .dist-info dir (PEP 427/491 escaping)."""
    return normalize_name(name).replace("-", "_")


def import_name(name: str) -> str:
    """Default top-level package name for a project: importable, so dashes become underscores."""
    return wheel_name_component(name)


def padding_bytes(size: int, seed: str) -> bytes:
    """Deterministic incompressible bytes, so a padded wheel stays big after zip compression."""
    return random.Random(seed).randbytes(size)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _zip_write(zf: zipfile.ZipFile, arcname: str, data: bytes, compress: bool = True) -> None:
    info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    zf.writestr(info, data)


def build_wheel(
    dest_dir: Path | str,
    name: str,
    version: str,
    requires: Iterable[str] = (),
    modules: Mapping[str, str] | None = None,
    python_requires: str | None = None,
    extra_files: Mapping[str, bytes] | None = None,
    padding: int = 0,
) -> Path:
    """Write ``{name}-{version}-py3-none-any.whl`` into dest_dir and return its path.

    modules maps archive paths to source text; by default it is one package
    ``{import_name}/__init__.py`` holding ``__version__``. Pass a body that raises to build a wheel
    that installs fine but breaks on import. extra_files adds arbitrary archive members (bytes).
    padding adds ``{import_name}/_padding.bin`` of that many random bytes (stored, not deflated),
    so the wheel is big enough for pip to report download progress (> 512 KiB).
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    dist = wheel_name_component(name)
    pkg = import_name(name)
    distinfo = f"{dist}-{version}.dist-info"

    members: list[tuple[str, bytes, bool]] = []
    sources = dict(modules) if modules is not None else {f"{pkg}/__init__.py": f'__version__ = "{version}"\n'}
    for arcname, text in sources.items():
        members.append((arcname, text.encode("utf-8"), True))
    for arcname, data in (extra_files or {}).items():
        members.append((arcname, data, True))
    if padding:
        members.append((f"{pkg}/_padding.bin", padding_bytes(padding, f"{dist}-{version}"), False))

    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if python_requires:
        metadata.append(f"Requires-Python: {python_requires}")
    metadata += [f"Requires-Dist: {req}" for req in requires]
    wheel_meta = [
        "Wheel-Version: 1.0",
        "Generator: tests.support.wheels",
        "Root-Is-Purelib: true",
        "Tag: py3-none-any",
    ]
    top_level = sorted({arc.split("/", 1)[0].removesuffix(".py") for arc in sources})
    members += [
        (f"{distinfo}/METADATA", ("\n".join(metadata) + "\n").encode("utf-8"), True),
        (f"{distinfo}/WHEEL", ("\n".join(wheel_meta) + "\n").encode("utf-8"), True),
        (f"{distinfo}/top_level.txt", ("\n".join(top_level) + "\n").encode("utf-8"), True),
    ]

    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, data, _ in members:
        writer.writerow([arcname, _record_hash(data), str(len(data))])
    writer.writerow([f"{distinfo}/RECORD", "", ""])
    members.append((f"{distinfo}/RECORD", record.getvalue().encode("utf-8"), True))

    path = dest / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, data, compress in members:
            _zip_write(zf, arcname, data, compress)
    return path


@dataclass(frozen=True)
class Wheelhouse:
    """A folder of wheels plus an index of them by normalized project name."""

    dir: Path
    wheels: dict[str, list[Path]] = field(default_factory=dict)

    def wheel(self, name: str, version: str | None = None) -> Path:
        """The wheel for name (and version, else the last built one): for --find-links or direct installs."""
        paths = self.wheels[normalize_name(name)]
        if version is None:
            return paths[-1]
        suffix = f"-{version}-py3-none-any.whl"
        return next(p for p in paths if p.name.endswith(suffix))


BIG_PADDING = 1_500_000

# (name, version, requires, python_requires, padding, module body or None for the default)
_STANDARD: tuple[tuple[str, str, tuple[str, ...], str | None, int, str | None], ...] = (
    ("wizlab-alpha", "1.0", (), None, 0, None),
    ("wizlab-alpha", "1.1", (), None, 0, None),
    ("wizlab-beta", "1.0", ("wizlab-alpha>=1.0",), None, 0, None),
    ("wizlab-gamma", "2.0", ("wizlab-beta",), None, 0, None),
    ("wizlab-big", "1.0", (), None, BIG_PADDING, None),
    (
        "wizlab-broken",
        "1.0",
        (),
        None,
        0,
        '__version__ = "1.0"\nraise ImportError("wizlab-broken is broken on purpose")\n',
    ),
    ("wizlab-conflict", "1.0", ("wizlab-alpha>=9",), None, 0, None),
    ("wizlab-future", "1.0", (), ">=4", 0, None),
)


def standard_wheelhouse(dest: Path | str) -> dict[str, list[Path]]:
    """Build the shared test wheel set into dest; returns normalized name -> wheel paths (old to new).

    - wizlab-alpha 1.0 and 1.1: no deps (a resolver picks 1.1).
    - wizlab-beta 1.0 needs wizlab-alpha>=1.0; wizlab-gamma 2.0 needs wizlab-beta (a 3-deep chain).
    - wizlab-big 1.0: ~1.5 MB of incompressible padding, so pip shows `--progress-bar raw` lines.
    - wizlab-broken 1.0: installs, but importing wizlab_broken raises ImportError.
    - wizlab-conflict 1.0 needs wizlab-alpha>=9, which does not exist: install with --no-deps
      for a `pip check` failure.
    - wizlab-future 1.0: Requires-Python >=4, so pip finds no installable version.
    """
    out: dict[str, list[Path]] = {}
    for name, version, requires, python_requires, pad, body in _STANDARD:
        modules = None if body is None else {f"{import_name(name)}/__init__.py": body}
        path = build_wheel(dest, name, version, requires, modules, python_requires, padding=pad)
        out.setdefault(normalize_name(name), []).append(path)
    return out
