"""The web app: `make run` (or `python app.py`) serves it on 127.0.0.1:7860 unless the settings say otherwise.

The interface lives in assistant/web/; this file builds it over one engine, from the settings (ASSISTANT_*
variables, .env), and starts the server.
"""

from assistant import Engine, Settings  # first: sets the offline, no-analytics environment before gradio loads
from assistant.web import serve

if __name__ == "__main__":
    serve(Engine(Settings()))
