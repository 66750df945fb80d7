from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from union_site.admin import ReadOnlyAdmin
from union_site.crypto import blind_index

from .idcard import parse_id_number
from .models import (
    Committee,
    CorrectionRequest,
    Membership,
    MembershipEvent,
    OrgUnit,
    Person,
    PostHolding,
    TransferRequest,
    UnitScope,
)


class UnitScopeInline(admin.TabularInline):
    model = UnitScope
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "sector", "region", "parent", "staff_count", "is_active"]
    list_filter = ["kind", "sector", "region", "is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth", "created_at"]
    inlines = [UnitScopeInline]


@admin.register(UnitScope)
class UnitScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "note", "created_at"]
    search_fields = ["user__username", "user__staff_no", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["union", "status", "card_no", "joined_on", "dues_exempt"]
    readonly_fields = fields  # status changes go through the workflows (members.services)
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "gender", "unit", "staff_no", "id_number_masked", "department", "category", "employment"]
    list_filter = ["gender", "category", "employment", "is_member_representative", "is_activist", "is_hardship"]
    search_fields = ["name", "staff_no", "phone", "department"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "user"]
    readonly_fields = ["id_number_masked", "birth_date", "consent_at", "privacy_notice_version", "created_at"]
    exclude = ["id_number_encrypted", "id_number_index"]
    inlines = [MembershipInline]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """An ID number typed into the search box is found through the blind index."""
        try:
            value = parse_id_number(search_term).value
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(id_number_index=blind_index(value)), False


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "union", "status", "card_no", "joined_on", "dues_from", "dues_exempt"]
    list_filter = ["status", "retention_reason", "dues_exempt"]
    search_fields = ["person__name", "card_no", "union__name", "union__code"]
    list_select_related = ["person", "union"]
    autocomplete_fields = ["person", "union"]
    readonly_fields = ["status", "retention_reason", "verify_token", "applied_at", "ended_on"]
    inlines = [MembershipEventInline]
    show_full_result_count = False


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "membership", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind"]
    search_fields = ["membership__person__name", "membership__card_no"]
    list_select_related = ["membership__person", "membership__union", "actor"]
    date_hierarchy = "created_at"


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyAdmin):
    list_display = ["membership", "to_union", "state", "requested_by", "requested_at", "decided_at"]
    list_filter = ["state"]
    search_fields = ["membership__person__name", "to_union__name"]
    list_select_related = ["membership__person", "membership__union", "to_union", "requested_by"]


class PostHoldingInline(admin.TabularInline):
    model = PostHolding
    extra = 0
    autocomplete_fields = ["person", "unit"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["unit", "kind", "term_number", "starts_on", "term_years", "due_on", "approved_by", "ended_on"]
    list_filter = ["kind", "term_years", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["unit__name", "unit__code", "approval_ref"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    inlines = [PostHoldingInline]

    @admin.display(description=_("term ends on"))
    def due_on(self, obj):
        return obj.due_on


@admin.register(PostHolding)
class PostHoldingAdmin(admin.ModelAdmin):
    list_display = ["person", "post", "unit", "committee", "is_full_time", "started_on", "ended_on"]
    list_filter = ["post", "is_full_time", ("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["person__name", "unit__name"]
    list_select_related = ["person", "unit", "committee__unit"]
    autocomplete_fields = ["person", "unit", "committee"]


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    list_display = ["person", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    search_fields = ["person__name", "message"]
    list_select_related = ["person", "decided_by"]
    raw_id_fields = ["person"]
    readonly_fields = ["created_at", "decided_by", "decided_at"]
