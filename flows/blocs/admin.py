from django.contrib import admin

from flows.blocs import services
from flows.blocs.forms import BlocTermForm
from flows.blocs.models import Bloc, BlocMembership, BlocTerm
from workflows.admin import AuditedAdmin
from workflows.services import record_event


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
            by=request.user,
        )


class BlocMembershipInline(admin.TabularInline):
    model = BlocMembership
    fields = ["position", "organisation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BlocTerm)
class BlocTermAdmin(admin.ModelAdmin):
    """Terms are written only through the services, members included."""

    form = BlocTermForm
    list_display = ["bloc", "year", "leader", "deputy", "valid_from", "valid_to"]
    list_filter = ["year", "bloc__jurisdiction"]
    search_fields = ["bloc__name"]
    list_select_related = ["bloc", "leader", "deputy"]
    inlines = [BlocMembershipInline]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "leader": data["leader"],
            "deputy": data.get("deputy"),
            "members": list(data["members"]),
            "valid_from": data["valid_from"],
            "valid_to": data["valid_to"],
            "by": request.user,
        }
        if change:
            services.change_term(term=obj, **fields)
        else:
            obj.pk = services.open_term(bloc=data["bloc"], year=data["year"], **fields).pk

    def delete_model(self, request, obj):
        record_event("bloc_term.deleted", actor=request.user, obj=obj)
        super().delete_model(request, obj)
