"""Tiny, deterministic language guess between Dutch and English (Dutch when unsure)."""

from __future__ import annotations

import re

WORD = re.compile(r"[a-zà-ÿ']+")

DUTCH = set(
    "de het een en van ik je jij u we wij zij ze is zijn was waren wie wat waar wanneer hoe "
    "waarom welke welk kan kun kunt mag moet mijn onze ons niet geen met voor over naar bij "
    "ook maar als dat dit die er om op te aan uit hebben heb heeft wordt worden graag "
    "hoeveel iemand iets vraag contact team groep collega mee tot tussen zich zo nog al "
    "dan doen gaat gaan hulp nodig wil willen vind loopt".split()
)
ENGLISH = set(
    "the a an and of i you he she we they is are was were who what where when how why which "
    "can could may must my our not no with for about to at also but if that this there on "
    "in from have has do does get help need want someone something question contact team "
    "group colleague please would should me it its be been will".split()
)


def detect_language(text: str) -> str:
    """Return 'en' or 'nl'. Ties and unknown text count as Dutch."""
    words = WORD.findall(text.lower())
    dutch = sum(word in DUTCH for word in words)
    english = sum(word in ENGLISH for word in words)
    if english > dutch:
        return "en"
    if english == dutch and english == 0:
        # No function words: look at a few Dutch-only letter patterns.
        if re.search(r"(ij|oe|aa|sch|ui)", text.lower()):
            return "nl"
        return "nl" if not re.search(r"\b(th|wh)", text.lower()) else "en"
    return "nl"
