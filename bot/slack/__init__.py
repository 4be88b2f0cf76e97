"""The Slack adapter: `create_app(settings, services)` and its thin listeners."""
