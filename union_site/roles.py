"""The role Groups. Capabilities are permissions given through these groups, checked
together with the unit scope (members.scope). The groups are created by the data
migration ``union_site/migrations/0002_create_role_groups``.
"""

from django.utils.translation import gettext_lazy as _

OFFICER = "officer"
PROPOSAL_COMMITTEE = "proposal_committee"
HANDLING_DEPARTMENT = "handling_department"
CASEWORKER = "caseworker"
SCRUTINEER = "scrutineer"
AUDITOR = "auditor"

ROLE_LABELS = {
    OFFICER: _("Union officer"),
    PROPOSAL_COMMITTEE: _("Proposal committee"),
    HANDLING_DEPARTMENT: _("Handling department"),
    CASEWORKER: _("Caseworker"),
    SCRUTINEER: _("Scrutineer"),
    AUDITOR: _("Auditor"),
}
ALL_ROLES = list(ROLE_LABELS)


def user_roles(user) -> set[str]:
    """The role names a user holds (cached on the user object for the request)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_role_cache"):
        user._role_cache = set(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
    return user._role_cache


def has_role(user, role: str) -> bool:
    return user.is_authenticated and (user.is_superuser or role in user_roles(user))
