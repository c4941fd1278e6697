"""/api/openapi.json: a valid OpenAPI 3.1 document holding exactly the JSON routes that exist,
each with its summary (every API view has a docstring)."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_the_document_is_valid_and_holds_every_json_route(client, auth):
    auth.login("leader")
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    app = client.application
    routes = {(rule.rule, m.lower()) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for m in rule.methods - {"HEAD", "OPTIONS"}}
    import re

    listed = {(re.sub(r"\{(\w+)\}", r"<\1>", path), method)
              for path, ops in doc["paths"].items() for method in ops}
    assert listed == {(re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"<\1>", path), m) for path, m in routes}
    missing = sorted(op["operationId"] for ops in doc["paths"].values() for op in ops.values()
                     if not op["summary"])
    assert missing == [], "API views without a docstring"
    hazard = doc["paths"]["/api/hazards/{hazard_id}"]["patch"]
    assert hazard["parameters"][0]["schema"]["type"] == "integer"
