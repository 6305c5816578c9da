"""Rule sets in the admin, written through the services: validated, audited, and a set in
force kept as it was (only its last day can still be set)."""

from django.contrib import admin

from flows.rules.forms import RuleSetForm, RuleValueForm, RuleValueFormSet, values_of
from flows.rules.models import CriteriaSet, Criterion, RuleSet, RuleValue
from flows.rules.services import rule_sets
from workflows.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline

EDITABLE_IN_EFFECT = {"valid_to"}


class RuleValueInline(admin.TabularInline):
    model = RuleValue
    form = RuleValueForm
    formset = RuleValueFormSet
    extra = 1

    def _editable(self, obj):
        return obj is None or not obj.has_taken_effect()

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(RuleSet)
class RuleSetAdmin(AuditedAdmin):
    form = RuleSetForm
    inlines = [RuleValueInline]
    list_display = ["name", "scope", "jurisdiction", "bloc", "valid_from", "valid_to"]
    list_filter = ["scope", "jurisdiction"]
    search_fields = ["name", "legal_basis"]
    list_select_related = ["jurisdiction", "bloc"]
    audit_prefix = "rule_set"

    def get_fields(self, request, obj=None):
        fields = list(RuleSetForm.Meta.fields)
        return [*fields, "copy_from"] if obj is None else fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.has_taken_effect():
            return [name for name in RuleSetForm.Meta.fields if name not in EDITABLE_IN_EFFECT]
        return []

    def has_delete_permission(self, request, obj=None):
        in_effect = obj is not None and obj.has_taken_effect()
        return not in_effect and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Deferred to ``save_related``: a set and its values are written together."""

    def save_related(self, request, form, formsets, change):
        values = values_of(formsets[0]) if formsets else {}
        for formset in formsets:
            # The admin's change message reads these; the service wrote the rows.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in RuleSetForm.Meta.fields
        }
        if not change:
            created = rule_sets.create_rule_set(
                **{name: form.cleaned_data.get(name) for name in RuleSetForm.Meta.fields},
                values=values,
                copy_from=form.cleaned_data.get("copy_from"),
                by=request.user,
            )
            form.instance.pk = created.pk
            return
        rule_set = form.instance
        if fields:
            rule_sets.change_rule_set(rule_set=rule_set, by=request.user, **fields)
        if formsets and formsets[0].has_changed() and not rule_set.has_taken_effect():
            rule_sets.replace_values(rule_set=rule_set, values=values, by=request.user)


class CriterionInline(ReadOnlyInline):
    model = Criterion
    fields = [
        "code",
        "name",
        "kind",
        "max_points",
        "evidence_required",
        "indicator",
        "finding_kind",
    ]


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ReadOnlyAdmin):
    """Read-only: the leader unit drafts versions on the term's criteria page (the services)."""

    list_display = ["__str__", "term", "adopted_at", "created_by"]
    list_filter = ["term__year"]
    search_fields = ["term__bloc__name", "name"]
    list_select_related = ["term__bloc", "created_by"]
    inlines = [CriterionInline]
