"""Run calls at the same moment in threads, each thread on its own database connection.

For the transactional PostgreSQL tests that check two people doing the same thing at once never
corrupt or duplicate data (SQLite serialises writers, so these tests need PostgreSQL).
"""

import threading

from django.db import connection
from django.utils import translation


def at_once(*calls, timeout=60):
    """Start every call together and wait for all; return what each returned or the exception it raised.
    Each thread speaks the caller's language (a thread does not inherit it), so messages can be matched."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)
    language = translation.get_language()

    def run(index, call):
        try:
            barrier.wait(timeout)
            with translation.override(language):
                outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes


def errors(outcomes):
    return [o for o in outcomes if isinstance(o, Exception)]
