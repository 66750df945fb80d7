from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ActivationCode, AuditEvent, Job, Notification, Reminder, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "staff_no", "display_name", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "language"]
    search_fields = ["username", "staff_no", "first_name", "last_name", "email"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Union"), {"fields": ("staff_no", "language")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Union"), {"fields": ("staff_no", "language")}),)

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return obj.display_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["action", "object_repr", "actor__username", "actor__staff_no"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "kind", "content_type", "object_id", "due_on", "recipients"]
    list_filter = ["kind", "content_type"]
    search_fields = ["kind", "object_id"]
    list_select_related = ["content_type"]
    date_hierarchy = "sent_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username", "recipient__staff_no"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_by", "created_at", "expires_at", "used_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__staff_no"]
    list_select_related = ["user", "created_by"]
    exclude = ["code_hash"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "state", "progress", "total", "created_by", "finished_at"]
    list_filter = ["kind", "state"]
    search_fields = ["kind", "created_by__username"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_at", "finished_at", "progress", "total", "result", "error"]
