// A deployed update waits until the user says so: "新しいバージョンがあります" → reload.
// Loaded as its own script and importing nothing, so that even a release whose modules
// fail to load still offers the next one.
function watchForUpdates() {
  if (!('serviceWorker' in navigator)) return;
  const banner = document.getElementById('update-banner');
  const offer = (worker) => {
    banner.hidden = false;
    document.getElementById('update-reload').onclick = () => {
      worker.postMessage({ type: 'skip-waiting' });
    };
  };
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
      });
    });
  }).catch(() => {});
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (banner.hidden || reloading) return;
    reloading = true;
    location.reload();
  });
}

watchForUpdates();
