// The only module that opens IndexedDB. Upgrades run in `if (oldVersion < N)` steps.

const DB_NAME = 'tsunagu';
const DB_VERSION = 1;
let opening = null;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = (event) => {
      const db = req.result;
      if (event.oldVersion < 1) {
        db.createObjectStore('session');
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

async function run(storeName, mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const req = action(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
  });
}

export function getSession() {
  return run('session', 'readonly', (store) => store.get('current'));
}

export function putSession(session) {
  return run('session', 'readwrite', (store) => store.put(session, 'current'));
}

export function clearSession() {
  return run('session', 'readwrite', (store) => store.delete('current'));
}
