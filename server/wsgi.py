"""The WSGI entry point for gunicorn (``server.wsgi:app``): each worker builds its own app,
so the master process stays small and holds no database connection."""

import gc

from . import create_app

# Each worker loads only what serving needs (tests/server/test_worker_imports.py): the
# migrations are bound by the ``tsunagu`` command alone, and the libraries that only a rare
# request uses (qrcode with PIL, icalendar, apispec) are imported inside the function that
# uses them, which keeps about 18 MiB out of the memory of every worker.
app = create_app()
# The app's own objects (routes, schemas, table metadata) live as long as the worker.
# Frozen, the cyclic collector stops walking them each time a request makes many objects:
# a pull of 10,000 changes spent more than half its time in that walk.
gc.freeze()
