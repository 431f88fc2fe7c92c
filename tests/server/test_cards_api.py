"""Minting card tokens for phones and sheets, and confirming a family's arrival."""

import hashlib
import uuid

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


def test_a_card_code_can_only_be_issued_from_the_site_it_was_minted_for(
        client, create_site, create_user, auth_header, mint_card):
    salon, other_salon, nursery = create_site(), create_site(), create_site()
    owner, other = create_user(sites=[salon]), create_user(sites=[other_salon])
    code = mint_card(owner, salon)["short_code"]  # e.g. printed on the salon's paper card
    for site, record_id in ((other_salon, code), (other_salon, "MADEUP00")):
        op = {"op_id": str(uuid.uuid4()), "device_id": "phone-x", "user_id": "x",
              "collection": "card", "record_id": record_id,
              "hlc": f"{1_790_000_000_000:015d}:000000:phone-x", "base_version": None,
              "changes": {"status": "issued", "issuing_site_id": str(site.id),
                          "target_site_id": str(nursery.id)}}
        response = client.post("/api/sync/push", json={"protocol": 1, "ops": [op]},
                               headers=auth_header(other))
        (result,) = response.get_json()["results"]
        assert (result["status"], result["reason"]) == ("rejected", "out_of_scope")
        assert "was not minted for" in result["message"]
