"""Requests are signed in by bearer token alone: no cookie session is opened or sent."""

import flask
import pytest


def test_code_that_writes_to_the_flask_session_is_refused_and_told_why(app):
    with app.test_request_context("/"):
        assert not flask.session
        with pytest.raises(RuntimeError, match="bearer token"):
            flask.session["user_id"] = 1
        with pytest.raises(RuntimeError, match="bearer token"):
            flask.session.setdefault("user_id", 1)
