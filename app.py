"""The web app: `make run` (or `python app.py`) serves it on 127.0.0.1:7860 unless the settings say otherwise.

The interface lives in assistant/web/; this file builds it over one engine, from the settings (ASSISTANT_*
variables, .env), and starts the server.
"""

import sys

from assistant import Engine, SettingsError, load_settings  # first: the offline, no-analytics environment
from assistant.web import serve

if __name__ == "__main__":
    try:
        settings = load_settings()
    except SettingsError as error:  # one line, never the value (it may be a secret), never a traceback
        sys.exit(f"Erreur : {error}")
    serve(Engine(settings))
