"""The covenant page and the inbox cost the same queries whatever the number of members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flows.blocs import services as bloc_services
from flows.pledges import services
from tests.flows.pledges.test_flow import adopt, draft_and_submit, review_all, sign_all

pytestmark = pytest.mark.django_db(transaction=True)


def queries(client, url) -> int:
    client.get(url)  # a warm process: the content types are cached after the first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def covenant_in_signing(covenant_bloc, size):
    bloc = covenant_bloc(size)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant, heads=bloc.heads[:2])
    return bloc, covenant


def test_pages_are_constant_in_queries(client, covenant_bloc):
    small_bloc, small = covenant_in_signing(covenant_bloc, 3)
    large_bloc, large = covenant_in_signing(covenant_bloc, 7)
    client.force_login(small_bloc.officer)
    counts = {}
    for name, bloc, covenant in [("small", small_bloc, small), ("large", large_bloc, large)]:
        client.force_login(bloc.heads[-1])
        counts[name] = (
            queries(client, reverse("thidua:covenants:detail", args=[covenant.pk])),
            queries(client, reverse("workflow:inbox")),
            queries(client, reverse("thidua:covenants:index")),
        )
    assert counts["small"] == counts["large"]


def test_the_inbox_costs_the_same_queries_for_one_row_or_three(client, covenant_bloc):
    """Each row's summary (step and unit) and process (covenant and status) are joined, not
    read row by row: a head with three covenants to review costs what one costs."""
    bloc = covenant_bloc(3)
    head = bloc.heads[1]
    covenants = [services.start_covenant(term=bloc.term, by=bloc.officer)]
    for year in (bloc.term.year + 1, bloc.term.year + 2):
        term = bloc_services.open_term(
            bloc=bloc.term.bloc, year=year, leader=bloc.leader, members=bloc.units, by=None
        )
        covenants.append(services.start_covenant(term=term, by=bloc.officer))
    draft_and_submit(bloc, covenants[0])
    client.force_login(head)
    one = queries(client, reverse("workflow:inbox"))
    for covenant in covenants[1:]:
        draft_and_submit(bloc, covenant)
    three = queries(client, reverse("workflow:inbox"))
    page = client.get(reverse("workflow:inbox")).content.decode()
    assert page.count("Góp ý dự thảo giao ước: ") == 3
    assert one == three
