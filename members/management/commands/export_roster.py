"""python manage.py export_roster --unit CODE -o FILE.xlsx

Writes everyone on the roster of the unit and the units below it, in the layout import_roster
reads. ID numbers are masked unless --full-id is given (audited); a masked file can still be
edited and imported again, matched by card number.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from members.exports import export_roster_xlsx
from members.models import OrgUnit, Person


class Command(BaseCommand):
    help = "Write a unit's roster (the unit and everything below it) as .xlsx in the layout import_roster reads."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code (see list_units)")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--full-id", action="store_true", help="write full ID numbers instead of masked ones (audited)")

    def handle(self, *args, **options):
        with translation.override("zh-hans"):  # messages for the officer at the console, in Chinese
            self.run(**options)

    def run(self, *, unit, output, full_id, **options):
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(_("No unit with code %(code)s (see list_units).") % {"code": unit})
        people = Person.objects.in_subtree(target).order_by("unit__path", "name", "pk")
        try:
            with open(output, "wb") as fh:
                count = export_roster_xlsx(people, fh, full_id=full_id,
                                           audit_context={"unit": target.code, "source": "export_roster"})
        except OSError as exc:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc.strerror}) from None
        self.stdout.write(_("%(count)s rows written to %(file)s.") % {"count": count, "file": output})
