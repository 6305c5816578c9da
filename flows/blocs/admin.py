from django.contrib import admin

from flows.blocs import services
from flows.blocs.forms import BlocTermForm
from flows.blocs.models import Bloc, BlocMembership, BlocTerm
from workflows.admin import AuditedAdmin, ReadOnlyInline


@admin.register(Bloc)
class BlocAdmin(AuditedAdmin):
    list_display = ["name", "kind", "jurisdiction", "supervising_leader", "historical"]
    list_filter = ["kind", "jurisdiction", "historical"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["supervising_leader"]
    list_select_related = ["jurisdiction", "supervising_leader"]

    def get_readonly_fields(self, request, obj=None):
        # Memberships copy the jurisdiction to enforce one bloc per unit and year.
        return ["jurisdiction"] if obj else []

    def create(self, request, obj, form):
        return services.create_bloc(
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            jurisdiction=obj.jurisdiction,
            supervising_leader=obj.supervising_leader,
            historical=obj.historical,
            description=obj.description,
            signing_order=obj.signing_order,
            review_days=obj.review_days,
            signing_days=obj.signing_days,
            reminder_days=obj.reminder_days,
            escalate_overdue=obj.escalate_overdue,
            by=request.user,
        )


class BlocMembershipInline(ReadOnlyInline):
    """Memberships are shown, and changed, only with their term (through the services)."""

    model = BlocMembership
    fields = ["position", "organisation"]


@admin.register(BlocTerm)
class BlocTermAdmin(AuditedAdmin):
    """Terms are written only through the services, members included."""

    form = BlocTermForm
    list_display = ["bloc", "year", "leader", "deputy", "valid_from", "valid_to"]
    list_filter = ["year", "bloc__jurisdiction"]
    search_fields = ["bloc__name"]
    list_select_related = ["bloc", "leader", "deputy"]
    inlines = [BlocMembershipInline]
    audit_prefix = "bloc_term"

    def create(self, request, obj, form):
        data = form.cleaned_data
        return services.open_term(
            bloc=data["bloc"], year=data["year"], **self.term_fields(request, form)
        )

    def change(self, request, obj, form):
        services.change_term(term=obj, **self.term_fields(request, form))

    @staticmethod
    def term_fields(request, form) -> dict:
        data = form.cleaned_data
        return {
            "leader": data["leader"],
            "deputy": data.get("deputy"),
            "members": list(data["members"]),
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "by": request.user,
        }
