import pytest
from django.utils.text import slugify

from flows.blocs import services
from flows.blocs.models import BlocKind


@pytest.fixture
def make_bloc(jurisdiction):
    def make(name="Cụm thi đua Khối huyện", code=None, jurisdiction_org=None):
        return services.create_bloc(
            code=code or slugify(name),
            name=name,
            kind=BlocKind.CUM,
            jurisdiction=jurisdiction_org or jurisdiction,
            by=None,
        )

    return make


@pytest.fixture
def units(make_unit):
    return [
        make_unit(name=f"UBND huyện {n}")
        for n in ["Vĩnh Bảo", "Thủy Nguyên", "An Lão", "Kiến Thụy", "Cát Hải"]
    ]
