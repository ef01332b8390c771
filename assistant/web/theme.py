"""The look of the web app: system fonts (nothing fetched from outside a closed network) and a few styles."""

import gradio as gr

# System fonts only: nothing may be fetched from outside a closed government network.
# Colours at WCAG AA contrast (4.5:1) for their text: a dark blue for what is primary and selected, subdued text
# dark enough to read on white (Gradio's default orange reaches 2.8:1, its subdued grey 1.9:1).
THEME = gr.themes.Default(primary_hue=gr.themes.colors.blue, font=["system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"]).set(
    button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
    button_primary_text_color="white", color_accent="*primary_700", body_text_color_subdued="*neutral_600")
CSS = """
.cards {display: flex; flex-direction: column; gap: 8px;}
.card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;}
.card h4 {margin: 0 0 4px 0;}
.card .meta {font-size: 0.9em; color: var(--body-text-color-subdued);}
.badge {display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-size: 0.85em;
        background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);}
.card.low {border-style: dashed;}
.viewer img {width: 100%; border: 1px solid var(--border-color-primary); cursor: zoom-in;}
.viewer img:focus {position: fixed; inset: 2vh 2vw; width: 96vw; height: 96vh; object-fit: contain; z-index: 1000;
                   background: var(--background-fill-primary); cursor: zoom-out; outline: 3px solid #1d4ed8;}
.viewer blockquote {border-left: 4px solid #ffd600; margin: 6px 0; padding: 2px 8px;}
#citations .wrap {max-height: 340px; overflow-y: auto;}
.record dt {font-weight: 600;} .record dd {margin: 0 0 6px 0;}
#chat h2 {font-size: 1.1em; margin: 0.8em 0 0.3em 0;}
#chat details summary {cursor: pointer; font-weight: 600; margin-top: 0.6em;}
#chat [data-testid="bot"] {scroll-margin-top: 40px;}
@media (min-width: 900px) {  /* the answer's panels stay beside the conversation, scrolling on their own */
  #panels {position: sticky; top: 8px; align-self: flex-start; max-height: calc(100vh - 16px); overflow-y: auto;}
}
@media (max-width: 640px) {
  #chat {height: 60vh !important;}
  .ask-row {flex-wrap: wrap;}
  .ask-row > * {flex: 1 1 100% !important; min-width: 100% !important;}
}
"""

# Gradio words its own buttons («Copy message», «Clear») in the browser's language; the page is in French, so are
# they. The guard puts it first in the page's head, before Gradio's scripts read the language.
FRENCH_CHROME = ("<script>Object.defineProperty(Navigator.prototype, 'language', {get: () => 'fr'});"
                 "Object.defineProperty(Navigator.prototype, 'languages', {get: () => ['fr']});"
                 # the one label Gradio words in English whatever the language
                 "new MutationObserver(() => document.querySelectorAll('button[aria-label=\"Scroll down\"]')"
                 ".forEach(button => button.setAttribute('aria-label', 'Défiler vers le bas')))"
                 ".observe(document.documentElement, {subtree: true, childList: true});</script>")
# Gradio's French lacks these words of its chatbot.
GRADIO_FRENCH = gr.I18n(fr={"chatbot.copy_message": "Copier le message", "chatbot.copied_message": "Message copié"})
