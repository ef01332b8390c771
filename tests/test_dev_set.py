"""The labelled dev set agrees with the catalogue and the documents it is scored against."""

import yaml
from conftest import REPO

from assistant.catalogue import read_catalogue
from assistant.load import page_text
from assistant.text import quote_on_page

DEV_SET = yaml.safe_load((REPO / "eval" / "dev-set.yaml").read_text(encoding="utf-8"))


def test_labels_name_real_records_with_their_stated_level():
    records = {r.id: r for r in read_catalogue(REPO / "corpus" / "catalogue", REPO)[0]}
    needs = DEV_SET["needs"]
    assert len({n["id"] for n in needs + DEV_SET["questions"]}) == len(needs) + len(DEV_SET["questions"])
    for need in needs:
        assert need["no_match"] == (need["expected_assets"] == []), need["id"]
        assert all(asset in records for asset in need["expected_assets"]), need["id"]
        if need["expected_assets"]:
            assert need["expected_level"] == records[need["expected_assets"][0]].level, need["id"]
    covered = {asset for need in needs for asset in need["expected_assets"]}
    assert covered == records.keys()


def test_expected_answers_are_on_the_expected_pages():
    for question in DEV_SET["questions"]:
        pages = [page_text(REPO / question["expected_source"], page) for page in question["expected_pages"]]
        for expected in question["expected_answer_contains"]:
            assert any(quote_on_page(expected, text) for text in pages), (question["id"], expected)


def test_the_set_is_as_large_and_as_varied_as_the_floors_need():
    needs, questions = DEV_SET["needs"], DEV_SET["questions"]
    assert len(needs) >= 60 and len(questions) >= 10
    assert sum(n["no_match"] for n in needs) >= 12
    assert sum(item["language"] == "en" for item in needs + questions) >= 20
