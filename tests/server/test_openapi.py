"""The OpenAPI document is valid OpenAPI 3 and covers every API route."""

from openapi_spec_validator import validate


def test_openapi_document_validates_as_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_in_the_document(app, client):
    spec = client.get("/api/openapi.json").json
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule == "/api/openapi.json":
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_request_schemas_in_the_document_reject_unknown_fields(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    assert schemas["LoginRequest"]["additionalProperties"] is False
    assert "password" in schemas["LoginRequest"]["required"]
    assert set(schemas["Error"]["properties"]) == {"error"}
