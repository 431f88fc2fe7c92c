"""The cooperation steps' checklists: the wording against the city's document, the
assessments' history and who may read and write them."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.cooperation import reference
from server.cooperation.assessments import current_checkpoints, revise_checkpoint
from server.cooperation.models import CoopAnswer, CoopAssessment, CoopCheckpoint
from server.directory.models import Area
from server.extensions import db

from ..conftest import skip_or_fail

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"
MARKER = "≪取組チェックポイント≫"


def _squeezed(text: str) -> str:
    # The document is a PDF's text: lines break mid-word and indentation varies. Only
    # whitespace is taken out; every other character must match.
    return re.sub(r"\s", "", text)


def _document() -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEED.glob("*.txt"))
             if MARKER in path.read_text(encoding="utf-8")] if SEED.is_dir() else []
    if not texts:
        skip_or_fail(f"the city's document with {MARKER} is not in {SEED}")
    return texts[0]


def _document_checkpoints(text: str) -> list[list[str]]:
    """The □ items of each ≪取組チェックポイント≫ block, in the document's order (one block
    per step); a block ends at the next ≪ or 【 heading."""
    blocks = text.split(MARKER)[1:]
    return [[_squeezed(item) for item in re.split("[≪【]", block)[0].split("□")[1:]]
            for block in blocks]


def test_the_repository_checkpoints_are_the_documents_word_for_word():
    from_document = _document_checkpoints(_document())
    from_repository = [[_squeezed(point["text_ja"]) for point in step["checkpoints"]]
                       for step in json.loads(reference.DATA.read_text(encoding="utf-8"))["steps"]]
    assert [len(block) for block in from_document] == [5, 2, 2, 3]
    assert [len(points) for points in from_repository] == [len(block) for block in from_document]
    assert from_repository == from_document
    whole = _squeezed(_document())
    for points in from_repository:
        for point in points:
            assert point in whole


def test_the_step_titles_are_the_documents(app):
    whole = _squeezed(_document())
    for step in reference.steps():
        assert _squeezed(f"【ステップ{chr(0xFF10 + step['number'])}】{step['title_ja']}") in whole


def test_the_database_holds_the_repository_wording(app):
    stored = [(point.step_number, point.number, point.version, point.text_ja)
              for point in current_checkpoints()]
    expected = [(step["number"], point["number"], 1, point["text_ja"])
                for step in reference.steps() for point in step["checkpoints"]]
    assert stored == expected
    # Seeding again adds nothing.
    reference.ensure_checkpoints()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoopCheckpoint)) == 12


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def area(app, ward):
    area = Area(ward_id=ward.id, name="北エリア")
    db.session.add(area)
    db.session.commit()
    return area


def _answers(client, headers, code, step, statuses, evidence=""):
    listed = client.get(f"/api/wards/{code}/checklists", headers=headers).get_json()
    points = next(s for s in listed["steps"] if s["number"] == step)["checkpoints"]
    return [{"checkpoint_id": point["id"], "status": status, "evidence": evidence}
            for point, status in zip(points, statuses, strict=True)]


def _assess(client, headers, code, step, statuses, *, area_id=None, on="2026-10-01",
            review="2027-01-10"):
    body = {"step": step, "area_id": area_id, "assessed_on": on,
            "answers": _answers(client, headers, code, step, statuses, "連絡会の記録あり"),
            "next_action": "エリアごとの連絡会を年4回にする", "next_action_on": on,
            "next_review_on": review}
    return client.post(f"/api/wards/{code}/checklists/assessments", json=body,
                       headers=headers)


def test_hub_staff_record_assessments_and_the_standing_shows_the_change(
        client, ward, area, create_user, auth_header):
    hub = auth_header(create_user("hub_staff"))
    first = _assess(client, hub, ward.code, 1, ["not_yet"] * 5, area_id=area.id)
    assert first.status_code == 201, first.get_json()
    second = _assess(client, hub, ward.code, 1, ["met", "partly", "not_yet", "not_yet", "met"],
                     area_id=area.id, on="2026-11-20", review="2026-12-01")
    assert second.status_code == 201
    _assess(client, hub, ward.code, 2, ["partly", "met"])

    standing = client.get(f"/api/wards/{ward.code}/checklists/standing",
                          headers=auth_header(create_user("volunteer"))).get_json()
    ward_row, area_row = standing["standings"]
    assert (ward_row["area_id"], ward_row["step"], ward_row["previous"]) == (None, 2, None)
    assert (area_row["area_name"], area_row["step"]) == ("北エリア", 1)
    assert area_row["current"]["id"] == second.get_json()["id"]
    assert area_row["previous"]["id"] == first.get_json()["id"]
    assert area_row["changes"] == [{"number": 1, "before": "not_yet", "now": "met"},
                                   {"number": 2, "before": "not_yet", "now": "partly"},
                                   {"number": 5, "before": "not_yet", "now": "met"}]
    assert area_row["counts_change"] == {"met": 2, "partly": 1, "not_yet": -3}
    assert area_row["next_review_on"] == "2026-12-01"
    assert area_row["review_due"] == (date.fromisoformat("2026-12-01") <= date.fromisoformat(
        standing["today"]))

    history = client.get(f"/api/wards/{ward.code}/checklists/history?step=1&area={area.id}",
                         headers=hub).get_json()
    assert [row["id"] for row in history] == [second.get_json()["id"], first.get_json()["id"]]
    assert history[1]["counts"] == {"met": 0, "partly": 0, "not_yet": 5}


def test_every_assessment_is_a_new_row_and_nothing_is_rewritten(
        client, ward, create_user, auth_header):
    hub = auth_header(create_user("hub_staff"))
    _assess(client, hub, ward.code, 4, ["not_yet", "not_yet", "not_yet"])
    before = db.session.execute(sa.select(CoopAnswer.assessment_id, CoopAnswer.checkpoint_id,
                                          CoopAnswer.status)).all()
    _assess(client, hub, ward.code, 4, ["met", "met", "met"], on="2026-10-01")
    after = db.session.execute(sa.select(CoopAnswer.assessment_id, CoopAnswer.checkpoint_id,
                                         CoopAnswer.status)).all()
    assert set(before) < set(after) and len(after) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoopAssessment)) == 2


def test_a_revised_checkpoint_keeps_the_wording_earlier_answers_answered(
        client, ward, create_user, auth_header):
    hub = auth_header(create_user("hub_staff"))
    old = _assess(client, hub, ward.code, 4, ["met", "partly", "not_yet"]).get_json()
    revise_checkpoint(4, 1, "課題と目的を共有できている。", "The issue and aim are shared.")
    db.session.commit()

    assert _assess(client, hub, ward.code, 4, ["met"] * 3).status_code == 201
    history = client.get(f"/api/wards/{ward.code}/checklists/history?step=4",
                         headers=hub).get_json()
    assert history[0]["answers"][0]["text_ja"] == "課題と目的を共有できている。"
    assert history[0]["answers"][0]["version"] == 2
    assert history[1]["answers"][0]["text_ja"] == old["answers"][0]["text_ja"] == (
        "課題、目的、取組のイメージを共有できている。")
    # An answer against the old wording is no longer accepted.
    stale = client.post(f"/api/wards/{ward.code}/checklists/assessments", headers=hub, json={
        "step": 4, "assessed_on": "2026-11-01", "next_action": "x",
        "next_review_on": "2027-01-01",
        "answers": [{"checkpoint_id": a["checkpoint_id"], "status": "met"}
                    for a in old["answers"]]})
    assert stale.status_code == 422 and "answers" in stale.get_json()["error"]["fields"]


def test_only_admins_reword_a_checkpoint_and_the_old_wording_stays(
        client, ward, create_user, auth_header):
    url = "/api/checklists/steps/3/checkpoints/2"
    body = {"text_ja": "他の施設の様子を日ごろから共有している。", "text_en": "Shared."}
    assert client.post(url, json=body, headers=auth_header(
        create_user("hub_staff"))).status_code == 403
    admin = auth_header(create_user("admin"))
    answer = client.post(url, json=body, headers=admin)
    assert answer.status_code == 201
    assert (answer.get_json()["version"], answer.get_json()["text_ja"]) == (2, body["text_ja"])
    versions = db.session.scalars(sa.select(CoopCheckpoint.text_ja).where(
        CoopCheckpoint.step_number == 3, CoopCheckpoint.number == 2)
        .order_by(CoopCheckpoint.version)).all()
    assert versions == [reference.steps()[2]["checkpoints"][1]["text_ja"], body["text_ja"]]
    assert client.post("/api/checklists/steps/3/checkpoints/9", json=body,
                       headers=admin).status_code == 404
    assert client.post(url, json={"text_ja": ""}, headers=admin).status_code == 422


@pytest.mark.parametrize(("change", "field"), [
    ({"step": 9}, "step"),
    ({"status": "done"}, "answers"),
    ({"drop_one": True}, "answers"),
    ({"next_review_on": "2026-09-01"}, "next_review_on"),
    ({"next_action": "x" * 401}, "next_action"),
    ({"evidence": "電話 090-1234-5678 の方"}, "answers"),
    ({"evidence": "連絡先は０４５（１２３）４５６７"}, "answers"),
    ({"next_action": "0451234567 に折り返す"}, "next_action"),
    ({"area_id": "other"}, "area_id"),
])
def test_bad_assessments_are_refused_with_the_field(client, ward, other_ward, create_user,
                                                    auth_header, change, field):
    hub = auth_header(create_user("hub_staff"))
    body = {"step": 1, "assessed_on": "2026-10-01", "next_action": "次回の連絡会で共有",
            "next_review_on": "2027-01-01",
            "answers": _answers(client, hub, ward.code, 1, ["met"] * 5)}
    if "status" in change:
        body["answers"][0]["status"] = change["status"]
    elif "drop_one" in change:
        body["answers"].pop()
    elif "evidence" in change:
        body["answers"][0]["evidence"] = change["evidence"]
    elif change.get("area_id") == "other":
        elsewhere = Area(ward_id=other_ward.id, name="よそのエリア")
        db.session.add(elsewhere)
        db.session.commit()
        body["area_id"] = elsewhere.id
    else:
        body.update(change)
    answer = client.post(f"/api/wards/{ward.code}/checklists/assessments", json=body,
                         headers=hub)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoopAssessment)) == 0


@pytest.mark.parametrize("note", ["10:00-12:00 2026-12-01 の連絡会で共有", "参加 12 施設",
                                  "2026-11-20 2026-12-01 に確認"])
def test_notes_with_dates_times_and_counts_are_kept(client, ward, create_user, auth_header,
                                                    note):
    hub = auth_header(create_user("hub_staff"))
    answer = client.post(f"/api/wards/{ward.code}/checklists/assessments", headers=hub, json={
        "step": 3, "assessed_on": "2026-10-01", "next_action": note,
        "next_review_on": "2027-01-01",
        "answers": _answers(client, hub, ward.code, 3, ["met", "partly"], evidence=note)})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["answers"][1]["evidence"] == note


def test_everyone_of_the_ward_reads_only_hub_staff_and_admins_write(
        client, ward, other_ward, create_user, create_site, auth_header):
    site = create_site()
    hub = auth_header(create_user("hub_staff"))
    url = f"/api/wards/{ward.code}/checklists"
    for role in ("ward_officer", "site_staff", "volunteer"):
        reader = auth_header(create_user(role, sites=(site,) if role != "ward_officer" else ()))
        assert client.get(f"{url}/standing", headers=reader).status_code == 200
        assert _assess(client, reader, ward.code, 2, ["met", "met"]).status_code == 403
    elsewhere = auth_header(create_user("hub_staff", ward=other_ward))
    assert client.get(f"{url}/standing", headers=elsewhere).status_code == 403
    assert client.get(f"{url}/history?step=1", headers=elsewhere).status_code == 403
    body = {"step": 2, "assessed_on": "2026-10-01", "next_action": "x",
            "next_review_on": "2027-01-01",
            "answers": _answers(client, hub, ward.code, 2, ["met", "met"])}
    assert client.post(f"{url}/assessments", json=body, headers=elsewhere).status_code == 403
    admin = auth_header(create_user("admin"))
    assert client.post(f"{url}/assessments", json=body, headers=admin).status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CoopAssessment)) == 1


def test_the_migration_seeds_the_repository_wording(empty_database_url, tmp_path):
    from flask_migrate import upgrade

    from server import bind_migrations, create_app

    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade()
        stored = db.session.execute(sa.text(
            "SELECT step_number, number, version, text_ja FROM coop_checkpoint "
            "ORDER BY step_number, number")).all()
        titles = db.session.execute(sa.text(
            "SELECT code, title_ja FROM coop_step ORDER BY number")).all()
        assert [tuple(row) for row in stored] == [
            (step["number"], point["number"], 1, point["text_ja"])
            for step in reference.steps() for point in step["checkpoints"]]
        assert [tuple(row) for row in titles] == [
            ("step1_know", reference.steps()[0]["title_ja"]),
            ("step2_share_issues", reference.steps()[1]["title_ja"]),
            ("step3_refer", reference.steps()[2]["title_ja"]),
            ("step4_joint_activity", reference.steps()[3]["title_ja"])]
        db.session.remove()
        db.engine.dispose()
