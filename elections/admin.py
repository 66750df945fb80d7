from django.contrib import admin

from union_site.admin import ReadOnlyAdmin

from .models import Ballot, Candidate, PaperEntry, Poll, PollEvent, RollEntry


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "kind", "post", "seats", "status", "entitled", "present", "approved_at"]
    list_filter = ["kind", "status", "post"]
    search_fields = ["title", "session__title"]
    list_select_related = ["session"]
    raw_id_fields = ["session", "resolution"]
    readonly_fields = ["status", "rules", "entitled", "present", "opened_at", "closed_at", "result", "approved_at"]
    inlines = [CandidateInline]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["person", "poll", "nominated_by"]
    search_fields = ["person__name", "poll__title"]
    list_select_related = ["person", "poll"]
    raw_id_fields = ["person", "poll"]


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    """Who may vote and whether they did — never what they voted."""

    list_display = ["person", "poll", "checked_in", "channel", "has_voted", "excluded_reason"]
    list_filter = ["checked_in", "channel", "has_voted"]
    search_fields = ["person__name", "poll__title"]
    list_select_related = ["person", "poll"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """What was voted — never who voted it (no voter, no time, random id)."""

    list_display = ["id", "poll", "channel", "valid", "invalid_reason"]
    list_filter = ["channel", "valid"]
    search_fields = ["poll__title"]
    list_select_related = ["poll"]
    exclude = ["receipt_hash"]


@admin.register(PaperEntry)
class PaperEntryAdmin(ReadOnlyAdmin):
    list_display = ["poll", "paper_no", "counter", "invalid_reason"]
    search_fields = ["poll__title"]
    list_select_related = ["poll", "counter"]


@admin.register(PollEvent)
class PollEventAdmin(ReadOnlyAdmin):
    list_display = ["poll", "seq", "kind", "actor", "created_at", "hash"]
    list_filter = ["kind"]
    search_fields = ["poll__title", "kind"]
    list_select_related = ["poll"]
