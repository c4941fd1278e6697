"""`geoapp notify` against a real SMTP server (aiosmtpd, started here), on both backends.

Each reminder arrives once however often the command runs; a server that
refuses (451) or is down leaves every reminder unsent and kept, and the next
run with a working server delivers them, once.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.store import hazards
from geoapp.store.models import Hazard, Outbox, User
from tests.support.apps import make_user, shop_with_hazard
from tests.support.constants import TODAY

DAY = dt.timedelta(days=1)


class Mailbox:
    """An aiosmtpd handler keeping what it accepts; ``refuse`` makes it answer that instead."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        msg["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for msg in self.messages:
            out.setdefault(msg["To"], []).append(msg.get_content())
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The test's SMTP server on one port: stopped (connection refused) and started again."""

    def __init__(self, box: Mailbox):
        self.port = free_port()
        self.box = box
        self.controller = None

    def start(self):
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Server(Mailbox())
    server.start()
    yield server.box, server
    server.stop()


@pytest.fixture
def world(database, rules, monkeypatch, smtp):
    """H1 in cell A, submitted by the grid member, due in 5 days; grid and supervisor have
    addresses, the leader none. The command runs on this database and SMTP server."""
    _, hid = shop_with_hazard(database, rules, found_on=TODAY - 20 * DAY, level="general",
                              deadline=TODAY + 5 * DAY)
    make_user(database, "grid", cells=["A"])
    make_user(database, "supervisor")
    make_user(database, "leader")
    make_user(database, "grid2", "grid", cells=["A"])  # no address: the inbox only
    with database.transaction() as s:
        h = s.get(Hazard, hid)
        hazards.transition(h, "start", "grid")
        hazards.transition(h, "submit", "grid")
        s.scalar(sa.select(User).where(User.username == "grid")).email = "grid@ajz.example.cn"
        s.scalar(sa.select(User).where(User.username == "supervisor")).email = "sup@ajz.example.cn"
    for name, value in {"DATABASE_URL": database.url, "SECRET_KEY": "notify-test-key",
                        "TODAY": TODAY.isoformat(), "SMTP_HOST": "127.0.0.1",
                        "SMTP_PORT": str(smtp[1].port), "SMTP_FROM": "geoapp@ajz.example.cn",
                        "BASE_URL": "https://geo.example.cn/"}.items():
        monkeypatch.setenv(f"GEOAPP_{name}", value)
    return hid


def notify():
    return CliRunner().invoke(main, ["notify"])


def outbox(database) -> list[tuple]:
    with database.sessions() as s:
        return [(r.kind, r.state, r.attempts) for r in
                s.scalars(sa.select(Outbox).order_by(Outbox.kind))]


def test_each_reminder_arrives_once_however_often_notify_runs(database, world, smtp):
    box, _ = smtp
    first = notify()
    assert first.exit_code == 0, first.output
    assert "2 new reminders queued; 2 sent in 2 messages; 0 not sent" in first.output
    assert "1 accounts without an email address" in first.output  # grid2: inbox only
    mail = box.by_recipient()
    assert sorted(mail) == ["grid@ajz.example.cn", "sup@ajz.example.cn"]
    [to_supervisor] = mail["sup@ajz.example.cn"]
    assert "【待我验收】（1）" in to_supervisor and "H1" in to_supervisor
    assert "商店（虚构），一网格；整改期限 2030-06-19；提请验收 " in to_supervisor
    assert to_supervisor.count("，grid") == 1  # who submitted it
    assert f"https://geo.example.cn/cells/A#hazard-{world}" in to_supervisor
    assert "【临近整改期限】（1）" in mail["grid@ajz.example.cn"][0]
    assert {m["Subject"] for m in box.messages} == {"【安全风险网格化监管】您有 1 条新提醒"}
    assert outbox(database) == [("awaiting_acceptance", "sent", 1), ("deadline", "sent", 1)]

    again = notify()
    assert again.exit_code == 0 and "0 new reminders queued; 0 sent" in again.output
    assert len(box.messages) == 2

    with database.transaction() as s:  # returned for rework: one new reminder, for the grid
        hazards.transition(s.get(Hazard, world), "reject", "supervisor")
    third = notify()
    assert third.exit_code == 0 and "1 new reminders queued; 1 sent in 1 messages" in third.output
    assert len(box.messages) == 3
    last = box.messages[-1]
    assert last["To"] == "grid@ajz.example.cn"
    assert "【退回整改】" in last.get_content() and "临近整改期限" not in last.get_content()


