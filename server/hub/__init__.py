"""The hub desk: a ward's synced session logs and outreach records for hub staff and ward
officers, one record with who wrote which part and its history, and the audit log of what
the desk changed (resolve, resubmit, dismiss, restore)."""
