"""Look through every row of every table of a database for given strings (a parent's id, what they wrote):
what an erasure must leave nowhere."""
from __future__ import annotations

from typing import Iterable, List

import sqlalchemy as sa


def rows_holding(engine: sa.engine.Engine, needles: Iterable[str]) -> List[str]:
    """``table.column: needle`` for each value that contains one of ``needles`` (case-insensitive);
    every table the database has, ours, Rasa's and the review app's alike."""
    wanted = [n.lower() for n in needles if n]
    found: List[str] = []
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    text = (value.decode(errors="replace") if isinstance(value, bytes) else str(value)).lower()
                    found += [f"{table.name}.{column}: {n}" for n in wanted if n in text]
    return sorted(set(found))
