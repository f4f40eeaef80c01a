"""
The site's answer when its database is out of reach: a 503 page in the site's chrome, at once.

A database that refuses connections, cannot be opened or keeps the pool waiting raises an
OperationalError (psycopg's PoolTimeout is one) or an InterfaceError wherever the first query
happens: in a view, in a template tag, in the session behind a visitor's cookie, in a middleware,
or while the page for a missing address is rendered. Django turns every one of them into a 500
through the project's handler500, which is `server_error` here: it answers those with the 503
page instead, and leaves Django's logging (the error with its traceback) as it is.

`503.html` is rendered without context processors (the auth and messages ones read the session)
and leaves out every part of the chrome that queries (the banner zone), so the page itself needs
no database. Pages that need none (robots.txt, static files) never get here and keep working.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

# Seconds a browser or crawler is asked to wait before trying again.
RETRY_AFTER = 30
DATABASE_DOWN_ERRORS = (OperationalError, InterfaceError)


def service_unavailable(request):
    body = loader.get_template("503.html").render({"request": request})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: the 503 page when the database went away, else Django's own 500 page."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN_ERRORS):
        return service_unavailable(request)
    return defaults.server_error(request, template_name)
