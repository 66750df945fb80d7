from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from members.importer import RosterFileError, import_roster
from members.models import OrgUnit


class Command(BaseCommand):
    help = "Import a roster .xlsx into a unit; prints one line per problem and writes nothing unless all rows are valid."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="unit code (see list_units)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, file, unit, dry_run, **options):
        translation.activate("zh-hans")
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(_("No unit with code %(code)s (see list_units).") % {"code": unit})
        try:
            with open(file, "rb") as fh:
                result = import_roster(fh, target, acting_user=None, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            self.stderr.write(_("%(n)s problems; nothing was written.") % {"n": len(result.errors)})
            raise SystemExit(1)
        self.stdout.write(result.summary() + (" " + _("(dry run: nothing written)") if dry_run else ""))
