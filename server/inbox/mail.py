"""The weekly digest by e-mail: plain text in Japanese, UTF-8, when ``SMTP_URL`` is set.

Who receives it: the address set for the ward's hub (``HUB_MAIL_TO``, e.g.
``14199=kosodate-sakura@city.example.jp``), a shared mailbox of the hub, not the
accounts': Tsunagu keeps no personal e-mail addresses, and a hub's mailbox outlives the
people who staff it. The mail gives counts only; who, which phone and which record are
read on the desk after signing in, so nothing more than "how many" passes through mail
servers.

``SMTP_URL``: ``smtp://[user:password@]host[:port]`` (plain; port 25),
``smtp+starttls://…`` (STARTTLS; port 587) or ``smtps://…`` (TLS; port 465).
"""

import json
import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from ..directory.models import Ward
from ..extensions import db
from .models import HubMessage

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_S = 30


def hub_addresses(setting: str) -> dict[str, list[str]]:
    """``"14199=a@x,b@x;14101=c@x"`` → ``{"14199": ["a@x", "b@x"], "14101": ["c@x"]}``.

    :raise ValueError: a part without ``ward_code=``."""
    found: dict[str, list[str]] = {}
    for part in filter(None, (piece.strip() for piece in setting.split(";"))):
        code, sep, addresses = part.partition("=")
        if not sep or not code.strip():
            raise ValueError(f"TSUNAGU_HUB_MAIL_TO: {part!r} is not ward_code=address")
        found.setdefault(code.strip(), []).extend(
            address.strip() for address in addresses.split(",") if address.strip())
    return found


# Each digest section's heading and line, filled from its counts.
WORDING = {
    "issues_raised": ("■ 新しく出された地域の課題", "　{count}件"),
    "cards": ("■ 紹介カード（先週発行したもの）", "　発行 {issued}枚（うち来所 {arrived}枚）"),
    "review_marks": ("■ 要確認の印（まだ答えのないもの）", "　{open}件"),
    "sync_waiting": ("■ 同期の確認待ち",
                     "　競合 {conflicts}件、受け付けなかった記録 {quarantined}件"),
    "quiet_phones": ("■ 30日以上つながっていない端末", "　{count}台"),
}


def _section_lines(name: str, section: dict) -> list[str]:
    if name in WORDING:
        heading, line = WORDING[name]
        return [heading, line.format(**section)]
    # A section added later without its wording here still says its numbers.
    numbers = ", ".join(f"{key} {value}" for key, value in section.items()
                        if isinstance(value, int))
    return [f"■ {name}", f"　{numbers}"]


def digest_text(ward_name: str, body: dict, desk_url: str) -> tuple[str, str]:
    """The subject and text of a digest's e-mail."""
    start, end = body["from"], body["to"]
    subject = f"【つなぐ】{ward_name} 週のまとめ（{start}〜{end}）"
    lines = [f"{ward_name} 子育て支援拠点の皆さまへ", "",
             f"先週（{start}〜{end}）のまとめです。", ""]
    for name, section in body["sections"].items():
        lines += _section_lines(name, section)
    if body.get("failed"):
        lines += ["", "（集計できなかった項目があります。デスクでご確認ください。）"]
    lines += ["", "詳しくは、つなぐのデスク「お知らせ」でご覧ください。"]
    if desk_url:
        lines.append(desk_url)
    lines += ["", "このメールは つなぐ が自動でお送りしています。"]
    return subject, "\n".join(lines) + "\n"


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError("TSUNAGU_SMTP_URL: smtp://, smtp+starttls:// or smtps://host[:port]")
    port = parts.port or SCHEMES[parts.scheme]
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT_S,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_S)
        if parts.scheme == "smtp+starttls":
            server.starttls(context=ssl.create_default_context())
    if parts.username:
        server.login(unquote(parts.username), unquote(parts.password or ""))
    return server


def send_digests(message_ids: list[int], now: datetime) -> dict:
    """Mail the digests ``message_ids`` to their wards' hub addresses, and note each sent
    one's ``mailed_at``. Nothing is attempted without ``SMTP_URL`` or without any address.
    A failure is logged and counted, not raised: the digests are in the inbox all the
    same, and a rerun would mail those that went out twice. Returns ``{"mailed": [ward
    code…], "failed": [ward code…]}``, or ``{"mail": "off"}``."""
    url = current_app.config["SMTP_URL"]
    try:
        addresses = hub_addresses(current_app.config["HUB_MAIL_TO"])
    except ValueError as error:
        log.error("weekly digest: no mail sent: %s", error)
        return {"mailed": [], "failed": ["TSUNAGU_HUB_MAIL_TO"]}
    if not url or not addresses or not message_ids:
        return {"mail": "off"} if not url else {"mailed": [], "failed": []}
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    rows = db.session.execute(select(HubMessage, Ward).join(Ward, Ward.id == HubMessage.ward_id)
                              .where(HubMessage.id.in_(message_ids))
                              .order_by(Ward.code)).all()
    mailed, failed = [], []
    outgoing = []
    for message, ward in rows:
        to = addresses.get(ward.code)
        if not to:
            continue
        subject, text = digest_text(ward.name_ja, json.loads(message.body_json),
                                    f"{base}/" if base else "")
        mail = EmailMessage()
        mail["Subject"] = subject
        mail["From"] = current_app.config["MAIL_FROM"]
        mail["To"] = ", ".join(to)
        mail["Date"] = formatdate(now.replace(tzinfo=UTC).timestamp())
        mail["Message-ID"] = make_msgid(domain=mail["From"].rpartition("@")[2] or None)
        mail.set_content(text, charset="utf-8")
        outgoing.append((message, ward.code, mail))
    if not outgoing:
        return {"mailed": [], "failed": []}
    try:
        server = _connect(url)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        log.error("weekly digest: no mail sent, the SMTP server failed: %r", error)
        return {"mailed": [], "failed": [code for _m, code, _mail in outgoing]}
    try:
        for message, code, mail in outgoing:
            try:
                server.send_message(mail)
            # ValueError: an address the server or smtplib refuses (one not ASCII, say).
            except (OSError, smtplib.SMTPException, ValueError) as error:
                log.error("weekly digest: mail for ward %s failed: %r", code, error)
                failed.append(code)
                continue
            message.mailed_at = now
            mailed.append(code)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass  # what was sent is sent; a server gone before QUIT changes nothing
    db.session.commit()
    return {"mailed": mailed, "failed": failed}
