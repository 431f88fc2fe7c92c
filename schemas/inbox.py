"""The hub's inbox on the wire: a ward's messages, each read or not by the reader.

A message carries what it is about, not a sentence; the desk words it. ``body`` of a
``reminder``: ``source`` (``checklist_review``…), ``record_id``, ``title`` (and
``title_en`` where there is one), ``review_on``, ``ward_id``, and for a checklist review
``step`` and ``area_name`` (null: the whole ward). ``body`` of a ``digest``: ``week``
(``2026-W49``), ``from`` and ``to`` (the week's days), ``sections`` by name
(``cards``: ``issued``, ``arrived``; ``review_marks``: ``open``; ``sync_waiting``:
``conflicts``, ``quarantined``; ``quiet_phones``: ``count``, ``phones``: ``id``,
``name``, ``user``, ``last_seen_on``) and ``failed`` (sections that could not be
counted).
"""

from marshmallow import Schema, fields

from .accounts import UtcDateTime


class HubMessageSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["reminder", "digest"]})
    created_at = UtcDateTime()
    read = fields.Boolean(metadata={"description": "read by the signed-in person"})
    read_at = UtcDateTime(allow_none=True)
    body = fields.Dict(keys=fields.String(), metadata={
        "description": "what the message is about (see the module's docstring)"})


class InboxSchema(Schema):
    unread = fields.Integer(metadata={"description": "messages of the ward the signed-in "
                                      "person has not read, all of them"})
    messages = fields.List(fields.Nested(HubMessageSchema),
                           metadata={"description": "the newest 50, newest first"})
