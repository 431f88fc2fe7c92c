"""Migrations build the whole schema on SQLite and PostgreSQL, and match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import bind_migrations, create_app
from server.directory.models import Site, Ward
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


def test_upgrading_a_database_with_sync_records_keeps_their_site_rows_and_fills_the_ward(
        empty_database_url, tmp_path):
    """Revision 0004 rebuilds sync_record; on SQLite a rebuild with foreign keys on used to
    delete every sync_record_site row (ON DELETE CASCADE) and no pull could see them."""
    app = bind_migrations(create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                                      "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path)}))
    with app.app_context():
        upgrade(revision="0003")
        # The site table is as revision 0001 made it, so the model writes it.
        ward = db.session.scalars(sa.select(Ward).where(Ward.code == "14101")).one()
        site = Site(source_key="m:1", ward_id=ward.id, kind="salon", source_type="テスト",
                    schedule_kind="periodic", municipality_code="14101", number="1",
                    prefecture="神奈川県", municipality="横浜市鶴見区", name="テストサロン",
                    open_weekdays="2")
        db.session.add(site)
        db.session.commit()
        site_id, ward_id = site.id, ward.id
        db.session.remove()
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
