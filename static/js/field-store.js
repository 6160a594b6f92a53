// The field phone's local queue: every mark is written here first (IndexedDB), then sent when the
// network allows. One database per staff member, so a shared phone never sends one verifier's marks
// under another's login. A mark's client_id is made here once and travels with every resend, so the
// server records it once however many times it arrives.
(function () {
  const staff = document.body.dataset.staff || 'anon';
  const NAME = 'sampark-field-' + staff;
  const STORE = 'marks';
  let opened = null;

  function open() {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: 'client_id' });
        store.createIndex('state', 'state');
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  }

  function run(mode, work) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  window.FieldStore = {
    newId,
    put: (mark) => run('readwrite', (store) => store.put(mark)),
    all: () => run('readonly', (store) => store.getAll()),
    remove: (clientId) => run('readwrite', (store) => store.delete(clientId)),
    // Sent marks are kept a day for the verifier to see, then dropped; pending and conflicts stay.
    prune: (before) => run('readwrite', (store) => {
      store.openCursor().onsuccess = (event) => {
        const cursor = event.target.result;
        if (!cursor) return;
        if (cursor.value.state === 'sent' && cursor.value.saved_at < before) cursor.delete();
        cursor.continue();
      };
    }),
  };
})();
