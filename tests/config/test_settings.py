"""Settings from the environment: embedded defaults, production checks, real channel layer."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.urls import reverse

from config import settings as project_settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "production-" + "k3y-" * 15,
    "ALLOWED_HOSTS": "thiduakhenthuong.example.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://thiduakhenthuong.example.gov.vn",
}


def manage(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deployment_env(tmp_path, tsa_port: int) -> dict:
    """Production settings of a site that can sign: its trust root, a reachable timestamp
    authority (a socket listening here), Redis for the live pages, its public address."""
    root = tmp_path / "root-ca.pem"
    root.write_text("-----BEGIN CERTIFICATE-----\n")
    return {
        **PRODUCTION_ENV,
        "VAR_DIR": str(tmp_path),
        "SIGNING_TRUST_ROOTS": str(root),
        "SIGNING_TSA_URL": f"http://127.0.0.1:{tsa_port}/tsa",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SITE_URL": "https://thiduakhenthuong.example.gov.vn",
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as tsa:
        env = deployment_env(tmp_path, tsa.getsockname()[1])
        result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_a_site_that_cannot_sign(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as tsa:
        env = deployment_env(tmp_path, tsa.getsockname()[1])
    env.update(SIGNING_TRUST_ROOTS="", SIGNING_TSA_URL="")
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "signatures.E002" in result.stderr and "signatures.E004" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "VAR_DIR": str(tmp_path)}
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_invalid_boolean_is_refused(tmp_path):
    result = manage("check", env={"DEBUG": "maybe", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_sqlite_urls_get_wal_and_immediate_transactions(tmp_path):
    config = project_settings._database(f"sqlite:///{tmp_path / 'site.sqlite3'}")
    assert config["NAME"] == str(tmp_path / "site.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_urls_are_parsed():
    config = project_settings._database("postgres://thidua:secret@db.internal:5433/thidua")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "thidua")
    assert "OPTIONS" not in config or "init_command" not in config["OPTIONS"]


def test_channel_layer_follows_redis_url():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.REDIS_URL:
        assert backend == "channels_redis.pubsub.RedisPubSubChannelLayer"
        host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
        assert host["socket_timeout"] is None
        assert not settings.TASKS_IN_PROCESS_WORKER
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"
        assert settings.TASKS_IN_PROCESS_WORKER


@pytest.mark.asyncio
async def test_channel_layer_delivers_a_group_message():
    # Over a real connection when REDIS_URL is set (CI's second run).
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = f"test-{uuid.uuid4().hex}"
    await layer.group_add(group, channel)
    try:
        await layer.group_send(group, {"type": "test.message", "text": "Ký giao ước"})
        message = await layer.receive(channel)
        assert message == {"type": "test.message", "text": "Ký giao ước"}
    finally:
        await layer.group_discard(group, channel)


def test_site_speaks_vietnamese_whatever_the_browser_says(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


def test_english_is_available_on_request(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
    assert "Emulation and commendation" in response.content.decode()


def test_every_middleware_runs_in_async_mode():
    """One synchronous middleware makes Django hop back to the event loop from a thread for
    the rest of the chain; a request dropped during that hop broke its request_finished
    ("CurrentThreadExecutor already quit or is broken", config/middleware.py)."""
    from django.conf import settings as site_settings
    from django.utils.module_loading import import_string

    synchronous = [
        path
        for path in site_settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    assert synchronous == []
