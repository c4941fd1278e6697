"""One account's reminders as a Chinese message, and its sending through SMTP (smtplib).

The server is the configured one (the SMTP settings of geoapp.settings): at a
county office usually the gateway that passes mail on to SMS or 企业微信. A
send either is accepted by the server or raises ``SendFailed`` with the
server's answer; nothing is retried here (the next run does that).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from geoapp import settings
from geoapp.domain import reminders
from geoapp.domain.workflow import LEVEL_LABELS, STATE_LABELS

SUBJECT = "【安全风险网格化监管】您有 {n} 条新提醒"


class SettingError(ValueError):
    """A mail setting that cannot be used; the message names its variable."""


class SendFailed(Exception):
    """The server could not be reached or refused the message (its answer is the message)."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0


def server_from(config: Mapping | None) -> Server | None:
    """The configured server (None when ``GEOAPP_SMTP_HOST`` is unset); a bad value raises
    SettingError naming its variable."""
    host = settings.get("SMTP_HOST", config)
    if not host:
        return None
    values = {}
    for key, convert in (("SMTP_PORT", int), ("SMTP_TIMEOUT", float)):
        try:
            values[key] = convert(settings.get(key, config))
        except (TypeError, ValueError):
            raise SettingError(f"{settings.variable(key)}: not a number: "
                               f"{settings.get(key, config)!r}") from None
    if not 0 < values["SMTP_PORT"] < 65536:
        raise SettingError(f"{settings.variable('SMTP_PORT')}: no such port")
    sender = settings.get("SMTP_FROM", config)
    if not sender or "@" not in str(sender):
        raise SettingError(f"{settings.variable('SMTP_FROM')}: the sender's address is needed "
                           f"once {settings.variable('SMTP_HOST')} is set")
    return Server(host=str(host), port=values["SMTP_PORT"], sender=str(sender),
                  user=settings.get("SMTP_USER", config) or None,
                  password=settings.get("SMTP_PASSWORD", config) or None,
                  starttls=settings.is_on("SMTP_STARTTLS", config),
                  timeout=values["SMTP_TIMEOUT"])


def _line(item: dict, base_url: str | None) -> str:
    level = LEVEL_LABELS.get(item["level"], item["level"])
    state = STATE_LABELS.get(item["state"], item["state"])
    place = item["cell_name"] or item["cell_code"] or "网格外"
    text = (f"· {item['hazard_code']}（{level}隐患，{state}）{item['point_name']}，{place}；"
            f"整改期限 {item['due']}")
    if item.get("on"):
        who = f"，{item['actor']}" if item.get("actor") else ""
        text += f"；{reminders.EVENT_LABELS.get(item['kind'], '')} {item['on']}{who}"
    text += f"\n  {item['description'][:80]}"
    if base_url and item.get("cell_code"):
        text += f"\n  {base_url.rstrip('/')}/cells/{item['cell_code']}#{item['anchor']}"
    return text


def compose(server: Server, to: str, name: str, items: list[dict], today: dt.date,
            base_url: str | None, message_id: str) -> EmailMessage:
    """One message listing ``items`` (outbox records) by kind, in Chinese.

    ``message_id`` names the outbox rows it carries, so a mail system that
    sees the same message twice can tell.
    """
    order = {k: i for i, k in enumerate(reminders.KINDS)}
    items = sorted(items, key=lambda it: (order.get(it["kind"], 99), it["due"], it["hazard_id"]))
    lines = [f"{name}，您好：", "", f"截至 {today.isoformat()}，以下 {len(items)} 项需要您关注："]
    for kind in reminders.KINDS:
        these = [it for it in items if it["kind"] == kind]
        if these:
            lines += ["", f"【{reminders.KIND_LABELS[kind]}】（{len(these)}）"]
            lines += [_line(it, base_url) for it in these]
    lines += [""]
    if base_url:
        lines += [f"全部提醒：{base_url.rstrip('/')}/inbox"]
    lines += ["本邮件由系统自动发送，请勿直接回复。"]
    msg = EmailMessage()
    msg["Subject"] = SUBJECT.format(n=len(items))
    msg["From"] = server.sender
    msg["To"] = to
    msg["Date"] = email.utils.formatdate(localtime=False)
    domain = server.sender.rsplit("@", 1)[-1]
    msg["Message-ID"] = f"<{message_id}@{domain}>"
    msg.set_content("\n".join(lines))
    return msg


def send(server: Server, msg: EmailMessage) -> None:
    """Hand ``msg`` to the server; raises SendFailed with its answer if it is not accepted."""
    try:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password or "")
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:  # 4xx/5xx: the server said no
        text = exc.smtp_error.decode(errors="replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise SendFailed(f"{exc.smtp_code} {text}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{code} {text.decode(errors='replace')}"
                            for code, text in exc.recipients.values())
        raise SendFailed(answers) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, TLS…
        raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
