// Red flags suggested as staff type (the operator's reason for contact, a doctor's note). The words go,
// debounced and at most 600 characters, to POST /api/v1/red-flags/suggest: the same triage.classify
// that reads SMS and IVR transcripts. The answer is drawn in a panel beside the field: the field itself
// is never written to, and focus is never moved, so a suggestion can never cost the typist a word.
// Triage's words are set as text, never HTML.
(function () {
  'use strict';
  const MAX = 600;
  const WAIT_MS = 350;
  const LAYERS = { rule: 'rule', floor: 'symptom floor', model: 'statistical model', context: 'context layer',
                  script: 'unread script' };

  const el = window.Sampark.el;  // the pages' one DOM builder (static/js/sampark.js, loaded first by base.html)

  // attach({input, panel, tickable(id) -> checkbox|null, onAccept(ids, text) -> Promise<bool>}) -> {refresh, clear}
  // Without tickable/onAccept (a doctor's note) the panel only says what triage reads.
  function attach(options) {
    const { input, panel } = options;
    let timer = null;
    let asked = '';
    let seq = 0;

    function clear() { asked = ''; seq += 1; panel.replaceChildren(); panel.hidden = true; }

    function render(text, data) {
      const tickable = options.tickable || (() => null);
      const rows = data.flags.map((flag) => {
        const box = tickable(flag.id);
        const words = flag.words.length ? ` — “${flag.words.join(' ')}”` : '';
        const label = el('span', { class: 'hint-label' }, el('b', {}, flag.label), el('span', { class: 'hi' }, ` ${flag.label_hi}`),
          el('span', { class: 'muted' }, words));
        let action = null;
        if (box && box.checked) action = el('span', { class: 'hint-done' }, '✓ ticked');
        else if (box && options.onAccept) {
          action = el('button', { type: 'button', class: 'hint-tick', 'data-flag': flag.id,
            onclick: async (event) => {
              event.currentTarget.disabled = true;
              await options.onAccept([flag.id], text);
              render(text, data);
              input.focus();  // back to the words they were typing
            } }, 'Tick');
        }
        return el('li', { class: `hint hint-${flag.priority}`, 'data-flag': flag.id },
          el('span', { class: `prio-chip small prio-${flag.priority}` }, flag.priority), label, action);
      });
      const open = data.flags.filter((f) => { const b = tickable(f.id); return b && !b.checked; });
      const all = open.length > 1 && options.onAccept ? el('button', { type: 'button', class: 'hint-tick-all',
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          await options.onAccept(open.map((f) => f.id), text);
          render(text, data);
          input.focus();
        } }, `Tick all ${open.length}`) : null;
      const head = el('p', { class: 'hint-head' },
        el('span', {}, 'Triage reads '), el('span', { class: `prio-chip small prio-${data.priority}` }, data.priority),
        el('span', { class: 'muted' }, ` set by the ${LAYERS[data.layer] || data.layer} · rules ${data.rules_version}`), all);
      const opinion = data.opinion ? el('p', { class: `hint-opinion hint-${data.opinion.layer}` },
        el('b', {}, `${LAYERS[data.opinion.layer]}: `), data.opinion.text) : null;
      if (!rows.length && !opinion) {  // nothing to suggest: say so quietly, no flags
        panel.replaceChildren(el('p', { class: 'hint-head muted' }, `Triage reads ${data.priority}: no red flag in these words.`));
      } else {
        panel.replaceChildren(...[head, rows.length ? el('ul', { class: 'hints' }, rows) : null, opinion].filter(Boolean));
      }
      panel.hidden = false;
    }

    async function ask() {
      const text = input.value.trim().slice(0, MAX);
      if (text.length < 3) { clear(); return; }
      if (text === asked) return;
      asked = text;
      const mine = ++seq;
      const { ok, data } = await window.Sampark.api('POST', '/api/v1/red-flags/suggest', { text });
      if (!ok || mine !== seq) return;  // a later keystroke has its own answer coming: this one is stale
      render(text, data);
    }

    function later() { clearTimeout(timer); timer = setTimeout(ask, WAIT_MS); }
    input.addEventListener('input', later);
    return { refresh: () => { asked = ''; later(); }, clear, now: ask };
  }

  // Fields drawn later (a doctor's case panel, patched from the server): the first keystroke in a field
  // matching `selector` attaches hints to it, shown in the element its aria-describedby names.
  function delegate(root, selector) {
    const bound = new WeakSet();
    root.addEventListener('input', (event) => {
      const input = event.target;
      if (!(input instanceof HTMLElement) || !input.matches(selector) || bound.has(input)) return;
      const panel = document.getElementById(input.getAttribute('aria-describedby') || '');
      if (!panel) return;
      bound.add(input);
      attach({ input, panel }).refresh();
    });
  }

  window.FlagHints = { attach, delegate };
}());
