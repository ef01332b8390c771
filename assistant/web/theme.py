"""The look of the web app: system fonts (nothing fetched from outside a closed network) and a few styles."""

import gradio as gr

# System fonts only: nothing may be fetched from outside a closed government network.
THEME = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
CSS = """
.cards {display: flex; flex-direction: column; gap: 8px;}
.card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;}
.card h4 {margin: 0 0 4px 0;}
.card .meta {font-size: 0.9em; color: var(--body-text-color-subdued);}
.badge {display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-size: 0.85em;
        background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);}
.card.low {border-style: dashed;}
.viewer img {width: 100%; border: 1px solid var(--border-color-primary);}
.viewer blockquote {border-left: 4px solid #ffd600; margin: 6px 0; padding: 2px 8px;}
#citations .wrap {max-height: 340px; overflow-y: auto;}
.record dt {font-weight: 600;} .record dd {margin: 0 0 6px 0;}
"""
