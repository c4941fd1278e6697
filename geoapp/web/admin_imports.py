"""Imports in the browser, for admins: /admin/imports and /api/admin/imports.

The same importer as ``geoapp import`` (geoapp.store.importer), in two steps,
each run as a background job (a thread of the serving process: a 100 000-row
ledger takes a minute, longer than a request may) that the page polls:

1. ``POST /api/admin/imports`` (multipart: ``kind``, ``file``, ``crs``,
   ``replace``) keeps the uploaded file and starts a **dry run**: the whole file
   validated, then imported in a transaction that is rolled back → 202. Polled
   with ``GET /api/admin/imports/<id>``, it ends ``rejected`` with every problem
   as {row, column, reason}, or ``previewed`` with the counts, the rows added /
   updated (with the changed fields) / deleted, and the points that would fall
   outside every cell. Nothing is written either way.
2. ``POST /api/admin/imports/<id>/commit`` imports the kept file for real (one
   transaction: all or nothing) → 202, then ``committed`` with its counts,
   recorded in the audit log with the file's SHA-256; ``POST …/cancel`` drops a
   previewed upload.

While a job runs, its stage and rows written are in the upload's progress file
(geoapp.store.import_summary.Progress), so the page's bar survives a reload and
any worker process can answer the poll. A job whose progress has not moved for
``STALLED_AFTER`` seconds is reported as stalled (its process ended).

The history is the audit log's ``import`` entries; a file uploaded here can be
downloaded again (``GET /admin/imports/<id>/file``). Uploads are kept in
``GEOAPP_IMPORT_DIR`` (default instance/imports), one folder per upload with
its state in ``upload.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import uuid
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geoapp import settings
from geoapp.domain import crs as crs_mod
from geoapp.domain.audit import file_sha256
from geoapp.domain.catalogue import check_zones
from geoapp.ingest.problems import ImportRejected
from geoapp.store import accidents as accident_store
from geoapp.store import audit as audit_store
from geoapp.store import importer
from geoapp.store.import_summary import Progress, read_progress
from geoapp.web import auth, clock, db, i18n, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("imports_admin", __name__)

BOUNDARIES = {"cells": _l("网格边界"), "zones": _l("功能区边界")}
HAZARDS = {"hazards": _l("隐患台账"), "accidents": _l("生产安全事故台账")}
# what a kind's file may be (the importer reads it by its ending)
ENDINGS = {"boundaries": (".geojson", ".json", ".zip", ".gpkg"),
           "ledger": (".csv", ".xlsx")}
_ID = 32  # hex digits of an upload id
RUNNING = ("checking", "importing")
STALLED_AFTER = 300  # seconds without progress: the job's process is gone
log = logging.getLogger(__name__)
# the coordinate systems offered (any EPSG:n is taken too); "" is the file's own / WGS84
CRS_CHOICES = ("", "wgs84", "cgcs2000", "gcj02", "bd09")


def _kinds() -> dict:
    """kind → label: the boundaries, every point layer of layers/, the hazards."""
    rules = current_app.extensions["geoapp.rules"]
    layers = {name: _("%(layer)s台账", layer=i18n.localized(spec))
              for name, spec in rules.layers.items()}
    return {**BOUNDARIES, **layers, **HAZARDS}


def _folder() -> Path:
    configured = settings.get("IMPORT_DIR", current_app.config)
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _upload(upload_id: str) -> tuple[Path, dict]:
    if len(upload_id) != _ID or any(c not in "0123456789abcdef" for c in upload_id):
        raise ApiError(404, "not_found", _("没有这次上传"), "path")
    folder = _folder() / upload_id
    try:
        meta = json.loads((folder / "upload.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApiError(404, "not_found", _("没有这次上传")) from None
    return folder, meta


def _save(meta: dict) -> None:
    path = _folder() / meta["id"] / "upload.json"
    temp = path.with_suffix(".part")
    temp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    temp.replace(path)  # a poll never reads half a file


def _run(meta: dict, path: Path, dry_run: bool, progress: Progress):
    """The importer call for an upload's kind and options."""
    database = db.database()
    rules = current_app.extensions["geoapp.rules"]
    kind, crs = meta["kind"], meta["crs"] or None
    options = {"dry_run": dry_run, "progress": progress}
    if kind == "cells":
        return importer.import_cells(database, rules, path, crs, allow_delete=meta["replace"],
                                     **options)
    if kind == "zones":
        admission = current_app.extensions["geoapp.admission"]
        return importer.import_zones(database, rules, path, crs,
                                     check_codes=lambda codes: check_zones(admission, codes),
                                     allow_delete=meta["replace"], **options)
    if kind == "accidents":
        return accident_store.import_accidents(
            database, rules, path, clock.today(rules.risk.hazards.timezone),
            actor=f"import: {meta['filename']}", **options)
    if kind == "hazards":
        return importer.import_hazards(database, rules, path,
                                       actor=f"import: {meta['filename']}", **options)
    return importer.import_points(database, rules, path, kind, crs or "wgs84", **options)


