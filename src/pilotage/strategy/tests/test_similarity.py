"""Similar requests: TF-IDF cosine in pure Python, accent folding, French and English stop words."""

from __future__ import annotations

from typing import Any

import pytest

from pilotage.strategy import similarity
from pilotage.strategy.similarity import fold, rank, tokens


def test_fold_removes_accents_and_case() -> None:
    assert fold("Sécurité au TRAVAIL, œuvre") == "securite au travail, oeuvre"


def test_tokens_drop_stop_words_and_join_plurals() -> None:
    assert tokens("Les managers et la sécurité des équipes") == ["manage", "securi"]
    assert tokens("Training for the new managers") == ["manage"]
    assert tokens("ils travaillent") == tokens("travailler")
    assert tokens("2026 a 1") == []


CANDIDATES = [
    ("gestes", "Gestes et postures en entrepôt", "Réduire les troubles musculo-squelettiques des magasiniers"),
    ("securite", "Sécurité au travail sur les sites", "Prévenir les accidents du travail en production"),
    ("excel", "Excel avancé", "Tableaux croisés dynamiques pour le contrôle de gestion"),
    ("anglais", "Anglais commercial", "Négocier en anglais avec les clients export"),
    ("negociation", "Négociation grands comptes", "Les commerciaux cèdent sur les remises"),
]


def _rank(title: str, body: str, **kw: Any) -> list[tuple[str, float]]:
    return [(m.item, m.score) for m in rank((title, body), CANDIDATES, **kw)]


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("Securite au travail", "accidents du travail sur nos sites de production", "securite"),
        ("Postures", "troubles musculosquelettiques des magasiniers en entrepot", "gestes"),
        ("Negotiation for key accounts", "sales people give away discounts; négociation", "negociation"),
        ("Formation Excel", "tableaux croises dynamiques", "excel"),
    ],
)
def test_best_match(title: str, body: str, expected: str) -> None:
    ranked = _rank(title, body)
    assert ranked and ranked[0][0] == expected
    assert 0 < ranked[0][1] <= 1


def test_scores_are_sorted_limited_and_thresholded() -> None:
    ranked = _rank("Sécurité", "accidents du travail, gestes et postures", limit=2)
    assert len(ranked) <= 2
    assert [s for _i, s in ranked] == sorted((s for _i, s in ranked), reverse=True)
    assert _rank("Cuisine moléculaire", "sphérification") == []


def test_identical_text_scores_one() -> None:
    ranked = rank(("Excel avancé", "Tableaux croisés"), [("same", "Excel avancé", "Tableaux croisés")])
    assert ranked[0].score == pytest.approx(1.0)


def test_empty_inputs() -> None:
    assert rank(("", ""), CANDIDATES) == []
    assert rank(("Excel", "x"), []) == []


def test_similar_requests_excludes_itself() -> None:
    class Req:
        def __init__(self, pk: int, title: str, need: str) -> None:
            self.pk, self.title, self.business_need = pk, title, need

    me = Req(1, "Excel avancé", "tableaux croisés")
    others = [me, Req(2, "Excel avancé", "tableaux croisés dynamiques"), Req(3, "Anglais", "export")]
    matches = similarity.similar_requests(me, others)
    assert [m.item.pk for m in matches] == [2]
