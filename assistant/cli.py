"""Command-line interface: `assistant ask`, `ingest`, `catalogue import|validate`, `calibrate`, `eval`,
`feedback export`.

`run()` builds the settings and one Engine from them; every command receives that engine (click's context
object) and uses the public API only. A failure is a CliError: one line on stderr, «Erreur : …», and an exit
code: 1 for input that was refused, 2 for an assistant that cannot run.
"""

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant import (
    GENERATORS,
    IMPORT_FORMATS,
    KINDS,
    SEPARATORS,
    Answer,
    AskError,
    EmbedderError,
    Engine,
    FeedbackError,
    FeedbackStore,
    Filters,
    IndexBusy,
    IndexStoreError,
    IngestReport,
    Restart,
    SettingsError,
    export_csv,
    import_into_catalogue,
    load_settings,
    read_catalogue,
    sources_markdown,
)

REFUSED, CANNOT_RUN = 1, 2
T = TypeVar("T")


class CliError(click.ClickException):
    """Input refused: one line on stderr, and exit code 1."""

    exit_code = REFUSED

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


class CannotRun(CliError):
    """The assistant cannot run (no index, no model, no calibration): exit code 2."""

    exit_code = CANNOT_RUN


def format_report(report: IngestReport) -> str:
    lines = []
    if not (report.added or report.updated or report.removed):
        lines.append(f"Rien à vectoriser : l’index est à jour ({len(report.skipped)} sources inchangées).")
    lines.append(
        f"Sources : {len(report.added)} ajoutées, {len(report.updated)} mises à jour, "
        f"{len(report.removed)} retirées, {len(report.skipped)} inchangées, {len(report.failed)} en échec. "
        f"Fragments : {report.chunks_embedded} vectorisés, {report.chunks_total} dans l’index. "
        f"Durée : {report.seconds:.1f} s."
    )
    return "\n".join(lines)


@click.group()
@click.pass_context
def main(context: click.Context) -> None:
    """Assistant de mutualisation : un actif existe-t-il déjà pour mon besoin?"""
    if context.obj is None:  # a caller (a test, another program) may hand its own engine
        try:
            context.obj = Engine(load_settings())
        except SettingsError as error:
            raise CannotRun(str(error)) from None


@main.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Vider l’index et tout revectoriser (après un changement d’encodeur).")
@click.option("--quiet", is_flag=True, help="Sans barre de progression.")
@click.pass_obj
def ingest_command(engine: Engine, paths: tuple[Path, ...], rebuild: bool, quiet: bool) -> None:
    """Indexer les documents et les fiches du catalogue (le corpus par défaut), de façon incrémentale."""
    try:
        report = engine.ingest(list(paths) or None, rebuild=rebuild, progress=False if quiet else None)
    except (IndexStoreError, EmbedderError, IndexBusy) as error:
        raise CannotRun(str(error)) from error
    for source, reason in sorted(report.failed.items()):
        click.echo(f"{source} : {reason}", err=True)
    click.echo(format_report(report))
    if not report.ok:
        sys.exit(REFUSED)


@main.group()
def catalogue() -> None:
    """Fiches du catalogue d’actifs."""


@catalogue.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier de destination (par défaut : le catalogue du corpus).")
@click.option("--replace", is_flag=True, help="Remplacer les fiches du même identifiant déjà au catalogue.")
@click.pass_obj
def import_command(engine: Engine, path: Path, fmt, out: Path | None, replace: bool) -> None:
    """Convertir des fiches publiccode.yml, Open Resource Exchange ou CSV en fiches du catalogue."""
    settings = engine.settings
    target = out or settings.path(settings.catalogue_dir)
    written, errors = import_into_catalogue(path, fmt, target, settings.home, replace, settings.bounds)
    for error in errors:
        click.echo(f"Refusée : {error}", err=True)
    click.echo(f"{len(written)} fiches écrites dans {target}, {len(errors)} refusées.")
    if errors:
        sys.exit(REFUSED)


@catalogue.command("validate")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_obj
def validate_command(engine: Engine, directory: Path | None) -> None:
    """Vérifier toutes les fiches du catalogue."""
    settings = engine.settings
    folder = directory or settings.path(settings.catalogue_dir)
    records, errors = read_catalogue(folder, settings.home, settings.bounds)
    for error in errors:
        click.echo(f"Invalide : {error}", err=True)
    click.echo(f"{len(records)} fiches valides, {len(errors)} invalides dans {folder}.")
    if errors:
        sys.exit(REFUSED)


class BatchLine(BaseModel):
    """One line of `ask -`: a question, or a JSON object {"question": …, "history": […]}."""

    model_config = ConfigDict(strict=True, extra="forbid")

    question: str
    history: list[str] = []


_PROBLEMS = {"string_type": "texte attendu", "list_type": "liste de textes attendue", "missing": "champ requis",
             "extra_forbidden": "champ inconnu (attendus : question, history)", "model_type": "objet JSON attendu"}


def nesting_depth(value: object) -> int:
    """How deep lists and objects nest in a parsed JSON value (a scalar is 0)."""
    depth, level = 0, [value]
    while containers := [item for item in level if isinstance(item, (list, dict))]:
        depth += 1
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return depth


