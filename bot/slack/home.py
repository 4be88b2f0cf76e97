"""App Home: what you can ask, the hulplijnen, the next session; HR admins see monitoring."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services import Services
from bot.slack.blocks import home_view


def publish_home(services: Services, client: WebClient, user: str) -> None:
    knowledge = services.knowledge
    summary = None
    if user in services.settings.monitor.hr_admins:
        summary = services.monitor_summary()
    view = home_view(
        knowledge.hulplijnen,
        knowledge.programme,
        services.today(),
        enrolled=services.participants.is_enrolled(user),
        monitor_summary=summary,
        dashboard_url=services.settings.monitor.dashboard_url,
    )
    client.views_publish(user_id=user, view=view)
