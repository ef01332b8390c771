"""The web app: `make run` (or `python app.py`) serves it on 127.0.0.1:7860 unless the settings say otherwise.

The interface lives in assistant/web.py; this file builds it with the project's settings and starts the server.
"""

import assistant  # noqa: F401  (offline and no-analytics environment before gradio is imported)
from assistant.settings import get_settings
from assistant.web import build_app, serve

settings = get_settings()
demo = build_app(settings)

if __name__ == "__main__":
    serve(demo, settings)
