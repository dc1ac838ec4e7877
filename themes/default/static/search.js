// cairn search: queries the index in search/ (written by `cairn build`),
// fetching only the shards and records a query needs. No server, no
// framework. The core (fold, tokens, search) also runs under node, for tests.
(function (global) {
  "use strict";

  function fold(s) {
    return s
      .normalize("NFD")
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, "")
      .replace(/[أإآٱ]/g, "ا")
      .toLowerCase()
      .normalize("NFC");
  }

  function tokens(s, stop) {
    return fold(s)
      .split(/[^\p{Alphabetic}\p{N}]+/u)
      .filter(function (w) { return w && !stop.has(w); });
  }

  // Decodes a posting list "delta,weight,delta,weight…" into doc -> weight.
  function postings(list) {
    var out = new Map();
    var doc = 0;
    for (var i = 0; i < list.length; i += 2) {
      doc += list[i];
      out.set(doc, list[i + 1]);
    }
    return out;
  }

  // The shard keys to read for a word: the longest key that is a prefix of
  // it, and for the word being typed, the longer keys that start with it.
  function shardsFor(word, shards, prefix) {
    var keys = [];
    for (var n = word.length; n > 0; n--) {
      var k = word.slice(0, n);
      if (Object.prototype.hasOwnProperty.call(shards, k)) { keys.push(k); break; }
    }
    if (prefix && word.length >= 2) {
      var more = Object.keys(shards).filter(function (k) {
        return k.length > word.length && k.indexOf(word) === 0;
      });
      keys = keys.concat(more.slice(0, 8));
    }
    return keys;
  }

  // Runs a query. `get(path)` returns a promise of parsed JSON for a path
  // under the site root. Returns [{doc, score}] best first.
  async function search(query, filters, get) {
    var manifest = await get("search/manifest.json");
    var stop = new Set(manifest.stopwords);
    var words = tokens(query, stop);
    if (!words.length) return { words: [], hits: [] };
    var typing = !/\s$/.test(query);
    var n = manifest.docs;
    var perWord = [];
    for (var i = 0; i < words.length; i++) {
      var word = words[i];
      var prefix = typing && i === words.length - 1;
      var keys = shardsFor(word, manifest.shards, prefix);
      var shards = await Promise.all(keys.map(function (k) {
        return get("search/s/" + manifest.shards[k] + ".json");
      }));
      var scores = new Map();
      var terms = [];
      shards.forEach(function (shard) {
        Object.keys(shard).forEach(function (term) {
          if (term === word) terms.push([term, 1]);
          else if (prefix && term.indexOf(word) === 0) terms.push([term, 0.7]);
        });
        terms.forEach(function (t) {
          if (!shard[t[0]]) return;
          var list = postings(shard[t[0]]);
          var idf = Math.log(1 + n / list.size);
          list.forEach(function (w, doc) {
            var s = w * t[1] * idf;
            if (!(scores.get(doc) >= s)) scores.set(doc, s);
          });
        });
        terms = [];
      });
      perWord.push(scores);
    }
    var total = new Map();
    var count = new Map();
    perWord.forEach(function (scores) {
      scores.forEach(function (s, doc) {
        total.set(doc, (total.get(doc) || 0) + s);
        count.set(doc, (count.get(doc) || 0) + 1);
      });
    });
    var all = [];
    total.forEach(function (s, doc) { all.push({ doc: doc, score: s, words: count.get(doc) }); });
    var every = all.filter(function (h) { return h.words === words.length; });
    var hits = every.length ? every : all;
    if (filters && (filters.kind || filters.community || filters.year)) {
      var f = await get("search/facets.json");
      var kinds = { s: "session", m: "member", t: "topic", c: "community", p: "page" };
      hits = hits.filter(function (h) {
        return (!filters.kind || kinds[f.kinds[h.doc]] === filters.kind) &&
          (!filters.year || String(f.years[h.doc]) === String(filters.year)) &&
          (filters.community === undefined || filters.community === "" ||
            String(f.communities[h.doc]) === String(filters.community));
      });
    }
    hits.sort(function (a, b) { return b.words - a.words || b.score - a.score || b.doc - a.doc; });
    return { words: words, hits: hits };
  }

  // The record of document `doc`: files in search/r/ hold `records` each.
  async function record(doc, get) {
    var per = (await get("search/manifest.json")).records || 1;
    var file = await get("search/r/" + Math.floor(doc / per) + ".json");
    return per > 1 ? file[doc % per] : file;
  }

  var api = { fold: fold, tokens: tokens, search: search, record: record };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }
  global.cairnSearch = api;

  // ---- in the browser ----
  var script = document.currentScript;
  var base = new URL(script.getAttribute("data-root") || "./", location.href);
  var cache = new Map();
  // Fetches a file of the index once; gives up after 10 s, so one lost
  // request cannot hold the results back for ever.
  function get(path) {
    if (!cache.has(path)) {
      var ctl = typeof AbortController !== "undefined" ? new AbortController() : null;
      var timer = ctl ? setTimeout(function () { ctl.abort(); }, 10000) : null;
      var p = fetch(new URL(path, base), ctl ? { signal: ctl.signal } : {}).then(function (r) {
        clearTimeout(timer);
        if (!r.ok) throw new Error(path + ": " + r.status);
        return r.json();
      });
      p.catch(function () { cache.delete(path); });
      cache.set(path, p);
    }
    return cache.get(path);
  }

  // Appends `text` to `el`, marking words that start with a query word.
  function highlight(el, text, words) {
    var parts = text.split(/([\p{Alphabetic}\p{N}]+)/u);
    parts.forEach(function (part) {
      var f = fold(part);
      var hit = part && words.some(function (w) { return f.indexOf(w) === 0; });
      if (hit) {
        var m = document.createElement("mark");
        m.textContent = part;
        el.appendChild(m);
      } else {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  var labels = { session: "Session", member: "Person", topic: "Topic", community: "Community", page: "Page" };

  async function render(list, status, query, filters, limit) {
    var mine = (list.dataset.generation = String(Number(list.dataset.generation || 0) + 1));
    var result;
    try {
      result = await search(query, filters, get);
    } catch (e) {
      status.textContent = "Search is not available: " + e.message;
      return;
    }
    if (list.dataset.generation !== mine) return; // a newer query won
    var shown = result.hits.slice(0, limit);
    // Every record is asked for at once, but the first screenful is shown
    // as soon as its own records are in, and the rest below it after.
    function records(hits) {
      return Promise.all(hits.map(function (h) {
        return record(h.doc, get).catch(function () { return null; });
      }));
    }
    var batches = [records(shown.slice(0, FIRST)), records(shown.slice(FIRST))];
    for (var b = 0; b < batches.length; b++) {
      var got = (await batches[b]).filter(Boolean);
      if (list.dataset.generation !== mine) return;
      if (b === 0) list.textContent = "";
      got.forEach(function (r) { list.appendChild(hit(r, result.words)); });
      if (b === 0) {
        var n = result.hits.length;
        status.textContent = query.trim() === "" ? "" :
          n === 0 ? "No results." : n + (n === 1 ? " result" : " results") + (n > shown.length ? ", showing " + shown.length : "") + ".";
      }
    }
  }

  // Results shown before the rest: as many as the header box shows.
  var FIRST = 8;

  // One result: title, what it is, the excerpt and the people.
  function hit(r, words) {
    var li = document.createElement("li");
    li.className = "search-hit";
    var a = document.createElement("a");
    a.href = new URL(r.u, base).href;
    a.className = "search-hit-link";
    a.setAttribute("dir", "auto");
    highlight(a, r.t, words);
    li.appendChild(a);
    var meta = document.createElement("span");
    meta.className = "search-meta";
    meta.textContent = [labels[r.k], r.d, r.c].filter(Boolean).join(" · ");
    li.appendChild(meta);
    if (r.x) {
      var p = document.createElement("p");
      p.setAttribute("dir", "auto");
      highlight(p, r.x, words);
      li.appendChild(p);
    }
    if (r.p && r.p.length) {
      var who = document.createElement("span");
      who.className = "search-meta";
      highlight(who, r.p.slice(0, 8).join(", ") + (r.p.length > 8 ? "…" : ""), words);
      li.appendChild(who);
    }
    return li;
  }

  // Results are a plain list of links. Arrow keys move the focus from the
  // box into the results and between them; Enter follows a link; Escape
  // goes back to the box.
  function attach(input, list, status, filtersOf, limit, expanded) {
    var timer = null;
    function run() {
      if (expanded) expanded(input.value.trim() !== "");
      render(list, status, input.value, filtersOf(), limit);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    function move(e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a.search-hit-link"));
      if (!links.length) return;
      var at = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown") {
        e.preventDefault();
        links[Math.min(at + 1, links.length - 1)].focus();
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (at <= 0) input.focus(); else links[at - 1].focus();
      } else if (e.key === "Escape") {
        input.focus();
        if (expanded) { input.value = ""; list.textContent = ""; expanded(false); }
      }
    }
    input.addEventListener("keydown", move);
    list.addEventListener("keydown", move);
    return run;
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("search-page-q") || document.getElementById("site-search-q");
    if (box) { e.preventDefault(); box.focus(); }
  });

  // The box in the header of every page: results drop down below it.
  var headerBox = document.getElementById("site-search-q");
  if (headerBox && !document.getElementById("search-page-q")) {
    var list = document.getElementById("site-search-results");
    var status = document.getElementById("site-search-status");
    attach(headerBox, list, status, function () { return {}; }, 8, function (open) {
      list.hidden = !open;
    });
  }

  // The search page: filters, more results, the query in the address.
  var pageBox = document.getElementById("search-page-q");
  if (pageBox) {
    var form = document.getElementById("search-page-form");
    var kind = document.getElementById("search-kind");
    var community = document.getElementById("search-community");
    var year = document.getElementById("search-year");
    get("search/manifest.json").then(function (m) {
      m.communities.forEach(function (c, i) {
        var o = document.createElement("option");
        o.value = String(i);
        o.textContent = c;
        community.appendChild(o);
      });
      m.years.slice().reverse().forEach(function (y) {
        var o = document.createElement("option");
        o.value = String(y);
        o.textContent = String(y);
        year.appendChild(o);
      });
    });
    form.hidden = false;
    var run = attach(pageBox, document.getElementById("search-page-results"), document.getElementById("search-page-status"),
      function () { return { kind: kind.value, community: community.value, year: year.value }; }, 30);
    [kind, community, year].forEach(function (s) { s.addEventListener("change", run); });
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    pageBox.addEventListener("input", function () {
      var u = new URL(location.href);
      u.searchParams.set("q", pageBox.value);
      history.replaceState(null, "", u);
    });
    var q = new URL(location.href).searchParams.get("q");
    if (q) { pageBox.value = q; run(); }
    pageBox.focus();
  }
})(this);
