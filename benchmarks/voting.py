"""voting: 5,000 voters cast their ballots over HTTP against gunicorn on 127.0.0.1 with 50 concurrent clients.

Prints ballots per second, double votes (every 10th voter also tries a second time; all must be
refused) and lost ballots (ballots stored against voters marked as having voted).
"""

import datetime
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from common import analyze, result, timed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def add_arguments(parser):
    parser.add_argument("--voters", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(voters: int):
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from congress.models import Body, Session, Term
    from elections import services
    from elections.models import Candidate, Poll, RollEntry
    from members.models import Membership, OrgUnit, Person
    from union_site.bulk import insert_rows

    unit = OrgUnit.objects.create(code="VOTE", name="投票基准工会", kind="grassroots")
    term = Term.objects.create(body=Body.objects.create(unit=unit, kind="member_congress", name="会员代表大会"),
                               number=1, starts_on=datetime.date(2024, 1, 1), years=5)
    session = Session.objects.create(term=term, number=1, title="第一次会议", starts_on=datetime.date.today(),
                                     ends_on=datetime.date.today())
    User = get_user_model()
    user_ids = insert_rows(User, [{"username": f"voter{i}", "password": "!", "is_active": True, "first_name": "",
                                   "last_name": "", "email": "", "is_staff": False, "is_superuser": False,
                                   "date_joined": datetime.datetime.now(datetime.UTC), "language": "zh-hans"}
                                  for i in range(voters)])
    person_ids = insert_rows(Person, [{"unit_id": unit.pk, "name": f"会员{i}", "gender": "F", "user_id": uid}
                                      for i, uid in enumerate(user_ids)])
    insert_rows(Membership, [{"person_id": pk, "union_id": unit.pk, "status": "active", "card_no": f"V{pk}"}
                             for pk in person_ids])
    poll = Poll.objects.create(session=session, kind="election", title="工会主席选举", post="chair", seats=1)
    candidates = [Candidate.objects.create(poll=poll, person_id=pk) for pk in person_ids[:2]]
    insert_rows(RollEntry, [{"poll_id": poll.pk, "person_id": pk, "checked_in": True} for pk in person_ids])
    poll.entitled = poll.present = voters
    poll.rules, poll.ballot, poll.status = services.rules_for(poll), services.frozen_ballot(poll), Poll.Status.OPEN
    poll.save()
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # the site's session store
    cookies = []
    for uid in user_ids:  # a logged-in session per voter, as after the login page
        store = SessionStore()
        store["_auth_user_id"] = str(uid)
        store["_auth_user_backend"] = "union_site.auth_backends.StaffNumberBackend"
        store["_auth_user_hash"] = User(pk=uid, password="!").get_session_auth_hash()
        store.create()
        cookies.append(store.session_key)
    analyze()  # (the roll itself is analysed by freeze_roll on a real site)
    return poll, candidates, cookies


def main(args):
    from django.conf import settings
    from django.db import connections

    from elections.models import Ballot, RollEntry

    with timed() as t:
        poll, candidates, cookies = seed(args.voters)
    print(f"# seeded {args.voters} voters in {t['seconds']:.1f} s")
    connections.close_all()
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench_settings", ALLOWED_HOSTS="127.0.0.1",
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.abspath(__file__)), ROOT]))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "union_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        path = f"/elections/{poll.pk}/vote/"
        field = f"c{candidates[0].pk}"
        local = threading.local()
        outcomes = {"accepted": 0, "refused_second": 0, "errors": 0}
        lock = threading.Lock()

        def post(session_key):
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            token = secrets.token_hex(16)  # an unmasked 32-character CSRF secret, as the cookie holds
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, field: "for"})
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; csrftoken={token}",
                       "Content-Type": "application/x-www-form-urlencoded"}
            local.conn.request("POST", path, body, headers)
            response = local.conn.getresponse()
            return response.status, response.read().decode()

        def vote(i):
            status, page = post(cookies[i])
            with lock:
                if status == 200 and "data-receipt" in page:
                    outcomes["accepted"] += 1
                else:
                    outcomes["errors"] += 1
            if i % 10 == 0:  # try again: must be refused
                status, page = post(cookies[i])
                with lock:
                    outcomes["refused_second"] += "data-receipt" not in page

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(vote, range(args.voters)))
        seconds = time.perf_counter() - start
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ballots = Ballot.objects.filter(poll=poll).count()
    voted = RollEntry.objects.filter(poll=poll, has_voted=True).count()
    print(f"# {outcomes['accepted']} accepted, {outcomes['errors']} errors, "
          f"{outcomes['refused_second']} of {len(range(0, args.voters, 10))} second attempts refused")
    result("voting_ballots_per_second", args.voters / seconds, "ballots/s", ">=", 200)
    result("voting_double_votes", ballots - voted + (len(range(0, args.voters, 10)) - outcomes["refused_second"]),
           "ballots", "<=", 0)
    result("voting_lost_ballots", voted - ballots + outcomes["errors"], "ballots", "<=", 0)
