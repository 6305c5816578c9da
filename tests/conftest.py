"""Shared fixtures: organisations, officials and appointments built through the services."""

import datetime
import itertools

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.utils import translation

from workflows import services

# The development PKI and its services, blocs ready for a covenant or a scoring, the demo
# with its PKI.
pytest_plugins = [
    "tests.fixtures.pki",
    "tests.fixtures.covenants",
    "tests.fixtures.scoring",
    "tests.fixtures.meetings",
    "tests.fixtures.demo",
]

_sequence = itertools.count(1)


def pytest_configure(config):
    # PBKDF2 at full strength costs ~0.3 s per hash; tests only need a real hasher. Set for the
    # whole session so that class-level data (setUpTestData) uses it too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config, items):
    # Real-browser tests last: Playwright's sync API and pytest-asyncio's loops must not mix.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts and ends with an empty cache: counts of wrong secrets
    (workflows.throttle) are keyed by ids, which the test databases hand out again, and a
    module's fixtures run before its first test's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Every test runs in the site language, whatever an earlier test left active here.

    Dates in messages are then formatted the Vietnamese way (d/m/Y), as on the site.
    """
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def kinds(db):
    return {kind.code: kind for kind in services.ensure_standard_kinds()}


@pytest.fixture
def jurisdiction(kinds):
    return services.create_organisation(
        code="hp", name="Thành phố Hải Phòng", kind=kinds["tinh"], place_name="Hải Phòng", by=None
    )


@pytest.fixture
def make_unit(kinds, jurisdiction):
    def make(name=None, code=None, kind="huyen", parent=None):
        number = next(_sequence)
        return services.create_organisation(
            code=code or f"unit-{number}",
            name=name or f"Đơn vị {number}",
            kind=kinds[kind],
            parent=parent or jurisdiction,
            by=None,
        )

    return make


@pytest.fixture
def make_user(db):
    def make(username=None, first_name="Nguyễn Văn", last_name=None, **extra):
        number = next(_sequence)
        return get_user_model().objects.create_user(
            username=username or f"official{number}",
            password="secret-pass-1",
            first_name=first_name,
            last_name=last_name or f"An{number}",
            **extra,
        )

    return make


@pytest.fixture
def appoint():
    """Appoint through the service, as the system (``by=None``)."""

    def make(
        user, organisation, role, valid_from=datetime.date(2024, 1, 1), valid_to=None, title=""
    ):
        return services.appoint(
            user=user,
            organisation=organisation,
            role=role,
            valid_from=valid_from,
            valid_to=valid_to,
            title=title,
            by=None,
        )

    return make


@pytest.fixture
def grant(db):
    """Give ``user`` the permissions named ("app_label.codename"); return him fresh from the
    database, so that no permission cache hides them."""

    def give(user, *permissions):
        for permission in permissions:
            app_label, codename = permission.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return type(user).objects.get(pk=user.pk)

    return give
