# Leerroute: the Slack assistant on its embedded defaults (local model, Chroma on disk, SQLite).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    LEERROUTE_DATA_DIR=/data \
    LEERROUTE_KNOWLEDGE_DIR=/app/knowledge \
    LEERROUTE_PROMPTS_DIR=/app/prompts

WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY bot ./bot
COPY ingest ./ingest
RUN pip install -c requirements.lock '.[postgres]'
COPY knowledge ./knowledge
COPY prompts ./prompts

RUN useradd --system --uid 10001 --home-dir /app leerroute \
    && mkdir -p /data && chown leerroute /data
USER leerroute
VOLUME ["/data"]
EXPOSE 3000

# Works in both modes (Socket Mode serves no HTTP) and costs nothing: the server writes a
# heartbeat with its own health check every 20 s; this reads it (`leerroute health` is the
# full check, for operators).
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s CMD ["python", "-m", "bot.heartbeat"]

# Index the knowledge (incremental, a no-op when unchanged), then serve Slack.
# Socket Mode when SLACK_APP_TOKEN is set; for HTTP use: leerroute serve --http --host 0.0.0.0
CMD ["sh", "-c", "leerroute ingest && exec leerroute serve ${LEERROUTE_SERVE_ARGS:-}"]
