from django.contrib import admin

from .models import (
    AgendaItem,
    Assignment,
    Body,
    Delegation,
    Department,
    JointMeeting,
    Proposal,
    ProposalRating,
    Reply,
    Representative,
    Resolution,
    Seconding,
    Session,
    SessionDocument,
    SignIn,
    Term,
)


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["body", "number", "starts_on", "years", "ended_on"]
    list_filter = ["years"]
    search_fields = ["body__name", "body__unit__name"]
    list_select_related = ["body__unit"]
    autocomplete_fields = ["body"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["name", "term", "leader"]
    search_fields = ["name", "term__body__name"]
    list_select_related = ["term__body", "leader__person"]
    raw_id_fields = ["term", "leader"]


@admin.register(Representative)
class RepresentativeAdmin(admin.ModelAdmin):
    list_display = ["person", "term", "kind", "constituency", "delegation", "status", "is_manager", "is_teacher"]
    list_filter = ["kind", "status", "is_manager", "is_teacher", "is_female", "is_frontline"]
    search_fields = ["person__name", "constituency", "term__body__name"]
    list_select_related = ["person", "term__body", "delegation"]
    autocomplete_fields = ["person"]
    raw_id_fields = ["term", "delegation", "replaces"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "term", "number", "kind", "starts_on", "ends_on", "sign_in_open"]
    list_filter = ["kind", "sign_in_open"]
    search_fields = ["title", "term__body__name"]
    list_select_related = ["term__body"]
    raw_id_fields = ["term"]
    inlines = [AgendaItemInline]
    date_hierarchy = "starts_on"


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "order"]
    search_fields = ["title"]
    list_select_related = ["session"]


@admin.register(SessionDocument)
class SessionDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "distributed_on", "uploaded_by"]
    search_fields = ["title"]
    list_select_related = ["session", "uploaded_by"]
    raw_id_fields = ["session", "uploaded_by"]


@admin.register(SignIn)
class SignInAdmin(admin.ModelAdmin):
    list_display = ["session", "representative", "method", "signed_at", "recorded_by"]
    list_filter = ["method"]
    search_fields = ["representative__person__name", "session__title"]
    list_select_related = ["session", "representative__person", "recorded_by"]
    raw_id_fields = ["session", "representative", "recorded_by"]


@admin.register(JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "term", "held_on", "confirmed_by"]
    search_fields = ["title", "results"]
    list_select_related = ["term__body", "confirmed_by"]
    raw_id_fields = ["term", "confirmed_by"]


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "method", "votes_for", "entitled", "passed", "locked_at", "published_at"]
    list_filter = ["passed", "method"]
    search_fields = ["title", "text"]
    list_select_related = ["session"]
    raw_id_fields = ["session"]
    readonly_fields = ["entitled", "passed", "decided_at", "locked_at"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "head_name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit", "handlers"]


class SecondingInline(admin.TabularInline):
    model = Seconding
    extra = 0
    raw_id_fields = ["representative"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ["department", "assigned_by"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "session", "kind", "status", "proposer", "deadline"]
    list_filter = ["kind", "status", "is_late"]
    search_fields = ["number", "title", "proposer__person__name"]
    list_select_related = ["session", "proposer__person"]
    raw_id_fields = ["session", "proposer", "author", "merged_into", "reviewed_by"]
    inlines = [SecondingInline, AssignmentInline]
    show_full_result_count = False


@admin.register(Seconding)
class SecondingAdmin(admin.ModelAdmin):
    list_display = ["proposal", "representative", "state", "signed_at"]
    list_filter = ["state"]
    search_fields = ["proposal__title", "representative__person__name"]
    list_select_related = ["proposal", "representative__person"]
    raw_id_fields = ["proposal", "representative"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["proposal", "department", "is_lead", "assigned_at"]
    list_filter = ["is_lead"]
    search_fields = ["proposal__title", "department__name"]
    list_select_related = ["proposal", "department"]
    raw_id_fields = ["proposal", "department", "assigned_by"]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["proposal", "round", "department", "outcome", "on_time", "submitted_at"]
    list_filter = ["outcome", "on_time"]
    search_fields = ["proposal__title", "department__name"]
    list_select_related = ["proposal", "department"]
    raw_id_fields = ["proposal", "department", "submitted_by"]


@admin.register(ProposalRating)
class ProposalRatingAdmin(admin.ModelAdmin):
    list_display = ["reply", "rating", "rated_at"]
    list_filter = ["rating"]
    list_select_related = ["reply__proposal"]
    raw_id_fields = ["reply"]
