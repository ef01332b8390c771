"""The labelled set of what users read (eval/labelled-set.yaml): as large and as varied as eval/LABELLING.md
asks, each label consistent with the catalogue and the documents, split once into two halves."""

import copy
import importlib.util
from collections import Counter

import pytest
import yaml
from conftest import REPO, SHARED

from assistant import read_catalogue
from assistant.evaluation.dataset import labelling_problems, load_labelled_set
from assistant.evaluation.variants import import_shared_samples
from assistant.load import page_text

SET = REPO / "eval" / "labelled-set.yaml"


def split_module():
    spec = importlib.util.spec_from_file_location("split", REPO / "eval" / "split.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def labelled():
    return load_labelled_set(SET)


def test_the_set_is_as_large_and_varied_as_the_guide_asks(labelled):
    styles = Counter(need.style for need in labelled.needs)
    assert len(labelled.needs) >= 200 and styles["negative"] >= 60
    assert min(styles["long"], styles["colloquial"], styles["english"]) >= 20, styles
    assert len(labelled.documents) >= 40 and len(labelled.follow_ups) >= 20
    quebec = {path.stem for path in (REPO / "corpus" / "catalogue").glob("*.yaml")}
    imported = [need for need in labelled.grown if set(need.acceptable) - quebec]
    kept = [need for need in labelled.grown if need.acceptable and set(need.acceptable) <= quebec]
    assert len(imported) >= 25 and len(kept) >= 10


def test_every_case_is_in_one_half_and_the_halves_are_balanced(labelled):
    for section in (labelled.needs, labelled.documents, labelled.follow_ups, labelled.grown):
        halves = Counter(case.split for case in section)
        assert set(halves) == {"dev", "held_out"} and abs(halves["dev"] - halves["held_out"]) <= 6, halves
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    assert split_module().assign(copy.deepcopy(data)) == 0, "the split is done once: nothing is left to assign"


def test_the_split_keeps_assigned_cases_and_is_the_same_for_the_same_seed():
    split = split_module()
    cases = {"needs": [{"id": f"n{i:03d}", "style": "short"} for i in range(10)] + [{"id": "n999", "split": "dev"}]}
    first, second = copy.deepcopy(cases), copy.deepcopy(cases)
    assert split.assign(first) == 10 and split.assign(second) == 10 and first == second
    assert first["needs"][-1]["split"] == "dev"
    assert Counter(case["split"] for case in first["needs"]) == {"dev": 6, "held_out": 5}


@pytest.mark.skipif(not (SHARED / "samples").is_dir(), reason="the shared samples are not beside the project")
def test_every_label_follows_the_guide(labelled, tmp_path):
    records = {record.id: record for record in read_catalogue(REPO / "corpus" / "catalogue", REPO)[0]}
    grown = import_shared_samples(SHARED / "samples", tmp_path, REPO)
    records |= {record.id: record for record in read_catalogue(grown, REPO)[0]}
    assert labelling_problems(labelled, records, lambda source, page: page_text(REPO / source, page)) == []
