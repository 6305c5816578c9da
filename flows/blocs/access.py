"""Who may see a bloc's work: the site's one visibility policy (ARCHITECTURE rule 4).

A bloc term's work is its covenant, the covenant's documents and attachments, its process with
its history and tasks, and its live page (and, next, its scores, ballot and nominations). The
officials who may see it are:

- **its own units**: whoever holds an appointment at a member unit of the term, unless it ended
  before the term began (so a unit keeps its records when its head changes), and whoever acts
  today for such an appointment under a delegation;
- **its supervising leader** (the provincial vice-chairman in charge of the bloc);
- **the overseers of its jurisdiction**: the emulation council (chair, secretary, members) and
  the home-affairs officers, appointed today at the jurisdiction or at one of its direct units
  (the council and the home-affairs department are units of the province);
- **auditors**: anyone granted the permission ``blocs.view_all_terms`` (an administrator gives
  it to the inspectors' group), and superusers.

Nobody else: another unit's official gets a 404, as if the covenant did not exist. What the law
makes public (the nominations' public disclosure, NĐ 152/2025 Điều 44) will be published by its
own page, not by widening this policy. The bloc pages themselves (names, member units, leader)
are open to every signed-in official: the province's decision forming the blocs is public.

Views, selectors, downloads and live sockets all ask here; nothing else decides.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from flows.blocs.models import BlocTerm
from workflows.models import Appointment, Delegation, Role

#: The permission (codename on BlocTerm) of auditors, who may see every bloc's work.
SEE_ALL_TERMS = "blocs.view_all_terms"

#: Who oversees a jurisdiction's blocs: its council and its home-affairs office (DOMAIN.md §5).
OVERSEER_ROLES = [
    Role.COUNCIL_CHAIR,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
    Role.HOME_AFFAIRS_OFFICER,
]


def sees_everything(user) -> bool:
    return user.is_superuser or user.has_perm(SEE_ALL_TERMS)


def _serves_a_member_unit(user, today):
    """An appointment of ``user`` at a member unit of the outer term, not ended before it."""
    own = Appointment.objects.filter(
        user=user,
        organisation__bloc_memberships__term=OuterRef("pk"),
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("valid_from")))
    delegated = (
        Delegation.objects.current(today)
        .filter(substitute=user, revoked_at__isnull=True)
        .filter(appointment__organisation__bloc_memberships__term=OuterRef("pk"))
    )
    return Exists(own) | Exists(delegated)


def _oversees(user, today, jurisdiction_ref: str):
    """A current overseer's appointment of ``user`` at the jurisdiction or a direct unit of it."""
    return Exists(
        Appointment.objects.current(today)
        .filter(user=user, role__in=OVERSEER_ROLES)
        .filter(
            Q(organisation=OuterRef(jurisdiction_ref))
            | Q(organisation__parent=OuterRef(jurisdiction_ref))
        )
    )


def visible_terms(user) -> QuerySet[BlocTerm]:
    """The bloc terms whose work ``user`` may see (one query, whatever their number)."""
    if not user.is_authenticated:
        return BlocTerm.objects.none()
    if sees_everything(user):
        return BlocTerm.objects.all()
    today = timezone.localdate()
    return BlocTerm.objects.filter(
        _serves_a_member_unit(user, today)
        | Q(bloc__supervising_leader=user)
        | _oversees(user, today, "bloc__jurisdiction")
    )


def may_see_term(user, term_id: int) -> bool:
    return visible_terms(user).filter(pk=term_id).exists()


def may_oversee(user, jurisdiction_id: int) -> bool:
    """Whether ``user`` oversees the blocs of a jurisdiction (the council's progress board)."""
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    today = timezone.localdate()
    units = Q(organisation_id=jurisdiction_id) | Q(organisation__parent_id=jurisdiction_id)
    overseer = (
        Appointment.objects.current(today)
        .filter(units, user=user, role__in=OVERSEER_ROLES)
        .exists()
    )
    return overseer or user.supervised_blocs.filter(jurisdiction_id=jurisdiction_id).exists()
