"""Publishing: everything after render, one verb per module.

    publish.py    publish_post: lock -> record -> transport (REST / XML-RPC) -> verify -> residue check -> record
    staging.py    for users whose HTML WordPress filters (kses): verified as a draft before it goes public
    status.py     post_statuses: each local post, its WordPress id/status/link, local and remote drift
    republish.py  republish: bring every changed post up to date, safely, from cron
    revisions.py  restore_revision: an older WordPress revision becomes the current version (a new revision)
    history.py    history: the local publish history beside WordPress's revisions
    results.py    what republish and restore report per post (and their exit codes); a record's shared facts
    journal.py    RecordJournal: THE write-intent protocol of a record (intend, write, settle)
    sent.py       what is sent, as hashes (content_hash, publish key) and the residue check of what came back
    series_site.py  publish_series_site: a series' posts, each linking its siblings, and its index page
    series_page.py  the index page (a WordPress page): created once, updated in place, never over edits

Every verb receives the command's :class:`~digest_publisher.wordpress.site.Site` (built once by the CLI) and
reaches WordPress only through it: its one client, handed out for a post's record after the same-site rule.
WordPress routes and response shapes are in :mod:`digest_publisher.wordpress`; the local record, locks and
the atomic writer in :mod:`digest_publisher.records`. The pipeline calls these modules directly (this
package imports nothing itself).
"""
