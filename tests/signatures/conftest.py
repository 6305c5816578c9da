"""Fixtures shared by the signature tests: a development PKI with its responders, a SoftHSM2
token and a CSC remote-signing service. None of them touches the database.
"""

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings
from werkzeug.serving import WSGIRequestHandler, make_server

from signatures.devpki import responders_wsgi_app
from signatures.pki import ARCHITECTURE, OfficialIdentity, build_dev_pki, load_config

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
STARTUP_TIMEOUT = 10  # seconds: every wait below is bounded
COMMAND_TIMEOUT = 30

_UNIT = "UBND huyện Vĩnh Bảo"
NAMED_OFFICIALS = [
    OfficialIdentity("an", "Nguyễn Văn An", "Chủ tịch", _UNIT),
    OfficialIdentity("binh", "Trần Thị Bình", "Phó Chủ tịch", _UNIT),
    OfficialIdentity("cuong", "Lê Văn Cường", "Văn thư", _UNIT),
]
# Twenty more signers, for the documents that carry twenty signatures.
_TWENTY = [
    ("Phạm Minh Tuấn", "Giám đốc", "Trung tâm Văn hóa – Thông tin và Thể thao huyện Bạch Long Vĩ"),
    ("Hoàng Thị Lan", "Hiệu trưởng", "Trường THPT Vĩnh Bảo"),
    ("Vũ Đức Thắng", "Chủ tịch", "UBND huyện Cát Hải"),
    ("Đặng Thị Hương", "Phó Chủ tịch", "UBND huyện Cát Hải"),
    ("Bùi Quang Huy", "Giám đốc", "Sở Nội vụ thành phố Hải Phòng"),
    ("Đỗ Thị Mai", "Trưởng phòng", "Phòng Nội vụ huyện Kiến Thụy"),
    ("Hồ Văn Nam", "Chủ tịch", "UBND huyện Kiến Thụy"),
    ("Ngô Thị Thu Trang", "Phó Giám đốc", "Sở Văn hóa và Thể thao"),
    ("Dương Văn Phúc", "Chủ tịch", "UBND huyện Tiên Lãng"),
    ("Lý Thị Ngọc Ánh", "Hiệu trưởng", "Trường THCS Tiên Lãng"),
    ("Trịnh Công Sơn", "Giám đốc", "Ban Quản lý dự án huyện An Lão"),
    ("Mai Thị Hạnh", "Phó Chủ tịch", "UBND huyện An Lão"),
    ("Đinh Văn Khoa", "Chủ tịch", "UBND huyện Thủy Nguyên"),
    ("Phan Thị Yến", "Chánh Văn phòng", "Văn phòng HĐND và UBND huyện Thủy Nguyên"),
    ("Tạ Quang Vinh", "Giám đốc", "Trung tâm Y tế huyện Vĩnh Bảo"),
    ("Lương Thị Thảo", "Trưởng ban", "Ban Thi đua – Khen thưởng"),
    ("Cao Văn Lực", "Chủ tịch", "UBND quận Đồ Sơn"),
    ("Kiều Thị Oanh", "Phó Chủ tịch", "UBND quận Đồ Sơn"),
    ("Nghiêm Xuân Trường", "Giám đốc", "Sở Giáo dục và Đào tạo"),
    ("Âu Thị Diệu Linh", "Văn thư", "Văn phòng UBND thành phố Hải Phòng"),
]
TWENTY_OFFICIALS = [
    OfficialIdentity(f"official{number:02d}", name, title, unit)
    for number, (name, title, unit) in enumerate(_TWENTY, start=1)
]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per OCSP request is noise in test output
        pass


