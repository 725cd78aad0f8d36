"""The web service: server-rendered pages, the JSON APIs and feeds."""
