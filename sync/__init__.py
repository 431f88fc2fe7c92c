"""The sync core: merge rules, clocks and the batch engine, without I/O."""
