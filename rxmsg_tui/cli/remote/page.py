"""The browser page of `rxmsg serve`: textual-serve's terminal, with nothing from the internet.

textual-serve's own page loads its font from Google; a pharmacy's support
session must not tell a third party it is running, and must work on a
network without internet, so the fonts come from textual-serve's static
folder. The inline script also drops the one-time token from the address
bar, so it is neither bookmarked nor shown on a shared screen.
"""

from __future__ import annotations

import jinja2

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="referrer" content="no-referrer">
    <title>{{ title }}</title>
    <link rel="stylesheet" href="{{ static }}css/xterm.css">
    <script src="{{ static }}js/textual.js"></script>
    <style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ static }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-style: normal;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ static }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-style: italic;
      }
      body { background: #0c181f; margin: 0; }
      .dialog-container {
        position: absolute; width: 100vw; height: 100vh; display: flex;
        align-items: center; justify-content: center; z-index: 10;
      }
      .intro {
        width: 640px; height: 240px; font-size: 16px; z-index: 20;
        font-family: "Roboto Mono", menlo, monospace; text-align: center;
        color: rgba(255, 255, 255, 0.95); background-color: #12232d;
        display: flex; flex-direction: column; align-items: center; justify-content: center;
      }
      body.-first-byte .intro-dialog { display: none; }
      body .textual-terminal { opacity: 0; }
      body.-first-byte .textual-terminal { opacity: 1; }
      button {
        padding: 16px 32px; background-color: #5e0ba7; color: rgba(255, 255, 255, 0.95);
        border: none; font-family: "Roboto Mono", menlo, monospace; margin: 16px;
      }
      .closed-dialog { display: none; }
      body.-closed .closed-dialog { display: flex; }
    </style>
    <script nonce="{{ nonce }}">
      history.replaceState(null, "", location.pathname);
      document.addEventListener("DOMContentLoaded", function () {
        document.getElementById("restart").addEventListener("click", function () {
          window.location.href = location.pathname;
        });
      });
    </script>
  </head>
  <body>
    <div class="dialog-container intro-dialog">
      <div class="intro"><div>{{ title }}</div><div>Starting…</div></div>
    </div>
    <div class="dialog-container closed-dialog">
      <div class="intro">
        <div>Session ended.</div>
        <div>After an idle end, start rxmsg serve again for a new link.</div>
        <button type="button" id="restart">Restart</button>
      </div>
    </div>
    <div id="terminal" class="textual-terminal"
         data-session-websocket-url="{{ websocket_url }}"
         data-font-size="{{ font_size }}"></div>
  </body>
</html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_page(*, title: str, static: str, websocket_url: str, font_size: int, nonce: str) -> str:
    """The HTML of the terminal page; every URL in it is on this server."""
    return _ENVIRONMENT.from_string(_TEMPLATE).render(
        title=title,
        static=static,
        websocket_url=websocket_url,
        font_size=font_size,
        nonce=nonce,
    )


def content_security_policy(*, nonce: str, websocket_url: str) -> str:
    """What the browser may load for this page: this server only, never an iframe."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {websocket_url}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
