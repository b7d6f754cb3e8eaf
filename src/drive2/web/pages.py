"""Small server-made pages for moments the app cannot show itself: a sign-in with LINE
that did not work comes back from LINE as a page load, not a request of the app."""

from __future__ import annotations

import html

from fastapi.responses import HTMLResponse

from drive2.web.routes import PAGE_HEADERS


def message_page(
    title: str, message: str, back_href: str = "/", status_code: int = 400
) -> HTMLResponse:
    """A plain page with the message and a way back; every text is escaped."""
    body = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)} · Drive2</title>
  <link rel="stylesheet" href="/static/app.css">
</head>
<body>
  <main class="auth">
    <section class="auth-form" role="alert">
      <h1>{html.escape(title)}</h1>
      <p>{html.escape(message)}</p>
      <p><a class="button primary" href="{html.escape(back_href, quote=True)}">Back to
        Drive2</a></p>
    </section>
  </main>
</body>
</html>
"""
    headers = {**PAGE_HEADERS, "Cache-Control": "no-store"}
    return HTMLResponse(body, status_code=status_code, headers=headers)
