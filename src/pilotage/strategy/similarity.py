"""Similar training requests, in pure Python: TF-IDF vectors and cosine similarity over the
title and the business need, no external service.

Text is lower-cased, accents are folded ("sécurité" = "securite"), French and English stop
words are dropped and words are cut to their first six letters, a crude stemmer that joins
plurals and verb forms ("travaillent" = "travailler"). The title
counts twice: it is the request's own summary. Scores run from 0 (nothing in common) to 1.

At the demo size (tens of open requests) and well beyond (a few thousand), building the
vectors on the fly takes milliseconds; nothing is stored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

TOKEN_RE = re.compile(r"[a-z0-9]+")
MIN_TOKEN_LENGTH = 2
DEFAULT_LIMIT = 5
DEFAULT_THRESHOLD = 0.05
TITLE_WEIGHT = 2
STEM_LENGTH = 6


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS_FR = _words(
    """
    a au aux avec ce ces cet cette dans de des du elle elles en est et etre eux il ils
    je la le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas
    pour qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y
    afin ainsi alors aussi autre autres avant apres car chaque comme comment dont donc
    encore entre faire fait font ici lors leur moins non nouveau nouveaux nouvelle nouvelles
    peu plus plusieurs pourquoi quand quel quelle quelles quels sans selon si sous tous tout
    toute toutes tres trop vers via etc ont avoir sera seront doit doivent besoin besoins
    formation formations former equipe equipes nos
    """
)
STOP_WORDS_EN = _words(
    """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our ours out over own
    same she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who
    whom why will with would you your yours need needs training train team teams new
    """
)
STOP_WORDS = STOP_WORDS_FR | STOP_WORDS_EN


def fold(text: str) -> str:
    """Lower case without accents: "Sécurité au Travail" -> "securite au travail"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("œ", "oe")


def _stem(token: str) -> str:
    """A deliberately crude stemmer, the same in both languages: drop a plural ending, then
    keep the first ``STEM_LENGTH`` letters ("travaillent" = "travailler", "managers" =
    "management"). Prefix truncation is known to work about as well as a real stemmer for
    French retrieval, and needs no dictionary."""
    if len(token) > 3 and token.endswith(("s", "x")) and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    return token[:STEM_LENGTH]


def tokens(text: str) -> list[str]:
    """The meaningful words of ``text``, folded and lightly stemmed."""
    return [
        _stem(t)
        for t in TOKEN_RE.findall(fold(text))
        if len(t) >= MIN_TOKEN_LENGTH and t not in STOP_WORDS and not t.isdigit()
    ]


def document(title: str, body: str) -> list[str]:
    """The words of a request: the title counted ``TITLE_WEIGHT`` times, then the need."""
    return tokens(title) * TITLE_WEIGHT + tokens(body)


@dataclass(frozen=True)
class Match:
    item: Any
    score: float


def _vectors(docs: Sequence[list[str]]) -> list[dict[str, float]]:
    """TF-IDF vectors (log-scaled term frequency, smoothed idf), normalised to length 1."""
    df: Counter[str] = Counter()
    for words in docs:
        df.update(set(words))
    n = len(docs)
    idf = {term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()}
    vectors = []
    for words in docs:
        tf = Counter(words)
        vec = {term: (1 + math.log(count)) * idf[term] for term, count in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        vectors.append({t: v / norm for t, v in vec.items()} if norm else {})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def rank(
    query: tuple[str, str],
    candidates: Iterable[tuple[Any, str, str]],
    *,
    limit: int = DEFAULT_LIMIT,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Match]:
    """Rank ``candidates`` — (item, title, body) — by similarity to ``query`` — (title, body).

    The idf is computed over the candidates and the query together, so a word every request
    shares ("formation") weighs little. Candidates scoring under ``threshold`` are left out.
    """
    items = list(candidates)
    if not items:
        return []
    docs = [document(*query)] + [document(title, body) for _item, title, body in items]
    vectors = _vectors(docs)
    query_vec = vectors[0]
    if not query_vec:
        return []
    scored = [
        Match(item, round(cosine(query_vec, vec), 3)) for (item, _t, _b), vec in zip(items, vectors[1:], strict=True)
    ]
    scored = [m for m in scored if m.score >= threshold]
    scored.sort(key=lambda m: -m.score)
    return scored[:limit]


def similar_requests(request: Any, candidates: Iterable[Any], *, limit: int = DEFAULT_LIMIT) -> list[Match]:
    """The requests among ``candidates`` (model instances) closest to ``request``, best first,
    ``request`` itself excluded."""
    return rank(
        (request.title, request.business_need),
        ((c, c.title, c.business_need) for c in candidates if c.pk != request.pk),
        limit=limit,
    )
