"""Command-line interface: `assistant ask`, `assistant ingest`, `assistant catalogue import|validate`,
`assistant calibrate`."""

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from assistant import SYSTEM_NAMES
from assistant.catalogue import read_catalogue, without_clashes, write_records
from assistant.embed import EmbedderError, get_embedder
from assistant.importers import import_records
from assistant.index import IndexStoreError, ingest
from assistant.models import IngestReport
from assistant.settings import get_settings


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


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
def main() -> None:
    """Assistant de mutualisation : un actif existe-t-il déjà pour mon besoin?"""


@main.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Vider l’index et tout revectoriser (après un changement d’encodeur).")
@click.option("--quiet", is_flag=True, help="Sans barre de progression.")
def ingest_command(paths: tuple[Path, ...], rebuild: bool, quiet: bool) -> None:
    """Indexer les documents et les fiches du catalogue (le corpus par défaut), de façon incrémentale."""
    settings = get_settings()
    try:
        report = ingest(settings, get_embedder(settings.embedder), list(paths) or None, rebuild=rebuild,
                        progress=False if quiet else None)
    except (IndexStoreError, EmbedderError) as error:
        fail(str(error), 2)
    for source, reason in sorted(report.failed.items()):
        click.echo(f"{source} : {reason}", err=True)
    click.echo(format_report(report))
    if not report.ok:
        sys.exit(1)


@main.group()
def catalogue() -> None:
    """Fiches du catalogue d’actifs."""


@catalogue.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["publiccode", "ore", "csv"]), required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dossier de destination (par défaut : le catalogue du corpus).")
@click.option("--replace", is_flag=True, help="Remplacer les fiches du même identifiant déjà au catalogue.")
def import_command(path: Path, fmt: str, out: Path | None, replace: bool) -> None:
    """Convertir des fiches publiccode.yml, Open Resource Exchange ou CSV en fiches du catalogue."""
    settings = get_settings()
    target = out or settings.path(settings.catalogue_dir)
    records, errors = import_records(path, fmt)
    if not replace:
        records, clashes = without_clashes(records, target)
        errors += clashes
    for error in errors:
        click.echo(f"Refusée : {error}", err=True)
    written = write_records(records, target)
    click.echo(f"{len(written)} fiches écrites dans {target}, {len(errors)} refusées.")
    if errors:
        sys.exit(1)


@catalogue.command("validate")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate_command(directory: Path | None) -> None:
    """Vérifier toutes les fiches du catalogue."""
    settings = get_settings()
    folder = directory or settings.path(settings.catalogue_dir)
    records, errors = read_catalogue(folder)
    for error in errors:
        click.echo(f"Invalide : {error}", err=True)
    click.echo(f"{len(records)} fiches valides, {len(errors)} invalides dans {folder}.")
    if errors:
        sys.exit(1)


def _stdin_cases():
    """One question per line; a line that is a JSON object may carry {"question": …, "history": […]}."""
    for line in sys.stdin:
        line = line.strip()
        if line.startswith("{"):
            try:
                case = json.loads(line)
                yield str(case.get("question", "")), [str(turn) for turn in case.get("history") or []]
                continue
            except (ValueError, AttributeError):
                pass
        yield line, []


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par réponse (le contrat des scripts).")
@click.option("--history", multiple=True, help="Un tour précédent de la conversation (répétable, du plus ancien).")
@click.option("--kind", type=click.Choice(["asset", "project", "program"]), help="Seulement ce type de fiche.")
@click.option("--owner", help="Seulement les fiches de cet organisme (partie du nom).")
@click.option("--level", type=click.IntRange(1, 4), help="Seulement les fiches de ce niveau.")
@click.option("--source", help="Seulement ce document (chemin relatif à la racine du projet).")
@click.option("--generator", type=click.Choice(["extractive", "openai", "ollama", "llamacpp"]), default=None,
              help="Qui rédige : extractive (sans modèle) ou un modèle de langue (par défaut : les réglages).")
def ask_command(question: str, as_json: bool, history: tuple[str, ...], kind, owner, level, source,
                generator) -> None:
    """Répondre à un besoin ou à une question. QUESTION « - » : une question par ligne sur l’entrée standard."""
    from assistant import AskError, Filters, ask

    filters = Filters(kind=kind, owner=owner, level=level, source=source)
    cases = _stdin_cases() if question == "-" else [(question, list(history))]
    failed = False
    for text, turns in cases:
        try:
            if as_json:
                click.echo(ask(text, turns, filters, generator).model_dump_json())
            else:
                print_streamed(text, turns, filters, generator)
        except AskError as error:
            failed = True
            if as_json and question == "-":  # one line out per line in, even for a bad line
                click.echo(json.dumps({"question": text, "error": str(error)}, ensure_ascii=False))
                continue
            fail(str(error), 2)
    if failed:
        sys.exit(1)


