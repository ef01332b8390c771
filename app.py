"""The web app: `make run` (or `python app.py`) serves it on 127.0.0.1:7860 unless the settings say otherwise.

The interface lives in assistant/web.py; this file builds it with the project's settings and starts the server.
"""

from assistant import get_settings  # first: sets the offline, no-analytics environment before gradio loads
from assistant.web import build_app, serve

settings = get_settings()
demo = build_app(settings)

if __name__ == "__main__":
    serve(demo, settings)
