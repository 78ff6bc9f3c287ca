// Lexicons (curators): categories and terms, a draft edited in place and tested against the
// last N days before it is saved, emerging-term suggestions, and the version history.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const R = window.Room;
  const { el, t } = R;
  const root = R.page();
  let base = null; // GET /api/lexicons/files
  const drafts = new Map(); // file name -> draft text (only changed files)
  const CATS = 'categories.toml';

  const overview = el('section', { class: 'card', 'aria-labelledby': 'h-lex' }, el('h2', { id: 'h-lex' }, t('lex.categories')));
  const fileSelect = el('select', { name: 'file' });
  const editor = el('textarea', { name: 'draft', rows: 18, spellcheck: 'false' });
  const days = el('input', { name: 'days', type: 'number', min: 1, max: 90, value: 7, size: 4 });
  const reason = el('textarea', { name: 'reason', rows: 2 });
  const draftStatus = el('p', { id: 'draft-status', role: 'status' });
  const evalResult = el('div', { id: 'evaluation', 'aria-live': 'polite' });
  // A running test: a real progress bar (posts read of the range), the same as words for
  // screen readers (a polite status), and a cancel button.
  const evalBar = el('progress', { id: 'eval-bar', max: 1, value: 0 });
  const evalProgressText = el('p', { id: 'eval-progress-text', role: 'status' });
  const evalButton = el('button', { type: 'button', id: 'evaluate', onclick: evaluate }, t('lex.evaluate'));
  const cancelButton = el('button', { type: 'button', class: 'secondary', id: 'eval-cancel', onclick: cancelEvaluation }, t('lex.eval.cancel'));
  const evalProgress = el('div', { id: 'eval-progress', hidden: 'hidden' },
    el('label', { for: 'eval-bar', id: 'eval-bar-label' }, t('lex.eval.progress')), ' ', evalBar,
    evalProgressText, el('p', {}, cancelButton));
  let runningJob = null;
  const editorCard = el('section', { class: 'card', 'aria-labelledby': 'h-draft' },
    el('h2', { id: 'h-draft' }, t('lex.draft')),
    el('p', { class: 'hint' }, t('lex.draft.hint')),
    R.field('lex-file', t('lex.file'), fileSelect),
    R.field('lex-editor', t('lex.text'), editor),
    draftStatus,
    el('div', { class: 'fields' }, R.field('lex-days', t('lex.days'), days),
      el('p', {}, evalButton),
      el('p', {}, el('button', { type: 'button', class: 'secondary', id: 'discard', onclick: discard }, t('lex.discard')))),
    evalProgress,
    evalResult,
    R.field('lex-reason', t('lex.reason'), reason, t('lex.reason.hint')),
    el('p', {}, el('button', { type: 'button', id: 'save', onclick: save }, t('lex.save'))));
  const emergingCard = el('section', { class: 'card', 'aria-labelledby': 'h-emerging' }, el('h2', { id: 'h-emerging' }, t('lex.emerging')), el('div', { id: 'emerging' }));
  const historyCard = el('section', { class: 'card', 'aria-labelledby': 'h-history' }, el('h2', { id: 'h-history' }, t('lex.history')), el('div', { id: 'history' }));
  root.appendChild(overview);
  root.appendChild(editorCard);
  root.appendChild(emergingCard);
  root.appendChild(historyCard);

  function textOf(name) {
    if (drafts.has(name)) return drafts.get(name);
    if (name === CATS) return base.categories;
    const f = base.files.find((x) => x.name === name);
    return f ? f.text : '';
  }

  function changedFiles() {
    return [...drafts.entries()].filter(([name, text]) => text !== textOf0(name));
  }

  function textOf0(name) {
    if (name === CATS) return base.categories;
    const f = base.files.find((x) => x.name === name);
    return f ? f.text : '';
  }

  function updateStatus() {
    const n = changedFiles().length;
    draftStatus.textContent = n ? t('lex.changed', { n: n }) : t('lex.unchanged');
  }

  function draftBody() {
    const body = { files: [], remove: [] };
    for (const [name, text] of changedFiles()) {
      if (name === CATS) body.categories = text;
      else body.files.push({ name: name, text: text });
    }
    return body;
  }

  editor.addEventListener('input', () => {
    drafts.set(fileSelect.value, editor.value);
    updateStatus();
  });
  fileSelect.addEventListener('change', () => {
    editor.value = textOf(fileSelect.value);
  });

  function discard() {
    drafts.clear();
    editor.value = textOf(fileSelect.value);
    R.clear(evalResult);
    updateStatus();
  }

  function problemsList(problems) {
    return el('ul', { class: 'problems' }, (problems || []).map((p) => el('li', { class: p.severity === 'error' ? 'error' : '' }, p.file + ':' + p.line + ': ' + p.message)));
  }

  function changeCell(c) {
    return c && c.count ? R.fmtNum(c.count) : '0';
  }

  function exampleView(id, ex) {
    if (!ex) return el('li', {}, id);
    const hits = (ex.draft_hits || []).concat((ex.current_hits || []).filter((h) => !(ex.draft_hits || []).some((d) => d.start === h.start && d.end === h.end && d.field === h.field)));
    return el('li', { class: 'example' },
      ex.title ? el('strong', {}, R.highlight(ex.title, R.hitsIn(hits, 'title')), ' ') : null,
      el('span', { class: 'text' }, R.highlight(ex.text, R.hitsIn(hits, 'text'))),
      el('span', { class: 'muted' }, ' (' + ex.source + ', ' + R.fmtTime(ex.event_time) + ')'));
  }

  function renderEvaluation(ev) {
    R.clear(evalResult);
    evalResult.appendChild(el('h3', {}, t('lex.result')));
    evalResult.appendChild(el('p', { id: 'eval-summary' }, t('lex.result.summary', { items: R.fmtNum(ev.items_scanned), current: ev.current_version, draft: ev.draft_version }) + (ev.truncated ? ' ' + t('lex.result.truncated') : '') + (ev.items_purged ? ' ' + t('lex.result.purged', { n: ev.items_purged }) : '')));
    if (ev.problems && ev.problems.length) evalResult.appendChild(problemsList(ev.problems));
    const termList = (list, cls) => el('ul', { class: cls }, list.map((x) => el('li', {}, x.term + ' (' + x.category + ', ' + x.kind + ', ' + x.weight + ')')));
    if (ev.terms_added.length) evalResult.appendChild(el('div', {}, el('h4', {}, t('lex.terms.added')), termList(ev.terms_added, 'terms-added')));
    if (ev.terms_removed.length) evalResult.appendChild(el('div', {}, el('h4', {}, t('lex.terms.removed')), termList(ev.terms_removed, 'terms-removed')));
    evalResult.appendChild(R.table(t('lex.bycategory'), [t('col.category'), t('lex.newly_matched'), t('lex.no_longer_matched'), t('lex.newly_flagged'), t('lex.no_longer_flagged')],
      ev.categories.map((c) => [c.category, changeCell(c.newly_matched), changeCell(c.no_longer_matched), changeCell(c.newly_flagged), changeCell(c.no_longer_flagged)])));
    const termChanges = el('div', { id: 'term-changes' });
    for (const tc of ev.terms) {
      const block = el('div', { class: 'term-change' }, el('h4', {}, tc.term + ' (' + tc.category + ')'));
      if (tc.newly_matched.count) block.appendChild(el('div', { class: 'added' }, el('p', {}, t('lex.adds', { n: tc.newly_matched.count })), el('ul', {}, tc.newly_matched.examples.map((id) => exampleView(id, ev.examples && ev.examples[id])))));
      if (tc.no_longer_matched.count) block.appendChild(el('div', { class: 'dropped' }, el('p', {}, t('lex.drops', { n: tc.no_longer_matched.count })), el('ul', {}, tc.no_longer_matched.examples.map((id) => exampleView(id, ev.examples && ev.examples[id])))));
      termChanges.appendChild(block);
    }
    if (!ev.terms.length) termChanges.appendChild(el('p', { class: 'muted' }, t('lex.nochange')));
    evalResult.appendChild(termChanges);
  }

  function showProgress(job) {
    evalBar.max = Math.max(1, job.total);
    evalBar.value = Math.min(job.done, job.total);
    const eta = job.eta_seconds === null || job.eta_seconds === undefined ? '' : ', ' + t('lex.eval.eta', { s: R.fmtNum(job.eta_seconds) });
    evalProgressText.textContent = t('lex.eval.done', { done: R.fmtNum(job.done), total: R.fmtNum(job.total) }) + eta;
  }

  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Start the test as a job and follow it until it ends: finished (the result), cancelled,
  // or failed.
  async function evaluate() {
    const body = draftBody();
    if (!body.files.length && body.categories === undefined) {
      R.clear(evalResult).appendChild(el('p', { class: 'notice' }, t('lex.nothing')));
      return;
    }
    body.days = Math.max(1, Math.min(90, parseInt(days.value, 10) || 7));
    body.examples = 5;
    R.clear(evalResult).appendChild(el('p', { class: 'muted' }, t('lex.evaluating')));
    let job;
    try {
      job = await R.api('/api/lexicons/evaluate', { method: 'POST', body: body });
    } catch (e) {
      if (e.status === 409 && e.body && e.body.id) {
        // A test of this account still runs (another tab): follow that one.
        job = { id: e.body.id, state: 'running', done: 0, total: 0, eta_seconds: null };
      } else {
        R.clear(evalResult).appendChild(R.errorBox(e));
        if (e.body && e.body.problems) evalResult.appendChild(problemsList(e.body.problems));
        return;
      }
    }
    runningJob = job.id;
    evalButton.disabled = true;
    cancelButton.disabled = false;
    evalProgress.hidden = false;
    showProgress(job);
    try {
      while (job.state === 'running') {
        await pause(400);
        job = await R.api('/api/lexicons/evaluate/' + encodeURIComponent(job.id));
        showProgress(job);
      }
    } catch (e) {
      R.clear(evalResult).appendChild(R.errorBox(e));
      job = null;
    } finally {
      runningJob = null;
      evalProgress.hidden = true;
      evalButton.disabled = false;
    }
    if (!job) return;
    if (job.state === 'finished') renderEvaluation(job.result);
    else if (job.state === 'cancelled') R.clear(evalResult).appendChild(el('p', { class: 'notice', id: 'eval-cancelled' }, t('lex.eval.cancelled', { done: R.fmtNum(job.done), total: R.fmtNum(job.total) })));
    else R.clear(evalResult).appendChild(el('p', { class: 'error', role: 'alert' }, t('lex.eval.failed') + (job.error ? ': ' + job.error : '')));
  }

  async function cancelEvaluation() {
    if (!runningJob) return;
    cancelButton.disabled = true;
    try {
      await R.api('/api/lexicons/evaluate/' + encodeURIComponent(runningJob) + '/cancel', { method: 'POST', body: {} });
    } catch (e) {
      // 409: it ended meanwhile; the next poll shows how.
      if (e.status !== 409) R.clear(evalResult).appendChild(R.errorBox(e));
    }
  }

  async function save() {
    const body = draftBody();
    if (!body.files.length && body.categories === undefined) {
      R.clear(evalResult).appendChild(el('p', { class: 'notice' }, t('lex.nothing')));
      return;
    }
    if (!reason.value.trim()) {
      R.clear(evalResult).appendChild(el('p', { class: 'error', role: 'alert' }, t('lex.reason.required')));
      reason.focus();
      return;
    }
    body.reason = reason.value.trim();
    body.base_version = base.version;
    try {
      const res = await R.api('/api/lexicons/save', { method: 'POST', body: body });
      R.clear(evalResult).appendChild(el('p', { class: 'ok', id: 'saved' }, t('lex.saved', { version: res.saved.version })));
      reason.value = '';
      drafts.clear();
      await loadFiles();
      loadHistory();
    } catch (e) {
      R.clear(evalResult).appendChild(R.errorBox(e));
      if (e.body && e.body.problems) evalResult.appendChild(problemsList(e.body.problems));
    }
  }

  // Add `term` under `[category]` of the draft of `file`: after the section's last line, or
  // in a new section at the end.
  function addTerm(file, category, term) {
    const lines = textOf(file).split('\n');
    const header = lines.findIndex((l) => l.trim() === '[' + category + ']');
    const line = term + ' | 1';
    if (header < 0) {
      if (lines.length && lines[lines.length - 1] !== '') lines.push('');
      lines.push('[' + category + ']', line, '');
    } else {
      let end = header + 1;
      while (end < lines.length && !/^\s*\[/.test(lines[end])) end++;
      while (end > header + 1 && lines[end - 1].trim() === '') end--;
      lines.splice(end, 0, line);
    }
    drafts.set(file, lines.join('\n'));
    fileSelect.value = file;
    editor.value = textOf(file);
    updateStatus();
  }

  async function loadEmerging() {
    const holder = document.getElementById('emerging');
    R.clear(holder).appendChild(el('p', { class: 'muted' }, t('loading')));
    try {
      const now = new Date();
      const res = await R.api('/api/terms/emerging?' + R.query({ from: new Date(now - 7 * 86400000).toISOString(), to: now.toISOString(), limit: 20 }));
      R.clear(holder);
      if (!res.terms.length) holder.appendChild(el('p', { class: 'muted' }, t('lex.emerging.none')));
      const lexFiles = base.files.map((f) => [f.name, f.name]);
      const cats = base.category_names.map((c) => [c.name, c.label || c.name]);
      res.terms.forEach((s, i) => {
        const fileSel = R.select('file', lexFiles, lexFiles.length ? lexFiles[0][0] : '');
        const catSel = R.select('category', cats, s.categories && s.categories.length ? s.categories[0][0] : (cats[0] || [''])[0]);
        fileSel.id = 'em-file-' + i;
        catSel.id = 'em-cat-' + i;
        const status = el('span', { role: 'status' });
        const row = el('div', { class: 'suggestion', 'data-term': s.term },
          el('p', {}, el('strong', {}, s.term), ' · ', t('lex.emerging.stats', { items: s.items, ratio: R.fmtNum(s.ratio, 1), score: R.fmtNum(s.score, 1) }),
            s.categories && s.categories.length ? ' · ' + s.categories.map((c) => c[0] + ' ' + c[1]).join(', ') : ''),
          el('div', { class: 'fields' },
            el('p', { class: 'field' }, el('label', { for: catSel.id }, t('col.category')), catSel),
            el('p', { class: 'field' }, el('label', { for: fileSel.id }, t('lex.file')), fileSel),
            el('p', {}, el('button', { type: 'button', class: 'secondary', onclick: () => { addTerm(fileSel.value, catSel.value, s.term); status.textContent = t('lex.emerging.added'); } }, t('lex.emerging.accept'))),
            el('p', {}, el('button', { type: 'button', class: 'secondary', onclick: async () => {
              try {
                await R.api('/api/terms/emerging/reject', { method: 'POST', body: { term: s.term } });
                row.remove();
                R.announce(t('lex.emerging.rejected', { term: s.term }));
              } catch (e) {
                status.textContent = t('error.prefix') + ': ' + e.message;
              }
            } }, t('lex.emerging.reject'))), status));
        holder.appendChild(row);
      });
    } catch (e) {
      R.clear(holder).appendChild(R.errorBox(e));
    }
  }

  function diffView(text) {
    return el('pre', { class: 'diff' }, text.split('\n').map((l) => el('span', { class: l.startsWith('+') && !l.startsWith('+++') ? 'diff-add' : l.startsWith('-') && !l.startsWith('---') ? 'diff-del' : '' }, l + '\n')));
  }

  async function loadHistory() {
    const holder = document.getElementById('history');
    R.clear(holder);
    try {
      const res = await R.api('/api/lexicons/history');
      if (!res.versions.length) holder.appendChild(el('p', { class: 'muted' }, t('lex.history.none')));
      for (const v of res.versions) {
        const diffHolder = el('div', {});
        const button = el('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, t('lex.history.diff'));
        button.addEventListener('click', async () => {
          if (button.getAttribute('aria-expanded') === 'true') {
            R.clear(diffHolder);
            button.setAttribute('aria-expanded', 'false');
            return;
          }
          try {
            const d = await R.api('/api/lexicons/history/' + encodeURIComponent(v.version) + '/diff');
            R.clear(diffHolder);
            if (!d.files.length) diffHolder.appendChild(el('p', { class: 'muted' }, t('lex.nochange')));
            for (const f of d.files) diffHolder.appendChild(el('div', {}, el('h4', {}, f.name + ' (' + t('lex.file.' + f.status) + ')'), diffView(f.diff)));
            button.setAttribute('aria-expanded', 'true');
          } catch (e) {
            R.clear(diffHolder).appendChild(R.errorBox(e));
          }
        });
        holder.appendChild(el('div', { class: 'version' },
          el('p', {}, el('strong', {}, v.version), ' · ', R.timeEl(v.saved_at), ' · ', v.saved_by, ' · ', v.reason, ' ', button), diffHolder));
      }
    } catch (e) {
      holder.appendChild(R.errorBox(e));
    }
  }

  async function loadFiles() {
    base = await R.api('/api/lexicons/files');
    const lex = await R.api('/api/lexicons');
    R.clear(overview).appendChild(el('h2', { id: 'h-lex' }, t('lex.categories')));
    overview.appendChild(el('p', {}, t('lex.version', { version: base.version })));
    overview.appendChild(R.table(t('lex.categories.caption'), [t('col.category'), t('lex.label'), t('lex.threshold'), t('lex.terms')],
      lex.current.categories.map((c) => [c.name, c.label || '', R.fmtNum(c.threshold, 2), R.fmtNum(c.terms)])));
    for (const c of lex.current.categories) {
      const terms = (base.terms || []).filter((x) => x.category === c.name);
      overview.appendChild(el('details', { class: 'terms' }, el('summary', {}, t('lex.terms.of', { category: c.label || c.name, n: terms.length })),
        R.table(t('lex.terms.of', { category: c.label || c.name, n: terms.length }), [t('col.term'), t('lex.kind'), t('lex.weight'), t('lex.exclusions'), t('lex.file')],
          terms.map((x) => [x.term, t('kind.' + x.kind), R.fmtNum(x.weight, 2), (x.exclusions || []).join('; '), x.file + ':' + x.line]))));
    }
    overview.appendChild(R.table(t('lex.files.caption'), [t('lex.file'), t('lex.terms')], base.files.map((f) => [f.name, R.fmtNum(f.terms)])));
    const keep = fileSelect.value;
    R.clear(fileSelect);
    for (const f of base.files) fileSelect.appendChild(el('option', { value: f.name }, f.name));
    fileSelect.appendChild(el('option', { value: CATS }, CATS));
    if (keep) fileSelect.value = keep;
    editor.value = textOf(fileSelect.value);
    updateStatus();
  }

  (async () => {
    try {
      await loadFiles();
      loadEmerging();
      loadHistory();
    } catch (e) {
      root.insertBefore(R.errorBox(e), root.firstChild);
    }
  })();
});
