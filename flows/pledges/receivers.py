"""The covenant flow advances when the signatures app reports a signature."""

from django.dispatch import receiver

from flows.pledges import services
from signatures.signals import field_signed


@receiver(field_signed, dispatch_uid="pledges.on_field_signed")
def advance_on_signature(sender, field, request, **kwargs):
    services.on_field_signed(field, request)