def batch_line(raw: bytes, nesting: int) -> BatchLine:
    """A line of standard input read as a question; ValueError with the one-line reason when it cannot be."""
    try:
        line = raw.decode("utf-8").strip().removeprefix("\ufeff")  # a byte-order mark on the first line
    except UnicodeDecodeError as error:
        raise ValueError(f"ligne non UTF-8 (octet {error.start})") from None
    if not line.startswith("{"):
        return BatchLine(question=line)
    try:
        data = json.loads(line)
    except RecursionError:
        raise ValueError(f"JSON imbriqué trop profondément (plus de {nesting} niveaux)") from None
    except ValueError as error:
        raise ValueError(f"JSON invalide : {error}") from None
    if nesting_depth(data) > nesting:
        raise ValueError(f"JSON imbriqué trop profondément (plus de {nesting} niveaux)")
    try:
        case = BatchLine.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "ligne"
        raise ValueError(f"champ « {field} » : {_PROBLEMS.get(problem['type'], problem['msg'])}") from None
    for text in [case.question, *case.history]:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("caractère invalide (substitut Unicode isolé)") from None
    return case


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par réponse (le contrat des scripts).")
@click.option("--history", multiple=True, help="Un tour précédent de la conversation (répétable, du plus ancien).")
@click.option("--kind", type=click.Choice(KINDS), help="Seulement ce type de fiche.")
@click.option("--owner", help="Seulement les fiches de cet organisme (partie du nom).")
@click.option("--level", type=click.IntRange(1, 4), help="Seulement les fiches de ce niveau.")
@click.option("--source", help="Seulement ce document (chemin relatif à la racine du projet).")
@click.option("--generator", type=click.Choice(GENERATORS), default=None,
              help="Qui rédige : extractive (sans modèle) ou un modèle de langue (par défaut : les réglages).")
@click.pass_obj
def ask_command(engine: Engine, question: str, as_json: bool, history: tuple[str, ...], kind, owner, level, source,
                generator) -> None:
    """Répondre à un besoin ou à une question. QUESTION « - » : une question par ligne sur l’entrée standard."""
    filters = Filters(kind=kind, owner=owner, level=level, source=source)

    def answer(text: str, turns: list[str]) -> None:
        if as_json:
            click.echo(engine.ask(text, turns, filters, generator).model_dump_json())
        else:
            print_streamed(engine, text, turns, filters, generator)

    if question != "-":
        try:
            answer(question, list(history))
        except AskError as error:
            raise CannotRun(str(error)) from error
        return
    failed, bounds = False, engine.settings.bounds
    for number, raw in enumerate(sys.stdin.buffer, start=1):  # one line out per line in, in order
        text = None
        try:
            case = batch_line(raw, bounds.nesting)
            text = case.question
            answer(case.question, case.history)
        except (ValueError, AskError) as error:
            failed = True
            if as_json:
                shown = text if text is None or len(text) <= bounds.question_chars else (
                    text[:bounds.question_chars] + "…")
                click.echo(json.dumps({"line": number, "question": shown, "error": str(error)}, ensure_ascii=False))
            else:
                click.echo(f"Ligne {number} : {error}", err=True)
    if failed:
        sys.exit(REFUSED)


def print_streamed(engine: Engine, question: str, history: list[str], filters: Filters, generator) -> None:
    """The answer printed as it is written (a withdrawn model text is followed by the notice), then its sources."""
    for piece in engine.stream(question, history, filters, generator):
        if isinstance(piece, Restart):
            click.echo(f"\n\n— {piece.notice}\n")
        elif isinstance(piece, Answer):
            click.echo("\n\n" + sources_markdown(piece) if piece.citations else "")
        else:
            click.echo(piece, nl=False)


@main.command("calibrate")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Jeu étiqueté (par défaut : celui des réglages, eval/labelled-set.yaml).")
@click.option("--variants", default=None,
              help="Catalogues : quebec (livré), grown (avec les échantillons partagés importés); par défaut, les "
                   "deux.")
@click.option("--folds", type=click.IntRange(2, 20), default=None,
              help="Validation croisée sur la seule moitié de développement (rien n’est enregistré) : pour choisir "
                   "un changement de la décision sans lire la moitié réservée.")
