"""Everything that speaks to WordPress: the REST client and publisher, the XML-RPC publisher, ``check``.

    connection_settings.py  WordPressSettings: WORDPRESS_URL / _USERNAME / _APP_PASSWORD / _TIMEOUT, checked
    site.py       Site: THE site of one command (settings, one session and client, the REST root, the posts
                  folder's facts, the markup version) and the same-site rule; every verb reaches WordPress through it
    client.py     the one HTTP client of the REST API: requests by route, answers parsed, dry runs
    transport.py  under it: credentials, the total deadline and size cap, the retry rule, the request log
                  and count; exports the session type (``transport.Session``)
    http_session.py  the session itself, on http.client: kept-alive connections, answers read whole and
                  capped, the deadline's watchdog, the CA bundle and proxy the environment names
    origin.py     THE origin rule: requests go only to WORDPRESS_URL's scheme, host and port
    discovery.py  where the REST root is (Link header, /wp-json/, ?rest_route=) and joining routes to it
    shapes.py     the shapes of the answers read (object or list, ids, field types), checked in the client
    failures.py   what an error answer or a failed connection means, with the next step
    posts.py      wp/v2/posts and its revisions, the "edited in WordPress" rule, response verification
    terms.py      categories and tags by name (one lookup per taxonomy, ids remembered per site)
    media.py      the featured image: uploaded once, found again by its SHA-256
    rest.py       publish one post over REST: the order of reads and writes, create-or-update
    xmlrpc.py     the same over XML-RPC (python-wordpress-xmlrpc), for sites without REST
    xmlrpc_connection.py  its connection (errors, the library's quirks) and the shapes of what it reads
    xmlrpc_media.py  the featured image over XML-RPC: found by its hash, uploaded, attached
    xmlrpc_reads.py  what status and history read over XML-RPC (a post's state, its revisions)
    check.py      diagnose the connection: credentials, Application Passwords, stripped headers ...
    pages.py      the page routes (wp/v2/pages) the series' index page needs: find, create, update, verify
    users.py      who the REST user is (users/me), asked once per publish
    publisher.py  what a transport is to publishing: its protocol, KnownState, PublishOutcome, write intents
    fingerprints.py  what was sent vs what WordPress kept: HTML by meaning, stored-field hashes, the
                  "edited in WordPress" rule, the ownership rule for a post found by its slug
    site_version.py  which WordPress a site runs (home page or feed generator tag)
    markup_versions.py  the tested WordPress versions and the block markup each one's editor saves
    migration.py  an editor re-saving our markup in its version told apart from a person's edit

Import the module you need (``from digest_publisher.wordpress.rest import ...``): this package imports
nothing itself, so a command that needs only the settings does not load the HTTP stack.
"""
