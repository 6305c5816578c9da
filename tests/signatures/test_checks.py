"""The signatures app's system checks: what signing needs, and what a deployment must not do."""

import socket

import pytest

from signatures import checks


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "root.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


@pytest.fixture
def production(settings, root):
    settings.SIGNING_DEV_PKI = False
    settings.SIGNING_TRUST_ROOTS = [str(root)]
    settings.SIGNING_TSA_URL = "https://tsa.example.gov.vn/tsa"
    return settings


def test_a_configured_site_passes(production):
    assert checks.check_signing_settings() == []


def test_no_trust_root_is_an_error_in_vietnamese(production):
    production.SIGNING_TRUST_ROOTS = []
    [problem] = checks.check_signing_settings()
    assert problem.id == "signatures.E002" and problem.is_serious()
    assert "Chưa tin cậy tổ chức chứng thực gốc nào" in problem.msg


def test_an_unreadable_root_is_named(production, tmp_path):
    production.SIGNING_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    [problem] = checks.check_signing_settings()
    assert problem.id == "signatures.E003" and "missing.pem" in problem.msg


def test_the_development_root_may_wait_for_pki_init(settings, tmp_path):
    settings.SIGNING_DEV_PKI, settings.SIGNING_DEV_PKI_DIR = True, tmp_path
    settings.SIGNING_TRUST_ROOTS = [str(tmp_path / "root.cert.pem")]
    assert "signatures.E003" not in ids(checks.check_signing_settings())


def test_a_timestamped_level_needs_a_timestamp_authority(production):
    production.SIGNING_TSA_URL = ""
    [problem] = checks.check_signing_settings()
    assert problem.id == "signatures.E004" and "SIGNING_LEVELS['covenant']" in problem.msg
    production.SIGNING_DEFAULT_LEVEL, production.SIGNING_LEVELS = "B-B", {}
    assert checks.check_signing_settings() == []


def test_an_unknown_level_is_an_error(production):
    production.SIGNING_LEVELS = {"covenant": "B-X"}
    assert ids(checks.check_signing_settings()) == ["signatures.E001"]


def test_the_development_pki_is_refused_in_a_deployment(settings):
    settings.SIGNING_DEV_PKI = True
    assert ids(checks.check_production_signing()) == ["signatures.E101"]


def test_an_unreachable_timestamp_authority_is_a_deployment_warning(production):
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    production.SIGNING_TSA_URL = f"http://127.0.0.1:{port}/tsa"
    assert checks.check_production_signing() == []
    listening.close()
    [problem] = checks.check_production_signing()
    assert problem.id == "signatures.W101" and not problem.is_serious()
