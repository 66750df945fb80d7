"""python manage.py list_units — each unit's code and name, one unit per line, in tree order."""

from django.core.management.base import BaseCommand

from members.models import OrgUnit


class Command(BaseCommand):
    help = "Print each unit's code and name (tab-separated), one unit per line, in tree order."

    def handle(self, *args, **options):
        for code, name in OrgUnit.objects.order_by("path").values_list("code", "name").iterator():
            self.stdout.write(f"{code}\t{name}")
