"""The directory API. Reading is public (parents have no account); writing is scoped by role."""

from flask import Blueprint, g

from schemas.directory import (
    AreaSchema,
    ContactSchema,
    DirectoryQuerySchema,
    EventQuerySchema,
    EventSchema,
    KindMappingSchema,
    ProgrammePatchSchema,
    ProgrammeSchema,
    SiteDetailSchema,
    SitePatchSchema,
    SiteSchema,
    WardSchema,
)

from ..accounts import policy
from ..accounts.auth import login_required
from ..api import documented, load_body, load_query, respond
from ..extensions import db
from ..timeutil import today_local
from . import opening, operations, queries
from .lookups import get_or_404, ward_by_code
from .models import Area, ContactPerson, KindMapping, Programme, Site, Ward

bp = Blueprint("directory", __name__, url_prefix="/api")


@bp.get("/wards")
@documented("All wards", "directory", response=WardSchema, many=True, auth=False)
def wards():
    return respond(WardSchema(many=True), db.session.scalars(db.select(Ward).order_by(Ward.id)))


@bp.get("/wards/<code>/areas")
@documented("The areas (エリア) of a ward", "directory", response=AreaSchema, many=True,
            auth=False, errors=(404,))
def areas(code: str):
    ward = ward_by_code(code)
    return respond(AreaSchema(many=True), db.session.scalars(
        db.select(Area).where(Area.ward_id == ward.id).order_by(Area.name)))


@bp.get("/wards/<code>/sites")
@documented("Sites of a ward, filtered by kind, area, tag and weekday", "directory",
            query=DirectoryQuerySchema, response=SiteSchema, many=True, auth=False,
            errors=(404, 422))
def sites(code: str):
    ward = ward_by_code(code)
    filters = load_query(DirectoryQuerySchema())
    return respond(SiteSchema(many=True, open_dates=opening.upcoming_from(today_local())),
                   queries.filtered_sites(ward, filters))


@bp.get("/sites/<int:site_id>")
@documented("One site with its contact people", "directory", response=SiteDetailSchema,
            auth=False, errors=(404,))
def site(site_id: int):
    return respond(SiteDetailSchema(open_dates=opening.upcoming_from(today_local())),
                   get_or_404(Site, site_id, "site_id"))


@bp.patch("/sites/<int:site_id>")
@login_required
@documented("Change a site's area, tags, notes or opening rule (hub staff of its ward)",
            "directory", body=SitePatchSchema, response=SiteDetailSchema,
            errors=(400, 401, 403, 404, 422))
def update_site(site_id: int):
    site = get_or_404(Site, site_id, "site_id")
    policy.require(policy.may_manage_ward(g.user, site.ward_id))
    data = load_body(SitePatchSchema())
    today = today_local()
    return respond(SiteDetailSchema(open_dates=opening.upcoming_from(today)),
                   operations.update_site(site, data, today=today))


@bp.get("/wards/<code>/programmes")
@documented("Programmes of a ward's sites", "directory", query=DirectoryQuerySchema,
            response=ProgrammeSchema, many=True, auth=False, errors=(404, 422))
def programmes(code: str):
    ward = ward_by_code(code)
    filters = load_query(DirectoryQuerySchema())
    return respond(ProgrammeSchema(many=True), queries.ward_programmes(ward, filters))


@bp.get("/wards/<code>/events")
@documented("Dated occurrences of a ward's programmes (default: the next four weeks; at "
            f"most {queries.MAX_OCCURRENCES} days and the first {queries.MAX_EVENTS} of them)",
            "directory", query=EventQuerySchema, response=EventSchema, many=True, auth=False,
            errors=(404, 422))
def events(code: str):
    ward = ward_by_code(code)
    filters = load_query(EventQuerySchema(today=today_local()))
    return respond(EventSchema(many=True), queries.ward_events(ward, filters))


@bp.post("/sites/<int:site_id>/programmes")
@login_required
@documented("Add a programme to a site (its staff, or hub staff of its ward)", "directory",
            body=ProgrammeSchema, response=ProgrammeSchema, status=201,
            errors=(400, 401, 403, 404, 422))
def create_programme(site_id: int):
    site = get_or_404(Site, site_id, "site_id")
    policy.require(policy.may_edit_site(g.user, site))
    data = load_body(ProgrammeSchema())
    return respond(ProgrammeSchema(), operations.create_programme(site, data), 201)


@bp.get("/programmes/<int:programme_id>")
@documented("One programme", "directory", response=ProgrammeSchema, auth=False,
            errors=(404,))
def programme(programme_id: int):
    return respond(ProgrammeSchema(), get_or_404(Programme, programme_id, "programme_id"))


@bp.patch("/programmes/<int:programme_id>")
@login_required
@documented("Change a programme (its site's staff, or hub staff of its ward)", "directory",
            body=ProgrammePatchSchema, response=ProgrammeSchema,
            errors=(400, 401, 403, 404, 422))
def update_programme(programme_id: int):
    programme = get_or_404(Programme, programme_id, "programme_id")
    policy.require(policy.may_edit_site(g.user, programme.site))
    data = load_body(ProgrammePatchSchema())
    return respond(ProgrammeSchema(), operations.update_programme(programme, data))


@bp.delete("/programmes/<int:programme_id>")
@login_required
@documented("Remove a programme", "directory", status=204, errors=(401, 403, 404))
def delete_programme(programme_id: int):
    programme = get_or_404(Programme, programme_id, "programme_id")
    policy.require(policy.may_edit_site(g.user, programme.site))
    operations.delete_programme(programme)
    return "", 204


@bp.post("/sites/<int:site_id>/contacts")
@login_required
@documented("Add a contact person (display name and role only)", "directory",
            body=ContactSchema, response=ContactSchema, status=201,
            errors=(400, 401, 403, 404, 422))
def add_contact(site_id: int):
    site = get_or_404(Site, site_id, "site_id")
    policy.require(policy.may_edit_site(g.user, site))
    data = load_body(ContactSchema())
    return respond(ContactSchema(), operations.add_contact(site, data), 201)


@bp.delete("/contacts/<int:contact_id>")
@login_required
@documented("Remove a contact person", "directory", status=204, errors=(401, 403, 404))
def remove_contact(contact_id: int):
    contact = get_or_404(ContactPerson, contact_id, "contact_id")
    policy.require(policy.may_edit_site(g.user, contact.site))
    operations.remove_contact(contact)
    return "", 204


@bp.get("/kind-mappings")
@login_required
@documented("The admin's additions to the 種別 → site kind table", "directory",
            response=KindMappingSchema, many=True, errors=(401, 403))
def kind_mappings():
    policy.require(g.user.role == "admin")
    return respond(KindMappingSchema(many=True),
                   db.session.scalars(db.select(KindMapping).order_by(KindMapping.source_type)))


@bp.put("/kind-mappings")
@login_required
@documented("Map one more 種別 wording to a site kind (admin)", "directory",
            body=KindMappingSchema, response=KindMappingSchema, errors=(400, 401, 403, 422))
def set_kind_mapping():
    policy.require(g.user.role == "admin")
    data = load_body(KindMappingSchema())
    return respond(KindMappingSchema(),
                   operations.set_kind_mapping(data["source_type"], data["kind"]))
