"""A message as people send it, reduced to what asks something.

Slack markup becomes plain words. A pasted e-mail loses what does not steer the answer:
an opening salutation ("Hoi,", "Beste Petra,"), quoted lines ("> ..."), mail headers
("Van:", "From:", "Onderwerp:") and the signature after a closing ("Met vriendelijke
groet", "Kind regards", "--"). A message still over the
limit is shortened around its questions, not cut at the head, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLACK_MARKUP = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]+))?>|<(https?://[^>|]+)(?:\|([^>]+))?>")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
QUOTED = re.compile(r"^\s*(?:>|&gt;)")
HEADER = re.compile(
    r"^\s*(?:van|aan|cc|onderwerp|verzonden|datum|from|to|sent|subject|date)\s*:", re.I
)
# A line that closes a letter: what follows is the signature (name, function, phone).
CLOSING = re.compile(
    r"^\s*(?:--+|met (?:vriendelijke|hartelijke) groet(?:en)?|(?:hartelijke |vriendelijke )?groet(?:en|jes)?|"
    r"mvg|gr\.?|kind regards|best regards|best|regards|cheers|thanks in advance|alvast bedankt)"
    r"\s*[,.!]?\s*$",
    re.I,
)
# A line that only greets ("Hoi,", "Beste Petra,", "Hi all,"): it says nothing about the need.
SALUTATION = re.compile(
    r"^\s*(?:hoi|hallo|hey|hi|hello|beste|dear|goedemorgen|goedemiddag|good morning)"
    r"(?:\s+[\w.'-]+){0,2}\s*[,!.:]?\s*$",
    re.I,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Message:
    text: str  # one line, what the models read
    shortened: bool = False  # part of a long message was left out


# Five or more repeats of a unit of two to eight characters ("x@x@x@x@x@…", "!?!?!?!?!?") say
# nothing more than three and cost the embedder its time: a 2,000-character "x@" message took
# 4 s to embed against 0.3 s for a question (collapsed before anything reads it). Five, so
# that "hahaha" and numbers like 1.000.000 stay as typed.
REPEATED = re.compile(r"(\S{2,8}?)\1{4,}")


def read_message(raw: str, max_chars: int) -> Message:
    """The message's words, without quotes, headers and signature, at most `max_chars`."""
    text = SLACK_MARKUP.sub(_plain, raw or "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = CONTROL.sub(" ", text.replace("\r\n", "\n"))
    body = _body(text.split("\n"))
    flat = re.sub(r"\s+", " ", body if re.search(r"\w", body) else text).strip()
    flat = REPEATED.sub(r"\1\1\1", flat)
    if len(flat) <= max_chars:
        return Message(flat)
    return Message(_around_questions(flat, max_chars), shortened=True)


def _plain(match: re.Match[str]) -> str:
    if match.group(4):  # a link: keep its label or the URL
        return match.group(5) or match.group(4)
    if match.group(1) == "#":
        return "#" + (match.group(3) or "kanaal")
    return ""  # user mentions and special mentions carry no question content


def _body(lines: list[str]) -> str:
    """The lines that are the person's own words: a signature runs from a closing line to
    the next mail header (a quoted earlier mail) or the end."""
    kept: list[str] = []
    in_signature = False
    for line in lines:
        if HEADER.match(line):
            in_signature = True  # the quoted mail below a header is not this message
            continue
        if CLOSING.match(line) and kept:
            in_signature = True
            continue
        if in_signature or QUOTED.match(line) or (SALUTATION.match(line) and not kept):
            continue
        kept.append(line)
    return "\n".join(kept)


def _around_questions(text: str, max_chars: int) -> str:
    """The questions of a long message, each with the sentence before it, in their order;
    the last sentences when it asks nothing with a question mark."""
    sentences = SENTENCE.split(text)
    asked = _asking(sentences)
    context = [i - 1 for i in asked if i > 0 and i - 1 not in asked]
    # The questions first, then the sentence before each; without a question mark, the
    # last sentences first.
    priority = asked + context if asked else list(range(len(sentences)))[::-1]
    picked: set[int] = set()
    used = 0
    for i in priority:
        cost = len(sentences[i]) + 1
        if used + cost <= max_chars:
            picked.add(i)
            used += cost
    if not picked:  # one enormous sentence: its end, where the question usually is
        return text[-max_chars:].strip()
    return " ".join(sentences[i] for i in sorted(picked)).strip()


def questions_in(text: str) -> str:
    """The sentences of a message that ask (end in a question mark), when there are others
    around them; the message itself otherwise."""
    sentences = SENTENCE.split(text)
    asked = _asking(sentences)
    if not asked or len(asked) == len(sentences):
        return text
    return " ".join(sentences[i] for i in asked)


def _asking(sentences: list[str]) -> list[int]:
    """The positions of the sentences that ask (end in a question mark)."""
    return [i for i, sentence in enumerate(sentences) if sentence.rstrip().endswith("?")]
