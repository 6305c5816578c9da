"""The pinned stack: the maintained django-fsm-2, never the deprecated django-fsm."""

import importlib.metadata

import pytest


def test_django_fsm_2_provides_django_fsm():
    assert importlib.metadata.version("django-fsm-2") == "4.2.4"
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("django-fsm")  # the deprecated original


@pytest.mark.parametrize(
    ("distribution", "version"),
    [
        ("Django", "6.1.3"),
        ("django-viewflow", "2.4.0"),
        ("channels", "4.3.2"),
        ("pyhanko", "0.38.0"),
        ("django-tasks-db", "0.13.0"),
    ],
)
def test_stack_versions(distribution, version):
    assert importlib.metadata.version(distribution) == version
