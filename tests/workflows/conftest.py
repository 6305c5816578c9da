"""Fixtures of the workflows tests only; the shared ones live in tests/conftest.py."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import translation


@pytest.fixture(autouse=True)
def _site_language():
    """Run in the site language, whatever an earlier test or request activated in this thread.

    Dates in messages are then formatted the Vietnamese way (d/m/Y), as on the site.
    """
    with translation.override(settings.LANGUAGE_CODE):
        yield


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


@pytest.fixture
def unit(make_unit):
    return make_unit(name="Sở Nội vụ thành phố Hải Phòng", code="so-noi-vu", kind="so-nganh")


@pytest.fixture
def other_unit(make_unit):
    return make_unit(name="Ủy ban nhân dân quận Lê Chân", code="le-chan", kind="huyen")
