"""Typed readers for environment variables, used only by ``config.settings``.

Every variable the project reads is listed in the README's configuration table; keep the two in
step. Invalid values fail loudly at start-up instead of being silently replaced by a default.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def string(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def boolean(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from error


def string_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def integer_list(name: str, default: list[int]) -> list[int]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return [int(item) for item in string_list(name, [])]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be integers separated by commas, got {raw!r}."
        ) from error


def secret_key(var_dir: Path, *, debug: bool) -> str:
    """``SECRET_KEY`` from the environment; in development, a key kept under ``var/``.

    The development key is persisted so that sessions survive a restart of ``make run``.
    Production (``DEBUG`` off) must set the variable explicitly.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not debug:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
