"""Every error the library raises to its callers, in one place. Each one's str() is one line, in French, naming
the file or the field and the reason: what an interface shows a user as it is."""

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from assistant.labels import grouped


class AskError(Exception):
    """A question that cannot be answered as asked, or an assistant that cannot start."""


class SettingsError(Exception):
    """Settings that cannot be read: one line naming the variable and the reason, never its value."""


class IndexStoreError(Exception):
    """The index cannot be opened or written (missing, empty, built with another embedder, server down)."""


class IndexBusy(Exception):
    """Another ingest holds the index's writer lock: says which one, and since when."""

    def __init__(self, lock: object, holder: dict[str, str]):
        who = (f"le processus {holder['pid']} sur {holder.get('host', '?')}, depuis {holder.get('since', '?')}"
               if "pid" in holder else "un autre processus")
        super().__init__(f"{lock} : une indexation est déjà en cours ({who}); relancez-la quand elle aura fini")


class EmbedderError(Exception):
    """The embedding model cannot be loaded."""


class FeedbackError(Exception):
    """The feedback store cannot be opened or written; names the file."""


class MissingExtra(Exception):
    """An optional feature whose packages are not installed: names the extra and how to install it."""

    def __init__(self, feature: str, extra: str):
        self.feature, self.extra = feature, extra
        self.install = f"pip install 'assistant[{extra}]'"
        super().__init__(f"{feature} demande le module optionnel [{extra}] : {self.install}")


class LoadError(Exception):
    """A source that cannot be read: `<source>: <reason>`."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


Loc = tuple[int | str, ...]


def _dotted(loc: Loc) -> str:
    return ".".join(map(str, loc))


class RecordError(Exception):
    """Why one input record was refused, on one line: `<file>: <field>: <reason>`."""

    def __init__(self, file: str, field: str | None, reason: str) -> None:
        self.file, self.field, self.reason = file, field or None, " ".join(reason.split())
        super().__init__(": ".join(part for part in (self.file, self.field, self.reason) if part))

    @classmethod
    def from_validation(cls, file: str, err: ValidationError, name: Callable[[Loc], str] = _dotted) -> "RecordError":
        """The first error of a pydantic ValidationError; `name` turns its location into a field name."""
        first, *others = err.errors()
        field, reason = name(first["loc"]), _french_reason(first)
        if not first["loc"] and "error" in first.get("ctx", {}):  # a model validator: "<field>: <reason>"
            message = str(first["ctx"]["error"])
            field, found, rest = message.partition(": ")
            field, reason = (field, rest) if found else ("", message)
        return cls(file, field, reason + (f" (+{len(others)} autres)" if others else ""))


def _french_reason(error: Any) -> str:
    """A pydantic error's message in French for its most common types, else pydantic's own (English) one."""
    kind, ctx = error["type"], error.get("ctx") or {}
    limits = {
        "greater_than_equal": ("minimum", "ge"), "less_than_equal": ("maximum", "le"),
        "greater_than": ("plus grand que", "gt"), "less_than": ("plus petit que", "lt"),
    }
    if kind in limits:
        label, key = limits[kind]
        return f"valeur hors limites ({label} : {ctx.get(key)})"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"au moins {count} élément{'s' if count > 1 else ''} attendu{'s' if count > 1 else ''}"
    if kind == "literal_error":
        return f"valeur non permise (attendu : {str(ctx.get('expected', '')).replace(' or ', ' ou ')})"
    if kind == "string_pattern_mismatch":
        return f"format invalide (attendu : {ctx.get('pattern')})"
    if kind == "string_too_long":
        return f"texte trop long ({ctx.get('max_length')} caractères au plus)"
    french = {
        "missing": "champ obligatoire manquant",
        "string_too_short": "texte trop court",
        "int_parsing": "nombre entier attendu",
        "int_type": "nombre entier attendu",
        "int_from_float": "nombre entier attendu",
        "extra_forbidden": "champ inconnu",
        "list_type": "liste attendue",
        "string_type": "texte attendu",
        "dict_type": "dictionnaire de champs attendu",
        "model_type": "dictionnaire de champs attendu",
    }
    return french.get(kind, error["msg"])


def too_big(what: str, size: int, limit: int, unit: str) -> str:
    """The reason a file or a field is refused for its size: «fichier trop volumineux (5 000 000 octets; au plus
    256 000)»."""
    return f"{what} ({grouped(size)} {unit}; au plus {grouped(limit)})"
