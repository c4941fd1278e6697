"""The rules in force, for admins: /admin/rules and /api/admin/rules (read-only).

What the running process loaded at start-up from the layers folder — point
layers with their fields, risk rules and checklists, the hazard workflow's
steps and who takes them, the risk file, listed supervision, the admission
catalogues — each with its source file; and whether the files on disk now
still validate and still match what is in force (a changed file takes effect
at the next start, and the audit log records it then).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template

from geoapp.domain import audit as audit_rules
from geoapp.domain.catalogue import CatalogueError, load_admission
from geoapp.domain.layers import LayerFileError, Rule, load_rules
from geoapp.web import auth

bp = Blueprint("rules_admin", __name__)
TESTS = ("in_", "prefix", "gte", "contains_any", "equals", "missing")


def _rule_text(rule: Rule) -> dict:
    test = next(t for t in TESTS if getattr(rule, t) is not None)
    value = getattr(rule, test)
    return {"field": rule.field, "test": test.rstrip("_"),
            "value": list(value) if isinstance(value, tuple) else value, "level": rule.level}


def _layer(spec, name: str) -> dict:
    return {"layer": name, "label": spec.label, "label_en": spec.label_en, "key": list(spec.key),
            "fields": [{"name": f.name, "label": f.label, "type": f.type, "required": f.required,
                        "aliases": list(f.aliases), "choices": list(f.choices)}
                       for f in spec.fields],
            "risk": None if spec.risk is None else {
                "default": spec.risk.default, "rules": [_rule_text(r) for r in spec.risk.rules]},
            "inspection": None if spec.inspection is None else {
                "every_days": spec.inspection.every_days,
                "remind_days": spec.inspection.remind_days,
                "checklist": [item.label for item in spec.inspection.checklist]},
            "file": f"{name}.toml"}


def _on_disk(folder: Path) -> dict:
    """Do the files on disk validate now, and are they the ones in force?"""
    try:
        load_rules(folder)
        if (folder / "admission").is_dir():
            load_admission(folder / "admission")
        problem = None
    except (LayerFileError, CatalogueError) as exc:
        problem = str(exc)
    loaded = current_app.extensions["geoapp.audit"]["digest"]
    now = audit_rules.folder_digest(folder)
    before = {f["name"]: f["sha256"] for f in loaded["files"]}
    after = {f["name"]: f["sha256"] for f in now["files"]}
    return {"valid": problem is None, "problem": problem,
            "changed": sorted(n for n in before.keys() | after.keys()
                              if before.get(n) != after.get(n)),
            "files": [{"name": n, "sha256": before[n]} for n in sorted(before)]}


def rules_in_force() -> dict:
    rules = current_app.extensions["geoapp.rules"]
    admission = current_app.extensions.get("geoapp.admission")
    hazard = rules.tables["hazard"]
    supervision = rules.supervision
    risk = rules.risk
    return {
        "folder": str(rules.folder),
        "disk": _on_disk(Path(rules.folder)),
        "layers": [_layer(spec, name) for name, spec in rules.layers.items()],
        "tables": [_layer(spec, name) for name, spec in rules.tables.items()],
        "steps": {step: list(getattr(hazard.steps, step))
                  for step in ("create", "start", "submit", "accept", "reject")}
        if hazard.steps else {},
        "risk": {"levels": [{"code": lv.code, "label": lv.label, "label_en": lv.label_en,
                             "colour": lv.colour}
                            for lv in risk.levels],
                 "area_rule": risk.area.rule,
                 "open_major_hazard_is_red": risk.escalation.open_major_hazard_is_red,
                 "zone_grades": dict(risk.zones.grade_levels),
                 "stock_cutoff": risk.hazards.stock_cutoff.isoformat(),
                 "timezone": risk.hazards.timezone, "file": "risk.toml"},
        "supervision": {"roles": list(supervision.listing.roles),
                        "publish_within_working_days":
                            supervision.listing.publish_within_working_days,
                        "holidays": len(supervision.calendar.holidays),
                        "workdays": len(supervision.calendar.workdays),
                        "file": "supervision.toml"},
        "substances": len(rules.substances),
        # 三管三必须: the configured departments and how many rules map points to them
        "departments": {"names": list(rules.departments.names),
                        "default": rules.departments.default,
                        "rules": len(rules.departments.by_key), "file": "departments.toml"},
        "admission": None if admission is None else {
            "industries": len(admission.industries.names),
            "catalogues": [{"zone": c.zone, "title": c.title, "source": c.source,
                            "synthetic": c.synthetic,
                            "prohibited": sum(e.list == "prohibited" for e in c.entries),
                            "restricted": sum(e.list == "restricted" for e in c.entries),
                            "file": Path(c.path).relative_to(admission.folder.parent).as_posix()
                            if Path(c.path).is_relative_to(admission.folder.parent)
                            else str(c.path)}
                           for c in admission.catalogues.values()]},
    }


@bp.get("/admin/rules")
def page():
    auth.require_role("admin")
    return render_template("admin/rules.html", r=rules_in_force())


@bp.get("/api/admin/rules")
def api():
    """The rules in force (layers, steps, risk, supervision, admission) and the disk's state."""
    auth.require_role("admin")
    return jsonify(rules_in_force())