def test_a_refusing_or_stopped_server_keeps_every_reminder_for_the_next_run(
        database, world, smtp):
    box, server = smtp
    box.refuse = "451 4.3.0 Try again later"
    refused = notify()
    assert refused.exit_code == 1
    assert "0 sent in 0 messages; 2 not sent" in refused.output
    assert "451" in refused.output and box.messages == []
    assert outbox(database) == [("awaiting_acceptance", "failed", 1), ("deadline", "failed", 1)]
    with database.sessions() as s:
        assert {r.last_error for r in s.scalars(sa.select(Outbox))} == {
            "451 4.3.0 Try again later"}

    server.stop()  # nobody listening: connection refused
    down = notify()
    assert down.exit_code == 1 and "ConnectionRefusedError" in down.output
    assert outbox(database) == [("awaiting_acceptance", "failed", 2), ("deadline", "failed", 2)]

    box.refuse = None
    server.start()
    delivered = notify()
    assert delivered.exit_code == 0, delivered.output
    assert "0 new reminders queued; 2 sent in 2 messages" in delivered.output
    assert sorted(m["To"] for m in box.messages) == ["grid@ajz.example.cn", "sup@ajz.example.cn"]
    assert outbox(database) == [("awaiting_acceptance", "sent", 3), ("deadline", "sent", 3)]
    assert notify().exit_code == 0 and len(box.messages) == 2


def test_without_a_server_reminders_are_queued_and_the_command_says_so(
        database, world, monkeypatch):
    monkeypatch.delenv("GEOAPP_SMTP_HOST")
    r = notify()
    assert r.exit_code == 1 and "GEOAPP_SMTP_HOST is not set" in r.output
    assert outbox(database) == [("awaiting_acceptance", "queued", 0), ("deadline", "queued", 0)]


@pytest.mark.parametrize("name, value, message", [
    ("SMTP_FROM", "", "GEOAPP_SMTP_FROM: the sender's address is needed"),
    ("SMTP_PORT", "smtp", "GEOAPP_SMTP_PORT: not a number: 'smtp'"),
    ("SMTP_PORT", "70000", "GEOAPP_SMTP_PORT: no such port"),
])
def test_a_bad_mail_setting_is_named_and_nothing_is_queued(database, world, monkeypatch,
                                                           name, value, message):
    monkeypatch.setenv(f"GEOAPP_{name}", value)
    r = notify()
    assert r.exit_code == 1 and message in r.output
    assert outbox(database) == []


def test_set_email_checks_the_address_and_clears_it(database, world):
    runner = CliRunner()
    r = runner.invoke(main, ["users", "set-email", "leader", " Li.Si@Example.CN "])
    assert r.exit_code == 0 and "Li.Si@example.cn" in r.output, r.output
    for bad, reason in (("li.si", "must have an @-sign"), ("li@localhost", "period"),
                        ("li@@example.cn", "invalid characters")):
        r = runner.invoke(main, ["users", "set-email", "leader", bad])
        assert r.exit_code == 1 and f"email {bad!r}" in r.output and reason in r.output, r.output
    r = runner.invoke(main, ["users", "set-email", "nobody", "a@example.cn"])
    assert r.exit_code == 1 and "no user 'nobody'" in r.output
    with database.sessions() as s:
        assert s.scalar(sa.select(User.email).where(User.username == "leader")) == (
            "Li.Si@example.cn")
    assert runner.invoke(main, ["users", "set-email", "leader", ""]).exit_code == 0
    with database.sessions() as s:
        assert s.scalar(sa.select(User.email).where(User.username == "leader")) is None


def test_mailed_reminders_keep_to_the_accounts_area(database, world, smtp):
    """A supervisor scoped to another cell is not mailed about H1; one scoped to its cell is
    (the inbox page and the mail read the same scope: geoapp.store.scopes)."""
    box, _ = smtp
    make_user(database, "sup_there", "supervisor", areas=[("cell", "B")])
    make_user(database, "sup_here", "supervisor", areas=[("cell", "A")])
    with database.transaction() as s:
        for name in ("sup_there", "sup_here"):
            s.scalar(sa.select(User).where(User.username == name)).email = f"{name}@ajz.example.cn"
    result = notify()
    assert result.exit_code == 0, result.output
    mail = box.by_recipient()
    assert "sup_there@ajz.example.cn" not in mail
    [to_here] = mail["sup_here@ajz.example.cn"]
    assert "【待我验收】（1）" in to_here and "H1" in to_here
