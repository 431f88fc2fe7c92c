"""Push and pull over HTTP: the server side of sync (named so as not to shadow ``sync``)."""
