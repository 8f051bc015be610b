"""The delivery form's JSON is built from the allow-list: unknown fields, nested objects where a
scalar is expected and the key's fields never come through; ``fields`` never widens a form."""

from __future__ import annotations

from domain.assessments.delivery import ITEM, SCORE, delivery, select_fields


def test_only_allowed_fields_and_only_scalars_where_scalars_belong() -> None:
    item = {
        "identifier": "i-1",
        "title": {"hidden": "an object where a string belongs"},
        "type": "choice",
        "responseDeclarations": [
            {
                "identifier": "RESPONSE",
                "cardinality": "single",
                "baseType": "identifier",
                "correctResponse": {"value": ["B"]},
                "mapping": {"mapEntry": [{"mapKey": "B", "mappedValue": 1}]},
            }
        ],
        "responseProcessing": {"templateType": "match_correct"},
        "modalFeedback": [{"identifier": "CORRECT", "content": "Right"}],
        "metadata": {"subject": "Math", "answerNotes": "B", "courseSourcedIds": ["c-1"]},
        "somethingNew": "whatever QTI adds next",
    }
    assert delivery(item, ITEM) == {
        "identifier": "i-1",
        "type": "choice",
        "responseDeclarations": [
            {"identifier": "RESPONSE", "cardinality": "single", "baseType": "identifier"}
        ],
        "metadata": {"subject": "Math", "courseSourcedIds": ["c-1"]},
    }


def test_a_score_keeps_the_score_and_the_earned_feedback() -> None:
    result = {
        "score": 0,
        "feedback": {"identifier": "INCORRECT", "value": "Not quite", "correct": ["B"]},
        "correctResponse": ["B"],
    }
    assert delivery(result, SCORE) == {
        "score": 0,
        "feedback": {"identifier": "INCORRECT", "value": "Not quite"},
    }


def test_fields_select_within_the_form() -> None:
    shaped = {"identifier": "i-1", "form": "delivery", "title": "T", "type": "choice"}
    assert select_fields(shaped, frozenset({"title", "responseProcessing"})) == {
        "identifier": "i-1",
        "form": "delivery",
        "title": "T",
    }
    assert select_fields(shaped, None) == shaped
