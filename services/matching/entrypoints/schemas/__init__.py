"""Request and response bodies of matching's API, one module per feature."""
