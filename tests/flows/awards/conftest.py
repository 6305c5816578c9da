"""Fixtures of the award history tests: the standard catalogue, three districts of Hải Phòng."""

import pytest

from flows.awards.services import ensure_standard_award_types


@pytest.fixture
def award_types(db):
    """The standard catalogue by code (a flushed database has lost migration 0002's rows)."""
    return {award_type.code: award_type for award_type in ensure_standard_award_types()}


@pytest.fixture
def units(make_unit):
    return {
        code: make_unit(name=name, code=code)
        for code, name in [
            ("vinh-bao", "UBND huyện Vĩnh Bảo"),
            ("an-lao", "UBND huyện An Lão"),
            ("cat-hai", "UBND huyện Cát Hải"),
        ]
    }
