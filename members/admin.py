from django.contrib import admin

from .models import OrgUnit, UnitScope


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
