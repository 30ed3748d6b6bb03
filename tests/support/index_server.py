"""A PEP 503 simple package index on 127.0.0.1, served from a folder of wheels; PEP 691 JSON for
clients that ask for it, and PyTorch-style per-variant indexes (/whl/<variant>/) from subfolders.

Real pip talks to it over real HTTP, so integration tests cover what pip actually does (index
pages, hashes, Content-Length driven progress, auth, server errors) without any network. Fault
switches are plain attributes, settable while the server runs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import ssl
import threading
import time
import zipfile
from email.parser import HeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from .wheels import normalize_name

CHUNK_SIZE = 64 * 1024
PEP691 = "application/vnd.pypi.simple.v1+json"
_S = TypeVar("_S", bound="IndexServer")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip")


def _project_of(filename: str) -> str:
    """Normalized project name from a distribution filename (name-version[-tags].ext)."""
    return normalize_name(filename.split("-", 1)[0])


class IndexServer:
    """Serve wheel_dir as a simple index: ``/simple/``, ``/simple/<name>/``, ``/files/<file>``.

    With `tls` (see support.tls) it serves HTTPS. Starts on construction (port 0, so tests never collide) and stops on
    ``stop()`` or on leaving a ``with`` block. The folder is rescanned per request, so tests may add wheels while it runs.

    Fault switches, read on every request:
      fail_500      True for every path, or a set of path prefixes answered with 500.
      slow_seconds  sleep between 64 KiB chunks of a file, to watch or interrupt a download.
      missing       file names answered with 404 under /files/ (still listed in the index).
      require_auth  (user, password): any request without that Basic auth gets 401.
    """

    def __init__(self, wheel_dir: Path | str, tls: ssl.SSLContext | None = None) -> None:
        self.wheel_dir = Path(wheel_dir)
        self.fail_500: bool | set[str] = False
        self.slow_seconds: float = 0.0
        self.missing: set[str] = set()
        self.require_auth: tuple[str, str] | None = None
        self._log: list[str] = []
        self._lock = threading.Lock()
        self._meta_cache: dict[tuple[str, int, int], tuple[str, str | None]] = {}
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port: int = self._httpd.server_address[1]
        self.base: str = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.url: str = f"{self.base}/simple/"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"index-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def url_with_auth(self, user: str, password: str) -> str:
        """Index URL carrying credentials, the way users put them in --index-url."""
        return f"http://{user}:{password}@127.0.0.1:{self.port}/simple/"

    @property
    def requests(self) -> list[str]:
        """Snapshot of the request paths received so far, in order (including failed ones)."""
        with self._lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def wait_for_request(self, prefix: str, timeout: float = 10.0) -> bool:
        """Wait until a request path starting with prefix is logged: a sync point for interrupt tests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.startswith(prefix) for p in self.requests):
                return True
            time.sleep(0.02)
        return False

    def reset_faults(self) -> None:
        """Back to a healthy server, so one test's faults never leak into the next."""
        self.fail_500 = False
        self.slow_seconds = 0.0
        self.missing = set()
        self.require_auth = None

    def stop(self) -> None:
        """Stop serving; slow downloads in flight abort at their next chunk. Idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- used by the handler ------------------------------------------------------------------

    def _record(self, path: str) -> None:
        with self._lock:
            self._log.append(path)

    def _files(self, variant: str | None = None) -> list[Path]:
        """The distributions of the index, or of the per-variant index /whl/<variant>/ (subfolder <variant>)."""
        folder = self.wheel_dir / variant if variant else self.wheel_dir
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(_ARCHIVE_SUFFIXES))

    def _file_meta(self, path: Path) -> tuple[str, str | None]:
        """(sha256 hex, Requires-Python or None), cached by name, size and mtime."""
        st = path.stat()
        key = (path.name, st.st_size, st.st_mtime_ns)
        with self._lock:
            cached = self._meta_cache.get(key)
        if cached is not None:
            return cached
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        requires_python = None
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as zf:
                meta_name = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
                if meta_name:
                    headers = HeaderParser().parsestr(zf.read(meta_name).decode("utf-8"))
                    requires_python = headers.get("Requires-Python")
        with self._lock:
            self._meta_cache[key] = (sha, requires_python)
        return sha, requires_python

    def _fails(self, path: str) -> bool:
        fail = self.fail_500
        if isinstance(fail, bool):
            return fail
        return any(path.startswith(prefix) for prefix in fail)

    def _authorized(self, header: str | None) -> bool:
        creds = self.require_auth
        if creds is None:
            return True
        expected = "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
        return header == expected


def write_static_index(wheel_dir: Path, dest: Path) -> str:
    """The same index as files on disk (dest/simple/<name>/index.html), for a file:// index URL."""
    files = sorted(p for p in Path(wheel_dir).iterdir() if p.is_file() and p.name.endswith(_ARCHIVE_SUFFIXES))
    for name in sorted({_project_of(p.name) for p in files}):
        folder = dest / "simple" / name
        folder.mkdir(parents=True, exist_ok=True)
        links = [
            f'<a href="{html.escape(p.resolve().as_uri())}">{html.escape(p.name)}</a><br>'
            for p in files
            if _project_of(p.name) == name
        ]
        (folder / "index.html").write_bytes(_page(f"Links for {name}", links))
    return (dest / "simple").resolve().as_uri() + "/"


