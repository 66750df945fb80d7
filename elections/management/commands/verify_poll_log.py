from django.core.management.base import BaseCommand, CommandError

from elections.models import Poll
from elections.services import verify_chain


class Command(BaseCommand):
    help = "Check a poll's hash-chained evidence log; exits 1 when the chain is broken."

    def add_arguments(self, parser):
        parser.add_argument("poll_id", type=int)

    def handle(self, *args, poll_id, **options):
        poll = Poll.objects.filter(pk=poll_id).first()
        if poll is None:
            raise CommandError(f"No poll {poll_id}")
        ok, bad = verify_chain(poll)
        count = poll.events.count()
        if ok:
            self.stdout.write(f"poll {poll_id}: {count} events, chain intact")
            return
        self.stderr.write(f"poll {poll_id}: chain broken at event {bad} of {count}")
        raise SystemExit(1)
