"""Tsunagu keeps no cookie session: a device signs each request in with its bearer token.

Flask's default session interface still opened a signed cookie session on every request
(0.05 ms of an idle pull's 0.6 ms of CPU in process) and would have sent one back to any
code that wrote to ``flask.session``: a second way to be signed in that nothing here
revokes. With this interface ``flask.session`` refuses every write."""

from flask.sessions import NullSession, SessionInterface


def _refuse(*_args, **_kwargs):
    raise RuntimeError("Tsunagu keeps no cookie session: a request is signed in by its "
                       "device's bearer token (server/accounts/no_cookies.py)")


class RefusedSession(NullSession):
    # Flask's NullSession blames a missing secret key, which would send a reader astray.
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class NoCookieSession(SessionInterface):
    null_session_class = RefusedSession

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        # Flask skips a null session before it gets here; nothing to save either way.
        return None
