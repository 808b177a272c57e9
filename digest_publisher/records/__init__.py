"""The posts folder: the only package that reads or writes ``posts/``. Layout of one post::

    posts/<slug>/post.md            YAML front matter + Markdown body (what an editor edits)   source.py
                                    (the front matter read by front_matter.py: JSON or YAML)
                                    (or a loose notes/my-note.md, its records in notes/my-note/)
    posts/<slug>/papers.json        metadata of every paper the post may cite                  source.py
    posts/<slug>/<image>            a featured image the editor put in the folder              images.py
    posts/<slug>/draft-report.json  written by the drafting stage
    posts/<slug>/record.json        written by publishing: ids, hashes, history                record.py
    posts/<slug>/remote-<time>.json a WordPress version saved before `--force` overwrote it    record.py
    posts/<slug>/.lock              the per-post lock (flock: released when a run dies)         locks.py
    posts/<slug>/.render-cache.json the last render, reused while nothing it reads changes      render_cache.py
    posts/<slug>/series.json        the links of a series post's footer (written by the tool)   series_links.py
    posts/.series/<page>/record.json the record of a series' index page (a WordPress page)      series_links.py
    posts/.sites.json               per site: REST root, term ids, uploaded images (a cache)    record.py
    posts/.republish.lock           one `republish` run at a time                               locks.py

Every write goes through :mod:`.atomic` (temporary file + ``os.replace``, the umask honoured). The names
below are the package's public surface for the stages (drafting writes posts through them).
"""

from __future__ import annotations

from .atomic import atomic_binary, atomic_text, atomic_write_bytes, atomic_write_json, atomic_write_text
from .images import featured_image_file
from .series_links import SeriesLinks, SiblingLink, load_series_links, save_series_links, series_page_folder
from .source import (
    PAPERS_FILE,
    POST_FILE,
    SLUG_RE,
    PostFolder,
    PostSource,
    complete_post_writes,
    find_post,
    find_post_folder,
    list_post_folders,
    load_folder,
    load_papers,
    load_post,
    parse_post_source,
    posts_dir_of,
    write_post,
)

__all__ = [
    "PAPERS_FILE",
    "POST_FILE",
    "SLUG_RE",
    "PostFolder",
    "PostSource",
    "SeriesLinks",
    "SiblingLink",
    "atomic_binary",
    "atomic_text",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "complete_post_writes",
    "featured_image_file",
    "find_post",
    "find_post_folder",
    "list_post_folders",
    "load_folder",
    "load_papers",
    "load_post",
    "load_series_links",
    "parse_post_source",
    "posts_dir_of",
    "save_series_links",
    "series_page_folder",
    "write_post",
]
