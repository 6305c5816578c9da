"""Fixtures of the workflows tests only; the shared ones live in tests/conftest.py."""

import pytest
from django.contrib.auth.models import Permission


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
