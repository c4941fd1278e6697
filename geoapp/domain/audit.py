"""The audit log's rules: which actions are logged, and what may never be written to it.

The log answers "who did what, when, from where" for the acts that change
what an office holds or who may see it: log-ins (and failed ones), log-outs,
imports (with the file's SHA-256, so the file can be matched later), exports
(what, by whom, how many rows), account and scope changes, password resets,
personal access tokens made and revoked, the offline basemap installed or removed,
and the rule files in force when they change. It is append-only like the
hazards' history. A password, session id or token is never written to it:
``clean`` refuses a detail that carries one, so a mistake in a caller fails
loudly instead of leaking.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from geoapp.domain.texts import N_

ACTIONS = {
    "login": N_("登录"),
    "login_failed": N_("登录失败"),
    "logout": N_("退出"),
    "import": N_("导入"),
    "import_rejected": N_("导入被拒"),
    "export": N_("导出"),
    "account_create": N_("新建账号"),
    "account_change": N_("修改账号"),
    "account_deactivate": N_("停用账号"),
    "account_activate": N_("启用账号"),
    "password_reset": N_("重置密码"),
    "password_change": N_("修改密码"),
    # personal access tokens (geoapp.store.tokens): name and prefix, never the token
    "token_create": N_("新建访问令牌"),
    "token_revoke": N_("吊销访问令牌"),
    "rules_loaded": N_("规则文件生效"),
    # the offline basemap (geoapp.web.basemap, geoapp basemap): file name and SHA-256
    "basemap_install": N_("安装离线底图"),
    "basemap_rejected": N_("离线底图被拒"),
    "basemap_remove": N_("删除离线底图"),
    # a functional zone's assessment (geoapp.store.zone_assessments): date, score, grade, body
    "zone_assessment": N_("功能区评估"),
    # the accident register (geoapp.web.accidents): the accident's 编号, what changed
    "accident_create": N_("录入事故"),
    "accident_change": N_("修改事故"),
}

# keys of a detail that would carry a secret, at any depth
SECRET_KEY = re.compile(r"pass(word)?|secret|token|session|cookie|csrf|hash", re.IGNORECASE)


def clean(detail: dict | None) -> dict:
    """``detail`` as it may be stored: refused if any key names a secret.

    Examples
    --------
    >>> clean({"file": "a.csv", "counts": {"created": 2}})
    {'file': 'a.csv', 'counts': {'created': 2}}
    >>> clean({"user": {"password": "x"}})
    Traceback (most recent call last):
    ...
    ValueError: the audit log never holds a secret: detail key 'password'
    >>> clean(None)
    {}
    """
    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                if SECRET_KEY.search(str(key)) and key != "sha256":
                    raise ValueError(f"the audit log never holds a secret: detail key {key!r}")
                walk(inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner)

    detail = dict(detail or {})
    walk(detail)
    return detail


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (a large ledger is not held in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_digest(folder: str | Path) -> dict:
    """The rule files in force: one SHA-256 over every file of ``folder`` (names and bytes,
    in name order), and each file's own, so a changed file is named."""
    folder = Path(folder)
    files = []
    total = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name, sha = path.relative_to(folder).as_posix(), file_sha256(path)
        files.append({"name": name, "sha256": sha})
        total.update(name.encode() + b"\0" + sha.encode() + b"\0")
    return {"sha256": total.hexdigest(), "files": files}