class _Deferred:
    """A WSGI app whose target is set later: the server's port goes into the certificates."""

    app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"The development PKI is being built."]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def dev_officials() -> list[OfficialIdentity]:
    """Everyone holding a certificate in ``dev_pki`` (create users with these usernames)."""
    return NAMED_OFFICIALS + TWENTY_OFFICIALS


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory, dev_officials):
    """A development PKI with test identities, its responders on 127.0.0.1, and the settings.

    The responders (OCSP, CRLs, certificates, TSA) answer under ``pki.url_prefix`` for the
    whole session; SIGNING_TRUST_ROOTS, SIGNING_TSA_URL and the SIGNING_DEV_PKI_* settings
    point at this PKI.
    """
    directory = tmp_path_factory.mktemp("dev-pki")
    deferred = _Deferred()
    server = make_server("127.0.0.1", 0, deferred, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="dev-pki-responders", daemon=True)
    thread.start()
    url_prefix = f"http://127.0.0.1:{server.server_port}/pki"
    try:
        pki = build_dev_pki(
            directory, url_prefix=url_prefix, officials=dev_officials, test_identities=True
        )
        deferred.app = responders_wsgi_app(directory, url_prefix)
        with override_settings(
            SIGNING_TRUST_ROOTS=[str(pki.root_path)],
            SIGNING_TSA_URL=pki.tsa_url,
            SIGNING_DEV_PKI_DIR=directory,
            SIGNING_DEV_PKI_URL=url_prefix,
        ):
            yield pki
    finally:
        server.shutdown()  # returns once serve_forever has stopped (0.5 s poll)
        server.server_close()
        thread.join(timeout=STARTUP_TIMEOUT)


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    token_label: str
    key_id: str  # hex CKA_ID of the key and of the certificate
    user_pin: str
    so_pin: str
    username: str  # whose key and certificate the token holds


@pytest.fixture(scope="session")
def softhsm_token(dev_pki, tmp_path_factory):
    """A SoftHSM2 token holding the key and certificate of ``official05``."""
    tools = [shutil.which("softhsm2-util"), shutil.which("pkcs11-tool")]
    if None in tools or not Path(SOFTHSM_MODULE).exists():
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2 opensc)")
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    token = SoftHsmToken(SOFTHSM_MODULE, "thidua-test", "05", "1234", "12345678", "official05")
    previous = os.environ.get("SOFTHSM2_CONF")
    # SoftHSM reads the variable when the library initialises: set for the whole session.
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        _fill_token(token, dev_pki, directory)
        yield token
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def _fill_token(token: SoftHsmToken, pki, directory: Path) -> None:
    certificate = directory / f"{token.username}.der"
    certificate.write_bytes(pki.certificate_for(token.username).dump())
    label = pki.label_for(token.username)
    _run(
        "softhsm2-util", "--init-token", "--free", "--label", token.token_label,
        "--pin", token.user_pin, "--so-pin", token.so_pin,
    )  # fmt: skip
    _run(
        "softhsm2-util", "--import", str(pki.key_path_for(token.username)),
        "--token", token.token_label, "--label", label, "--id", token.key_id,
        "--pin", token.user_pin,
    )  # fmt: skip
    _run(
        "pkcs11-tool", "--module", token.module, "--token-label", token.token_label,
        "--login", "--pin", token.user_pin, "--write-object", str(certificate),
        "--type", "cert", "--id", token.key_id, "--label", label,
    )  # fmt: skip


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stdout}{result.stderr}")


@dataclass(frozen=True)
class CscService:
    url: str  # the service URL (the API lives under /csc/v1/)
    hash_pinning: bool  # SCAL 2: every authorisation names the hashes it allows
    credential_id: Callable[[str], str]  # username -> "thidua-dev/<label>"


@pytest.fixture(scope="session")
def csc_service(dev_pki):
    """certomancer-csc-dummy for ``thidua-dev`` on 127.0.0.1 (SCAL 2), in a thread of its own."""
    from aiohttp import web
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams

    csc = CSCWithCertomancer(
        load_config(dev_pki.directory),
        service_params=DummyServiceParams(hash_pinning_required=True),
    )
    csc.register_routes()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="csc-dummy", daemon=True)
    thread.start()
    runner = web.AppRunner(csc.app, access_log=None)

    async def start() -> int:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner.addresses[0][1]

    def in_loop(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=STARTUP_TIMEOUT)

    try:
        port = in_loop(start())
        yield CscService(
            url=f"http://127.0.0.1:{port}",
            hash_pinning=True,
            credential_id=lambda username: f"{ARCHITECTURE}/{dev_pki.label_for(username)}",
        )
    finally:
        in_loop(runner.cleanup())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=STARTUP_TIMEOUT)
        if not thread.is_alive():
            loop.close()
