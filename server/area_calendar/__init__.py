"""The area calendar (地域子育てカレンダー): every programme and event of a ward's sites on
one public page, a printable month, and an iCalendar feed to subscribe to.

Public directory facts only, server-rendered, no JavaScript and no account: a newcomer
opens it on a phone, a liaison meeting prints the month.
"""
