"""Reflection prompts in Slack: enrol with the slash command, get a question after an atelier,
answer it in the thread or in a modal, keep, edit and delete the answer in your own portfolio.

The app is Leerroute's real Slack app served over HTTP; the scheduler tick is the real
`leerroute reflect tick` command. Only Slack is fake.
"""

from __future__ import annotations

import json

import pytest

from bot.monitor.report import summary_lines
from bot.services import Services
from tests.fakes.slack import FakeSlack, dm_channel_id
from tests.reflection_world import (
    ATELIER_1_THEME,
    SlackApp,
    button_value,
    client,
    confirmations,
    eventually,
    export,
    leerroute,
    prompt_text,
    prompts_to,
    rows_containing,
    run_cli,
    slack,
    slack_app,
    tick,
)

__all__ = ["client", "leerroute", "slack", "slack_app"]

AN, BAS = "U0AN00001", "U0BAS0002"


def test_enrol_get_a_question_after_atelier_1_answer_it_and_stop(
    slack: FakeSlack, slack_app: SlackApp
) -> None:
    # An and Bas enrol with the slash command.
    reply = slack_app.command_reply(AN, "aanmelden")
    assert "Je bent aangemeld voor reflectievragen" in reply
    slack_app.command_reply(BAS, "aanmelden")

    # The morning after werkatelier 1 (19-20 December 2011), the scheduler ticks.
    assert "sent 2" in tick("2011-12-21T09:30")
    [dm] = [
        c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == dm_channel_id(AN)
    ]
    [prompt] = prompts_to(slack, AN)
    assert dm.params["text"] == prompt["text"]
    assert ATELIER_1_THEME in prompt_text(prompt)
    assert "Werkatelier 1" in prompt["text"]

    # Ticking again, later that day, sends nothing more: one question a day, each question once.
    assert "sent 0" in tick("2011-12-21T09:31")
    assert "sent 0" in tick("2011-12-21T15:00")
    assert len(prompts_to(slack, AN)) == 1

    # An answers in the question's thread; Leerroute confirms briefly in the same thread.
    slack_app.reply_in_thread(
        AN, prompt["ts"], "Ik ga mijn teamleider eerst vragen wat zij nodig heeft."
    )
    [confirmation] = slack.wait_for(
        "chat.postMessage", predicate=lambda call: call.params.get("thread_ts") == prompt["ts"]
    )
    assert confirmation.params["channel"] == dm_channel_id(AN)
    assert confirmation.params["text"] == "Opgeslagen in je portfolio."

    portfolio = export(AN)
    assert f"## Werkatelier 1: {ATELIER_1_THEME}" in portfolio
    assert "Ik ga mijn teamleider eerst vragen wat zij nodig heeft." in portfolio
    assert prompt["text"].removeprefix("Werkatelier 1: ") in portfolio  # the question itself

    # An stops; Bas does not. Between the ateliers, only Bas gets the next question.
    assert "Je bent afgemeld" in slack_app.command_reply(AN, "afmelden")
    assert "sent 1" in tick("2012-01-02T09:30")
    assert "sent 1" in tick("2012-01-12T09:30")
    assert len(prompts_to(slack, AN)) == 1
    assert len(prompts_to(slack, BAS)) == 3


# ------------------------------------------------------------ opting in and out


def test_the_stop_button_under_a_question_ends_the_questions(
    slack: FakeSlack, slack_app: SlackApp
) -> None:
    slack_app.command_reply(AN, "aanmelden")
    tick("2011-12-21T09:30")
    [prompt] = prompts_to(slack, AN)

    slack_app.click(AN, prompt, "reflection_unenrol")

    [notice] = slack.wait_for("chat.postEphemeral")
    assert notice.params["user"] == AN and notice.params["channel"] == dm_channel_id(AN)
    assert notice.params["text"] == "Je bent afgemeld voor reflectievragen."
    assert "sent 0" in tick("2012-01-02T09:30")
    assert len(prompts_to(slack, AN)) == 1


