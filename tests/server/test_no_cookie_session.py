"""Requests are signed in by bearer token alone: no cookie session is opened or sent."""

import flask
import pytest


def test_signing_in_sets_no_cookie(client, create_user):
    user = create_user("volunteer")
    answer = client.post("/api/auth/login", json={"login": user.login,
                                                  "password": "correct horse battery",
                                                  "device_name": "my phone"})
    assert answer.status_code == 201
    assert "Set-Cookie" not in answer.headers


def test_code_that_writes_to_the_flask_session_is_refused(app):
    with app.test_request_context("/"):
        assert not flask.session
        with pytest.raises(RuntimeError):
            flask.session["user_id"] = 1
