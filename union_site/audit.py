"""The audit log: ``record_audit(obj, "app.model.verb", acting_user, {...})``."""

from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent


def record_audit(obj, action: str, acting_user=None, data: dict | None = None) -> AuditEvent:
    """Append one event. ``obj`` may be None for site-wide events (e.g. a login lock-out)."""
    actor = acting_user if acting_user is not None and acting_user.is_authenticated else None
    kwargs = {"actor": actor, "action": action, "data": data or {}}
    if obj is not None:
        kwargs.update(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
        )
    return AuditEvent.objects.create(**kwargs)
