"""A generated answer replaces the composed one only when it holds against the evidence.

The product, not the model, owns the route and the sources: the model writes the answer's
text from the same evidence the composed answer uses (the numbered passages, the composed
facts, the chosen role); the role card goes under the generated text, and only the sources
it cites are listed, numbered in the order it cites them.
"""

from __future__ import annotations

import logging

from bot.answer import compose
from bot.answer.check import (
    Evidence,
    cite_uncited,
    failed_claim,
    renumber,
    whole_sentences,
    words_outside_citations,
)
from bot.answer.followup import role_names
from bot.answer.llm import OpenAIGenerator, TextSink
from bot.answer.reply import Answer, Source, Turn
from bot.knowledge import Hulplijnen

log = logging.getLogger(__name__)

# Fewer words than this besides its citations is no answer ("[1]" alone was seen).
MIN_WORDS = 3


def replace_if_grounded(
    answer: Answer,
    generator: OpenAIGenerator,
    hulplijnen: Hulplijnen,
    previous: Turn | None,
    sink: TextSink | None,
    role_source: Source | None,
) -> None:
    """Generate the answer's text (streaming to `sink`); keep it when every claim holds,
    else leave the composed answer and record why in `answer.rejected`."""
    passages, language = answer.passages, answer.language
    role = hulplijnen.role(answer.route.role) if answer.route.role else None
    sources = "\n\n".join(
        f"[{i}] {p.title} — {p.section}\n{p.text}" for i, p in enumerate(passages, start=1)
    )
    messages = generator.messages(
        question=answer.question,
        language=language,
        sources=sources,
        facts=answer.facts,
        route=f"{role.name.get(language)}: {role.summary.get(language)}" if role else "",
        history=[previous.question] if previous else [],
    )
    generation = generator.generate(messages, sink)
    answer.generation_s = generation.seconds
    if generation.text is None:
        log.warning("no generated answer (%s); the composed one stands", generation.failure)
        answer.rejected = generation.failure
        return
    text = whole_sentences(generation.text) if generation.truncated else generation.text
    evidence = Evidence(
        passages=[p.text for p in passages],
        facts=answer.facts,
        card=compose.role_text(role, language) if role else "",
        question=answer.question,
        names=frozenset(name for names in role_names(hulplijnen).values() for name in names),
        headers=tuple(f"{p.title} — {p.section}" for p in passages),
    )
    supported = [p.text for p in passages]
    if answer.facts and supported:  # the composed facts come from the first passage's unit
        supported[0] = f"{supported[0]}\n{answer.facts}"
    cited_text, cited = renumber(cite_uncited(text, supported), len(passages))
    claim = failed_claim(text, evidence) if text else None
    if generation.truncated and not text:
        failure, reason = "truncated", "cut off by max_tokens before a whole sentence"
    elif words_outside_citations(text) < MIN_WORDS:
        failure, reason = "empty", "no words besides citations"
    elif claim is not None:
        failure, reason = claim.kind, claim.describe()
    elif not cited:
        failure, reason = "uncited", "no sentence cites or is supported by a source"
    elif answer.facts and 0 not in cited:
        # The composed answer's own passage is the first: a text that never uses it
        # answers something else (it may only talk about the role).
        failure, reason = "dropped fact", "the passage of the composed answer is not used"
    else:
        failure = reason = ""
    if failure:
        log.warning("generated answer rejected (%s); the composed one stands", reason)
        answer.rejected = failure
        return
    text = cited_text
    listed = [Source(passages[i].path, passages[i].title, passages[i].section) for i in cited]
    if role_source is not None:
        listed.append(role_source)
    card = compose.role_text(role, language, reason=False) if role else ""
    answer.text = f"{text}\n\n{card}" if card else text
    answer.sources = list(dict.fromkeys(listed))
    answer.generated = True
