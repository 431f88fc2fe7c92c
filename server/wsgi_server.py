"""Runs the app under gunicorn from the ``tsunagu`` command (no separate config file needed)."""

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def run(app, host: str, port: int, workers: int, threads: int) -> None:
    # The app is built before forking; each worker opens its own database connections
    # because the engine's pool is disposed of in post_fork.
    def post_fork(_server, _worker):
        from .extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    _Server(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "post_fork": post_fork,
        "timeout": 60,
    }).run()
