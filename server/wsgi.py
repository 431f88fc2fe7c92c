"""The WSGI entry point for gunicorn (``server.wsgi:app``): each worker builds its own app,
so the master process stays small and holds no database connection."""

from . import create_app

app = create_app()
