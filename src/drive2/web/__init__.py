"""The web app: static pages and modules served at `/` by the API process (no build step)."""
