"""The assistant and the LangChain baseline side by side on a large deterministic corpus: a catalogue of 1,000 and
10,000 records, then the 10,000 records with documents of about 100,000 passages (French and English, shaped like
the real ones: names, acronyms, owners, descriptions, sub-projects; multi-page PDFs with tables).

    .venv/bin/python benchmarks/scale.py [--records 1000,10000] [--pages 28000] [--cores 2] [--questions 40]
                                         [--systems assistant,baseline] [--document-systems assistant]

Pins itself to `--cores` cores (printed). Per configuration and system, each in a fresh process: full ingest and
passages per second beside the embedder's own throughput on the same texts, re-ingest after one changed record,
the first open of the index (caches built), answer p50/p95 (distinct generated needs, nothing cached), peak
resident memory, and cold start (a new process, from its start to its first answer). Writes out/scale/results.json,
out/scale/table.md and out/scale/scale.png.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from measure import peak_memory_mib, percentile

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "out" / "scale"
SEED = 2026
TOPICS = [("gestion des permis", "permit management"), ("paiement en ligne", "online payment"),
          ("prise de rendez-vous", "appointment booking"), ("dossier client", "client file"),
          ("signature électronique", "electronic signature"), ("archives numériques", "digital archives"),
          ("inspection sur le terrain", "field inspection"), ("gestion des subventions", "grant management"),
          ("traitement des plaintes", "complaint handling"), ("registre foncier", "land registry"),
          ("authentification des citoyens", "citizen authentication"), ("paie des employés", "employee payroll"),
          ("appels d’offres", "calls for tenders"), ("données ouvertes", "open data"),
          ("gestion documentaire", "records management"), ("centre d’appels", "call centre"),
          ("formation en ligne", "online training"), ("gestion des actifs", "asset management"),
          ("suivi des inspections", "inspection tracking"), ("tableaux de bord", "dashboards")]
OWNERS = ["Ministère de la Cybersécurité et du Numérique", "Ministère de la Justice", "Santé Québec",
          "Revenu Québec", "Ministère des Transports et de la Mobilité durable", "Retraite Québec",
          "Ministère de l’Éducation", "Société de l’assurance automobile du Québec", "Ministère des Finances",
          "Infrastructures technologiques Québec", "Ministère de l’Environnement", "Curateur public"]
SECTORS = ["municipal", "agricole", "scolaire", "hospitalier", "forestier", "minier", "culturel", "routier",
           "judiciaire", "fiscal", "social", "portuaire"]


def record(number: int, rng: random.Random) -> dict:
    french, english = rng.choice(TOPICS)
    sector, owner = rng.choice(SECTORS), rng.choice(OWNERS)
    name = f"Plateforme {french} {sector} {number}"
    acronym = "".join(word[0] for word in name.split()[:3]).upper() + str(number)
    description = (f"Solution de {french} pour le secteur {sector}, offerte par {owner}. Elle permet aux organismes "
                   f"de traiter les demandes, de suivre les dossiers et de produire des rapports. "
                   f"In English: {english} for the {sector} sector, shared with other public bodies.")
    kind = rng.choice(["asset", "project", "program"])
    parts = rng.randint(1, 3) if kind == "program" else 0  # only a program has sub-projects
    return {"id": f"actif-{number:05d}", "name": name, "acronym": acronym, "kind": kind, "owner": owner,
            "description": description, "keywords": {"fr": [french, f"{french} {sector}"], "en": [english]},
            "sub_projects": [{"name": f"Volet {n + 1} : {rng.choice(TOPICS)[0]}"} for n in range(parts)],
            "sources": [{"document": f"corpus/catalogue/actif-{number:05d}.yaml", "quote": name}]}


def write_pdfs(folder: Path, pages: int, rng: random.Random) -> None:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    per_file = 200
    for start in range(0, pages, per_file):
        story = []
        for page in range(start, min(pages, start + per_file)):
            french, english = rng.choice(TOPICS)
            story.append(Paragraph(f"Rapport {page} : {french} ({english})", styles["Heading2"]))
            for _ in range(3):
                sector, owner = rng.choice(SECTORS), rng.choice(OWNERS)
                story.append(Paragraph(
                    f"Le projet de {french} du secteur {sector} est porté par {owner}. Il vise à moderniser les "
                    f"services offerts aux citoyens et aux entreprises, à réduire les délais de traitement et à "
                    f"partager les actifs entre organismes publics. The {english} project serves the {sector} "
                    f"sector and is led by {owner}.", styles["Normal"]))
            story.append(Table([["Projet", "Organisme", "État"],
                                *[[f"{rng.choice(TOPICS)[0]} {n}", rng.choice(OWNERS)[:40], rng.choice(
                                    ["en cours", "nouveau", "terminé"])] for n in range(4)]]))
            story.append(PageBreak())
        SimpleDocTemplate(str(folder / f"rapports-{start // per_file:03d}.pdf")).build(story)


def make_corpus(home: Path, records: int, pages: int) -> None:
    rng = random.Random(SEED)
    catalogue, documents = home / "corpus" / "catalogue", home / "corpus" / "documents"
    catalogue.mkdir(parents=True)
    documents.mkdir(parents=True)
    for number in range(records):
        (catalogue / f"actif-{number:05d}.yaml").write_text(yaml.safe_dump(record(number, rng), allow_unicode=True),
                                                           encoding="utf-8")
    if pages:
        write_pdfs(documents, pages, rng)


def needs(count: int) -> list[str]:
    rng = random.Random(SEED + 1)
    return [f"Nous cherchons un outil de {rng.choice(TOPICS)[0]} pour le secteur {rng.choice(SECTORS)}, "
            f"demande {n}" if n % 2 else f"We need a {rng.choice(TOPICS)[1]} service for the "
            f"{rng.choice(SECTORS)} sector, request {n}" for n in range(count)]


def assistant_worker(home: Path, questions: int) -> dict:
    from assistant import Engine, Settings
    from assistant.embed import get_embedder

    settings = Settings(_env_file=None, home=home)
    engine = Engine(settings)
    started = time.perf_counter()
    report = engine.ingest(progress=False)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    engine.ask(needs(1)[0])  # the first open builds the records' vector caches
    first_open = time.perf_counter() - started
    embedder = get_embedder(settings.embedder)
    sample = [record.text() for record in engine.records()[:2000]]  # the texts an ingest embeds for records
    started = time.perf_counter()
    embedder.embed_documents(sample)
    texts_per_second = len(sample) / (time.perf_counter() - started)
    changed = home / "corpus" / "catalogue" / "actif-00001.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Solution de", "Nouvelle solution de"),
                       encoding="utf-8")
    started = time.perf_counter()
    again = engine.ingest(progress=False)
    engine.ask(needs(2)[1])  # the engine follows the new generation: its caches updated
    reingest = time.perf_counter() - started
    timings = []
    for need in needs(questions + 2)[2:]:
        started = time.perf_counter()
        engine.ask(need)
        timings.append(time.perf_counter() - started)
    return {"passages": report.chunks_total, "ingest_s": ingest, "first_open_s": first_open,
            "passages_per_s": report.chunks_total / ingest, "embedder_texts_per_s": texts_per_second,
            "reingest_one_s": reingest, "reembedded": again.chunks_embedded,
            "answer_p50_ms": 1000 * statistics.median(timings), "answer_p95_ms": 1000 * percentile(timings, 0.95),
            "peak_mib": peak_memory_mib()}


def baseline_worker(home: Path, questions: int) -> dict:
    from assistant import Settings
    from assistant.evaluation.baseline import Baseline

    settings = Settings(_env_file=None, home=home)
    started = time.perf_counter()
    baseline = Baseline(settings, home / "baseline-index")
    ingest = time.perf_counter() - started
    passages = baseline.store._collection.count()
    timings = []
    for need in needs(questions + 2)[2:]:
        started = time.perf_counter()
        baseline.ask(need)
        timings.append(time.perf_counter() - started)
    return {"passages": passages, "ingest_s": ingest, "passages_per_s": passages / ingest,
            "reingest_one_s": ingest, "reembedded": passages,  # the recipe rebuilds everything
            "answer_p50_ms": 1000 * statistics.median(timings), "answer_p95_ms": 1000 * percentile(timings, 0.95),
            "peak_mib": peak_memory_mib()}


def baseline_cold(home: Path) -> None:
    """A new process answering one question from the baseline's persisted store."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from assistant.embed import get_embedder

    client = chromadb.PersistentClient(path=str(home / "baseline-index"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(client=client, collection_name="baseline", embedding_function=get_embedder("minilm"))
    store.similarity_search_with_relevance_scores(needs(1)[0], k=4)


def run_worker(mode: str, home: Path, questions: int) -> dict:
    command = [sys.executable, __file__, "--worker", mode, "--home", str(home), "--questions", str(questions)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{mode} failed: {result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1]) if mode != "baseline-cold" else {}
    return {**figures, "process_s": time.perf_counter() - started}


def cold_start(home: Path) -> float:
    environment = os.environ | {"ASSISTANT_HOME": str(home)}
    started = time.perf_counter()
    subprocess.run([str(REPO / ".venv" / "bin" / "assistant"), "ask", "--json", needs(1)[0]], env=environment,
                   capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", default="1000,10000")
    parser.add_argument("--pages", type=int, default=28_000, help="PDF pages with the largest catalogue (about 100,000 "
                        "passages)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--systems", default="assistant,baseline")
    parser.add_argument("--document-systems", help="the systems run with the documents (default: --systems; the "
                        "baseline takes over an hour over 100,000 passages at its 29 passages per second)")
    parser.add_argument("--worker")
    parser.add_argument("--home", type=Path)
    arguments = parser.parse_args()
    if arguments.worker == "baseline-cold":
        return baseline_cold(arguments.home)
    if arguments.worker:
        worker = assistant_worker if arguments.worker == "assistant" else baseline_worker
        print(json.dumps(worker(arguments.home, arguments.questions)))
        return None
    cores = sorted(os.sched_getaffinity(0))[:arguments.cores]
    os.sched_setaffinity(0, cores)  # the workers inherit it
    print(f"cores: {len(cores)}")
    sizes = [int(size) for size in arguments.records.split(",")]
    configurations = [(size, 0) for size in sizes] + ([(sizes[-1], arguments.pages)] if arguments.pages else [])
    rows = []
    for records, pages in configurations:
        home = Path(tempfile.mkdtemp(prefix=f"scale-{records}-{pages}-"))
        started = time.perf_counter()
        make_corpus(home, records, pages)
        print(f"corpus: {records} records, {pages} PDF pages, written in {time.perf_counter() - started:.0f} s",
              flush=True)
        systems = arguments.document_systems if pages and arguments.document_systems else arguments.systems
        for system in systems.split(","):
            figures = run_worker(system, home, arguments.questions)
            figures["cold_start_s"] = (cold_start(home) if system == "assistant"
                                       else run_worker("baseline-cold", home, 0)["process_s"])
            rows.append({"system": system, "records": records, "pages": pages, "cores": len(cores), **figures})
            print(json.dumps(rows[-1]), flush=True)
            write_outputs(rows)  # after each row: a long run cut short still leaves its table
    print((OUT / "table.md").read_text(encoding="utf-8"))


def write_outputs(rows: list[dict]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    columns = [("system", "{}"), ("records", "{:,}"), ("passages", "{:,}"), ("ingest_s", "{:.0f} s"),
               ("passages_per_s", "{:.0f}"), ("embedder_texts_per_s", "{:.0f}"), ("first_open_s", "{:.1f} s"),
               ("reingest_one_s", "{:.1f} s"), ("answer_p50_ms", "{:.0f} ms"), ("answer_p95_ms", "{:.0f} ms"),
               ("cold_start_s", "{:.1f} s"), ("peak_mib", "{:.0f} MiB")]
    lines = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(form.format(row[name]) if name in row else "—" for name, form in columns)
                     + " |")
    (OUT / "table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, 2, figsize=(10, 4))
    for system in sorted({row["system"] for row in rows}):
        mine = [row for row in rows if row["system"] == system]
        labels = [f"{row['records']:,} fiches\n{row['passages']:,} passages" for row in mine]
        axes[0].plot(labels, [row["answer_p95_ms"] for row in mine], marker="o", label=system)
        axes[1].plot(labels, [row["ingest_s"] for row in mine], marker="o", label=system)
    axes[0].set_title("Réponse p95 (ms)")
    axes[1].set_title("Indexation complète (s)")
    for axis in axes:
        axis.legend()
    figure.tight_layout()
    figure.savefig(OUT / "scale.png", dpi=100)



if __name__ == "__main__":
    main()
