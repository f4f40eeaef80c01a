"""
A read replica (DATABASE_REPLICA_URL): visitors' pages read from it, everything else uses the
primary ("default").

Only the reads of a public GET or HEAD request go to the replica, and only outside a transaction:
those are the pages that bring the load, and a replica a fraction of a second behind shows them as
they were a fraction of a second ago. Everything else reads the primary, because it may have to
see what was just written there: writes and reads inside a transaction, the admin (an editor
saving a post sees it in the list at once), any other method (a POST, a login), management
commands and shells (backup, emptytrash, orphanfiles, flushcounters: no request at all), and the
tables behind logins and sessions, which a request writes and reads again at once. Counters are
written to the primary and read back from it (colloquium.counters). Migrations run on the primary
only; the replica gets them by replication.
"""

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Logins and sessions: a request reads them right after they were written, so never from a
# replica that may lag (a new editor would be anonymous, a fresh session unknown).
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "axes"})
SAFE_METHODS = frozenset({"GET", "HEAD"})
# The admin and the editor's upload view (colloquium.urls): staff work on the primary.
ADMIN_PREFIX = "/admin/"

# True while a public GET or HEAD request is being answered (ReplicaReadsMiddleware).
_replica_reads = ContextVar("colloquium_replica_reads", default=False)


class ReplicaRouter:
    """Reads of public pages to the replica; every write and all the rest to the primary."""

    def db_for_read(self, model, **hints):
        if (
            _replica_reads.get()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Also for a row read from the replica: its save() and delete() go to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a row from one may refer to a row from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Lets the reads of a public GET or HEAD request (not the admin's) go to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS or request.path.startswith(ADMIN_PREFIX):
            return self.get_response(request)
        token = _replica_reads.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads.reset(token)
