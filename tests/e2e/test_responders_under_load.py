"""The development PKI's responders, served by the site's own process under /pki/, answer
while the site serves pages, many at once, and no request of the browser tests so far met a
server error. (An OCSP request following another on a keep-alive connection, and a page whose
browser left during the middleware's hop back to the event loop, both failed with
"CurrentThreadExecutor already quit or is broken": config/asgi.py, config/middleware.py.)
Bounded: 320 requests, 8 at a time."""

import concurrent.futures
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

ROUNDS = 40
PATHS = [
    "/pki/thidua-dev/crls/root/latest.crl",
    "/pki/thidua-dev/certs/root/ca.crt",
    "/accounts/login/",
    "/healthz",
]


def status_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status


def test_the_responders_answer_beside_the_pages_under_load(live_server_url, live_server_var_dir):
    urls = [f"{live_server_url}{path}" for _round in range(ROUNDS) for path in PATHS * 2]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(status_of, urls))
    assert statuses == [200] * len(urls)
    log = (live_server_var_dir / "server.log").read_text(errors="replace")
    assert "CurrentThreadExecutor" not in log
    assert "Exception in ASGI application" not in log  # no server error so far, any request
