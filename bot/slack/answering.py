"""Answer a question in Slack: gather the thread, ask the service, post the blocks.

This is the one place where a failure while answering becomes a short apology in
the asker's language (and a logged error), never a stack trace and never silence.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer.compose import clean_question
from bot.answer.language import detect_language
from bot.conversations import conversation_key
from bot.embeddings import EmbeddingError
from bot.services import Services
from bot.slack import blocks
from bot.slack.mrkdwn import to_mrkdwn

log = logging.getLogger(__name__)

# Characters of generated text gathered before each chat.appendStream call: a few words at
# a time reads as streaming, and a five-sentence answer stays at about ten calls.
STREAM_BUFFER = 60


def earlier_questions(
    messages: list[dict[str, Any]], bot_user_id: str | None, before_ts: str
) -> list[str]:
    """The people's questions earlier in a thread, oldest first (the bot's replies left out)."""
    questions = []
    for message in messages:
        if message.get("bot_id") or message.get("user") == bot_user_id or message.get("subtype"):
            continue
        if float(message.get("ts", "0")) >= float(before_ts):
            continue
        text = clean_question(message.get("text", ""), 500)
        if text:
            questions.append(text)
    return questions


def thread_messages(client: WebClient, channel: str, thread_ts: str) -> list[dict[str, Any]]:
    response = client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
    return list(response.get("messages") or [])


class SlackStream:
    """A generated answer streamed into the thread while it is written (chat.startStream,
    appendStream, stopStream). When it is done the message is replaced by the answer that
    stands: the checked generated text with the role, sources and buttons, or the composed
    answer when the text failed its check. A Slack error while streaming ends the stream
    quietly: the answer is then posted as usual."""

    def __init__(
        self, client: WebClient, channel: str, thread_ts: str, team: str | None, user: str
    ) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.team, self.user = team, user
        self._streamer: Any = None
        self.failed = False

    def append(self, piece: str) -> None:
        if self.failed:
            return
        try:
            if self._streamer is None:
                self._streamer = self.client.chat_stream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    recipient_team_id=self.team,
                    recipient_user_id=self.user,
                    buffer_size=STREAM_BUFFER,
                )
            self._streamer.append(markdown_text=blocks.streamed_text(piece))
        except SlackApiError as exc:
            log.warning(
                "streaming to Slack failed (%s); posting instead", exc.response.get("error")
            )
            self.failed = True

    @property
    def ts(self) -> str | None:
        """The streamed message, once it exists and streaming went well."""
        if self._streamer is None or self.failed:
            return None
        return str(self._streamer.ts) if self._streamer.ts else None

    def finish(
        self,
        text: str,
        reply_blocks: list[dict[str, Any]] | None,
        metadata: dict[str, Any] | None = None,
    ) -> bool:
        """Replace the streamed text with the answer; False when nothing was streamed."""
        try:
            if self._streamer is not None and not self.failed:
                self._streamer.stop()
            ts = self.ts
            if ts is None:
                return False
            self.client.chat_update(
                channel=self.channel, ts=ts, text=text, blocks=reply_blocks, metadata=metadata
            )
            return True
        except SlackApiError as exc:
            log.warning(
                "ending a Slack stream failed (%s); posting instead", exc.response.get("error")
            )
            return False


def render_answer(
    services: Services,
    *,
    text: str,
    user: str,
    surface: str,
    earlier: list[str] | None = None,
    key: str | None = None,
    stream: SlackStream | None = None,
    event_id: str | None = None,
) -> tuple[str, list[dict[str, Any]] | None]:
    """The reply to a question as (fallback text, blocks); an apology if answering failed.
    `key` names the conversation (bot.conversations) whose state follow-ups read. The
    fallback text is escaped like the blocks: no mention or link the model wrote pings.
    A person over their questions per minute is asked to slow down, and nothing is done."""
    if not services.rate_limit.allow(user):
        log.info("a person is over the question limit; asked to slow down")
        return blocks.slow_down(detect_language(text)), None
    try:
        asked = services.questions.ask(
            text, user, surface, earlier, key, stream.append if stream else None, event_id
        )
    except EmbeddingError as exc:  # a known failure: one line is all the log needs
        log.warning("answering a %s question failed: %s", surface, exc)
        return blocks.apology(detect_language(text)), None
    except Exception:  # the boundary: the user hears about it, the log gets the details
        log.exception("answering a %s question failed", surface)
        return blocks.apology(detect_language(text)), None
    names = services.role_names(asked.answer.language)
    fallback = to_mrkdwn(asked.answer.text)[:3000]
    return fallback, blocks.answer_blocks(asked.answer, asked.question_id, names)


def answer_in_slack(
    services: Services,
    client: WebClient,
    *,
    text: str,
    user: str,
    channel: str,
    surface: str,
    thread_ts: str | None,
    earlier: list[str] | None = None,
    team: str | None = None,
    event_id: str | None = None,
    redelivered: bool = False,
) -> None:
    """Answer in the channel (in the thread when given); an apology when answering fails.
    The conversation is the thread (or the DM): its state is kept in the database. With
    an LLM configured, the answer streams into the thread as it is generated.

    The answer carries its Slack event id in the message metadata: a redelivery (a process
    died after Slack stored the answer, before the event was marked done) finds it in the
    conversation and posts nothing again."""
    if redelivered and event_id and already_answered(client, channel, thread_ts, event_id):
        log.info("event %s was answered before the process stopped; not posting again", event_id)
        return
    key = conversation_key(team, channel, thread_ts)
    if thread_ts:
        set_status(client, channel, thread_ts, detect_language(text))
    stream = None
    if thread_ts and services.settings.llm.provider != "none":
        stream = SlackStream(client, channel, thread_ts, team, user)
    reply, reply_blocks = render_answer(
        services,
        text=text,
        user=user,
        surface=surface,
        earlier=earlier,
        key=key,
        stream=stream,
        event_id=event_id,
    )
    metadata = answer_metadata(event_id)
    if stream is None or not stream.finish(reply, reply_blocks, metadata):
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=reply,
            blocks=reply_blocks,
            unfurl_links=False,
            metadata=metadata,
        )
    if thread_ts:
        set_status(client, channel, thread_ts)  # cleared


ANSWER_EVENT = "leerroute_answer"  # the metadata event type of our answers

STATUS = {
    "nl": ("denkt na…", ["Ik zoek het op in de bronnen…", "Ik kijk wie je het beste helpt…"]),
    "en": ("is thinking…", ["Looking it up in the sources…", "Finding who can help you best…"]),
}


def set_status(
    client: WebClient, channel: str, thread_ts: str, language: str | None = None
) -> None:
    """The assistant status under the thread while answering, in the person's language;
    without a language it is cleared. Slack refusing it (an old workspace) changes nothing
    else."""
    status, loading = STATUS.get(language, STATUS["nl"]) if language else ("", None)
    try:
        client.assistant_threads_setStatus(
            channel_id=channel, thread_ts=thread_ts, status=status, loading_messages=loading
        )
    except SlackApiError as exc:
        log.debug("status not set (%s)", exc.response.get("error"))


def answer_metadata(event_id: str | None) -> dict[str, Any] | None:
    if not event_id:
        return None
    return {"event_type": ANSWER_EVENT, "event_payload": {"event_id": event_id}}


def already_answered(client: WebClient, channel: str, thread_ts: str | None, event_id: str) -> bool:
    """Whether an answer to this event stands in the conversation already (when Slack
    cannot say, answer: a rare second answer beats none)."""
    try:
        if thread_ts:
            messages = client.conversations_replies(
                channel=channel, ts=thread_ts, limit=100, include_all_metadata=True
            ).get("messages")
        else:
            messages = client.conversations_history(
                channel=channel, limit=20, include_all_metadata=True
            ).get("messages")
    except SlackApiError as exc:
        log.warning("could not read the conversation (%s); answering", exc.response.get("error"))
        return False
    for message in messages or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == ANSWER_EVENT and payload.get("event_id") == event_id:
            return True
    return False


def finish(services: Services, body: dict[str, Any]) -> None:
    """The event is handled (answered or deliberately ignored): nothing to redeliver."""
    event_id = body.get("event_id")
    if event_id:
        services.db.finish_event(str(event_id))
