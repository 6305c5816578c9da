"""Organisations: the tree refuses cycles; creation is permission-checked and audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.workflows.helpers import errors_on, events
from workflows import services
from workflows.models import Organisation


class TestParentCycle:
    def test_a_unit_cannot_be_placed_under_its_own_child(self, make_unit):
        upper = make_unit(name="Sở Tài chính")
        lower = make_unit(name="Phòng Ngân sách", parent=upper)

        upper.parent = lower
        with pytest.raises(ValidationError) as caught:
            upper.full_clean()

        assert errors_on(caught.value, "parent")
        upper.refresh_from_db()
        assert upper.parent != lower

    def test_a_unit_cannot_be_placed_under_itself(self, make_unit):
        unit = make_unit()
        unit.parent = unit
        with pytest.raises(ValidationError) as caught:
            unit.full_clean()
        assert errors_on(caught.value, "parent")

    def test_a_longer_cycle_is_refused(self, make_unit):
        top = make_unit()
        middle = make_unit(parent=top)
        bottom = make_unit(parent=middle)

        top.parent = bottom
        with pytest.raises(ValidationError) as caught:
            top.full_clean()
        assert errors_on(caught.value, "parent")

    def test_moving_a_unit_elsewhere_in_the_tree_is_accepted(self, make_unit, jurisdiction):
        first, second = make_unit(), make_unit()
        second.parent = first
        second.full_clean()
        second.save()
        assert second.ancestors() == [first, jurisdiction]


class TestCreateOrganisation:
    def test_a_user_without_the_permission_is_refused(self, kinds, jurisdiction, make_user):
        clerk = make_user()
        with pytest.raises(PermissionDenied):
            services.create_organisation(
                code="so-y-te",
                name="Sở Y tế",
                kind=kinds["so-nganh"],
                parent=jurisdiction,
                by=clerk,
            )
        assert not Organisation.objects.filter(code="so-y-te").exists()
        assert [event.object_repr for event in events("organisation.created")] == [
            jurisdiction.name
        ]

    def test_a_user_with_the_permission_creates_it_and_it_is_audited(
        self, kinds, jurisdiction, make_user, grant
    ):
        clerk = grant(make_user(), "workflows.add_organisation")
        organisation = services.create_organisation(
            code="so-y-te",
            name="Sở Y tế",
            kind=kinds["so-nganh"],
            parent=jurisdiction,
            by=clerk,
            abbreviation="SYT",
        )

        assert organisation.parent == jurisdiction
        assert organisation.abbreviation == "SYT"
        event = events("organisation.created")[-1]
        assert event.actor == clerk
        assert event.on_behalf_of is None
        assert event.object_type == "workflows.organisation"
        assert event.object_id == str(organisation.pk)
        assert event.data == {
            "code": "so-y-te",
            "name": "Sở Y tế",
            "kind": "so-nganh",
            "parent": "hp",
        }

    def test_a_duplicate_code_is_refused_on_the_code_field(self, kinds, jurisdiction):
        with pytest.raises(ValidationError) as caught:
            services.create_organisation(
                code="hp", name="Hải Phòng (bản sao)", kind=kinds["tinh"], by=None
            )
        assert errors_on(caught.value, "code")
        assert Organisation.objects.filter(code="hp").count() == 1
        assert len(events("organisation.created")) == 1
