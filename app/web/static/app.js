/* plugpod's comfort layer. Every page works without it: forms post and the
   server answers with a redirect. Where this runs, likes, comments and
   reshares happen without a reload, @mentions and #tags are completed,
   the stream loads more as you scroll, unread counts stay fresh and
   times read "5 minutes ago". Loaded with defer; no inline script anywhere. */
(function () {
  'use strict';

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  function request(method, url, body) {
    var opts = {
      method: method, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, 'Accept': 'application/json', 'X-Requested-With': 'XMLHttpRequest' }
    };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          var e = new Error((j && j.error && j.error.message) || ('HTTP ' + r.status));
          e.status = r.status;
          throw e;
        });
      }
      return r.status === 204 ? {} : r.json().catch(function () { return {}; });
    });
  }

  function fetchPage(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.text();
      })
      .then(function (text) { return new DOMParser().parseFromString(text, 'text/html'); });
  }

  /* A polite live region for screen readers, made here when the page has none. */
  function announce(message) {
    var live = document.getElementById('live');
    if (!live) {
      live = document.createElement('div');
      live.id = 'live';
      live.className = 'visually-hidden';
      live.setAttribute('aria-live', 'polite');
      document.body.appendChild(live);
    }
    live.textContent = message;
  }

  /* ---------------------------------------------------------- relative times */
  var units = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400],
               ['hour', 3600], ['minute', 60], ['second', 1]];
  var rtf = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang || 'en', { numeric: 'auto' }) : null;

  function relativeTimes(root) {
    if (!rtf) { return; }
    var now = Date.now() / 1000;
    (root || document).querySelectorAll('time[datetime].rel').forEach(function (t) {
      var at = Date.parse(t.getAttribute('datetime')) / 1000;
      if (isNaN(at)) { return; }
      var diff = at - now;
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(diff) >= units[i][1] || i === units.length - 1) {
          t.textContent = rtf.format(Math.round(diff / units[i][1]), units[i][0]);
          break;
        }
      }
    });
  }

  /* ---------------------------------------------------------- post actions */
  /* Forms marked data-remote are sent with fetch; the server's JSON answer
     is not rendered here: the post's card is fetched again as HTML from
     its page, so there is one renderer (the server's). */
  function refreshPost(card) {
    var guid = card.getAttribute('data-guid');
    var full = card.getAttribute('data-full') === '1';
    return fetch('/posts/' + encodeURIComponent(guid),
                 { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (r) {
      /* Gone (deleted, or no longer visible): the card goes too. */
      if (r.status === 404 || r.status === 410) { return null; }
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.text();
    }).then(function (text) {
      if (text === null) {
        if (full) { window.location.assign('/stream'); } else { card.remove(); }
        return null;
      }
      var doc = new DOMParser().parseFromString(text, 'text/html');
      var fresh = doc.querySelector('article.post[data-guid="' + CSS.escape(guid) + '"]');
      if (!fresh) { return null; }
      if (!full) {
        var all = fresh.querySelectorAll('.comments .comment');
        for (var i = 0; i < all.length - 3; i++) { all[i].remove(); }
        fresh.setAttribute('data-full', '0');
      }
      card.replaceWith(fresh);
      relativeTimes(fresh);
      return fresh;
    });
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.matches('form[data-remote]') || !window.fetch) { return; }
    ev.preventDefault();
    var card = form.closest('article.post');
    var data = new FormData(form);
    var method = (data.get('_method') || form.method || 'post').toUpperCase();
    data.delete('_method');
    var button = form.querySelector('button[type=submit],button:not([type])');
    if (button) { button.disabled = true; }
    request(method, form.action, data).then(function () {
      announce(form.getAttribute('data-done') || '');
      if (form.hasAttribute('data-reload-page')) { window.location.reload(); return; }
      if (card) {
        return refreshPost(card).then(function (fresh) {
          var again = fresh && fresh.querySelector('.comment-form textarea');
          if (again && form.classList.contains('comment-form')) { again.focus(); }
        });
      }
    }).catch(function (e) {
      announce(e.message);
      window.alert(e.message);
    }).then(function () {
      if (button && button.isConnected) { button.disabled = false; }
    });
  });

  /* ---------------------------------------------------------- position */
  /* "Use my position" next to the publisher's coordinates; only where
     JavaScript and geolocation exist, so it is made here. */
  function geolocateButton() {
    var coords = document.getElementById('location-coords');
    if (!coords || !navigator.geolocation || document.querySelector('button[data-geolocate]')) { return; }
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary';
    b.setAttribute('data-geolocate', '');
    b.textContent = coords.getAttribute('data-geolocate-label') || 'Use my position';
    coords.insertAdjacentElement('afterend', b);
  }

  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-geolocate]');
    if (!b) { return; }
    ev.preventDefault();
    var coords = document.getElementById('location-coords');
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    navigator.geolocation.getCurrentPosition(function (pos) {
      coords.value = pos.coords.latitude.toFixed(5) + ', ' + pos.coords.longitude.toFixed(5);
      coords.dispatchEvent(new Event('change', { bubbles: true }));
      b.disabled = false;
      b.removeAttribute('aria-busy');
      var address = document.getElementById('location-address');
      if (address && !address.value) { address.focus(); }
    }, function (e) {
      b.disabled = false;
      b.removeAttribute('aria-busy');
      announce(e.message);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  });

  /* Buttons that ask before doing something that cannot be undone. */
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('[data-confirm]');
    if (b && !window.confirm(b.getAttribute('data-confirm'))) { ev.preventDefault(); }
  });

  /* ---------------------------------------------------------- more posts */
  function loadMore(link) {
    if (link.getAttribute('aria-busy') === 'true') { return; }
    link.setAttribute('aria-busy', 'true');
    if (observer) { observer.unobserve(link); }
    fetchPage(link.href).then(function (doc) {
      var list = document.querySelector('.stream');
      var more = link.closest('.more');
      doc.querySelectorAll('.stream > article.post').forEach(function (p) {
        if (!document.querySelector('article.post[data-guid="' + CSS.escape(p.getAttribute('data-guid')) + '"]')) {
          list.appendChild(document.adoptNode(p));
        }
      });
      var next = doc.querySelector('.more');
      if (next) { more.replaceWith(document.adoptNode(next)); } else { more.remove(); }
      relativeTimes(list);
      watchMore();
    }).catch(function () {
      /* Left as a plain link: a click follows it. */
      link.removeAttribute('aria-busy');
    });
  }

  var observer = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { loadMore(e.target); } });
  }, { rootMargin: '600px' }) : null;

  function watchMore() {
    var link = document.querySelector('.more a[rel=next]');
    if (link && observer) { observer.observe(link); }
  }

  document.addEventListener('click', function (ev) {
    var link = ev.target.closest('.more a[rel=next]');
    if (link && window.fetch) { ev.preventDefault(); loadMore(link); }
  });

  /* ---------------------------------------------------------- unread counts */
  function refreshCounts() {
    if (!document.getElementById('notifications-count') || document.hidden) { return; }
    fetch('/counts', { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) { return; }
        [['notifications-count', j.notifications], ['messages-count', j.messages]].forEach(function (c) {
          var el = document.getElementById(c[0]);
          if (el && typeof c[1] === 'number') { el.textContent = c[1]; el.setAttribute('data-n', c[1]); }
        });
      }).catch(function () {});
  }

  /* ---------------------------------------------------------- Markdown preview */
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-preview]');
    if (!b) { return; }
    ev.preventDefault();
    var form = b.closest('form');
    var out = form.querySelector('.preview');
    var text = form.querySelector('textarea').value;
    var body = new FormData();
    body.append('text', text);
    request('POST', '/markdown_preview', body).then(function (j) {
      out.innerHTML = j.html || '';
    }).catch(function (e) { out.textContent = e.message; });
  });

  /* ---------------------------------------------------------- autocomplete */
  /* In a textarea marked data-autocomplete, "@na" offers people and "#ta"
     tags; arrows choose, Enter or Tab takes, Escape closes. */
  function Suggest(area) {
    this.area = area;
    this.box = document.createElement('ul');
    this.box.setAttribute('role', 'listbox');
    this.box.id = 'suggest-' + Math.random().toString(36).slice(2);
    this.box.hidden = true;
    area.parentNode.classList.add('suggest');
    area.parentNode.appendChild(this.box);
    area.setAttribute('aria-autocomplete', 'list');
    area.setAttribute('aria-controls', this.box.id);
    this.items = [];
    this.index = -1;
    this.timer = null;
    var self = this;
    area.addEventListener('input', function () { self.changed(); });
    area.addEventListener('keydown', function (e) { self.key(e); });
    area.addEventListener('blur', function () { setTimeout(function () { self.close(); }, 150); });
  }
  Suggest.prototype.word = function () {
    var before = this.area.value.slice(0, this.area.selectionStart);
    var m = /(^|\s)([@#])([^\s@#]{1,40})$/.exec(before);
    return m ? { sigil: m[2], text: m[3], start: before.length - m[3].length - 1 } : null;
  };
  Suggest.prototype.changed = function () {
    var self = this;
    clearTimeout(this.timer);
    var w = this.word();
    if (!w || (w.sigil === '@' && w.text.length < 2)) { this.close(); return; }
    this.timer = setTimeout(function () {
      var url = w.sigil === '@' ? '/people.json?q=' : '/tags.json?q=';
      fetch(url + encodeURIComponent(w.text), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { self.show(w, list); }).catch(function () {});
    }, 150);
  };
  Suggest.prototype.show = function (w, list) {
    var self = this;
    this.box.textContent = '';
    this.items = [];
    (list || []).slice(0, 8).forEach(function (it, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.id = self.box.id + '-' + i;
      if (w.sigil === '@') {
        li.textContent = (it.name || it.handle) + ' (' + it.handle + ')';
        li.dataset.insert = '@{' + it.handle + '}';
      } else {
        li.textContent = '#' + it.name;
        li.dataset.insert = '#' + it.name;
      }
      li.addEventListener('mousedown', function (e) { e.preventDefault(); self.take(w, li); });
      self.box.appendChild(li);
      self.items.push(li);
    });
    this.box.hidden = this.items.length === 0;
    this.area.setAttribute('aria-expanded', this.box.hidden ? 'false' : 'true');
    this.select(this.items.length ? 0 : -1);
    this.current = w;
  };
  Suggest.prototype.select = function (i) {
    this.items.forEach(function (li, j) { li.setAttribute('aria-selected', i === j ? 'true' : 'false'); });
    this.index = i;
    if (i >= 0) { this.area.setAttribute('aria-activedescendant', this.items[i].id); }
    else { this.area.removeAttribute('aria-activedescendant'); }
  };
  Suggest.prototype.key = function (e) {
    if (this.box.hidden) { return; }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var n = this.items.length;
      this.select((this.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && this.index >= 0) {
      e.preventDefault();
      this.take(this.current, this.items[this.index]);
    } else if (e.key === 'Escape') {
      this.close();
    }
  };
  Suggest.prototype.take = function (w, li) {
    var v = this.area.value;
    var end = this.area.selectionStart;
    var text = li.dataset.insert + ' ';
    this.area.value = v.slice(0, w.start) + text + v.slice(end);
    this.area.selectionStart = this.area.selectionEnd = w.start + text.length;
    this.close();
    this.area.focus();
  };
  Suggest.prototype.close = function () {
    this.box.hidden = true;
    this.area.setAttribute('aria-expanded', 'false');
    this.area.removeAttribute('aria-activedescendant');
  };

  function init() {
    relativeTimes(document);
    setInterval(function () { relativeTimes(document); }, 60000);
    document.querySelectorAll('textarea[data-autocomplete]').forEach(function (a) { new Suggest(a); });
    document.addEventListener('focusin', function (e) {
      var a = e.target;
      if (a.matches && a.matches('textarea[data-autocomplete]') && !a.hasAttribute('aria-controls')) { new Suggest(a); }
    });
    geolocateButton();
    watchMore();
    refreshCounts();
    setInterval(refreshCounts, 60000);
    document.addEventListener('visibilitychange', refreshCounts);
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', init); } else { init(); }
}());
