"""Liaison meetings (連絡会): what a ward's or an area's meeting shared, discussed, decided
and looked back on, who came, every earlier version of the record, and which sites the
meetings rarely reach. ``meetings`` writes and reads; the views only check who asks."""
