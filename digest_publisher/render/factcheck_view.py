"""The fact-check view of the preview page (a toggle): marks on every number and cited claim, each linked
to the sentence of the paper's abstract it rests on, with what was repaired, removed or flagged and why.

The page holds the view's data (computed by drafting: :func:`digest_publisher.drafting.factcheck.fact_check`)
as JSON and a small script; the post's content is left byte for byte as WordPress will show it until the
editor turns the view on, and is restored when it is turned off. Nothing of it is in render.json.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

CSS = """
.fc-toggle { font-size:14px; cursor:pointer; }
#fc-panel { max-width:720px; margin:0 auto 64px; padding:0 20px; font-size:15px; }
#fc-panel h2 { font-size:18px; } #fc-panel ol { padding-left:1.4em; }
#fc-panel li.fc-target { background:#fff4c2; }
.fc { text-decoration:none; border-bottom:2px solid; padding:0 1px; }
.fc-ok { border-color:#2e7d32; background:#eef7ee; } .fc-repaired { border-color:#0b5cad; background:#e8f0fb; }
.fc-flagged { border-color:#c62828; background:#fdecea; } .fc-ref { font-size:.7em; vertical-align:super; }
.fc-removed { color:#c62828; }
"""

_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('fc-data').textContent);
  var content = document.querySelector('.entry-content');
  var box = document.getElementById('fc-toggle');
  var panel = document.getElementById('fc-panel');
  var original = content.innerHTML;
  function stop() {
    var hs = content.querySelectorAll('h2');
    for (var i = 0; i < hs.length; i++) if (hs[i].textContent.trim() === 'Papers covered') return hs[i];
    return null;
  }
  function before(node, end) {
    return !end || (node.compareDocumentPosition(end) & Node.DOCUMENT_POSITION_FOLLOWING);
  }
  function card(c) {
    var src = c.source ? data.sources[c.source[0]] : null;
    var says = src ? src.name + ': "' + src.sentences[c.source[1]] + '"' : 'no sentence of a cited abstract';
    return c.status + (c.why ? ' - ' + c.why : '') + '\n' + says;
  }
  function href(c) { return c.source ? '#fc-src-' + c.source[0] + '-' + c.source[1] : '#fc-panel'; }
  function markNumbers(end) {
    var want = {};
    data.claims.forEach(function (c, i) { if (c.kind === 'number') want[c.text + '\u0000' + c.occurrence] = i; });
    var texts = {};
    data.claims.forEach(function (c) { if (c.kind === 'number') texts[c.text] = new RegExp(c.pattern, 'g'); });
    var seen = {};
    var walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      if (!before(node, end) || node.parentElement.closest('h1,h2,h3,h4,h5,h6,table,a')) return;
      var hits = [];
      Object.keys(texts).forEach(function (t) {
        var re = texts[t]; re.lastIndex = 0; var m;
        while ((m = re.exec(node.data)) !== null) hits.push([m.index, t]);
      });
      hits.sort(function (a, b) { return a[0] - b[0]; });
      var marks = [];
      hits.forEach(function (h) {
        var n = seen[h[1]] || 0; seen[h[1]] = n + 1;
        var i = want[h[1] + '\u0000' + n];
        if (i !== undefined) marks.push([h[0], h[1], i]);
      });
      marks.sort(function (a, b) { return a[0] - b[0] || b[1].length - a[1].length; });
      var end = -1;
      marks = marks.filter(function (m) {  // a number inside another's text ("12%" in "about 12%"): one mark
        if (m[0] < end) return false;
        end = m[0] + m[1].length; return true;
      });
      for (var k = marks.length - 1; k >= 0; k--) {
        var at = marks[k][0], text = marks[k][1], c = data.claims[marks[k][2]];
        var rest = node.splitText(at); rest.splitText(text.length);
        var a = document.createElement('a');
        a.className = 'fc fc-number fc-' + c.status; a.href = href(c); a.title = card(c);
        a.setAttribute('data-fc', marks[k][2]);
        rest.parentNode.replaceChild(a, rest); a.textContent = text;
      }
    });
  }
  function markCitations(end) {
    data.claims.forEach(function (c, i) {
      if (c.kind !== 'citation') return;
      var url = data.sources[c.key] ? data.sources[c.key].url : null;
      if (!url) return;
      var links = Array.prototype.filter.call(content.querySelectorAll('a[href]'), function (a) {
        return a.getAttribute('href') === url && before(a, end) && !a.classList.contains('fc');
      });
      var link = links[c.occurrence];
      if (!link) return;
      var span = document.createElement('span');
      span.className = 'fc fc-citation fc-' + c.status; span.title = card(c); span.setAttribute('data-fc', i);
      link.parentNode.insertBefore(span, link); span.appendChild(link);
      var ref = document.createElement('a');
      ref.className = 'fc-ref'; ref.href = href(c); ref.textContent = c.status === 'ok' ? '\u2713' : '!';
      span.appendChild(ref);
    });
  }
  function show(on) {
    content.innerHTML = original;
    panel.hidden = !on;
    if (!on) return;
    var end = stop();
    markNumbers(end);
    markCitations(end);
  }
  box.addEventListener('change', function () { show(box.checked); });
  window.addEventListener('hashchange', function () {
    var t = document.querySelectorAll('.fc-target');
    for (var i = 0; i < t.length; i++) t[i].classList.remove('fc-target');
    var li = document.getElementById(location.hash.slice(1));
    if (li) li.classList.add('fc-target');
  });
  if (location.search.indexOf('factcheck') >= 0) { box.checked = true; show(true); }
})();
"""


def toggle() -> str:
    return '<label class="fc-toggle"><input type="checkbox" id="fc-toggle"> Fact-check view</label>'


def panel(data: Mapping[str, Any], patterns: Mapping[str, str]) -> str:
    """The view's sources and removed items (hidden until the view is on), its data and its script."""
    sources = []
    for key, source in data.get("sources", {}).items():
        items = "".join(f'<li id="fc-src-{html.escape(key)}-{i}">{html.escape(s)}</li>'
                        for i, s in enumerate(source["sentences"]))
        sources.append(f'<h3><a href="{html.escape(source["url"])}">{html.escape(source["name"])}</a> '
                       f"({html.escape(key)})</h3><ol start=\"0\">{items}</ol>")
    removed = "".join(
        f'<li class="fc-removed"><b>{html.escape(str(r["action"]))}</b>: {html.escape(str(r["what"]))} - '
        f'{html.escape(str(r["why"]))}<br>was: {html.escape(str(r["sentence"]))}'
        + (f"<br>now: {html.escape(str(r['now']))}" if r.get("now") else "") + "</li>"
        for r in data.get("removed", []))
    counts: dict[str, int] = {}
    for claim in data.get("claims", []):
        counts[claim["status"]] = counts.get(claim["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    claims = [{**c, **({"pattern": patterns[c["text"]]} if c["kind"] == "number" else {})}
              for c in data.get("claims", [])]
    payload = json.dumps({**data, "claims": claims}, ensure_ascii=False).replace("</", "<\\/")
    return (f'<aside id="fc-panel" hidden><h2>Fact-check</h2><p>{len(claims)} claims: {html.escape(summary)}.'
            f" Hover a mark for the abstract's sentence it rests on; follow it to the sentence below.</p>"
            + (f"<h2>Removed by the checks</h2><ol>{removed}</ol>" if removed else "")
            + f"<h2>What the papers say</h2>{''.join(sources)}</aside>"
            f'<script type="application/json" id="fc-data">{payload}</script><script>{_SCRIPT}</script>')