def _start(meta: dict, dry_run: bool) -> None:
    """Run the dry run or the import in a thread of this process; it records its outcome
    in ``upload.json`` (and, for an import or a rejection, in the audit log)."""
    meta["state"] = "checking" if dry_run else "importing"
    # a fresh reading, dated now: the dry run's last one (hours old if the admin read the
    # preview that long) would be shown and judged stalled until the job writes its first
    Progress(_folder() / meta["id"] / "progress.json").stage("")
    _save(meta)
    who = {"actor": auth.actor_name(), "ip": request.remote_addr}
    db.release()  # the job writes in its own transactions
    app = current_app._get_current_object()
    threading.Thread(target=_job, args=(app, dict(meta), dry_run, who),
                     name=f"import-{meta['id']}", daemon=True).start()


def _job(app, meta: dict, dry_run: bool, who: dict) -> None:
    with app.app_context():
        folder = _folder() / meta["id"]
        path = folder / meta["stored"]
        detail = {"what": meta["kind"], "file": meta["filename"], "sha256": meta["sha256"],
                  "upload": meta["id"]}
        try:
            summary = _run(meta, path, dry_run, Progress(folder / "progress.json"))
        except ImportRejected as exc:
            meta.update(state="rejected", problems=[
                {"row": p.row, "column": p.column, "reason": p.reason} for p in exc.problems],
                codes=getattr(exc, "codes", None))
            _audit(who, "import_rejected", meta, {**detail, "problems": len(exc.problems)})
        except Exception:  # the page must learn that it ended; the log has the cause
            log.exception("import %s failed", meta["id"])
            meta["state"] = "failed"
        else:
            if dry_run:
                meta.update(state="previewed", preview=summary.as_dict())
            else:
                meta.update(state="committed", result=summary.as_dict())
                _audit(who, "import", meta, {**detail, **summary.counts()})
        _save(meta)


def _audit(who: dict, action: str, meta: dict, detail: dict) -> None:
    with db.database().transaction() as s:
        audit_store.record(s, action, who["actor"], target=meta["filename"], detail=detail,
                           ip=who["ip"])


def _status(meta: dict) -> dict:
    """What a poll answers: the upload's state and, while its job runs, its progress."""
    out = {k: meta.get(k) for k in ("id", "filename", "kind", "state", "preview", "result",
                                    "problems", "codes")}
    if meta["state"] in RUNNING:
        progress = read_progress(_folder() / meta["id"] / "progress.json") or {}
        out["progress"] = progress
        at = progress.get("at") or meta["at"]
        age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(at)
        out["stalled"] = age.total_seconds() > STALLED_AFTER
    if meta["state"] == "rejected":
        out["message"] = _("文件有 %(n)d 处错误，未导入任何数据。", n=len(meta["problems"]))
    if meta["state"] == "failed":
        out["message"] = _("导入出错，未导入任何数据；详情见服务日志。")
    return out


@bp.get("/admin/imports")
def page():
    auth.require_role("admin")
    with_files = {p.name for p in _folder().glob("*") if (p / "upload.json").is_file()} \
        if _folder().is_dir() else set()
    _total, history = audit_store.entries(db.session(), {"action": "import"}, limit=50)
    tz = ZoneInfo(current_app.extensions["geoapp.rules"].risk.hazards.timezone)
    for entry in history:
        entry["local"] = entry["at"].astimezone(tz).strftime("%Y-%m-%d %H:%M")
        upload = (entry.get("detail") or {}).get("upload")
        entry["file_url"] = (f"/admin/imports/{upload}/file" if upload in with_files else None)
    return render_template("admin/imports.html", kinds=_kinds(), history=history,
                           crs_choices=CRS_CHOICES,
                           page_config={"t": _texts()})


