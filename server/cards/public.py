"""The parent's page of a card, ``/c/<token>``: server-rendered, no JavaScript, no account."""

from flask import Blueprint

bp = Blueprint("card_page", __name__)