def test_enrolling_and_stopping_from_the_home_tab(slack: FakeSlack, slack_app: SlackApp) -> None:
    home = slack_app.open_home(AN)
    assert button_value(home, "reflection_enrol") == "home"

    home = slack_app.click_home(AN, home, "reflection_enrol")
    assert "sent 1" in tick("2011-12-21T09:30")

    home = slack_app.click_home(AN, home, "reflection_unenrol")
    assert button_value(home, "reflection_enrol")  # "Aanmelden" again
    assert "sent 0" in tick("2012-01-02T09:30")
    assert len(prompts_to(slack, AN)) == 1


# ----------------------------------------------------------- answering with the modal


def test_answering_with_the_modal(
    slack: FakeSlack, slack_app: SlackApp, leerroute: Services
) -> None:
    leerroute.participants.enrol(AN)
    tick("2011-12-21T09:30")
    [prompt] = prompts_to(slack, AN)

    slack_app.click(AN, prompt, "reflection_answer")
    [opened] = slack.wait_for("views.open")
    modal = opened.params["view"]
    assert modal["title"]["text"] == "Reflectie"
    question = prompt["text"].removeprefix("Werkatelier 1: ")
    assert question in json.dumps(modal, ensure_ascii=False)

    # An empty answer is refused in the modal itself.
    status, body = slack_app.submit(AN, modal, "   ")
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"reflection_block": "Schrijf eerst een antwoord."},
    }
    assert "Er staan nog geen reflecties" in export(AN)

    status, body = slack_app.submit(AN, modal, "Minder overtuigen, meer vragen stellen.")
    assert status == 200 and body == ""
    [confirmation] = confirmations(slack, AN, prompt["ts"])
    assert confirmation["text"] == "Opgeslagen in je portfolio."
    portfolio = export(AN)
    assert "Minder overtuigen, meer vragen stellen." in portfolio
    assert f"**{question}**" in portfolio


def test_editing_and_deleting_an_answer(
    slack: FakeSlack, slack_app: SlackApp, leerroute: Services
) -> None:
    leerroute.participants.enrol(AN)
    tick("2011-12-21T09:30")
    [prompt] = prompts_to(slack, AN)
    slack_app.reply_in_thread(AN, prompt["ts"], "Eerste gedachte.")
    [saved] = confirmations(slack, AN, prompt["ts"])

    # "Bewerken" opens the answer in a modal; saving it changes the portfolio entry.
    slack_app.click(AN, saved, "portfolio_edit")
    [opened] = slack.wait_for("views.open")
    modal = opened.params["view"]
    assert modal["blocks"][1]["element"]["initial_value"] == "Eerste gedachte."
    status, _ = slack_app.submit(AN, modal, "Beter verwoord, na een nacht slapen.")
    assert status == 200
    eventually(lambda: "Beter verwoord, na een nacht slapen." in export(AN))
    assert "Eerste gedachte." not in export(AN)

    # Nobody else can change it.
    entry_id = int(button_value(saved, "portfolio_edit"))
    assert not leerroute.portfolio.edit(BAS, entry_id, "Overschreven door Bas.")
    assert not leerroute.portfolio.delete(BAS, entry_id)

    # "Verwijderen" removes it, and says so in place of the confirmation.
    slack_app.click(AN, saved, "portfolio_delete")
    [reply] = slack.wait_for("response_url")
    assert reply.params == {"text": "Verwijderd uit je portfolio.", "replace_original": True}
    assert "Er staan nog geen reflecties in je portfolio." in export(AN)


# ---------------------------------------------------------------- the portfolio


def answer_three_questions_out_of_order(slack: FakeSlack, slack_app: SlackApp) -> None:
    for moment in ("2011-12-21T09:30", "2012-01-02T09:30", "2012-01-12T09:30"):
        tick(moment)
    after_1, between_1, before_2 = prompts_to(slack, AN)
    for prompt, answer in [
        (before_2, "Ik neem de vraag mee hoe ons MT naar de organisatie kijkt."),
        (after_1, "Lastige gesprekken beginnen bij mijn eigen aannames."),
        (between_1, "Het patroon: we stellen besluiten uit tot iemand boos wordt."),
    ]:
        slack_app.reply_in_thread(AN, prompt["ts"], answer)
        confirmations(slack, AN, prompt["ts"])


