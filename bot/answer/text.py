"""Tokenising for keyword search: Dutch/English stop words, light stemming, compounds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*(?:&[a-z]+)?")

STOPWORDS = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "of",
        "van",
        "in",
        "op",
        "te",
        "aan",
        "met",
        "voor",
        "door",
        "over",
        "naar",
        "bij",
        "uit",
        "om",
        "tot",
        "tegen",
        "tussen",
        "onder",
        "na",
        "als",
        "dan",
        "dat",
        "die",
        "dit",
        "deze",
        "wat",
        "wie",
        "waar",
        "wanneer",
        "hoe",
        "waarom",
        "welke",
        "welk",
        "is",
        "zijn",
        "was",
        "waren",
        "wordt",
        "worden",
        "werd",
        "ben",
        "bent",
        "heb",
        "hebt",
        "heeft",
        "hebben",
        "had",
        "kan",
        "kun",
        "kunt",
        "kunnen",
        "mag",
        "mogen",
        "moet",
        "moeten",
        "wil",
        "wilt",
        "willen",
        "zal",
        "zullen",
        "zou",
        "zouden",
        "ik",
        "je",
        "jij",
        "u",
        "jou",
        "jullie",
        "we",
        "wij",
        "ze",
        "zij",
        "hij",
        "men",
        "mijn",
        "mij",
        "me",
        "onze",
        "ons",
        "hun",
        "haar",
        "zijn",
        "jouw",
        "uw",
        "er",
        "hier",
        "daar",
        "niet",
        "geen",
        "nog",
        "al",
        "ook",
        "maar",
        "wel",
        "zo",
        "heel",
        "erg",
        "veel",
        "meer",
        "meest",
        "even",
        "eens",
        "iets",
        "iemand",
        "niets",
        "alles",
        "elk",
        "elke",
        "ieder",
        "iedere",
        "dus",
        "want",
        "toch",
        "nu",
        "graag",
        "eigenlijk",
        "gewoon",
        "even",
        "hoi",
        "hallo",
        "hey",
        "dag",
        "doe",
        "doet",
        "doen",
        "gaat",
        "gaan",
        "ga",
        "krijg",
        "krijgen",
        "vind",
        "vindt",
        "zit",
        "zitten",
        "staat",
        "staan",
        "laat",
        "hoeveel",
        "heet",
        "noem",
        "vertel",
        "precies",
        "many",
        "much",
        "tell",
        "whats",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "about",
        "into",
        "over",
        "under",
        "after",
        "as",
        "than",
        "that",
        "this",
        "these",
        "those",
        "what",
        "who",
        "whom",
        "where",
        "when",
        "how",
        "why",
        "which",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "will",
        "would",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "it",
        "me",
        "my",
        "our",
        "us",
        "your",
        "their",
        "them",
        "his",
        "her",
        "its",
        "not",
        "no",
        "yes",
        "also",
        "but",
        "so",
        "very",
        "more",
        "most",
        "some",
        "any",
        "there",
        "here",
        "hi",
        "hello",
        "please",
        "thanks",
        "get",
        "got",
    ]
)

_SUFFIXES = ("'s", "heden", "dde", "tte", "en", "es", "de", "te", "s", "e")


def fold(text: str) -> str:
    """Lowercase and strip accents (ë → e), keeping the euro sign meaningful."""
    text = text.lower().replace("€", " euro ")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A deliberately light stemmer: plural and inflection endings only."""
    if word.isdigit() or len(word) <= 4:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            # ateliers → atelier, groepen → groep, kosten → kost, vooropleiding → vooropleiding
            if suffix in ("dde", "tte"):
                base += suffix[0]  # begeleidde → begeleid, zette → zet
            elif suffix == "en" and len(base) > 2 and base[-1] == base[-2]:
                base = base[:-1]  # stemmen → stem
            return base
    return word


def words(text: str) -> list[str]:
    tokens = []
    for raw in TOKEN.findall(fold(text)):
        if any(ch.isdigit() for ch in raw):
            tokens.append(raw)
            plain = raw.replace(".", "").replace(",", "")
            if plain != raw:
                tokens.append(plain)  # "6.500" also matches "6500"
            continue
        tokens.extend(part for part in re.split(r"[&]", raw) if part)
    return tokens


def content_terms(text: str) -> list[str]:
    """Stemmed tokens without stop words (no compound splitting)."""
    return [stem(word) for word in words(text) if word not in STOPWORDS and len(word) > 1]


class Tokenizer:
    """Content terms plus the parts of Dutch compounds found in a known vocabulary.

    "teamconflict" also yields "team" and "conflict" when both occur in the corpus, so a
    question phrased as one word finds text phrased as two, and the other way round.
    """

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self.vocabulary = {word for word in vocabulary if len(word) >= 4}

    @classmethod
    def for_corpus(cls, texts: Iterable[str]) -> Tokenizer:
        vocabulary: set[str] = set()
        for text in texts:
            vocabulary.update(content_terms(text))
        return cls(vocabulary)

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for term in content_terms(text):
            out.append(term)
            if len(term) >= 8 and not term.isdigit():
                out.extend(self.split_compound(term))
        return out

    def split_compound(self, term: str) -> list[str]:
        for cut in range(4, len(term) - 3):
            head, tail = term[:cut], term[cut:]
            if head.endswith("s") and head[:-1] in self.vocabulary:
                head = head[:-1]  # linking -s: groepsontwikkelaar → groep + ontwikkelaar
            if head in self.vocabulary and stem(tail) in self.vocabulary:
                return [head, stem(tail)]
        return []