def _page(title: str, links: list[str]) -> bytes:
    body = "\n".join(links)
    return (
        f'<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    ).encode()


def _make_handler(server: IndexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no idle keep-alive threads outlive stop().
        protocol_version = "HTTP/1.0"
        server_version = "wizlab-index/1.0"

        def log_message(self, fmt: str, *args: object) -> None:
            """Quiet: tests read the request log instead of stderr noise."""

        def do_HEAD(self) -> None:
            self._handle(send_body=False)

        def do_GET(self) -> None:
            self._handle(send_body=True)

        def _send(self, code: int, body: bytes, content_type: str, send_body: bool, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def _error(self, code: int, message: str, send_body: bool, extra: dict[str, str] | None = None) -> None:
            self._send(code, f"{code} {message}\n".encode(), "text/plain; charset=utf-8", send_body, extra)

        def _handle(self, send_body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            server._record(path)
            try:
                if not server._authorized(self.headers.get("Authorization")):
                    self._error(401, "Unauthorized", send_body, {"WWW-Authenticate": 'Basic realm="wizlab"'})
                elif server._fails(path):
                    self._error(500, "Internal Server Error (injected)", send_body)
                elif path in ("/simple", "/simple/"):
                    self._root(send_body)
                elif path.startswith("/simple/"):
                    self._project(path[len("/simple/") :], send_body)
                elif path.startswith("/whl/") and path.count("/") >= 3:  # /whl/<variant>/<project>/
                    variant, _, rest = path[len("/whl/") :].partition("/")
                    self._project(rest, send_body, variant)
                elif path.startswith("/files/"):
                    self._file(path[len("/files/") :], send_body)
                else:
                    self._error(404, "Not Found", send_body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (interrupted download): nothing to answer

        def _root(self, send_body: bool) -> None:
            names = sorted({_project_of(p.name) for p in server._files()})
            links = [f'<a href="{html.escape(n)}/">{html.escape(n)}</a><br>' for n in names]
            self._send(200, _page("Simple index", links), "text/html; charset=utf-8", send_body)

        def _project(self, rest: str, send_body: bool, variant: str | None = None) -> None:
            name = rest.rstrip("/")
            if "/" in name or not name:
                self._error(404, "Not Found", send_body)
                return
            if name != normalize_name(name) or not rest.endswith("/"):
                where = f"/whl/{variant}/" if variant else "/simple/"
                self._send(301, b"", "text/plain", send_body, {"Location": f"{where}{normalize_name(name)}/"})
                return
            files = [p for p in server._files(variant) if _project_of(p.name) == name]
            if not files:
                self._error(404, "Not Found", send_body)
                return
            if PEP691 in (self.headers.get("Accept") or ""):
                entries = []
                for p in files:
                    sha, requires_python = server._file_meta(p)
                    entries.append(
                        {
                            "filename": p.name,
                            "url": f"../../files/{p.name}",
                            "hashes": {"sha256": sha},
                            "requires-python": requires_python,
                        }
                    )
                body = json.dumps({"meta": {"api-version": "1.0"}, "name": name, "files": entries}).encode()
                self._send(200, body, PEP691, send_body)
                return
            links = []
            for p in files:
                sha, requires_python = server._file_meta(p)
                attr = f' data-requires-python="{html.escape(requires_python)}"' if requires_python else ""
                href = html.escape(f"../../files/{p.name}#sha256={sha}")
                links.append(f'<a href="{href}"{attr}>{html.escape(p.name)}</a><br>')
            self._send(200, _page(f"Links for {name}", links), "text/html; charset=utf-8", send_body)

        def _file(self, filename: str, send_body: bool) -> None:
            target = server.wheel_dir / filename
            if "/" in filename or filename in server.missing or not target.is_file():
                self._error(404, "Not Found", send_body)
                return
            size = target.stat().st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if not send_body:
                return
            with target.open("rb") as fh:
                while chunk := fh.read(CHUNK_SIZE):
                    if server._stopping.is_set():
                        return
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    delay = server.slow_seconds
                    if delay > 0 and server._stopping.wait(delay):
                        return

    return Handler