def test_the_portfolio_export_is_ordered_by_programme_session(
    slack: FakeSlack, slack_app: SlackApp, leerroute: Services
) -> None:
    leerroute.participants.enrol(AN)
    answer_three_questions_out_of_order(slack, slack_app)

    portfolio = export(AN)

    assert portfolio.startswith(
        "# Mijn portfolio — De gemeentelijke HRM-adviseur als partner in business"
    )
    order = [
        f"## Werkatelier 1: {ATELIER_1_THEME}",
        "Lastige gesprekken beginnen bij mijn eigen aannames.",
        "Het patroon: we stellen besluiten uit tot iemand boos wordt.",
        "## Werkatelier 2: Kijken naar Organisaties",
        "Ik neem de vraag mee hoe ons MT naar de organisatie kijkt.",
    ]
    positions = [portfolio.index(line) for line in order]
    assert positions == sorted(positions)
    leerroute.participants.enrol(BAS)
    assert "Er staan nog geen reflecties" in export(BAS)  # only An's own
    nobody = run_cli("portfolio", "export", "--user", "U99NOBODY", expect=1)
    assert "not a participant and has no portfolio" in nobody


def test_slash_portfolio_sends_the_markdown_file_in_a_dm(
    slack: FakeSlack, slack_app: SlackApp, leerroute: Services
) -> None:
    leerroute.participants.enrol(AN)
    answer_three_questions_out_of_order(slack, slack_app)

    reply = slack_app.command(AN, "portfolio")

    assert reply == "Je portfolio komt eraan in een direct bericht."
    [completed] = slack.wait_for("files.completeUploadExternal")
    assert completed.params["channel_id"] == dm_channel_id(AN)
    assert completed.params["files"][0]["title"] == "Mijn portfolio"
    [requested] = slack.calls_to("files.getUploadURLExternal")
    assert requested.params["filename"] == "mijn-portfolio.md"
    [uploaded] = slack.uploads.values()
    markdown = uploaded.decode("utf-8")
    assert markdown.index("## Werkatelier 1") < markdown.index("## Werkatelier 2")
    assert markdown.split("\n", 4)[4] == export(AN).split("\n", 4)[4]  # all but the date line


# --------------------------------------------------------------------- privacy


@pytest.fixture
def hr_admin(monkeypatch: pytest.MonkeyPatch) -> str:
    """An HR adviser who sees the monitoring summary in the Home tab."""
    # JSON, because the comma-separated form the README documents does not load.
    monkeypatch.setenv("LEERROUTE_MONITOR__HR_ADMINS", "U0HR00009,U0HR00010")
    return "U0HR00009"


def test_reflections_never_reach_hr_monitoring(
    hr_admin: str, slack: FakeSlack, slack_app: SlackApp, leerroute: Services
) -> None:
    leerroute.participants.enrol(AN)
    tick("2011-12-21T09:30")
    [prompt] = prompts_to(slack, AN)
    in_thread = "Mijn leidinggevende Jansen ontwijkt elk conflict."
    in_modal = "Ik twijfel of ik deze functie wel wil houden."
    slack_app.reply_in_thread(AN, prompt["ts"], in_thread)
    confirmations(slack, AN, prompt["ts"])
    slack_app.click(AN, prompt, "reflection_answer")
    [opened] = slack.wait_for("views.open")
    slack_app.submit(AN, opened.params["view"], in_modal)
    confirmations(slack, AN, prompt["ts"], count=2)

    # Stored once each, in the portfolio, and nowhere else.
    assert rows_containing(leerroute, in_thread) == {"portfolio_entries": 1}
    assert rows_containing(leerroute, in_modal) == {"portfolio_entries": 1}
    assert leerroute.recorder.question_count() == 0
    summary = summary_lines(leerroute.db, k=1)
    assert summary[0] == "0 vragen van 0 mensen"
    assert not any(in_thread in line or in_modal in line for line in summary)

    # What HR sees in the Home tab.
    home = json.dumps(slack_app.open_home(hr_admin), ensure_ascii=False)
    assert "Monitoring (laatste 30 dagen)" in home and "0 vragen van 0 mensen" in home
    assert in_thread not in home and in_modal not in home
