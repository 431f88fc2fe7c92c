"""Files to send on: a ward's synced records and its monthly report, as CSV and XLSX."""
