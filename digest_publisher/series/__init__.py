"""The whole series as one job (``digest-publisher series``): every topic of the digest selected, triaged
together (each paper read once), curated with the overlap rule, drafted, rendered and published, resumable.

    run.py      run_series: the stages in order, one bad topic isolated, the series table's rows
    triage.py   SeriesTriage: one Claude triage pass over every distinct candidate, for all its topics
    overlap.py  hold_shared: a shared paper is discussed only where it is central
    estimate.py estimate_series: calls, tokens and dollars per topic and in total, no call
    state.py    SeriesState: what an interrupted series resumes from
    publish.py  publish_members: the series' posts and index page to WordPress (publishing.series_site)

It sits above the pipeline (it composes its functions, as the CLI does); only the CLI imports it.
"""

from __future__ import annotations

from .run import SeriesJob, SeriesReport, TopicRow, run_series
from .triage import SeriesScores, SeriesTriage

__all__ = ["SeriesJob", "SeriesReport", "SeriesScores", "SeriesTriage", "TopicRow", "run_series"]
