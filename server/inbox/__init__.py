"""The hub's inbox: reminders and the weekly digest for the hub staff of a ward, written
by the scheduled jobs (``server.jobs``), read on the desk, the digest also sent by e-mail."""
