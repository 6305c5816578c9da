"""Fixtures of the workflows tests only; the shared ones live in tests/conftest.py."""

import pytest


@pytest.fixture
def unit(make_unit):
    return make_unit(name="Sở Nội vụ thành phố Hải Phòng", code="so-noi-vu", kind="so-nganh")


@pytest.fixture
def other_unit(make_unit):
    return make_unit(name="Ủy ban nhân dân quận Lê Chân", code="le-chan", kind="huyen")
