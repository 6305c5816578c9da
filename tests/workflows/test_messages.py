"""Bad input is refused with precise Vietnamese messages, in the services and in the admin."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from workflows import services
from workflows.models import Delegation, Role

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def head(make_user):
    return make_user(first_name="Trần Thị", last_name="Bình")


def test_an_appointment_ending_before_it_starts(make_user, unit):
    with pytest.raises(ValidationError) as error:
        services.appoint(
            user=make_user(),
            organisation=unit,
            role=Role.HEAD,
            valid_from=D(2024, 1, 1),
            valid_to=D(2023, 12, 31),
            by=None,
        )
    assert error.value.message_dict["valid_to"] == [
        "Ngày kết thúc (31/12/2023) trước ngày bắt đầu (01/01/2024)."
    ]


def test_a_second_head_names_the_one_in_office(appoint, head, make_user, unit):
    appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)
    with pytest.raises(ValidationError) as error:
        services.appoint(
            user=make_user(), organisation=unit, role=Role.HEAD, valid_from=D(2024, 6, 1), by=None
        )
    assert error.value.message_dict[NON_FIELD_ERRORS] == [
        "Sở Nội vụ thành phố Hải Phòng đã có thủ trưởng đơn vị trong thời gian này: "
        "Trần Thị Bình (từ 01/01/2024)."
    ]


def test_a_delegation_to_oneself(appoint, head, unit):
    appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)
    with pytest.raises(ValidationError) as error:
        services.delegate(
            appointment=appointment,
            substitute=head,
            valid_from=D(2024, 3, 1),
            valid_to=D(2024, 3, 31),
            by=head,
        )
    assert error.value.message_dict["substitute"] == ["Cán bộ không thể ủy quyền cho chính mình."]


def test_a_delegation_outside_the_appointment(appoint, head, make_user, unit):
    appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), D(2024, 6, 30))
    with pytest.raises(ValidationError) as error:
        services.delegate(
            appointment=appointment,
            substitute=make_user(),
            valid_from=D(2024, 6, 1),
            valid_to=D(2024, 7, 15),
            by=head,
        )
    assert error.value.message_dict[NON_FIELD_ERRORS] == [
        "Thời gian ủy quyền (01/06/2024 – 15/07/2024) phải nằm trong thời gian giữ vai trò "
        "được ủy quyền (01/01/2024 – 30/06/2024)."
    ]


def test_the_admin_shows_a_delegation_outside_the_appointment(
    client, make_user, appoint, head, unit
):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), D(2024, 6, 30))
    response = client.post(
        reverse("admin:workflows_delegation_add"),
        {
            "appointment": appointment.pk,
            "substitute": make_user().pk,
            "scope": "all",
            "prefix": "KT.",
            "valid_from": "01/06/2024",
            "valid_to": "15/07/2024",
        },
    )
    assert response.status_code == 200
    assert "phải nằm trong thời gian giữ vai trò được ủy quyền" in response.content.decode()
    assert not Delegation.objects.exists()


def test_the_admin_shows_an_appointment_ending_before_it_starts(client, make_user, unit):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:workflows_appointment_add"),
        {
            "user": make_user().pk,
            "organisation": unit.pk,
            "role": Role.HEAD,
            "title": "",
            "valid_from": "01/01/2024",
            "valid_to": "31/12/2023",
        },
    )
    assert response.status_code == 200
    assert "Ngày kết thúc (31/12/2023) trước ngày bắt đầu (01/01/2024)." in (
        response.content.decode()
    )
