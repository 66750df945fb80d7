from django.core.management.base import BaseCommand, CommandError
from django.db.models import FilteredRelation, Q

from members.exports import export_roster_xlsx
from members.models import OrgUnit, Person

CURRENT = ["active", "retained", "held", "transferring", "applied"]


class Command(BaseCommand):
    help = "Write a unit's roster (everything below it) as .xlsx in the layout import_roster reads (IDs masked)."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--full-id", action="store_true", help="write full ID numbers (audited)")

    def handle(self, *args, unit, output, full_id, **options):
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(f"No unit with code {unit}")
        qs = (
            Person.objects.filter(unit__path__startswith=target.path)
            .annotate(cm=FilteredRelation("memberships", condition=Q(memberships__status__in=CURRENT)))
            .order_by("unit__path", "name", "pk")
        )
        with open(output, "wb") as fh:
            count = export_roster_xlsx(qs, fh, full_id=full_id)
        self.stdout.write(f"{count} rows → {output}")


