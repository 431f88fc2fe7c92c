"""A site's minted but unused card tokens are capped, so minting cannot eat the server."""

import sqlalchemy as sa

from server.cards import tokens
from server.cards.models import CardToken
from server.extensions import db
from server.timeutil import utcnow


def minted_count(site) -> int:
    return db.session.scalar(sa.select(sa.func.count(CardToken.id)).where(
        CardToken.site_id == site.id))


def test_minting_past_the_sites_outstanding_tokens_is_409_and_mints_nothing(
        app, client, create_site, create_user, auth_header):
    app.config["CARD_TOKENS_OUTSTANDING_MAX"] = 12
    salon = create_site()
    headers = auth_header(create_user(sites=[salon]))
    hub_headers = auth_header(create_user(role="hub_staff"))

    def mint(count):
        return client.post("/api/cards/tokens", json={"site_id": salon.id, "count": count},
                           headers=headers)

    assert mint(10).status_code == 201
    refused = mint(3)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_outstanding_tokens"
    assert "10" in error["message"] and "12" in error["message"]
    assert set(error["fields"]) == {"count"}
    assert minted_count(salon) == 10
    # A printed sheet counts as well: its cards are out there until someone issues them.
    sheet = client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 8,
                                                   "printed": True}, headers=hub_headers)
    assert sheet.status_code == 409
    assert mint(2).status_code == 201
    assert mint(1).status_code == 409
    assert minted_count(salon) == 12


def test_used_and_voided_tokens_are_not_outstanding(app, client, create_site, create_user,
                                                    auth_header, mint_card, issue_card):
    app.config["CARD_TOKENS_OUTSTANDING_MAX"] = 3
    salon, nursery, other = create_site(), create_site(kind="nursery_hiroba"), create_site()
    volunteer = create_user(sites=[salon, other])
    used, voided, _kept = (mint_card(volunteer, salon) for _ in range(3))
    issue_card(volunteer, used["short_code"], salon, nursery)
    db.session.execute(sa.update(CardToken).where(CardToken.short_code == voided["short_code"])
                       .values(voided_at=utcnow()))
    db.session.commit()
    headers = auth_header(volunteer)

    assert client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 2},
                       headers=headers).status_code == 201
    assert client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 1},
                       headers=headers).status_code == 409
    # The cap is each site's own.
    assert client.post("/api/cards/tokens", json={"site_id": other.id, "count": 3},
                       headers=headers).status_code == 201


def test_the_default_cap_leaves_room_for_every_phones_pool_and_sheets(
        app, client, create_site, create_user, auth_header):
    cap = app.config["CARD_TOKENS_OUTSTANDING_MAX"]
    assert cap == 500
    salon = create_site()
    tokens.mint(salon.id, cap - 10, user_id=None)
    db.session.commit()
    headers = auth_header(create_user(sites=[salon]))
    assert client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 11},
                       headers=headers).status_code == 409
    assert client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 10},
                       headers=headers).status_code == 201


def test_a_site_id_past_the_column_is_refused_as_invalid_not_a_crash(
        client, create_site, create_user, auth_header):
    headers = auth_header(create_user(sites=[create_site()]))
    for site_id in (2**31, 10**30):
        response = client.post("/api/cards/tokens", json={"site_id": site_id},
                               headers=headers)
        assert response.status_code == 422, site_id
        assert "site_id" in response.get_json()["error"]["fields"]