def print_streamed(question: str, history: list[str], filters, generator: str | None) -> None:
    """The answer printed as it is written (a withdrawn model text is followed by the notice), then its sources."""
    from assistant import Answer, Restart, sources_markdown, stream

    for piece in stream(question, history, filters, generator):
        if isinstance(piece, Restart):
            click.echo(f"\n\n— {piece.notice}\n")
        elif isinstance(piece, Answer):
            click.echo("\n\n" + sources_markdown(piece) if piece.citations else "")
        else:
            click.echo(piece, nl=False)


@main.command("calibrate")
@click.option("--set", "dev_set", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Jeu étiqueté (par défaut : eval/dev-set.yaml).")
def calibrate_command(dev_set: Path | None) -> None:
    """Ajuster la décision « une fiche convient-elle? » sur la moitié d’ajustement du jeu de développement."""
    from assistant.calibrate import calibrate
    from assistant.evaluate import load_dev_set
    from assistant.service import Assistant

    settings = get_settings()
    assistant = Assistant.open(settings, calibrated=False)
    fitted = calibrate(load_dev_set(dev_set or settings.home / "eval" / "dev-set.yaml"), assistant.evidence_for,
                       assistant.retriever.embedder.name)
    click.echo(f"Calibration enregistrée pour {fitted.embedder} : seuil {fitted.threshold:.3f}, "
               f"poids {[round(w, 2) for w in fitted.weights]} ({fitted.fitted_on}).")


@main.command("eval")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Jeu étiqueté au format de eval/README.md (par défaut : eval/dev-set.yaml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/eval"),
              show_default=True, help="Dossier des résultats (results.json, report.md, graphiques PNG).")
@click.option("--systems", default=",".join(SYSTEM_NAMES), show_default=True,
              help="Systèmes à comparer, séparés par des virgules.")
def eval_command(set_path: Path | None, out: Path, systems: str) -> None:
    """Mesurer la qualité des réponses, avec la référence LangChain et les ablations côte à côte."""
    from pydantic import ValidationError

    from assistant import AskError, load_dev_set, run_evaluation

    settings = get_settings()
    path = set_path or settings.home / "eval" / "dev-set.yaml"
    names = [name.strip() for name in systems.split(",") if name.strip()]
    if unknown := [name for name in names if name not in SYSTEM_NAMES]:
        fail(f"système inconnu : {', '.join(unknown)} (choix : {', '.join(SYSTEM_NAMES)})")
    try:
        dev = load_dev_set(path)
    except (OSError, ValueError, ValidationError) as error:
        fail(f"{path} : jeu étiqueté illisible ({str(error).splitlines()[0]})")
    command = "assistant eval " + " ".join(sys.argv[2:])
    try:
        written = run_evaluation(settings, dev, settings.relative(path), out, names, command.strip(),
                                 progress=sys.stderr.isatty())
    except (AskError, IndexStoreError, EmbedderError) as error:
        fail(str(error), 2)
    click.echo("Écrits : " + ", ".join(str(p) for p in written))


@main.group()
def feedback() -> None:
    """Avis des conseillers sur les réponses."""


@feedback.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier CSV à écrire (par défaut : la sortie standard).")
def feedback_export_command(out: Path | None) -> None:
    """Exporter les avis en CSV : date, évaluation, raison, commentaire, question, réponse complète (JSON)."""
    from assistant import FeedbackError, FeedbackStore, export_csv

    settings = get_settings()
    store = settings.path(settings.feedback_db)
    if not store.exists():
        fail(f"{store} : aucun avis enregistré pour l’instant")
    try:
        items = FeedbackStore(store).all()
    except FeedbackError as error:
        fail(str(error))
    if out is None:
        export_csv(items, sys.stdout)
        return
    try:
        with out.open("w", encoding="utf-8", newline="") as handle:
            export_csv(items, handle)
    except OSError as error:
        fail(f"{out} : écriture impossible ({error.strerror})")
    click.echo(f"{len(items)} avis exportés dans {out}.")


def run() -> None:
    """Entry point that turns an unexpected failure into one line (ASSISTANT_DEBUG=1 shows the traceback)."""
    try:
        main(standalone_mode=True)
    except Exception as error:  # the last guard before a user would see a traceback
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        fail(f"{type(error).__name__} : {error} (ASSISTANT_DEBUG=1 pour le détail)")
