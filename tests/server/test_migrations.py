"""Migrations build the whole schema on SQLite and PostgreSQL, and match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import bind_migrations, create_app
from server.directory.models import Site
from server.extensions import db


def test_migrations_upgrade_an_empty_database_to_match_the_models(empty_database_url,
                                                                  tmp_path):
    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            wards = conn.execute(sa.text("SELECT count(*) FROM ward")).scalar()
        assert differences == []
        assert wards == 18
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.session.remove()
        db.engine.dispose()


def test_the_migrated_public_positions_index_has_the_models_condition(empty_database_url,
                                                                      tmp_path):
    """Alembic's comparison above does not look at an index's WHERE, and the tests' SQLite
    databases are built from the models: this holds the migration to the model."""
    from server.replication.models import SyncRecord

    (index,) = [i for i in SyncRecord.__table__.indexes
                if i.name == "ix_sync_record_public_position"]
    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            dialect = conn.dialect.name
            if dialect == "sqlite":
                definition = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = '" + index.name + "'").scalar()
            else:
                definition = conn.exec_driver_sql(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = '" + index.name + "'"
                ).scalar()
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
    condition = str(index.dialect_options[dialect]["where"])
    wanted = f"WHERE {condition}" if dialect == "sqlite" else f"WHERE ({condition})"
    assert definition.lower().endswith(wanted.lower()), (definition, wanted)


def test_upgrading_a_database_with_sync_records_keeps_their_site_rows_and_fills_the_ward(
        empty_database_url, tmp_path):
    """Revision 0004 rebuilds sync_record; on SQLite a rebuild with foreign keys on used to
    delete every sync_record_site row (ON DELETE CASCADE) and no pull could see them."""
    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as conn:
            site_id, ward_id = _insert_site_as_0001_made_it(conn, "テストサロン", "2")
        with db.engine.begin() as conn:
            record = f"{site_id}:2026-11-03:am"
            conn.execute(sa.text(
                "INSERT INTO sync_record (collection, record_id, version, position, deleted, "
                "public, sites_json, data_json, meta_json, change_json) VALUES ('visit', :r, 1, "
                "1, false, false, :s, '{}', '{}', :c)"),
                {"r": record, "s": f'["{site_id}"]', "c": f'{{"record_id":"{record}"}}'})
            conn.execute(sa.text(
                "INSERT INTO sync_record_site (collection, record_id, site_id, position) "
                "VALUES ('visit', :r, :s, 1)"), {"r": record, "s": str(site_id)})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT record_id, site_id, ward FROM sync_record_site")).all()
            feed = conn.execute(sa.text("SELECT position, change_json FROM sync_change")).all()
            enforced = (conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
                        if conn.dialect.name == "sqlite" else 1)
        assert rows == [(record, str(site_id), str(ward_id))]
        assert feed == [(1, f'{{"record_id":"{record}"}}')]
        assert enforced == 1
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def test_revision_0007_gives_existing_sites_no_opening_rule_and_its_downgrade_keeps_them(
        empty_database_url, tmp_path):
    """A site from before 0007 keeps opening every week on its weekdays; going back drops
    only the rule, never the site or what refers to it."""
    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            site_id, _ward_id = _insert_site_as_0001_made_it(conn, "にこにこサロン", "1")
            conn.execute(sa.text("INSERT INTO site_tag (site_id, tag) VALUES (:s, 'saturday')"),
                         {"s": site_id})
        upgrade()
        site = db.session.get(Site, site_id)
        assert (site.open_rrule, site.open_since, site.weekdays) == (None, None, [1])
        site.open_rrule, site.open_since = "FREQ=MONTHLY;BYDAY=1TU", sa.func.current_date()
        db.session.commit()
        db.session.remove()
        downgrade(revision="0006")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("site")}
            kept = conn.execute(sa.text("SELECT id, open_weekdays FROM site")).all()
            tags = conn.execute(sa.text("SELECT site_id, tag FROM site_tag")).all()
        assert "open_rrule" not in columns and "open_since" not in columns
        assert kept == [(site_id, "1")]
        assert tags == [(site_id, "saturday")]
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def _insert_site_as_0001_made_it(conn, name: str, weekdays: str) -> tuple[int, int]:
    """A site of ward 14101 written with revision 0001's columns (the model has more now);
    returns its id and the ward's."""
    ward_id = conn.execute(sa.text("SELECT id FROM ward WHERE code = '14101'")).scalar()
    conn.execute(sa.text(
        "INSERT INTO site (source_key, ward_id, kind, source_type, schedule_kind, "
        "municipality_code, number, prefecture, municipality, name, name_kana, address, "
        "address_extra, access, parking, phone, extension, fax, corporate_number, "
        "organisation, ages_text, open_weekdays, schedule_note, url, note, updated_at) "
        "VALUES ('m:1', :w, 'salon', 'テスト', 'periodic', '14101', '1', '神奈川県', "
        "'横浜市鶴見区', :n, '', '', '', '', '', '', '', '', '', '', '', :d, '', '', '', "
        "'2026-12-01 00:00:00')"), {"w": ward_id, "n": name, "d": weekdays})
    return conn.execute(sa.text("SELECT id FROM site")).scalar(), ward_id
