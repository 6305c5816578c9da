"""The bell's unread count on every page of a signed-in official."""

from django.utils.functional import SimpleLazyObject

from notifications import selectors


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not show the bell (the admin, downloads) do not pay the query.
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
