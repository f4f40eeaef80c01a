"""
gunicorn for colloquium, behind nginx (deploy/nginx/colloquium.conf):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py colloquium.wsgi

Options given on the command line, or in GUNICORN_CMD_ARGS, win over this file (the systemd unit
passes none; the tests pass their own --bind).
"""

import os

# Loopback only: nginx is the one client. On a machine of its own behind another machine's nginx,
# bind the private address instead (and firewall it).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Workers and threads. A page is CPU work in Python (building querysets, rendering templates:
# ~7 ms on the post page) plus waits on PostgreSQL and Redis. Python runs one thread at a time per
# process, so the CPU work scales with processes: one worker per core. Threads let a worker use
# its waits: while one thread waits on the database another renders. nginx buffers the requests
# and the answers, so no thread ever waits on a slow client. Each worker keeps its own database
# pool of DATABASE_POOL_MAX_SIZE connections (4, one per thread): workers x pool size (x 2 with a
# read replica) on every app server together must stay below PostgreSQL's max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"

# A request that takes longer than this is killed with its worker (a 502 through nginx): the
# slowest honest page takes well under a second; downloads are handed to nginx.
timeout = 30
# On a restart (systemctl reload), workers finish their requests within this time.
graceful_timeout = 30
# Idle connections from nginx's keepalive pool are kept this long.
keepalive = 5
# A fresh worker now and then, spread out, so that no slow growth of memory accumulates.
max_requests = 2000
max_requests_jitter = 200

# The one line per request, on stdout (the journal): time, the client as nginx saw it, the request,
# the status, the bytes sent, the duration in milliseconds, the request id (X-Request-ID, sent by
# nginx and given back by the app on every answer) and the browser.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%(t)s %({x-real-ip}i)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(a)s"'
)

# No control socket (gunicornc): systemd reloads with HUP, and two servers on one machine would
# share its default path in the home directory, which the unit does not let gunicorn write.
control_socket_disable = True
