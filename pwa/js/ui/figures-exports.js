// The files a ward office asks for, from the figures page: the monthly report of the
// month chosen, and the synced logs of the period and filters chosen, as XLSX or CSV.
// Fetched with the user's token (a plain link would carry none) and saved from memory.
import { requestFile } from '../api.js';
import { element } from './dom.js';
import { say, showError } from './status.js';

function save({ blob, filename }) {
  const url = URL.createObjectURL(blob);
  const link = element('a', { attrs: { href: url, download: filename } });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the browser may still be reading it to save.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function download(button, path, token) {
  button.disabled = true;
  try {
    save(await requestFile(path, { token }));
    say('figures.export_saved');
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    offerMonthly();
  }
}

// The monthly report is of one calendar month: offered only while one is chosen.
export function offerMonthly() {
  const month = document.getElementById('figures-month').value;
  for (const button of document.querySelectorAll('#figures-exports [data-report="monthly"]')) {
    button.disabled = !month;
  }
  document.getElementById('figures-monthly-hint').hidden = Boolean(month);
}

// `query()` gives the period and filters as the form holds them now.
export function wireExports(session, query) {
  const base = `/api/wards/${session.user.ward_code}`;
  for (const button of document.querySelectorAll('#figures-exports [data-report]')) {
    button.onclick = () => {
      const { report, format } = button.dataset;
      const month = document.getElementById('figures-month').value;
      const path = report === 'monthly'
        ? `${base}/reports/monthly?month=${encodeURIComponent(month)}&format=${format}`
        : `${base}/exports/${report}?${query()}&format=${format}`;
      download(button, path, session.token);
    };
  }
  offerMonthly();
}
