"""Track II's format modules (settings.FORMAT_MODULE_PATH), read before Django's own: only
what differs from Django's formats for a language is set here."""
