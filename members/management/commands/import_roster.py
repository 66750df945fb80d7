"""python manage.py import_roster FILE --unit CODE [--dry-run]

Exit status 0 with a one-line summary when every row is valid (and, without --dry-run, imported);
exit status 1 with one line per problem ("第12行 身份证号：校验位错误") when any row is not, and
nothing is written.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from members.importer import RosterFileError, import_roster
from members.models import OrgUnit


class Command(BaseCommand):
    help = "Import a roster file (.xlsx, .xls, .ods) into a unit. Nothing is written unless every row is valid."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster file, in the layout of the import template")
        parser.add_argument("--unit", required=True, help="code of the union or branch to import into (see list_units)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")

    def handle(self, *args, **options):
        with translation.override("zh-hans"):  # messages for the officer at the console, in Chinese
            self.run(**options)

    def run(self, *, file, unit, dry_run, **options):
        target = OrgUnit.objects.filter(code=unit).first()
        if target is None:
            raise CommandError(_("No unit with code %(code)s (see list_units).") % {"code": unit})
        try:
            with open(file, "rb") as fh:
                result = import_roster(fh, target, acting_user=None, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(_("Cannot open %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        except RosterFileError as exc:
            raise CommandError(str(exc)) from None
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            self.stderr.write(_("%(n)s problems; nothing was written.") % {"n": len(result.errors)})
            raise SystemExit(1)
        summary = result.summary()
        if dry_run:
            summary += " " + _("(dry run: nothing written)")
        self.stdout.write(summary)
