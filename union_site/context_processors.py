from django.conf import settings

from .models import Notification
from .roles import user_roles


def site(request):
    """Site name, unread count and roles. Lazy: a page that does not show them runs no query."""
    user = getattr(request, "user", None)
    ctx = {"SITE_NAME": settings.SITE_NAME}
    if user is not None and user.is_authenticated:
        ctx["unread_count"] = lambda: Notification.objects.filter(recipient=user).unread().count()
        ctx["user_roles"] = lambda: user_roles(user)
    return ctx
