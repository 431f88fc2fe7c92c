"""Minting card tokens for phones and sheets, and confirming a family's arrival."""

import hashlib

import sqlalchemy as sa

from server.cards.models import CardToken
from server.extensions import db


def test_a_volunteer_mints_unguessable_tokens_for_their_site(client, create_site, create_user,
                                                            auth_header):
    salon = create_site()
    volunteer = create_user(sites=[salon])
    response = client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 3},
                           headers=auth_header(volunteer))
    assert response.status_code == 201
    body = response.get_json()
    assert body["pool_size"] == 10
    tokens = body["tokens"]
    assert len({t["token"] for t in tokens}) == len({t["short_code"] for t in tokens}) == 3
    for minted in tokens:
        assert len(minted["token"]) >= 22  # 16 random bytes, URL-safe base64
        assert minted["url"].endswith(f"/c/{minted['token']}#{minted['short_code']}")
        assert minted["qr_svg"].startswith("<?xml") or "<svg" in minted["qr_svg"]
        row = db.session.scalar(sa.select(CardToken).where(
            CardToken.short_code == minted["short_code"]))
        # Only the digest is stored: a leaked database does not open the parents' pages.
        assert row.token_hash == hashlib.sha256(minted["token"].encode()).hexdigest()
        assert minted["token"] not in row.token_hash


def test_minting_for_another_site_or_a_printed_sheet_as_a_volunteer_is_403(
        client, create_site, create_user, auth_header):
    salon, other = create_site(), create_site()
    volunteer = create_user(sites=[salon])
    headers = auth_header(volunteer)
    assert client.post("/api/cards/tokens", json={"site_id": other.id},
                       headers=headers).status_code == 403
    assert client.post("/api/cards/tokens", json={"site_id": salon.id, "printed": True},
                       headers=headers).status_code == 403
    too_many = client.post("/api/cards/tokens", json={"site_id": salon.id, "count": 51},
                           headers=headers)
    assert too_many.status_code == 422
    assert "count" in too_many.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(CardToken.id))) == 0


def test_only_the_target_sites_staff_confirm_arrival(client, create_site, create_user,
                                                     auth_header, mint_card, issue_card):
    salon, nursery, elsewhere = create_site(), create_site(kind="nursery_hiroba"), create_site()
    volunteer = create_user(sites=[salon])
    code = mint_card(volunteer, salon)["short_code"]
    issue_card(volunteer, code, salon, nursery)

    for outsider in (volunteer, create_user(role="site_staff", sites=[elsewhere]),
                     create_user(role="volunteer", sites=[nursery])):
        response = client.post(f"/api/cards/{code}/arrival", json={},
                               headers=auth_header(outsider))
        assert response.status_code == 403, outsider.role

    staff = create_user(role="site_staff", sites=[nursery])
    response = client.post(f"/api/cards/{code.lower()}/arrival", json={},
                           headers=auth_header(staff))
    assert response.status_code == 200
    assert response.get_json()["status"] == "arrived"

    unknown = client.post("/api/cards/ZZZZZZZZ/arrival", json={}, headers=auth_header(staff))
    assert unknown.status_code == 404
