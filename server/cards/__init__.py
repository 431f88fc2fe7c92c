"""Introduction cards (紹介カード): tokens minted ahead for phones with no signal, the
parent's page, arrival, the evening notices and the figures hub staff read."""
