"""Reads for the bloc pages, each a fixed number of queries whatever the number of rows."""

from django.db.models import Count, Prefetch

from flows.blocs.models import Bloc, BlocMembership, BlocTerm


def _terms_with_members():
    return (
        BlocTerm.objects.select_related("leader", "deputy")
        .annotate(member_count=Count("memberships"))
        .order_by("-year")
    )


def blocs_for_list():
    """Blocs with their jurisdiction and terms (newest first), for the bloc list."""
    return (
        Bloc.objects.select_related("jurisdiction", "supervising_leader")
        .prefetch_related(Prefetch("terms", queryset=_terms_with_members(), to_attr="term_list"))
        .order_by("jurisdiction__name", "name")
    )


def bloc_detail(pk: int) -> Bloc:
    """One bloc with every term, its members, leader and deputy."""
    memberships = BlocMembership.objects.select_related("organisation").order_by(
        "position", "organisation__name"
    )
    terms = _terms_with_members().prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="member_list")
    )
    return (
        Bloc.objects.select_related("jurisdiction", "supervising_leader")
        .prefetch_related(Prefetch("terms", queryset=terms, to_attr="term_list"))
        .get(pk=pk)
    )


def memberships_of_units(organisation_ids) -> list[BlocMembership]:
    """The bloc memberships of some units, newest year first (for "my organisation")."""
    return list(
        BlocMembership.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "term__bloc", "term__leader", "term__deputy")
        .order_by("-year", "term__bloc__name")
    )


def member_units(term) -> list:
    """The member units of a term, in the bloc's order (as documents list their signers)."""
    memberships = BlocMembership.objects.filter(term=term).select_related("organisation")
    return [membership.organisation for membership in memberships.order_by("position", "pk")]
