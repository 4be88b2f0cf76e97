"""The fitted engine in the database, so that replicas with their own data dir share one fit
(`leerroute ingest` fits it once; a replica starting later loads it instead of refitting)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import EngineModel

KEEP = 2  # the newest fits kept: the current one and the one before it


class DatabaseEngines:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, signature: str) -> bytes | None:
        with self.db.session() as session:
            row = session.get(EngineModel, signature)
            return bytes(row.data) if row is not None else None

    def put(self, signature: str, data: bytes) -> None:
        try:
            with self.db.session() as session:
                session.add(EngineModel(signature=signature, data=data))
        except IntegrityError:
            return  # another replica stored the same fit first
        with self.db.session() as session:
            newest = select(EngineModel.signature).order_by(EngineModel.created_at.desc())
            keep = list(session.scalars(newest.limit(KEEP)))
            session.execute(delete(EngineModel).where(EngineModel.signature.not_in(keep)))