@click.pass_obj
def calibrate_command(engine: Engine, set_path: Path | None, variants: str | None, folds: int | None) -> None:
    """Ajuster la décision « une fiche convient-elle? » sur la moitié de développement du jeu étiqueté et la
    mesurer sur l’autre moitié."""
    from assistant.evaluation import (
        VARIANTS,
        CalibrationNotSaved,
        NoDevelopmentCases,
        calibrate,
        cross_validate,
        fit_intent,
        grown_engine,
        load_labelled_set,
    )

    settings = engine.settings
    labelled = read_set(set_path or settings.path(settings.labelled_set), load_labelled_set)
    chosen = names_in(variants, VARIANTS, VARIANTS, "catalogue")
    try:
        intent = fit_intent(labelled, settings)  # first: the cases are read as answers will read them
        grown = grown_engine(engine, settings.path(settings.samples_dir), calibrated=False, intent=intent) \
            if "grown" in chosen and labelled.grown else None
        if folds is not None:
            scores = cross_validate(labelled, Engine(settings, calibrated=False, intent=intent), grown, folds)
            click.echo(f"Justesse du verdict en validation croisée ({folds} plis de la moitié de développement) : "
                       + ", ".join(f"{variant} {score:.3f}" for variant, score in scores.items()))
            return
        fitted = calibrate(labelled, Engine(settings, calibrated=False, intent=intent), grown)
    except (AskError, CalibrationNotSaved, NoDevelopmentCases) as error:
        raise CannotRun(str(error)) from error
    shown = "en pourcentage" if fitted.shows_percent else "en mots (erreur de calibration trop grande)"
    click.echo(f"Calibration enregistrée pour {fitted.embedder} : seuil {fitted.threshold:.3f}; erreur de "
               f"calibration sur la moitié réservée {fitted.held_out_ece}; pertinence affichée {shown} "
               f"({fitted.fitted_on}).")


def read_set(path: Path, load: Callable[[Path], T]) -> T:
    try:
        return load(path)
    except (OSError, ValueError, ValidationError) as error:
        raise CliError(f"{path} : jeu étiqueté illisible ({str(error).splitlines()[0]})") from error


def names_in(value: str | None, default: tuple[str, ...], allowed: tuple[str, ...], what: str) -> list[str]:
    names = [name.strip() for name in (value or ",".join(default)).split(",") if name.strip()]
    if unknown := [name for name in names if name not in allowed]:
        raise CliError(f"{what} inconnu : {', '.join(unknown)} (choix : {', '.join(allowed)})")
    return names


@main.command("eval")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Jeu étiqueté au format de eval/LABELLING.md (par défaut : eval/labelled-set.yaml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/eval"),
              show_default=True, help="Dossier des résultats (results.json, report.md, graphiques PNG).")
@click.option("--systems", default=None,
              help="Systèmes à comparer, séparés par des virgules (par défaut : assistant, baseline, profile; "
                   "aussi : dense, bm25, minilm).")
@click.option("--variants", default=None,
              help="Catalogues : quebec (livré), grown (avec les échantillons partagés importés); par défaut, les "
                   "deux.")
@click.pass_obj
def eval_command(engine: Engine, set_path: Path | None, out: Path, systems: str | None,
                 variants: str | None) -> None:
    """Mesurer ce que lit l’usager (verdict, niveau, pertinence affichée, faits), avec deux références."""
    from assistant.evaluation import DEFAULT_SYSTEMS, SYSTEM_NAMES, VARIANTS, load_labelled_set, run_evaluation

    settings = engine.settings
    names = names_in(systems, DEFAULT_SYSTEMS, SYSTEM_NAMES, "système")
    chosen = names_in(variants, VARIANTS, VARIANTS, "catalogue")
    path = set_path or settings.path(settings.labelled_set)
    labelled = read_set(path, load_labelled_set)
    command = "assistant eval " + " ".join(sys.argv[2:])
    try:
        written = run_evaluation(engine, labelled, settings.relative(path), out, names, chosen, command.strip(),
                                 settings.path(settings.samples_dir), progress=sys.stderr.isatty())
    except (AskError, IndexStoreError, EmbedderError) as error:
        raise CannotRun(str(error)) from error
    click.echo("Écrits : " + ", ".join(str(p) for p in written))


@main.group()
def feedback() -> None:
    """Avis des conseillers sur les réponses."""


@feedback.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier CSV à écrire, en UTF-8 avec marque d’ordre des octets, comme Excel en français l’attend "
                   "(par défaut : la sortie standard, sans marque).")
@click.option("--separator", type=click.Choice(SEPARATORS), default=SEPARATORS[0], show_default=True,
              help="Séparateur de colonnes : « ; » pour un tableur en français, « , » sinon.")
@click.pass_obj
def feedback_export_command(engine: Engine, out: Path | None, separator: str) -> None:
    """Exporter les avis en CSV : date (heure locale), évaluation, raison, commentaire, question, réponse complète
    (JSON)."""
    store = engine.settings.path(engine.settings.feedback_db)
    if not store.exists():
        raise CliError(f"{store} : aucun avis enregistré pour l’instant")
    try:
        items = FeedbackStore(store).all()
    except FeedbackError as error:
        raise CliError(str(error)) from error
    if out is None:
        export_csv(items, sys.stdout, separator)
        return
    try:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            export_csv(items, handle, separator)
    except OSError as error:
        raise CliError(f"{out} : écriture impossible ({error.strerror})") from error
    click.echo(f"{len(items)} avis exportés dans {out}.")


def run() -> None:
    """Entry point: the command, with one engine built from the settings when it runs; an unexpected failure is
    one line too (ASSISTANT_DEBUG=1 shows the traceback)."""
    try:
        main(standalone_mode=True)
    except Exception as error:  # the last guard before a user would see a traceback
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        CliError(f"{type(error).__name__} : {error} (ASSISTANT_DEBUG=1 pour le détail)").show()
        sys.exit(REFUSED)
