"""Pictures: what is in them and what kind they are (photo, screenshot, document)."""
