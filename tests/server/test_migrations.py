"""Migrations build the whole schema on SQLite and PostgreSQL, and match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import bind_migrations, create_app
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