def _texts() -> dict:
    """The page script's words."""
    return {"failed": _("操作失败"), "added": _("新增"), "updated": _("更新"),
            "deleted": _("删除"), "unchanged": _("未变"), "outside": _("网格外"),
            "done": _("已导入"), "cancelled": _("已取消，未导入任何数据。"),
            "stalled": _("导入已中断（服务进程已停止），未导入任何数据，请重新上传。"),
            "phase_check": _("预览（不写入）"), "phase_import": _("导入"),
            "stages": {"read": _("读取文件"), "check": _("校验"), "write": _("写入"),
                       "compare": _("与现有数据比对"), "assign": _("落入网格、计算等级")}}


@bp.post("/api/admin/imports")
@inputs.takes_uploads
def api_preview():
    """Keep the uploaded file and answer its dry run (or 400 with its problems)."""
    auth.require_role("admin")
    kinds = _kinds()
    kind = request.form.get("kind", "")
    if kind not in kinds:
        raise ApiError(400, "bad_request", _("kind：请选择要导入的数据（%(kinds)s）",
                                             kinds="、".join(kinds)), "kind")
    crs = request.form.get("crs", "").strip()
    if crs:
        try:
            crs_mod.parse_crs(crs)
        except ValueError as exc:
            raise ApiError(400, "bad_request", f"crs: {exc}", "crs") from None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "bad_request", _("file：请选择文件"), "file")
    name = Path(upload.filename.replace("\\", "/")).name[:200]
    allowed = ENDINGS["boundaries" if kind in BOUNDARIES else "ledger"]
    ending = next((e for e in allowed if name.lower().endswith(e)), None)
    if ending is None:
        raise ApiError(400, "bad_request", _("file：%(kind)s须为 %(endings)s 文件",
                                             kind=kinds[kind], endings="、".join(allowed)), "file")
    upload_id = uuid.uuid4().hex
    folder = _folder() / upload_id
    folder.mkdir(parents=True, mode=0o700)
    path = folder / f"upload{ending}"
    upload.save(path)
    meta = {"id": upload_id, "stored": path.name, "kind": kind, "crs": crs,
            "replace": request.form.get("replace") in ("1", "true", "on"), "filename": name,
            "sha256": file_sha256(path),
            "by": auth.actor_name(), "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "state": "uploaded"}
    _start(meta, dry_run=True)
    return jsonify(_status(meta)), 202


@bp.get("/api/admin/imports/<upload_id>")
def api_status(upload_id: str):
    """An upload's state: checking | previewed | rejected | importing | committed | failed."""
    auth.require_role("admin")
    return jsonify(_status(_upload(upload_id)[1]))


@bp.post("/api/admin/imports/<upload_id>/commit")
def api_commit(upload_id: str):
    """Import a previewed upload for real; recorded in the audit log."""
    auth.require_role("admin")
    folder, meta = _upload(upload_id)
    if meta["state"] != "previewed":
        raise ApiError(409, "conflict", _refusal(meta["state"]), "state")
    try:  # one import per upload, whichever worker the requests reach
        os.close(os.open(folder / "commit.lock", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        raise ApiError(409, "conflict", _refusal("importing"), "state") from None
    _start(meta, dry_run=False)
    return jsonify(_status(meta)), 202


def _refusal(state: str) -> str:
    return {"committed": _("这次上传已导入"), "importing": _("这次上传正在导入"),
            "checking": _("这次上传正在校验"),
            }.get(state, _("这次上传未通过校验，不能导入"))


@bp.post("/api/admin/imports/<upload_id>/cancel")
def api_cancel(upload_id: str):
    """Drop a previewed upload: nothing was written, and its file goes."""
    auth.require_role("admin")
    folder, meta = _upload(upload_id)
    if meta["state"] not in ("previewed", "rejected", "failed"):
        raise ApiError(409, "conflict", _("只能取消尚未导入的上传"), "state")
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    return "", 204


@bp.get("/admin/imports/<upload_id>/file")
def original_file(upload_id: str):
    """The file as it was uploaded, under its own name."""
    auth.require_role("admin")
    folder, meta = _upload(upload_id)
    path = folder / meta["stored"]
    response = send_file(path, as_attachment=True, download_name=meta["filename"])
    response.headers["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(meta['filename'])}")
    return response
