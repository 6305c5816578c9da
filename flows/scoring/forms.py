"""The scoring pages' forms. Points are typed as text and checked once, by the services, whose
messages name the component; the forms only carry what was typed and the revision read."""

from django import forms
from django.utils.translation import gettext_lazy as _

from flows.scoring.models import DisputeStatus


class OpenScoringForm(forms.Form):
    term = forms.ModelChoiceField(None, label=_("Bloc and year"), empty_label=_("Choose a term"))

    def __init__(self, *args, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = terms


class EntriesForm(forms.Form):
    """One row per component: its points, a note (or the reason for a change) and the
    revision the page showed, named ``points-<criterion id>`` and so on."""

    def __init__(self, data=None, *, scores, points_field, note_field, note_label):
        super().__init__(data)
        self.scores = scores
        for score in scores:
            key = score.criterion_id
            points = getattr(score, points_field)
            if points is None and points_field == "cross_points":
                points = score.self_points  # cross-scoring starts from the unit's points
            points_label = _("points of %(code)s") % {"code": score.criterion.code}
            note_text = note_label % {"code": score.criterion.code}
            # The table shows the fields without their labels: each names itself.
            self.fields[f"points-{key}"] = forms.CharField(
                label=points_label,
                required=False,
                initial="" if points is None else f"{points.normalize():f}",
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "size": 5, "aria-label": points_label}
                ),
                disabled=bool(score.criterion.indicator) and points_field == "self_points",
            )
            self.fields[f"note-{key}"] = forms.CharField(
                label=note_text,
                required=False,
                initial=getattr(score, note_field),
                widget=forms.TextInput(attrs={"size": 40, "aria-label": note_text}),
            )
            self.fields[f"revision-{key}"] = forms.IntegerField(
                initial=score.revision, widget=forms.HiddenInput
            )

    def entries(self, note_key: str) -> dict:
        """``{criterion id: {"points", note_key, "revision"}}`` of the typed rows."""
        data = self.cleaned_data
        return {
            score.criterion_id: {
                "points": data.get(f"points-{score.criterion_id}"),
                note_key: data.get(f"note-{score.criterion_id}", ""),
                "revision": data.get(f"revision-{score.criterion_id}"),
            }
            for score in self.scores
            if not self.fields[f"points-{score.criterion_id}"].disabled
        }

    def row_fields(self, score):
        key = score.criterion_id
        return self[f"points-{key}"], self[f"note-{key}"], self[f"revision-{key}"]


class EvidenceForm(forms.Form):
    criterion = forms.TypedChoiceField(label=_("Component"), coerce=int)
    name = forms.CharField(label=_("Name of the evidence"), max_length=255)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [
            (score.criterion_id, f"{score.criterion.code}. {score.criterion.name}")
            for score in scores
        ]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("What should be changed"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DisputeForm(forms.Form):
    """A reason per component whose points the cross-scoring changed; empty: accepted."""

    def __init__(self, data=None, *, scores):
        super().__init__(data)
        self.scores = [s for s in scores if s.difference]
        for score in self.scores:
            label = _("why you dispute %(code)s") % {"code": score.criterion.code}
            self.fields[f"reason-{score.criterion_id}"] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(attrs={"size": 40, "aria-label": label}),
            )

    def row_fields(self, score):
        """The reason field of a changed component (nothing for the others)."""
        name = f"reason-{score.criterion_id}"
        return (self[name] if name in self.fields else None,)

    def reasons(self) -> dict:
        return {
            score.criterion_id: self.cleaned_data.get(f"reason-{score.criterion_id}", "")
            for score in self.scores
        }


class DecisionForm(forms.Form):
    dispute = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[(value, label) for value, label in DisputeStatus.choices if value != "open"],
        widget=forms.RadioSelect,
    )
    points = forms.CharField(label=_("points decided (when amended)"), required=False)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
