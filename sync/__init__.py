"""The sync core: merge rules, clocks and the batch engine, without I/O.

``engine`` applies pushed ops and answers pulls through a ``store.Store``, reading each
op with ``incoming`` and writing a batch with ``batch``; ``collections`` declares every
synced collection once; ``merge`` holds the pure merge rules; ``hlc`` the hybrid logical
clock; ``protocol`` the wire dataclasses; ``errors`` the stable error codes. See
README.md in this folder.
"""
