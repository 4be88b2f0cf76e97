"""Which support role fits a question, from the learned role classifier.

Whether a question asks for a person at all is the intent model's call (help or both);
this module turns the role probabilities into a route, or a clarifying question when the
likeliest role is too uncertain (the threshold is fitted in `bot.answer.fit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.answer.model import EngineModel


@dataclass
class Route:
    role: str | None
    confidence: float
    margin: float = 0.0
    candidates: list[tuple[str, float]] = field(default_factory=list)
    clarify: bool = False

    @property
    def routed(self) -> bool:
        return self.role is not None


NO_ROUTE = Route(None, 0.0)


def route(model: EngineModel, ranked: list[tuple[str, float]]) -> Route:
    """The route for the role classifier's probabilities (likeliest first)."""
    (top, p_top), (_, p_second) = ranked[0], ranked[1]
    return Route(
        role=top,
        confidence=p_top,
        margin=p_top - p_second,
        candidates=ranked[:3],
        clarify=p_top < model.clarify_threshold,
    )
