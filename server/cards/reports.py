"""What hub staff and site staff read about cards: notices in a site's inbox, figures."""

from flask import Blueprint

bp = Blueprint("card_reports", __name__, url_prefix="/api")
