"""Everything that speaks to WordPress: the REST client and publisher, the XML-RPC publisher, ``check``.

    settings.py   WORDPRESS_URL / WORDPRESS_USERNAME / WORDPRESS_APP_PASSWORD / WORDPRESS_TIMEOUT
    client.py     the one HTTP client of the REST API: requests by route, answers parsed, dry runs
    transport.py  under it: session, credentials, timeouts, the retry rule, the request log and count
    discovery.py  where the REST root is (Link header, /wp-json/, ?rest_route=) and joining routes to it
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
    users.py      who the REST user is (users/me), asked once per publish
    common.py     what both transports share: outcome, ownership rule, comparisons

Import the module you need (``from digest_publisher.wordpress.rest import ...``): this package imports
nothing itself, so a command that needs only the settings does not load the HTTP stack.
"""
