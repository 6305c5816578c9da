"""The development PKI's responders (OCSP, CRLs, certificate repository, TSA) for the site.

While SIGNING_DEV_PKI is on, ``config/asgi.py`` mounts them under the path of
SIGNING_DEV_PKI_URL (``/pki/``), so the URLs written into the development certificates answer
from the site itself. They are certomancer's Animator (a WSGI app) without its web UI: that UI
hands out every private key as a PKCS#12 download.
"""

import contextlib
import logging
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from asgiref.sync import ThreadSensitiveContext
from asgiref.wsgi import WsgiToAsgi
from certomancer.integrations.animator import Animator, AnimatorArchStore
from django.conf import settings
from werkzeug.serving import WSGIRequestHandler, make_server

from signatures import pki

logger = logging.getLogger(__name__)

# OCSP and time-stamp requests are a few hundred bytes; refuse anything large unread.
MAX_REQUEST_BYTES = 64 * 1024


def responders_wsgi_app(directory: Path, url_prefix: str):
    """The responders as a WSGI app answering under the path of ``url_prefix``, or None."""
    if pki.open_dev_pki(directory) is None:
        return None
    return _Mounted(_ReloadingAnimator(Path(directory)), _prefix_path(url_prefix))


def responders_app(directory: Path, url_prefix: str):
    """The responders as an ASGI app, or None while the PKI is not initialised (pki_init)."""
    wsgi_app = responders_wsgi_app(directory, url_prefix)
    return None if wsgi_app is None else _ThreadPerRequest(WsgiToAsgi(wsgi_app))


def mount_responders(app, *, directory: Path, url_prefix: str):
    """``app`` with the responders answering the HTTP requests under the prefix's path.

    The responders are looked up at the first such request, so that ``pki_init`` may run after
    the server started.
    """
    return _ResponderMount(app, Path(directory), url_prefix)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per OCSP request is noise
        pass


@contextlib.contextmanager
def responders_for_command():
    """Serve the responders while a management command signs outside the site.

    Signing needs the time-stamp and OCSP answers at SIGNING_DEV_PKI_URL; when the site is not
    running there, they are served from this process for the duration of the block.
    """
    parts = urlsplit(settings.SIGNING_DEV_PKI_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    app = None
    if settings.SIGNING_DEV_PKI and not _answering(host, port):
        app = responders_wsgi_app(settings.SIGNING_DEV_PKI_DIR, settings.SIGNING_DEV_PKI_URL)
    if app is None:
        yield
        return
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="dev-pki-responders", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _answering(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def _prefix_path(url_prefix: str) -> str:
    return urlsplit(url_prefix).path.rstrip("/")


class _ReloadingAnimator:
    """Certomancer's Animator over the stored config, reloaded when pki_init changes it.

    A running site must answer OCSP for officials that pki_init adds later.
    """

    def __init__(self, directory: Path):
        self.config_path = directory / pki.CONFIG_NAME
        self._lock = threading.Lock()
        self._loaded_stamp = None
        self._animator = None

    def __call__(self, environ, start_response):
        return self._current()(environ, start_response)

    def _current(self) -> Animator:
        stat = self.config_path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._loaded_stamp:
                architecture = pki.load_architecture(self.config_path.parent)
                self._animator = Animator(
                    AnimatorArchStore({architecture.arch_label: architecture}),
                    with_web_ui=False,
                    # The site's responders always answer for the real time.
                    allow_time_override=False,
                )
                self._loaded_stamp = stamp
                logger.info("Development PKI responders loaded from %s", self.config_path)
            return self._animator


class _Mounted:
    """WSGI middleware: serve ``app`` under ``path`` (moved from PATH_INFO to SCRIPT_NAME)."""

    def __init__(self, app, path: str):
        self.app, self.path = app, path

    def __call__(self, environ, start_response):
        script, path_info = environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "")
        if not (self.path and script.endswith(self.path)):  # not already mounted by a router
            if path_info != self.path and not path_info.startswith(self.path + "/"):
                return _plain(start_response, "404 Not Found", b"Not found")
            environ = {
                **environ,
                "SCRIPT_NAME": script + self.path,
                "PATH_INFO": path_info[len(self.path) :],
            }
        if int(environ.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
            return _plain(start_response, "413 Content Too Large", b"Request too large")
        return self.app(environ, start_response)


def _plain(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class _ThreadPerRequest:
    """Run each request's WSGI call in a thread of its own.

    WsgiToAsgi runs WSGI in asgiref's thread-sensitive executor; outside a context of its own
    that is one thread shared by every such call of the process, so a slow call elsewhere would
    hold up OCSP answers. Django's ASGI handler opens a context per request too.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():
            await self.app(scope, receive, send)


class _ResponderMount:
    """ASGI dispatch: HTTP under the prefix's path to the responders, the rest to ``app``."""

    def __init__(self, app, directory: Path, url_prefix: str):
        self.app, self.directory, self.url_prefix = app, directory, url_prefix
        self.path = _prefix_path(url_prefix)
        self._responders = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self._matches(scope):
            responders = self._responders or self._load()
            if responders is not None:
                return await responders(scope, receive, send)
            return await _not_initialised(send)
        return await self.app(scope, receive, send)

    def _matches(self, scope) -> bool:
        path, root = scope["path"], scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path == self.path or path.startswith(self.path + "/")

    def _load(self):
        self._responders = responders_app(self.directory, self.url_prefix)
        return self._responders


async def _not_initialised(send) -> None:
    body = b"The development PKI is not initialised: run manage.py pki_init."
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})
